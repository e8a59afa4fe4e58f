//! Canary test (issue 10 §1): with realistic credentials in every auth mode, no error, log line
//! or reason this crate produces shows the consumer key or secret — and the same run with
//! redaction switched off does show them, so the check can fail.
//!
//! One `#[test]` only: the redaction switch is process-global.

use std::time::Duration;

use serde_json::Value;
use sync_core::redact::set_enabled_for_canary_tests;
use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
use sync_core::{ExponentialBackoff, Source, retry::Jitter};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};
use woo_client::sync::OrderSource;
use woo_client::{Client, ClientBuilder, Credentials, SignatureMethod};

const CK: &str = "ck_5e2b9c04d1a7f38e6b0c2d9a4f71e8b3c6d05a92";
const CS: &str = "cs_8f1d3a6c9e2b7054d8a1c3f6e9b2d4a7c0e5f813";

fn credentials() -> Credentials {
    Credentials::new(CK, CS)
}

fn builder(site: &str) -> ClientBuilder {
    Client::builder(site, credentials())
        .retry_policy(
            ExponentialBackoff::default()
                .initial(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2))
                .jitter(Jitter::None)
                .max_attempts(2),
        )
        .no_rate_limit()
        .allow_plain_http_on_loopback(true)
}

const SHAPES: [EchoShape; 3] = [
    EchoShape::JsonMessage,
    EchoShape::PlainText,
    EchoShape::HeaderObject,
];

async fn mount_echoes(server: &MockServer) {
    for status in [400u16, 401, 403, 500] {
        for (n, shape) in SHAPES.into_iter().enumerate() {
            Mock::given(path(format!("/wp-json/wc/v3/echo/{status}/{n}")))
                .respond_with(EchoResponder::new(status, shape))
                .mount(server)
                .await;
        }
    }
    // A redirect whose Location carries the credentials in its query.
    Mock::given(path("/wp-json/wc/v3/moved"))
        .respond_with(EchoResponder::redirect(format!(
            "https://shop.example/wp-json/wc/v3/orders?consumer_key={CK}&consumer_secret={CS}&oauth_consumer_key={CK}"
        )))
        .mount(server)
        .await;
    // A security plugin that names the key in prose, outside any `name=value`.
    Mock::given(path("/wp-json/wc/v3/prose"))
        .respond_with(
            wiremock::ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "code": "woocommerce_rest_authentication_error",
                "message": format!("API key {CK} was revoked; the secret {CS} no longer works."),
                "data": {"status": 401, "key": CK}
            })),
        )
        .mount(server)
        .await;
    // What the sync source reads: answered with an echoing 401.
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders"))
        .respond_with(EchoResponder::new(401, EchoShape::JsonMessage))
        .mount(server)
        .await;
}

/// Drive every error path in every auth mode and collect what a person or a log would see.
async fn collect(server: &MockServer) -> LeakCheck {
    let mut check = LeakCheck::new([CK, CS]);
    let logs = LogCapture::install();

    let clients = [
        ("basic", builder(&server.uri()).build().unwrap()),
        (
            "query",
            builder(&server.uri()).query_string_auth().build().unwrap(),
        ),
        (
            "oauth1",
            builder(&server.uri())
                .oauth1(SignatureMethod::HmacSha256)
                .build()
                .unwrap(),
        ),
    ];
    for (mode, client) in &clients {
        check.record(format!("{mode} client Debug"), format!("{client:?}"));
        for status in [400u16, 401, 403, 500] {
            for n in 0..SHAPES.len() {
                let err = client
                    .get_json::<Value>(&format!("echo/{status}/{n}"), &[])
                    .await
                    .unwrap_err();
                check.record_error(&format!("{mode} {status} echo {n}"), &err);
            }
        }
        let err = client.get_json::<Value>("prose", &[]).await.unwrap_err();
        check.record_error(&format!("{mode} prose 401"), &err);
        let err = client.get_json::<Value>("moved", &[]).await.unwrap_err();
        check.record_error(&format!("{mode} redirect"), &err);

        // The sync source's error, as the engine would record it.
        let mut source = OrderSource::new(client.clone());
        let err = match source.start(None).await {
            Err(e) => e,
            Ok(()) => source.next_batch().await.unwrap_err(),
        };
        check.record_error(&format!("{mode} sync source"), &err);
    }

    // Builder errors: a base URL with user-info and a secret query, parseable or not.
    for site in [
        format!("https://{CK}:{CS}@shop.example/?consumer_secret={CS}"),
        format!("https://shop.example/?consumer_key={CK}&consumer_secret={CS}"),
        format!("https://{CK}:{CS}@shop example/?consumer_secret={CS}"),
    ] {
        let builder = Client::builder(&site, credentials());
        check.record(format!("builder Debug {site}"), format!("{builder:?}"));
        let err = builder.build().unwrap_err();
        check.record_error("builder error", &err);
    }
    // Basic auth to a plain-HTTP host is refused; the refusal names the site.
    let err = Client::builder(format!("http://{CK}.shop.example"), credentials())
        .build()
        .unwrap_err();
    check.record_error("insecure transport", &err);

    check.record("TRACE logs", logs.contents());
    check
}

#[test]
fn no_credential_reaches_an_error_a_log_or_a_reason() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = MockServer::start().await;
        mount_echoes(&server).await;

        let redacted = collect(&server).await;
        assert!(redacted.recorded() > 40, "{}", redacted.recorded());
        redacted.assert_none();

        // The same run without redaction shows the credentials: the check above can fail.
        set_enabled_for_canary_tests(false);
        let raw = collect(&server).await;
        set_enabled_for_canary_tests(true);
        raw.assert_some();
    });
}
