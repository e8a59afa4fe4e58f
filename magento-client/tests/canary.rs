//! Canary test (issue 10 §1): with realistic credentials in every auth mode (OAuth 1.0a,
//! integration Bearer, admin login), every error path — a server echoing the request as a JSON
//! `message`, as plain text and as a JSON object of headers for 400/401/403/500, a redirect whose
//! `Location` carries credentials, a refused admin login echoing its body, base URLs with
//! userinfo and a secret query (builder errors and the builder's `Debug`), TRACE-level logs, dead-letter reasons from `CustomerSink` —
//! shows no secret. Then redaction is switched off and the same run must leak, proving the
//! check can fail. One `#[test]`: the switch is process-global.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use common::{FakeMagento, fast_retries};
use magento_client::customer::OrderCustomer;
use magento_client::sync::{CustomerSink, OrderCustomerSource, OrderSource};
use magento_client::sync_core::store::{
    DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks,
};
use magento_client::sync_core::{Ack, Pipeline, Sink, SinkRecord, StageError};
use magento_client::{Client, ClientOptions, Credentials};
use serde_json::json;
use sync_core::redact::set_enabled_for_canary_tests;
use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONSUMER_KEY: &str = "ck7f3a9e2b1c4d5e6f708192a3b4c5d6";
const CONSUMER_SECRET: &str = "cs0a1b2c3d4e5f60718293a4b5c6d7e8";
const ACCESS_TOKEN: &str = "at9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c";
const ACCESS_TOKEN_SECRET: &str = "ts1234abcd5678efgh9012ijkl3456mn";
const INTEGRATION_TOKEN: &str = "it5k2j8h4g6f1d3s9a7p0o2i4u6y8t1r";
const ADMIN_PASSWORD: &str = "Adm1n-Canary-Passw0rd!";
const ADMIN_TOKEN: &str = "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.canary-admin-token.x9Y8";

const CANARIES: [&str; 7] = [
    CONSUMER_KEY,
    CONSUMER_SECRET,
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    INTEGRATION_TOKEN,
    ADMIN_PASSWORD,
    ADMIN_TOKEN,
];

const SHAPES: [EchoShape; 3] = [
    EchoShape::JsonMessage,
    EchoShape::PlainText,
    EchoShape::HeaderObject,
];

fn modes() -> Vec<(&'static str, Credentials)> {
    vec![
        (
            "oauth1",
            Credentials::oauth1(
                CONSUMER_KEY,
                CONSUMER_SECRET,
                ACCESS_TOKEN,
                ACCESS_TOKEN_SECRET,
            ),
        ),
        ("bearer", Credentials::integration_bearer(INTEGRATION_TOKEN)),
        ("admin", Credentials::admin("sync-bot", ADMIN_PASSWORD)),
    ]
}

fn client(uri: &str, auth: Credentials) -> Client {
    Client::builder(uri)
        .credentials(auth)
        .options(ClientOptions::new().retry_policy(fast_retries(2)))
        .build()
        .unwrap()
}

/// A CRM sink that copies the vendor's raw answer into its reasons, the way careless sinks do.
struct EchoingCrm;

#[async_trait]
impl Sink<OrderCustomer> for EchoingCrm {
    async fn write(&self, batch: &[SinkRecord<'_, OrderCustomer>]) -> Result<Vec<Ack>, StageError> {
        Ok(batch
            .iter()
            .map(|_| {
                Ack::rejected(format!(
                    "CRM refused: GET /contacts?api_key={INTEGRATION_TOKEN}\nAuthorization: Bearer \
                     {ADMIN_TOKEN}\n{{\"password\":\"{ADMIN_PASSWORD}\",\"oauth_consumer_key\":\
                     \"{CONSUMER_KEY}\"}}"
                ))
            })
            .collect())
    }
}

/// Every error path of one auth mode; every text recorded into `check`.
async fn exercise_mode(label: &str, auth: Credentials, check: &mut LeakCheck) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/V1/integration/admin/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(ADMIN_TOKEN)))
        .mount(&server)
        .await;
    for status in [400u16, 401, 403, 500] {
        for (i, shape) in SHAPES.iter().enumerate() {
            Mock::given(path(format!(
                "/rest/V1/orders/{}",
                status as usize * 10 + i
            )))
            .respond_with(EchoResponder::new(status, *shape))
            .mount(&server)
            .await;
        }
    }
    let location = format!(
        "https://shop.test/rest/V1/orders?oauth_consumer_key={CONSUMER_KEY}&oauth_token=\
         {ACCESS_TOKEN}&access_token={INTEGRATION_TOKEN}&password={ADMIN_PASSWORD}&admin_token={ADMIN_TOKEN}"
    );
    Mock::given(path("/rest/V1/orders/302"))
        .respond_with(EchoResponder::redirect(location))
        .mount(&server)
        .await;
    let mut table = common::orders(3);
    table[1].as_object_mut().unwrap().remove("customer_email");
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(FakeMagento::new(table))
        .mount(&server)
        .await;

    let magento = client(&server.uri(), auth);
    check.record(format!("{label} client Debug"), format!("{magento:?}"));
    for status in [400u16, 401, 403, 500] {
        for (i, shape) in SHAPES.iter().enumerate() {
            let id = status as u64 * 10 + i as u64;
            let err = magento.orders().get(id).await.unwrap_err();
            check.record_error(&format!("{label} {status} {shape:?}"), &err);
        }
    }
    let err = magento.orders().get(302).await.unwrap_err();
    check.record_error(&format!("{label} redirect"), &err);

    // A Magento message quoting the issued admin token as a bare parameter: masked by value.
    if label == "admin" {
        Mock::given(path("/rest/V1/orders/777"))
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({
                "message": "Token %1 cannot read %2",
                "parameters": [ADMIN_TOKEN, "order 777"]
            })))
            .mount(&server)
            .await;
        let err = magento.orders().get(777).await.unwrap_err();
        assert!(err.to_string().contains("cannot read order 777"), "{err}");
        check.record_error("admin token quoted in message", &err);
    }

    // Dead-letter reasons: an order without email, and a sink that echoes credentials.
    let source = OrderCustomerSource::new(OrderSource::new(magento.clone()));
    let stream = source.inner().stream_key("canary");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let mut pipeline = Pipeline::builder(
        stream.clone(),
        source,
        CustomerSink::new(EchoingCrm, magento.redactor().clone()),
    )
    .watermarks(Arc::new(MemoryWatermarks::new()))
    .dead_letters(dead_letters.clone())
    .redactor(magento.redactor().clone())
    .build()
    .unwrap();
    let report = pipeline.run().await.unwrap();
    assert_eq!(report.dead_lettered, 3, "{report:?}");
    for letter in dead_letters
        .list(&DeadLetterQuery::open(stream))
        .await
        .unwrap()
    {
        check.record(
            format!("{label} dead letter reason"),
            letter.letter.reason.clone(),
        );
        check.record(
            format!("{label} dead letter"),
            format!("{:?}", letter.letter.last_response),
        );
    }
}

/// A refused admin login whose answer echoes the request body (the password).
async fn exercise_admin_login_refused(check: &mut LeakCheck) {
    for (status, shape) in [
        (401u16, EchoShape::JsonMessage),
        (400, EchoShape::PlainText),
        (403, EchoShape::HeaderObject),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/rest/V1/integration/admin/token"))
            .respond_with(EchoResponder::new(status, shape))
            .mount(&server)
            .await;
        let magento = client(
            &server.uri(),
            Credentials::admin("sync-bot", ADMIN_PASSWORD),
        );
        let err = magento.orders().get(1).await.unwrap_err();
        check.record_error(&format!("admin login {status} {shape:?}"), &err);
    }
}

/// Base URLs carrying credentials in userinfo and query.
fn exercise_builder(check: &mut LeakCheck) {
    for (i, url) in [
        format!("https://sync-bot:{ADMIN_PASSWORD}@shop.test/?access_token={INTEGRATION_TOKEN}"),
        format!("https://shop.test/magento?oauth_consumer_key={CONSUMER_KEY}#{ACCESS_TOKEN}"),
        format!("https://sync-bot:{ADMIN_PASSWORD}@shop.test/"),
        format!("http://shop.test/?password={ADMIN_PASSWORD}"),
        format!("https//{INTEGRATION_TOKEN}@:shop"),
    ]
    .iter()
    .enumerate()
    {
        // The builder's Debug, before and after credentials are set.
        check.record(
            format!("builder {i} Debug without auth"),
            format!("{:?}", Client::builder(url.as_str())),
        );
        for (label, auth) in modes() {
            let builder = Client::builder(url.as_str()).credentials(auth);
            check.record(format!("builder {i} {label} Debug"), format!("{builder:?}"));
            let err = builder.build().unwrap_err();
            check.record_error(&format!("builder {i} {label}"), &err);
        }
    }
}

async fn exercise_everything() -> LeakCheck {
    let mut check = LeakCheck::new(CANARIES);
    let logs = LogCapture::install();
    for (label, auth) in modes() {
        exercise_mode(label, auth, &mut check).await;
    }
    exercise_admin_login_refused(&mut check).await;
    exercise_builder(&mut check);
    check.record("TRACE logs", logs.contents());
    check
}

#[test]
fn no_secret_in_any_error_log_or_dead_letter_in_any_auth_mode() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let check = runtime.block_on(exercise_everything());
    assert!(check.recorded() > 100, "{}", check.recorded());
    check.assert_none();

    // The same run with redaction off must leak: the check can fail.
    set_enabled_for_canary_tests(false);
    let unredacted = runtime.block_on(exercise_everything());
    set_enabled_for_canary_tests(true);
    unredacted.assert_some();
    let leaked: std::collections::HashSet<String> = unredacted
        .leaks()
        .into_iter()
        .map(|(_, canary)| canary)
        .collect();
    for canary in [
        CONSUMER_KEY,
        ACCESS_TOKEN,
        INTEGRATION_TOKEN,
        ADMIN_PASSWORD,
        ADMIN_TOKEN,
    ] {
        assert!(
            leaked.contains(canary),
            "{canary} never echoed: the canary misses a path"
        );
    }
}
