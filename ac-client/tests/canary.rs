//! Canary (issue 10 §1): no ActiveCampaign credential reaches an error's `Display` or `Debug`,
//! a log line, or a dead-letter reason — whatever the server echoes back — and the check
//! would see a leak if redaction were off.
//!
//! One test function: the redaction switch is process-global.

use std::sync::Arc;
use std::time::Duration;

use ac_client::bulk_import::PollOptions;
use ac_client::sync::{ContactSink, MappedContact, SinkOptions};
use ac_client::{ApiToken, Client, ContactInput};
use serde::Serialize;
use serde_json::json;
use sync_core::http::{ClientOptions, RateQuota};
use sync_core::redact::set_enabled_for_canary_tests;
use sync_core::store::{DeadLetterQuery, MemoryDeadLetters, MemoryWatermarks};
use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
use sync_core::{DeadLetterStore, ExponentialBackoff, OnExhausted, Pipeline, Sink};
use sync_core::{SourceOrder, SourceRecord, StreamKey, VecSource};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// An ActiveCampaign API key has this shape: 72 lowercase hex characters.
const TOKEN: &str = "4f2a9c1be07d5a3f8e6b0d9c7a5e3f1b2c4d6e8fa1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d92e4c";
/// The password of a base URL that (wrongly) carries user-info.
const URL_PASSWORD: &str = "ops-canary-pass-7Yt2q";

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .credentials(ApiToken::new(TOKEN))
        .options(
            ClientOptions::new()
                .rate_quota(RateQuota::per_second(1000))
                .retry_policy(
                    ExponentialBackoff::default()
                        .initial(Duration::from_millis(2))
                        .max_attempts(2),
                ),
        )
        .build()
        .expect("client builds")
}

#[derive(Debug, Clone, Serialize)]
struct Customer {
    id: u64,
    email: String,
}

fn customers(n: u64) -> Vec<SourceRecord<Customer, u64>> {
    (1..=n)
        .map(|id| SourceRecord {
            key: format!("customer-{id}"),
            cursor: id,
            data: Customer {
                id,
                email: format!("customer{id}@example.test"),
            },
        })
        .collect()
}

type Mapper = fn(&Customer) -> Result<MappedContact, String>;

fn sink(client: Client) -> ContactSink<Customer, Mapper> {
    let mapping: Mapper = |c| Ok(MappedContact::new(&c.email));
    ContactSink::new(client, mapping).with_options(SinkOptions::default().poll(PollOptions {
        initial_delay: Duration::from_millis(5),
        interval: Duration::from_millis(5),
        timeout: Duration::from_secs(5),
    }))
}

/// Runs every error path once and records what it printed, logged and stored.
async fn exercise(check: &mut LeakCheck) {
    let logs = LogCapture::install();

    // 1. Error bodies that echo the request (URL, `Api-Token` header, body) in each shape.
    for status in [400, 401, 403, 500] {
        for shape in [
            EchoShape::JsonMessage,
            EchoShape::PlainText,
            EchoShape::HeaderObject,
        ] {
            let server = MockServer::start().await;
            Mock::given(wiremock::matchers::any())
                .respond_with(EchoResponder::new(status, shape))
                .mount(&server)
                .await;
            let c = client(&server);
            let label = format!("{status} {shape:?}");
            let err = c.contacts().get(1).await.unwrap_err();
            check.record_error(&format!("{label} get"), &err);
            let input = ContactInput::new("ada@example.com");
            let err = c.contacts().sync(&input).await.unwrap_err();
            check.record_error(&format!("{label} sync"), &err);
            check.record(format!("{label} client debug"), format!("{c:?}"));
        }
    }

    // 2. A redirect whose Location carries the key (the v1 API's `api_key` query parameter).
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(EchoResponder::redirect(format!(
            "https://acme.api-us1.com/admin/api.php?api_action=contact_view&api_key={TOKEN}\
             &api_output=json"
        )))
        .mount(&server)
        .await;
    let err = client(&server).contacts().get(1).await.unwrap_err();
    check.record_error("redirect", &err);

    // 3. Builder errors and Debug for base URLs with user-info and a key in the query.
    for (i, bad) in [
        format!("acme.api-us1.com/api/3?api_key={TOKEN}"),
        format!("ftp://ops:{URL_PASSWORD}@acme.api-us1.com/?api_key={TOKEN}"),
        format!("https://ops:{URL_PASSWORD}@acme.api-us1.com/api/3?api_key={TOKEN}"),
        format!("https://acme.api-us1.com:99999/?token={TOKEN}"),
    ]
    .into_iter()
    .enumerate()
    {
        let builder = Client::builder(bad).credentials(ApiToken::new(TOKEN));
        check.record(format!("builder #{i} debug"), format!("{builder:?}"));
        let err = builder.build().unwrap_err();
        check.record_error(&format!("builder #{i}"), &err);
    }

    // 4. Dead letters from the sink through sync-core's pipeline: a per-contact refusal whose
    //    body echoes the request with its headers, and a bulk refusal whose per-row reason quotes the key.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3/contact/sync"))
        .respond_with(EchoResponder::new(422, EchoShape::JsonMessage))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(|req: &Request| {
            let key = req
                .headers
                .get("api-token")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let n = serde_json::from_slice::<serde_json::Value>(&req.body).unwrap()["contacts"]
                .as_array()
                .unwrap()
                .len();
            if n == 12 {
                ResponseTemplate::new(400).set_body_json(json!({
                    "success": 0, "message": "Request validation failed",
                    "failureReasons": [{"contact": 3,
                        "failureReason": format!("request by key {key} may not set field 9")}]
                }))
            } else {
                ResponseTemplate::new(200).set_body_json(json!({"success": 1, "batchId": "b"}))
            }
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/import/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "completed"})))
        .mount(&server)
        .await;
    for (n, label) in [(2, "per-contact"), (12, "bulk")] {
        let stream = StreamKey::new("shop-activecampaign", "customers", label);
        let dead_letters = Arc::new(MemoryDeadLetters::new());
        let the_sink = sink(client(&server));
        check.record(format!("{label} sink debug"), format!("{the_sink:?}"));
        // The pipeline's own redactor is left at its default: the sink must not rely on it.
        let mut pipeline = Pipeline::builder(
            stream.clone(),
            VecSource::new(customers(n), SourceOrder::Sorted, 50),
            the_sink,
        )
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(dead_letters.clone())
        .retry_policy(ExponentialBackoff::default().initial(Duration::from_millis(2)))
        .on_exhausted(OnExhausted::DeadLetter)
        .build()
        .unwrap();
        pipeline.run().await.unwrap();
        let letters = dead_letters
            .list(&DeadLetterQuery::open(stream))
            .await
            .unwrap();
        assert!(!letters.is_empty(), "{label}: a dead letter is produced");
        for letter in letters {
            let l = letter.letter;
            check.record(format!("{label} dead letter reason"), l.reason);
            check.record(
                format!("{label} dead letter response"),
                l.last_response.unwrap_or_default(),
            );
        }
    }
    // The sink's per-record answers, also read directly.
    let acks = sink(client(&server))
        .write(&[sync_core::SinkRecord {
            key: "customer-1",
            data: &Customer {
                id: 1,
                email: "customer1@example.test".into(),
            },
        }])
        .await
        .unwrap();
    check.record("sink ack", format!("{acks:?}"));

    check.record("TRACE logs", logs.contents());
}

#[test]
fn no_credential_reaches_errors_logs_or_dead_letters() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let canaries = [TOKEN, URL_PASSWORD];

    let mut check = LeakCheck::new(canaries);
    runtime.block_on(exercise(&mut check));
    assert!(check.recorded() > 80, "{} texts recorded", check.recorded());
    check.assert_none();

    // The check can fail: with redaction off, the same run shows the secrets.
    set_enabled_for_canary_tests(false);
    let mut unredacted = LeakCheck::new(canaries);
    runtime.block_on(exercise(&mut unredacted));
    set_enabled_for_canary_tests(true);
    unredacted.assert_some();
    let leaked: Vec<String> = unredacted.leaks().into_iter().map(|l| l.0).collect();
    for path in [
        "401 JsonMessage get (Display)",
        "403 PlainText sync (Debug)",
        "redirect (Display)",
        "builder #1 (Display)",
        "builder #0 debug",
        "TRACE logs",
        "per-contact dead letter reason",
        "bulk dead letter reason",
        "sink ack",
    ] {
        assert!(
            leaked.iter().any(|l| l == path),
            "with redaction off, {path:?} should have leaked: {leaked:?}"
        );
    }
}
