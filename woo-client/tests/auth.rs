//! Auth modes as WooCommerce checks them, the plain-HTTP refusal, OAuth 1.0a vectors, and
//! secrets never leaking into Debug or errors.

mod common;

use base64::Engine as _;
use secrecy::SecretString;
use serde_json::json;
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use woo_client::auth::{sign_base_string, signature_base_string};
use woo_client::models::{OrderPatch, OrderStatus};
use woo_client::{
    AuthMode, Client, ClientError, ClientOptions, Credentials, Error, SignatureMethod,
};

use common::{CK, CS, basic_client, fixture, oauth_client, query_of, received};

fn order_response() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("order.json"), "application/json")
}

#[tokio::test]
async fn basic_auth_sends_the_key_pair_in_the_authorization_header() {
    let server = MockServer::start().await;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CK}:{CS}"))
    );
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/727"))
        .and(header("authorization", expected.as_str()))
        .respond_with(order_response())
        .expect(1)
        .mount(&server)
        .await;

    let order = basic_client(&server.uri()).orders().get(727).await.unwrap();
    assert_eq!(order.id, 727);
    let requests = received(&server).await;
    assert!(
        requests[0].url.query().is_none(),
        "Basic auth puts nothing in the URL"
    );
}

#[tokio::test]
async fn query_string_auth_sends_keys_as_parameters_and_no_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/727"))
        .and(query_param("consumer_key", CK))
        .and(query_param("consumer_secret", CS))
        .respond_with(order_response())
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::builder(server.uri())
        .credentials(Credentials::new(CK, CS))
        .query_string_auth()
        .options(ClientOptions::new().no_rate_limit())
        .build()
        .unwrap();
    assert_eq!(client.auth_mode(), AuthMode::QueryString);
    client.orders().get(727).await.unwrap();
    let requests = received(&server).await;
    assert!(!requests[0].headers.contains_key("authorization"));
}

#[test]
fn basic_and_query_keys_over_plain_http_are_refused() {
    for (builder, what) in [
        (
            Client::builder("http://shop.example.com").credentials(Credentials::new(CK, CS)),
            "basic",
        ),
        (
            Client::builder("http://shop.example.com")
                .credentials(Credentials::new(CK, CS))
                .query_string_auth(),
            "query",
        ),
        // The loopback rule does not cover other hosts.
        (
            Client::builder("http://shop.example.com")
                .credentials(Credentials::new(CK, CS))
                .options(ClientOptions::new().no_rate_limit()),
            "basic, remote host, other options",
        ),
    ] {
        let err = builder.build().expect_err(what);
        assert!(
            matches!(&err, Error::Config(e) if e.field == "base_url"),
            "{what}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("plain HTTP") && text.contains("OAuth 1.0a"),
            "{text}"
        );
        assert!(!text.contains(CS) && !text.contains(CK), "{text}");
        assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    }
    // What is allowed: HTTPS with any mode, and OAuth over plain HTTP.
    Client::builder("https://shop.example.com")
        .credentials(Credentials::new(CK, CS))
        .build()
        .unwrap();
    Client::builder("https://shop.example.com")
        .credentials(Credentials::new(CK, CS))
        .query_string_auth()
        .build()
        .unwrap();
    Client::builder("http://shop.example.com")
        .credentials(Credentials::new(CK, CS))
        .oauth1(SignatureMethod::HmacSha256)
        .build()
        .unwrap();
    // sync-core's one plain-HTTP rule: loopback (a local mock, a TLS sidecar) is accepted, and
    // any host when the user opts in (a TLS-terminating proxy they control).
    Client::builder("http://127.0.0.1:8080")
        .credentials(Credentials::new(CK, CS))
        .build()
        .unwrap();
    Client::builder("http://shop.example.com")
        .credentials(Credentials::new(CK, CS))
        .options(ClientOptions::new().allow_plain_http(true))
        .build()
        .unwrap();
}

#[test]
fn bad_site_urls_are_config_errors() {
    for site in [
        "shop.example.com",
        "ftp://shop.example.com",
        "https://u:p@shop.example.com",
        "https://shop.example.com/?x=1",
    ] {
        let err = Client::builder(site)
            .credentials(Credentials::new(CK, CS))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{site}: {err:?}");
    }
    let err = Client::builder("https://shop.example.com")
        .credentials(Credentials::new("", CS))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("must not be empty"));
}

/// The query pairs as they arrived, and the `oauth_signature` taken out of them.
fn php_params(request: &Request) -> (Vec<(String, String)>, String) {
    let mut pairs = query_of(request);
    let at = pairs.iter().position(|(k, _)| k == "oauth_signature");
    let signature = at.map(|i| pairs.remove(i).1).unwrap_or_default();
    (pairs, signature)
}

/// Recomputes the signature from what arrived, as WooCommerce does: base URI from the site URL
/// and path (not the query), parameters from the query only, the JSON body ignored.
struct WooOAuthCheck {
    site: String,
    method: SignatureMethod,
}

impl wiremock::Match for WooOAuthCheck {
    fn matches(&self, request: &Request) -> bool {
        let (params, signature) = php_params(request);
        let has = |n: &str| params.iter().any(|(k, _)| k == n);
        if ![
            "oauth_consumer_key",
            "oauth_nonce",
            "oauth_signature_method",
            "oauth_timestamp",
        ]
        .iter()
        .all(|n| has(n))
            || has("oauth_version")
        {
            return false;
        }
        let base_uri = format!("{}{}", self.site, request.url.path());
        let Ok(base) = signature_base_string(request.method.as_str(), &base_uri, &params) else {
            return false;
        };
        sign_base_string(&base, &SecretString::from(CS), self.method) == signature
    }
}

#[tokio::test]
async fn oauth1_requests_verify_the_way_woocommerce_checks_them() {
    for signature_method in [SignatureMethod::HmacSha256, SignatureMethod::HmacSha1] {
        let server = MockServer::start().await;
        let check = || WooOAuthCheck {
            site: server.uri(),
            method: signature_method,
        };
        Mock::given(method("GET"))
            .and(path("/wp-json/wc/v3/orders"))
            .and(query_param(
                "oauth_signature_method",
                signature_method.as_str(),
            ))
            .and(query_param("status[0]", "on-hold"))
            .and(query_param("status[1]", "processing"))
            .and(query_param("search", "café au lait 100%"))
            .and(check())
            .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path("/wp-json/wc/v3/orders/727"))
            .and(check())
            .respond_with(order_response())
            .expect(1)
            .mount(&server)
            .await;

        let client = oauth_client(&server.uri(), signature_method);
        let page = client
            .orders()
            .list()
            .status([OrderStatus::OnHold, OrderStatus::Processing])
            .search("café au lait 100%")
            .send()
            .await
            .unwrap();
        assert!(page.items.is_empty());
        // A JSON body is not part of the signature, and its request still verifies.
        client
            .orders()
            .update(
                727,
                &OrderPatch::status(OrderStatus::Completed).with_meta("k", json!({"a": [1]})),
            )
            .await
            .unwrap();
        let put = &received(&server).await[1];
        let body: serde_json::Value = serde_json::from_slice(&put.body).unwrap();
        assert_eq!(body["status"], "completed");
        assert!(query_of(put).iter().all(|(k, _)| !k.contains("status")));
    }
}

#[tokio::test]
async fn oauth1_signs_with_the_home_url_including_a_subdirectory() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/shop/wp-json/wc/v3/orders/727"))
        .and(WooOAuthCheck {
            site: server.uri(),
            method: SignatureMethod::HmacSha256,
        })
        .respond_with(order_response())
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth_client(
        &format!("{}/shop", server.uri()),
        SignatureMethod::HmacSha256,
    );
    client.orders().get(727).await.unwrap();
}

#[tokio::test]
async fn every_attempt_gets_a_fresh_nonce_and_signature() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(order_response())
        .mount(&server)
        .await;
    oauth_client(&server.uri(), SignatureMethod::HmacSha256)
        .orders()
        .get(727)
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    let nonce = |r: &Request| common::query_value(r, "oauth_nonce").unwrap();
    let sig = |r: &Request| common::query_value(r, "oauth_signature").unwrap();
    assert_ne!(nonce(&requests[0]), nonce(&requests[1]));
    assert_ne!(sig(&requests[0]), sig(&requests[1]));
    assert_eq!(nonce(&requests[0]).len(), 32);
}

/// Vectors computed by hand from WooCommerce's documented rules, and checked with a separate
/// Python implementation (`urllib.parse.quote(safe='-_.~')`, `hmac`).
#[test]
fn oauth1_matches_hand_computed_vectors() {
    // Unicode, spaces and `%` in a value; a list parameter as `status[0]`, `status[1]`.
    let params = [
        ("oauth_consumer_key", "ck_test"),
        ("oauth_nonce", "nonce123"),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", "1700000000"),
        ("status[0]", "on-hold"),
        ("status[1]", "processing"),
        ("search", "café au lait 100%"),
    ];
    let base =
        signature_base_string("GET", "http://example.com/wp-json/wc/v3/orders", &params).unwrap();
    assert_eq!(
        base,
        "GET&http%3A%2F%2Fexample.com%2Fwp-json%2Fwc%2Fv3%2Forders&\
         oauth_consumer_key%3Dck_test%26oauth_nonce%3Dnonce123%26\
         oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26\
         search%3Dcaf%25C3%25A9%2520au%2520lait%2520100%2525%26\
         status%255B0%255D%3Don-hold%26status%255B1%255D%3Dprocessing"
    );
    assert_eq!(
        sign_base_string(
            &base,
            &SecretString::from("cs_secret"),
            SignatureMethod::HmacSha256
        ),
        "dCeJ/G08MFOqFA0sg1PPoAb8zAbegRUgxyqSnpFkMzc="
    );

    // Names sorted by raw bytes before encoding (so `z` < `é`, where RFC 5849's sort of the
    // encoded `%C3%A9` would put it first); `+` and `~` in values; a subdirectory home URL;
    // HMAC-SHA1.
    let params = [
        ("z", "1"),
        ("é", "ü"),
        ("q", "a+b~c"),
        ("force", "true"),
        ("oauth_consumer_key", "ck_test"),
        ("oauth_nonce", "abc"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1700000001"),
    ];
    let base = signature_base_string(
        "PUT",
        "http://example.com/shop/wp-json/wc/v3/orders/727",
        &params,
    )
    .unwrap();
    assert_eq!(
        base,
        "PUT&http%3A%2F%2Fexample.com%2Fshop%2Fwp-json%2Fwc%2Fv3%2Forders%2F727&\
         force%3Dtrue%26oauth_consumer_key%3Dck_test%26oauth_nonce%3Dabc%26\
         oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000001%26\
         q%3Da%252Bb~c%26z%3D1%26%25C3%25A9%3D%25C3%25BC"
    );
    assert_eq!(
        sign_base_string(
            &base,
            &SecretString::from("cs_secret"),
            SignatureMethod::HmacSha1
        ),
        "gPQ6lD/yzPDpQ7eeG3lL4KGSD0Q="
    );
}

fn unauthorized() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .insert_header(
            "WWW-Authenticate",
            "Basic realm=\"WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field.\"",
        )
        .set_body_json(json!({
            "code": "woocommerce_rest_authentication_error",
            "message": "Consumer secret is invalid.",
            "data": {"status": 401}
        }))
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(unauthorized())
        .mount(&server)
        .await;

    let clients = [
        basic_client(&server.uri()),
        Client::builder(server.uri())
            .credentials(Credentials::new(CK, CS))
            .query_string_auth()
            .options(ClientOptions::new().no_rate_limit())
            .build()
            .unwrap(),
        oauth_client(&server.uri(), SignatureMethod::HmacSha256),
    ];
    for client in clients {
        let debug = format!("{client:?}");
        assert!(!debug.contains(CK) && !debug.contains(CS), "{debug}");

        let err = client.orders().get(727).await.unwrap_err();
        let shown = format!("{err} / {err:?}");
        assert!(!shown.contains(CK), "consumer key leaked: {shown}");
        assert!(!shown.contains(CS), "consumer secret leaked: {shown}");
        // The error still says what to fix, and it is not retried.
        assert!(shown.contains("check the consumer secret"), "{shown}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    }
    let creds = Credentials::new(CK, CS);
    let shown = format!(
        "{creds:?} {:?}",
        Client::builder("https://x.test").credentials(creds.clone())
    );
    assert!(!shown.contains(CK) && !shown.contains(CS), "{shown}");
    // The query-string and OAuth requests did carry credentials, redacted in the error URL.
    let requests = received(&server).await;
    assert!(
        requests
            .iter()
            .any(|r| common::query_value(r, "consumer_secret").as_deref() == Some(CS))
    );
}

#[tokio::test]
async fn a_wrong_secret_fails_the_server_side_check() {
    // Guards the check above: a client signing with another secret must not match it.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(WooOAuthCheck {
            site: server.uri(),
            method: SignatureMethod::HmacSha256,
        })
        .respond_with(order_response())
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .credentials(Credentials::new(CK, "cs_other"))
        .oauth1(SignatureMethod::HmacSha256)
        .options(ClientOptions::new().no_rate_limit())
        .build()
        .unwrap();
    let err = client.orders().get(727).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
}

#[tokio::test]
async fn requests_name_the_client_unless_the_options_say_otherwise() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(order_response())
        .mount(&server)
        .await;
    basic_client(&server.uri()).orders().get(727).await.unwrap();
    Client::builder(server.uri())
        .credentials(Credentials::new(CK, CS))
        .options(ClientOptions::new().user_agent("my-shop-sync/1.0"))
        .build()
        .unwrap()
        .orders()
        .get(727)
        .await
        .unwrap();
    let agents: Vec<String> = received(&server)
        .await
        .iter()
        .map(|r| r.headers["user-agent"].to_str().unwrap().to_string())
        .collect();
    assert!(agents[0].starts_with("woo-client/"), "{agents:?}");
    assert_eq!(agents[1], "my-shop-sync/1.0");
}
