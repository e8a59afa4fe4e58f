//! Canary test (issue 10 §1): with realistic credentials in every auth mode, no error, log line
//! or dead-letter reason this crate produces shows the consumer key, the secret or the Basic
//! credential `base64(ck:cs)` — and the same run with redaction switched off shows them on every
//! path listed in the test, so the check can fail.
//!
//! One `#[test]` only: the redaction switch is process-global.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::Value;
use sync_core::redact::set_enabled_for_canary_tests;
use sync_core::store::{DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks};
use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
use sync_core::{
    Ack, ExponentialBackoff, Pipeline, Sink, SinkRecord, Source, StageError, StreamKey,
    retry::Jitter,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use woo_client::models::Order;
use woo_client::sync::OrderSource;
use woo_client::{Client, ClientBuilder, ClientOptions, Credentials, SignatureMethod};

const CK: &str = "ck_5e2b9c04d1a7f38e6b0c2d9a4f71e8b3c6d05a92";
const CS: &str = "cs_8f1d3a6c9e2b7054d8a1c3f6e9b2d4a7c0e5f813";

/// What an `Authorization: Basic` header carries: the only credential a Basic-auth echo shows.
fn basic() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{CK}:{CS}"))
}

fn credentials() -> Credentials {
    Credentials::new(CK, CS)
}

fn builder(site: &str) -> ClientBuilder {
    Client::builder(site).credentials(credentials()).options(
        ClientOptions::new()
            .retry_policy(
                ExponentialBackoff::default()
                    .initial(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(2))
                    .jitter(Jitter::None)
                    .max_attempts(2),
            )
            .no_rate_limit(),
    )
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

/// A shop whose order list succeeds, so the pipeline reaches the sink.
async fn mount_orders(shop: &MockServer) {
    let order = include_str!("fixtures/order.json");
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .insert_header("X-WP-Total", "1")
                .insert_header("X-WP-TotalPages", "1")
                .set_body_string(format!("[{order}]")),
        )
        .mount(shop)
        .await;
}

/// A client in each auth mode.
fn clients(site: &str) -> [(&'static str, Client); 3] {
    [
        ("basic", builder(site).build().unwrap()),
        ("query", builder(site).query_string_auth().build().unwrap()),
        (
            "oauth1",
            builder(site)
                .oauth1(SignatureMethod::HmacSha256)
                .build()
                .unwrap(),
        ),
    ]
}

/// A sink that pushes each order to a store answering with an echoing 400, and turns the
/// client's error into the record's answer the way a real sink does.
struct EchoingSink(Client);

#[async_trait]
impl Sink<Order> for EchoingSink {
    async fn write(&self, batch: &[SinkRecord<'_, Order>]) -> Result<Vec<Ack>, StageError> {
        let mut acks = Vec::new();
        for _ in batch {
            let ack = match self.0.get_json::<Value>("echo/400/0", &[]).await {
                Ok(_) => Ack::Delivered,
                Err(err) => Ack::from_error(&err, self.0.redactor()),
            };
            acks.push(ack);
        }
        Ok(acks)
    }
}

/// Drive every error path in every auth mode and collect what a person or a log would see.
async fn collect(server: &MockServer, shop: &MockServer) -> LeakCheck {
    let mut check = LeakCheck::new([CK.to_string(), CS.to_string(), basic()]);
    let logs = LogCapture::install();

    let shop_clients = clients(&shop.uri());
    for ((mode, client), (_, shop_client)) in clients(&server.uri()).iter().zip(shop_clients) {
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

        // A dead letter: the sync source through sync-core's Pipeline into a failing sink.
        let stream = StreamKey::new("woo-canary", "orders", *mode);
        let dead_letters = Arc::new(MemoryDeadLetters::new());
        let mut pipeline = Pipeline::builder(
            stream.clone(),
            OrderSource::new(shop_client),
            EchoingSink(client.clone()),
        )
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(dead_letters.clone())
        .redactor(client.redactor().clone())
        .build()
        .unwrap();
        let report = pipeline.run().await.unwrap();
        assert_eq!(report.dead_lettered, 1, "{mode}: {report:?}");
        for letter in dead_letters
            .list(&DeadLetterQuery::open(stream))
            .await
            .unwrap()
        {
            let reason = &letter.letter.reason;
            assert!(reason.contains("400"), "{mode}: {reason}");
            check.record(format!("{mode} dead letter reason"), reason.clone());
        }
    }

    // Builder errors: a base URL with user-info and a secret query, parseable or not.
    for site in [
        format!("https://{CK}:{CS}@shop.example/?consumer_secret={CS}"),
        format!("https://shop.example/?consumer_key={CK}&consumer_secret={CS}"),
        format!("https://{CK}:{CS}@shop example/?consumer_secret={CS}"),
    ] {
        let builder = Client::builder(&site).credentials(credentials());
        check.record(format!("builder Debug {site:.24}"), format!("{builder:?}"));
        let err = builder.build().unwrap_err();
        check.record_error(&format!("builder error {site:.24}"), &err);
    }
    // Basic auth to a plain-HTTP host is refused; the refusal names the site.
    let err = Client::builder(format!("http://{CK}.shop.example"))
        .credentials(credentials())
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
        let shop = MockServer::start().await;
        mount_orders(&shop).await;

        let redacted = collect(&server, &shop).await;
        assert!(redacted.recorded() > 40, "{}", redacted.recorded());
        redacted.assert_none();

        // The same run without redaction shows the credentials: the check above can fail.
        set_enabled_for_canary_tests(false);
        let raw = collect(&server, &shop).await;
        set_enabled_for_canary_tests(true);
        raw.assert_some();

        // Every path must show its credential without redaction, or it is not exercised.
        let basic = basic();
        let mut must_leak: Vec<(String, &str)> = Vec::new();
        for (mode, canary) in [("basic", basic.as_str()), ("query", CS), ("oauth1", CK)] {
            for status in [400u16, 401, 403, 500] {
                for n in 0..SHAPES.len() {
                    must_leak.push((format!("{mode} {status} echo {n} "), canary));
                }
            }
            for path in ["redirect", "sync source", "dead letter reason"] {
                let canary = if path == "redirect" { CS } else { canary };
                must_leak.push((format!("{mode} {path}"), canary));
            }
            must_leak.push((format!("{mode} prose 401"), CS));
        }
        for (label, canary) in [
            ("builder Debug https://ck_", CS),
            ("builder Debug https://shop.example/?", CS),
            ("builder error https://ck_", CS),
            ("insecure transport", CK),
            ("TRACE logs", CK),
            ("TRACE logs", CS),
            ("TRACE logs", basic.as_str()),
        ] {
            must_leak.push((label.to_string(), canary));
        }
        let leaks = raw.leaks();
        for (label, canary) in &must_leak {
            assert!(
                leaks
                    .iter()
                    .any(|(l, c)| l.starts_with(label.as_str()) && c == canary),
                "{label:?} did not show {canary} without redaction: that path is not exercised"
            );
        }
    });
}
