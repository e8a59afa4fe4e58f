//! OAuth 1.0a as WooCommerce's server code rebuilds it (issue 10 §3): nested keys, queries in
//! escape-hatch paths, names PHP rewrites, the home URL's case, the legacy `wc-api` rules, and
//! the nonce/timestamp seam.

mod common;

use secrecy::SecretString;
use serde_json::json;
use sync_core::http::ApiRequest;
use sync_core::http::reqwest::Method;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use woo_client::auth::{
    LegacyApi, OAuthStamp, SigningRules, sign_base_string, sign_base_string_for,
    signature_base_string, signature_base_string_for,
};
use woo_client::{Client, ClientOptions, Credentials, Error, SignatureMethod};

use common::{CK, CS, fast_retries, query_of, received};

const OAUTH: [(&str, &str); 4] = [
    ("oauth_consumer_key", "ck_test"),
    ("oauth_nonce", "nonce123"),
    ("oauth_signature_method", "HMAC-SHA256"),
    ("oauth_timestamp", "1700000000"),
];

/// Golden base string derived by hand from `WC_REST_Authentication::check_oauth_signature`:
/// PHP's `$_GET` is `{meta: {"key with space": "v a"}, a: {b: {"c d": "1"}}, x: [p, q], oauth_*}`;
/// `uksort` on the top-level names gives a, meta, oauth_*, x; `normalize_parameters` encodes the
/// top-level names and the values (`v a` → `v%20a`) but not the nested keys; `join_with_equals_sign`
/// writes `meta%5Bkey with space%5D=v%20a` and `wc_rest_urlencode_rfc3986` encodes that whole
/// pair once more: the nested key's space becomes `%20`, the value's `%2520`.
#[test]
fn nested_keys_are_encoded_the_way_woocommerce_rebuilds_them() {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("meta[key with space]", "v a"),
        ("x[]", "p"),
        ("x[]", "q"),
        ("a[b][c d]", "1"),
    ];
    pairs.extend(OAUTH);
    let base =
        signature_base_string("GET", "http://example.com/wp-json/wc/v3/products", &pairs).unwrap();
    assert_eq!(
        base,
        "GET&http%3A%2F%2Fexample.com%2Fwp-json%2Fwc%2Fv3%2Fproducts&\
         a%255Bb%255D%255Bc%20d%255D%3D1%26\
         meta%255Bkey%20with%20space%255D%3Dv%2520a%26\
         oauth_consumer_key%3Dck_test%26oauth_nonce%3Dnonce123%26\
         oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26\
         x%255B0%255D%3Dp%26x%255B1%255D%3Dq"
    );
    // HMAC-SHA256 with `cs_secret&`, computed with Python's hmac.
    assert_eq!(
        sign_base_string(
            &base,
            &SecretString::from("cs_secret"),
            SignatureMethod::HmacSha256
        ),
        "ESsMOIQYkAKQ3WUhn+yp+JRguFKeutKimETOvgnRiJ8="
    );
}

/// Golden base string from the legacy v2 `check_oauth_signature`: `filter` flattened to
/// `filter[created_at_min]`, each name and value `rawurlencode(rawurldecode())` with `%` doubled,
/// sorted after encoding, joined with `%3D`/`%26`; the HMAC key is the bare secret.
#[test]
fn legacy_v1_v2_sign_with_the_bare_secret() {
    let mut pairs: Vec<(&str, &str)> = vec![("filter[created_at_min]", "2024-01-01 10:00")];
    pairs.extend(OAUTH);
    let base = signature_base_string_for(
        SigningRules::LegacyV1V2,
        "GET",
        "http://example.com/wc-api/v2/orders",
        &pairs,
    )
    .unwrap();
    assert_eq!(
        base,
        "GET&http%3A%2F%2Fexample.com%2Fwc-api%2Fv2%2Forders&\
         filter%255Bcreated_at_min%255D%3D2024-01-01%252010%253A00%26\
         oauth_consumer_key%3Dck_test%26oauth_nonce%3Dnonce123%26\
         oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000"
    );
    let secret = SecretString::from("cs_secret");
    // Python: hmac.new(b"cs_secret", base, sha256) — no `&`.
    assert_eq!(
        sign_base_string_for(
            SigningRules::LegacyV1V2,
            &base,
            &secret,
            SignatureMethod::HmacSha256
        ),
        "NoDRQ//8H7WOUKg+eK99C9lmoznxytVeDVsYkltZ4UY="
    );
    // The REST rule (`secret&`) gives another signature, which the legacy server refuses.
    assert_eq!(
        sign_base_string(&base, &secret, SignatureMethod::HmacSha256),
        "cn3wQ/eqPS9IxXkdo+jN8PoNIU+eda6+cewE6kE/++s="
    );
    // v1/v2 cannot sign any other array (PHP's rawurldecode() fails on it): refused.
    let err = signature_base_string_for(
        SigningRules::LegacyV1V2,
        "GET",
        "http://example.com/wc-api/v2/orders",
        &[("status[0]", "processing")],
    )
    .unwrap_err();
    assert!(err.to_string().contains("filter"), "{err}");
    // v3 signs one level of arrays, the inner key raw inside `%255B…%255D`, key `secret&`.
    let base = signature_base_string_for(
        SigningRules::LegacyV3,
        "GET",
        "http://example.com/wc-api/v3/orders",
        &[("filter[a b]", "1"), ("page", "2")],
    )
    .unwrap();
    assert_eq!(
        base,
        "GET&http%3A%2F%2Fexample.com%2Fwc-api%2Fv3%2Forders&filter%255Ba b%255D%3D1%26page%3D2"
    );
}

/// Recomputes the signature from what arrived, for the given home URL and rules.
struct ServerCheck {
    home: String,
    rules: SigningRules,
}

impl wiremock::Match for ServerCheck {
    fn matches(&self, request: &Request) -> bool {
        let mut pairs = query_of(request);
        let Some(at) = pairs.iter().position(|(k, _)| k == "oauth_signature") else {
            return false;
        };
        let signature = pairs.remove(at).1;
        // WooCommerce signs `array_merge($_GET, $_POST)`: a form body's fields count too.
        let is_form = request.headers.get("content-type").is_some_and(|v| {
            v.as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        });
        if is_form {
            pairs.extend(url::form_urlencoded::parse(&request.body).into_owned());
        }
        let base_uri = format!("{}{}", self.home, request.url.path());
        let Ok(base) =
            signature_base_string_for(self.rules, request.method.as_str(), &base_uri, &pairs)
        else {
            return false;
        };
        sign_base_string_for(
            self.rules,
            &base,
            &SecretString::from(CS),
            SignatureMethod::HmacSha256,
        ) == signature
    }
}

fn oauth_builder(site: &str) -> woo_client::ClientBuilder {
    Client::builder(site)
        .credentials(Credentials::new(CK, CS))
        .oauth1(SignatureMethod::HmacSha256)
        .options(
            ClientOptions::new()
                .retry_policy(fast_retries())
                .no_rate_limit(),
        )
}

#[tokio::test]
async fn a_query_in_an_escape_hatch_path_is_signed_as_parameters() {
    let server = MockServer::start().await;
    let check = || ServerCheck {
        home: server.uri(),
        rules: SigningRules::Rest,
    };
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/reports/sales"))
        .and(query_param("period", "week"))
        .and(query_param("date_min", "2024-01-01"))
        .and(check())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"total_sales": "10.00"}])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/products/794"))
        .and(query_param("meta[key with space]", "v a"))
        .and(query_param("force", "true"))
        .and(check())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 794})))
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth_builder(&server.uri()).build().unwrap();

    let report: serde_json::Value = client
        .get_json("reports/sales?period=week", &[("date_min", "2024-01-01")])
        .await
        .unwrap();
    assert_eq!(report[0]["total_sales"], "10.00");
    // send_json takes a query too; nested keys with spaces verify.
    let product: serde_json::Value = client
        .send_json(
            Method::PUT,
            "products/794?force=true",
            &[("meta[key with space]", "v a")],
            &json!({"regular_price": "21.99"}),
        )
        .await
        .unwrap();
    assert_eq!(product["id"], 794);
}

#[tokio::test]
async fn names_php_would_rewrite_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = oauth_builder(&server.uri()).build().unwrap();
    for (path, query, why) in [
        ("orders", vec![("billing.email", "a@example.com")], "`_`"),
        (
            "orders",
            vec![("status", "processing"), ("status", "on-hold")],
            "last",
        ),
        ("orders?page=1", vec![("page", "2")], "last"),
        ("orders", vec![("include[", "5")], "closing"),
        ("orders#x", vec![], "fragment"),
    ] {
        let err = client
            .get_json::<serde_json::Value>(path, &query)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { .. }) && err.to_string().contains(why),
            "{path} {query:?}: {err}"
        );
    }
    assert!(received(&server).await.is_empty(), "nothing was sent");

    // `x[]` is mirrored: PHP reads include[0], include[1], and that is what is signed.
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders"))
        .and(ServerCheck {
            home: server.uri(),
            rules: SigningRules::Rest,
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let _: serde_json::Value = client
        .get_json("orders", &[("include[]", "723"), ("include[]", "727")])
        .await
        .unwrap();
}

#[tokio::test]
async fn the_home_url_is_signed_with_its_case_as_configured() {
    let server = MockServer::start().await;
    let port = server.address().port();
    // WordPress signs its home option as stored; `url::Url` would lowercase the host.
    let home = format!("http://LocalHost:{port}");
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/727"))
        .and(ServerCheck {
            home: home.clone(),
            rules: SigningRules::Rest,
        })
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(common::fixture("order.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth_builder(&home).build().unwrap();
    assert_eq!(client.orders().get(727).await.unwrap().id, 727);
}

#[tokio::test]
async fn legacy_api_requests_verify_by_the_legacy_rules() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wc-api/v2/orders"))
        .and(query_param("filter[created_at_min]", "2024-01-01"))
        .and(ServerCheck {
            home: server.uri(),
            rules: SigningRules::LegacyV1V2,
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"orders": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth_builder(&server.uri())
        .legacy_api(LegacyApi::V2)
        .build()
        .unwrap();
    let answer: serde_json::Value = client
        .get_json("orders", &[("filter[created_at_min]", "2024-01-01")])
        .await
        .unwrap();
    assert_eq!(answer, json!({"orders": []}));
}

#[tokio::test]
async fn nonce_and_timestamp_can_be_pinned() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let client = oauth_builder(&server.uri())
        .oauth_stamps(|| OAuthStamp {
            nonce: "nonce123".into(),
            timestamp: 1_700_000_000,
        })
        .build()
        .unwrap();
    let _: serde_json::Value = client
        .get_json("products", &[("meta[key with space]", "v a")])
        .await
        .unwrap();
    let request = &received(&server).await[0];
    let query = query_of(request);
    let value = |n: &str| {
        query
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(value("oauth_nonce"), "nonce123");
    assert_eq!(value("oauth_timestamp"), "1700000000");
    // With the stamp pinned the signature is a pure function of the request.
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "oauth_signature")
        .cloned()
        .collect();
    pairs.sort();
    let base = signature_base_string(
        "GET",
        &format!("{}/wp-json/wc/v3/products", server.uri()),
        &pairs,
    )
    .unwrap();
    assert_eq!(
        value("oauth_signature"),
        sign_base_string(&base, &SecretString::from(CS), SignatureMethod::HmacSha256)
    );
}

#[tokio::test]
async fn a_form_body_is_signed_with_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/727/notes"))
        .and(query_param("context", "edit"))
        .and(ServerCheck {
            home: server.uri(),
            rules: SigningRules::Rest,
        })
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 281})))
        .expect(1)
        .mount(&server)
        .await;
    let client = oauth_builder(&server.uri()).build().unwrap();
    let request = ApiRequest::<serde_json::Value>::post("orders.notes.form", "orders/727/notes")
        .query("context", "edit")
        .form(vec![
            ("note".into(), "paid by bank transfer".into()),
            ("customer_note".into(), "false".into()),
        ]);
    let note = client.api().send(request).await.unwrap();
    assert_eq!(note["id"], 281);
    // The form fields stay in the body; only the `oauth_*` parameters join the query.
    let query = query_of(&received(&server).await[0]);
    assert!(query.iter().all(|(k, _)| k != "note"), "{query:?}");
}

#[tokio::test]
async fn the_kits_sender_refuses_php_rewrites_in_every_auth_mode() {
    // `Client::api()` skips the client's argument check; the vendor's per-attempt
    // authorization refuses the same names, so nothing PHP would misread is ever sent.
    let server = MockServer::start().await;
    let client = common::basic_client(&server.uri());
    let request = ApiRequest::<serde_json::Value>::get("orders.raw", "orders")
        .query("billing.email", "a@example.com");
    let err = client.api().send(request).await.unwrap_err();
    assert!(
        matches!(&err, Error::Http(e) if e.to_string().contains("`_`")),
        "{err:?}"
    );
    assert!(received(&server).await.is_empty(), "nothing was sent");
}
