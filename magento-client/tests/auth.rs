//! Every auth mode against a mock Magento: OAuth 1.0a verified the way Magento verifies it,
//! Bearer (and its 2.4.4+ refusal), admin login with renewal; secrets never printed.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use chrono::{TimeZone, Utc};
use common::*;
use hmac::{Hmac, Mac};
use magento_client::sync_core::http::ClientError;
use magento_client::sync_core::http::reqwest::Url;
use magento_client::sync_core::{Classify, PermanentKind, Verdict};
use magento_client::{
    AdminCredentials, Client, Credentials, Error, Filter, OAuth1Credentials, SearchCriteria,
    SortDirection,
};
use serde_json::json;
use sha2::Sha256;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

const CK: &str = "ck-abc";
const CS: &str = "cs s3cret";
const AT: &str = "at-def";
const ATS: &str = "ats&secret";

// ---- A verifier written from Magento's server code, independent of the crate's signer. ----

fn rawurlencode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// PHP `rawurldecode`: `%XX` a byte, `+` stays a `+`. What Magento's
/// `Request::_extractQueryStringParams` applies to the query.
fn rawurldecode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// PHP `urldecode`: `+` is a space, `%XX` a byte. What magento/magento2 PR #34896 (and builds
/// that applied it) use for the query instead.
fn urldecode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Natural order by chunks: digit runs compare as numbers, other runs bytewise.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in s.chars() {
            match out.last_mut() {
                Some(last)
                    if last.chars().last().unwrap().is_ascii_digit() == c.is_ascii_digit() =>
                {
                    last.push(c)
                }
                _ => out.push(c.to_string()),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let ord = match (x.parse::<u128>(), y.parse::<u128>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            _ => x.as_bytes().cmp(y.as_bytes()),
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}

/// Magento's check: Helper\Request::_processRequest (header + raw query, `explode` and
/// `rawurldecode`) and the HMAC-SHA256 signer (rawurlencode, strnatcmp sort, base string).
struct MagentoOAuthVerifier {
    consumer_secret: &'static str,
    token_secret: &'static str,
    seen: Arc<AtomicUsize>,
    /// How the query is decoded: [`rawurldecode`] (Magento) or [`urldecode`] (PR #34896).
    query_decode: fn(&str) -> String,
}

impl Match for MagentoOAuthVerifier {
    fn matches(&self, request: &Request) -> bool {
        let Some(auth) = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let Some(rest) = auth.strip_prefix("OAuth ") else {
            return false;
        };
        let mut params: Vec<(String, String)> = Vec::new();
        let mut signature = None;
        for part in rest.split(',') {
            let Some((k, v)) = part.trim().split_once('=') else {
                continue;
            };
            let v = percent_encoding::percent_decode_str(v.trim_matches('"'))
                .decode_utf8_lossy()
                .into_owned();
            if k == "oauth_signature" {
                signature = Some(v);
            } else {
                params.push((k.to_string(), v));
            }
        }
        if let Some(query) = request.url.query() {
            for pair in query.split('&') {
                let parts: Vec<&str> = pair.split('=').collect();
                if parts.len() == 2 && !parts[0].starts_with("oauth_") {
                    params.push(((self.query_decode)(parts[0]), (self.query_decode)(parts[1])));
                }
            }
        }
        let mut encoded: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (rawurlencode(k), rawurlencode(v)))
            .collect();
        encoded.sort_by(|a, b| natural_cmp(&a.0, &b.0));
        let joined = encoded
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        // Magento rebuilds the URL from the scheme, the Host header and the request URI.
        let host = request.headers.get("host").unwrap().to_str().unwrap();
        let base_url = format!("{}://{}{}", request.url.scheme(), host, request.url.path());
        let base = format!(
            "{}&{}&{}",
            request.method.as_str(),
            rawurlencode(&base_url),
            rawurlencode(&joined)
        );
        let key = format!(
            "{}&{}",
            rawurlencode(self.consumer_secret),
            rawurlencode(self.token_secret)
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(base.as_bytes());
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let ok = signature.as_deref() == Some(expected.as_str());
        if ok {
            self.seen.fetch_add(1, Ordering::SeqCst);
        }
        ok
    }
}

/// Criteria that stress the encoding: brackets, 12 groups (natural sort: [2] before [10]),
/// spaces, `%`, `:`, commas, `+` and non-ASCII in values.
fn awkward_criteria() -> SearchCriteria {
    let mut c = SearchCriteria::new()
        .filter(Filter::gteq(
            "updated_at",
            Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
        ))
        .filter(Filter::like("customer_lastname", "%Müller 2+%"))
        .filter(Filter::in_list("store_id", [1u32, 2, 3]));
    for i in 3..12 {
        c = c.filter(Filter::neq("status", format!("s{i}")));
    }
    c.sort("entity_id", SortDirection::Asc).page_size(7)
}

#[tokio::test]
async fn oauth1_signature_verifies_like_magento_across_retries() {
    oauth1_signature_verifies_across_retries(rawurldecode).await;
}

/// Spaces are sent as `%20`, never `+`: a server that decodes the query with `urldecode`
/// (PR #34896) computes the same signature as Magento's `rawurldecode`.
#[tokio::test]
async fn oauth1_signature_also_verifies_where_the_query_is_urldecoded() {
    oauth1_signature_verifies_across_retries(urldecode).await;
}

async fn oauth1_signature_verifies_across_retries(query_decode: fn(&str) -> String) {
    let server = MockServer::start().await;
    let seen = Arc::new(AtomicUsize::new(0));
    let verifier = || MagentoOAuthVerifier {
        consumer_secret: CS,
        token_secret: ATS,
        seen: seen.clone(),
        query_decode,
    };
    // First attempt: 503 (retried, re-signed with a fresh nonce), then 200.
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .and(verifier())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .and(verifier())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [], "total_count": 0})),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri(), Credentials::oauth1(CK, CS, AT, ATS));
    let page = client.orders().search(&awkward_criteria()).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(
        seen.load(Ordering::SeqCst),
        2,
        "both attempts carried a valid signature"
    );

    let requests = server.received_requests().await.unwrap();
    let nonce = |r: &Request| {
        let h = r
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        h.split("oauth_nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    assert_ne!(
        nonce(&requests[0]),
        nonce(&requests[1]),
        "each attempt signs with a fresh nonce"
    );
}

#[tokio::test]
async fn oauth1_wrong_secret_is_refused_by_the_verifier() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(MagentoOAuthVerifier {
            consumer_secret: CS,
            token_secret: ATS,
            seen: Arc::default(),
            query_decode: rawurldecode,
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "The signature is invalid. Verify and try again."
        })))
        .mount(&server)
        .await;
    let client = client(
        &server.uri(),
        Credentials::oauth1(CK, "wrong-consumer-secret", AT, ATS),
    );
    let err = client
        .orders()
        .search(&SearchCriteria::new())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    let text = err.to_string();
    assert!(text.contains("The signature is invalid"), "{text}");
    assert!(
        text.contains("server clock"),
        "the hint names the clock: {text}"
    );
    let debug = format!("{err:?}");
    for secret in [CK, "wrong-consumer-secret", AT, ATS] {
        assert!(!text.contains(secret), "{text}");
        assert!(!debug.contains(secret), "{debug}");
    }
}

/// A fixed vector computed by an independent Python port of Magento's verifier
/// (`Request::_processRequest` + `Hmac256::sign`): nonce `n0nce`, timestamp 1700000000,
/// `GET https://shop.example:8443/index.php/rest/V1/orders?<awkward criteria>`.
#[test]
fn oauth1_golden_vector() {
    let query = awkward_criteria().to_query_string();
    let url = Url::parse(&format!(
        "https://shop.example:8443/index.php/rest/V1/orders?{query}"
    ))
    .unwrap();
    let creds = OAuth1Credentials::new(CK, CS, AT, ATS);
    let header = creds
        .authorization_header("GET", &url, "n0nce", 1_700_000_000)
        .unwrap();
    let signature = header
        .split("oauth_signature=\"")
        .nth(1)
        .unwrap()
        .trim_end_matches('"');
    let signature = percent_encoding::percent_decode_str(signature)
        .decode_utf8()
        .unwrap();
    assert_eq!(signature, GOLDEN_SIGNATURE);
}

const GOLDEN_SIGNATURE: &str = "bJkCZFKJ0KoM+zKyaibdM2bXHnzupJTI4QY+hnAZSfk=";

#[tokio::test]
async fn bearer_sends_the_token_and_explains_the_244_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders/3"))
        .and(header("authorization", "Bearer integration-token-0123"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("order.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders/4"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(fixture("error_consumer_not_authorized.json")),
        )
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());
    assert_eq!(
        client.orders().get(3).await.unwrap().increment_id,
        "000000003"
    );

    let err = client.orders().get(4).await.unwrap_err();
    assert!(matches!(err, Error::BearerRefused { .. }), "{err:?}");
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    let text = err.to_string();
    assert!(
        text.contains("The consumer isn't authorized to access Magento_Sales::actions_view."),
        "placeholders filled: {text}"
    );
    assert!(
        text.contains("oauth/consumer/enable_integration_as_bearer"),
        "{text}"
    );
    assert!(text.contains("Allow OAuth Access Tokens to be used as standalone Bearer tokens"));
    assert!(text.contains("Credentials::oauth1"), "{text}");
    assert!(!text.contains("integration-token-0123"), "{text}");
    assert!(!format!("{err:?}").contains("integration-token-0123"));
    // A 401 is final: sent once.
    let fours = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/4"))
        .count();
    assert_eq!(fours, 1);
}

/// Counts logins and hands out numbered tokens.
struct TokenIssuer(Arc<AtomicUsize>);
impl Respond for TokenIssuer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!(format!("admin-token-{n}")))
    }
}

async fn admin_server(logins: Arc<AtomicUsize>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/V1/integration/admin/token"))
        .and(body_json(
            json!({"username": "sync-bot", "password": "pa55-w0rd"}),
        ))
        .respond_with(TokenIssuer(logins))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn admin_token_is_reused_then_renewed_before_expiry() {
    let logins = Arc::new(AtomicUsize::new(0));
    let server = admin_server(logins.clone()).await;
    for token in ["admin-token-1", "admin-token-2"] {
        Mock::given(method("GET"))
            .and(path("/rest/V1/store/websites"))
            .and(header("authorization", format!("Bearer {token}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_string(fixture("websites.json")))
            .mount(&server)
            .await;
    }
    // A 400 ms token renewed 200 ms before expiry: used for 200 ms.
    let creds = AdminCredentials::new("sync-bot", "pa55-w0rd")
        .token_lifetime(Duration::from_millis(400))
        .renew_before(Duration::from_millis(200));
    let client = client(&server.uri(), Credentials::Admin(creds));

    // Concurrent first calls share one login.
    let calls = (0..5).map(|_| {
        let c = client.clone();
        async move { c.stores().websites().await }
    });
    for r in futures_util::future::join_all(calls).await {
        assert_eq!(r.unwrap().len(), 3);
    }
    assert_eq!(logins.load(Ordering::SeqCst), 1);
    client.stores().websites().await.unwrap();
    assert_eq!(logins.load(Ordering::SeqCst), 1, "token reused while fresh");

    tokio::time::sleep(Duration::from_millis(250)).await;
    client.stores().websites().await.unwrap();
    assert_eq!(
        logins.load(Ordering::SeqCst),
        2,
        "renewed before the token expired"
    );
    let last = server.received_requests().await.unwrap().pop().unwrap();
    assert_eq!(
        last.headers.get("authorization").unwrap(),
        "Bearer admin-token-2"
    );
}

#[tokio::test]
async fn admin_token_revoked_early_is_renewed_once_on_401() {
    let logins = Arc::new(AtomicUsize::new(0));
    let server = admin_server(logins.clone()).await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/store/storeViews"))
        .and(header("authorization", "Bearer admin-token-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "The consumer isn't authorized to access %resources.",
            "parameters": {"resources": "Magento_Backend::store"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/store/storeViews"))
        .and(header("authorization", "Bearer admin-token-2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("store_views.json")))
        .mount(&server)
        .await;
    let client = client(&server.uri(), Credentials::admin("sync-bot", "pa55-w0rd"));
    let views = client.stores().store_views().await.unwrap();
    assert_eq!(views.len(), 4);
    assert_eq!(logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_user_without_the_right_logs_in_again_once_not_on_every_call() {
    let logins = Arc::new(AtomicUsize::new(0));
    let server = admin_server(logins.clone()).await;
    // Every token is refused: the admin user lacks the ACL resource (same 401 as a revoked token).
    Mock::given(method("GET"))
        .and(path("/rest/V1/store/storeViews"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "The consumer isn't authorized to access %resources.",
            "parameters": {"resources": "Magento_Backend::store"}
        })))
        .mount(&server)
        .await;
    let client = client(&server.uri(), Credentials::admin("sync-bot", "pa55-w0rd"));
    for _ in 0..3 {
        let err = client.stores().store_views().await.unwrap_err();
        assert!(err.to_string().contains("Magento_Backend::store"), "{err}");
    }
    assert_eq!(
        logins.load(Ordering::SeqCst),
        2,
        "one login, one more after the first refusal, then none"
    );
}

#[tokio::test]
async fn admin_login_failures_say_what_to_do_without_the_password() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/V1/integration/admin/token"))
        .and(body_json(
            json!({"username": "twofa", "password": "pa55-w0rd"}),
        ))
        .respond_with(ResponseTemplate::new(401).set_body_string(fixture("error_admin_2fa.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/V1/integration/admin/token"))
        .respond_with(ResponseTemplate::new(401).set_body_string(fixture("error_admin_login.json")))
        .mount(&server)
        .await;

    let c = client(&server.uri(), Credentials::admin("twofa", "pa55-w0rd"));
    let err = c.orders().get(1).await.unwrap_err();
    match &err {
        Error::AdminTwoFactorRequired { providers, .. } => assert_eq!(providers, &["google"]),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("System > Extensions > Integrations")
    );

    let c = client(&server.uri(), Credentials::admin("sync-bot", "wrong-pa55"));
    let err = c.orders().get(1).await.unwrap_err();
    assert!(
        matches!(err, Error::AdminLoginRejected { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("sync-bot") && text.contains("sign-in was incorrect"),
        "{text}"
    );
    assert!(!text.contains("wrong-pa55"), "{text}");
}

#[tokio::test]
async fn an_undecodable_admin_token_response_never_shows_the_token() {
    // An extension (or proxy) wraps the token in an object: decoding fails, and the error must
    // not quote the body, because the body is the token.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/V1/integration/admin/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token": "adm1n-t0ken-xyz", "ttl": 14400})),
        )
        .mount(&server)
        .await;
    let c = client(&server.uri(), Credentials::admin("sync-bot", "pa55-w0rd"));
    let err = c.orders().get(1).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("integration.admin_token"), "{text}");
    assert!(text.contains("withheld"), "{text}");
    for secret in ["adm1n-t0ken-xyz", "pa55-w0rd"] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused_for_bearer_and_admin() {
    for auth in [
        Credentials::integration_bearer("integration-token-0123"),
        Credentials::admin("sync-bot", "pa55-w0rd"),
    ] {
        let err = Client::builder("http://shop.example")
            .credentials(auth.clone())
            .build()
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("plain http://"), "{text}");
        assert!(
            !text.contains("integration-token-0123") && !text.contains("pa55-w0rd"),
            "{text}"
        );
        // The mock servers of these tests are loopback, which stays allowed.
        assert!(
            Client::builder("http://127.0.0.1:8080")
                .credentials(auth)
                .build()
                .is_ok()
        );
    }
}

#[test]
fn debug_of_client_and_credentials_never_shows_secrets() {
    let secrets = [CK, CS, AT, ATS, "pa55-w0rd", "integration-token-0123"];
    let clients = [
        Client::builder("https://shop.example").credentials(Credentials::oauth1(CK, CS, AT, ATS)),
        Client::builder("https://shop.example")
            .credentials(Credentials::admin("sync-bot", "pa55-w0rd")),
        Client::builder("https://shop.example")
            .credentials(Credentials::integration_bearer("integration-token-0123")),
    ];
    for builder in clients {
        let builder_text = format!("{builder:?}");
        let client_text = format!("{:?}", builder.build().unwrap());
        for secret in secrets {
            assert!(!builder_text.contains(secret), "{builder_text}");
            assert!(!client_text.contains(secret), "{client_text}");
        }
        assert!(client_text.contains("[REDACTED]"), "{client_text}");
    }
    let text = format!("{:?}", OAuth1Credentials::new(CK, CS, AT, ATS));
    assert!(secrets.iter().all(|s| !text.contains(s)), "{text}");
}

#[test]
fn empty_or_broken_credentials_are_refused_up_front() {
    let err = Client::builder("https://shop.example")
        .credentials(Credentials::oauth1(CK, "", AT, ATS))
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("consumer secret is empty"),
        "{err}"
    );
    let err = Client::builder("https://shop.example")
        .credentials(Credentials::integration_bearer("tok en"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("spaces"), "{err}");
    let err = Client::builder("https://shop.example")
        .credentials(Credentials::Admin(
            AdminCredentials::new("a", "b").renew_before(Duration::from_secs(5 * 3600)),
        ))
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("not shorter than its lifetime"),
        "{err}"
    );
}
