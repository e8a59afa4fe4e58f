//! The canary test: realistic secrets sent through every path that prints something (HTTP
//! errors' Display and Debug, response excerpts, redirect hints, build and transport errors,
//! TRACE-level logs, engine and outbox dead letters) must never come out, and must come out once
//! redaction is switched off, which proves the check can see a leak.
//!
//! One test function only: the redaction switch is process-global.
#![cfg(all(feature = "http", feature = "sqlite"))]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sync_core::http::{HttpExecutor, RequestMeta};
use sync_core::redact::set_enabled_for_canary_tests;
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks, NewOutboxEntry,
    OutboxStore,
};
use sync_core::sweeper::{Sweeper, delivery_fn};
use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
use sync_core::{
    Ack, ExponentialBackoff, Pipeline, Redactor, Sink, SinkRecord, SourceOrder, SourceRecord,
    StageError, StreamKey, VecSource,
};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer};

const ACCESS_TOKEN: &str = "EAABcanaryAccessToken0123456789";
const BEARER: &str = "canary-bearer-9f8e7d6c5b4a3210";
const API_KEY: &str = "canary-api-key-1a2b3c4d5e6f";
const SESSION: &str = "canary-session-77aa88bb99cc";
const URL_SIGNATURE: &str = "sv2026canarySig0123456789abcdef";
const PASSWORD: &str = "canary-Pa55word!";

fn canaries() -> [&'static str; 6] {
    [
        ACCESS_TOKEN,
        BEARER,
        API_KEY,
        SESSION,
        URL_SIGNATURE,
        PASSWORD,
    ]
}

/// What a careless server sends back, for a careless sink to copy into its reasons.
fn raw_echo() -> String {
    format!(
        "POST https://graph.test/act_1/customaudiences?access_token={ACCESS_TOKEN}\n\
         Authorization: Bearer {BEARER}\nX-Api-Key: {API_KEY}\ncookie: theme=dark; session={SESSION}"
    )
}

/// A sink that forgot to redact: it copies the server's echo into every reason.
struct CarelessSink;

#[async_trait]
impl Sink<serde_json::Value> for CarelessSink {
    async fn write(
        &self,
        batch: &[SinkRecord<'_, serde_json::Value>],
    ) -> Result<Vec<Ack>, StageError> {
        let response = serde_json::json!({"headers": {"X-Api-Key": API_KEY, "Cookie": format!("session={SESSION}")}});
        Ok(batch
            .iter()
            .map(|_| Ack::Rejected {
                reason: format!("401: {}", raw_echo()),
                response: Some(response.to_string()),
            })
            .collect())
    }
}

async fn exercise(server: &MockServer) -> LeakCheck {
    let mut check = LeakCheck::new(canaries());
    let logs = LogCapture::install();

    // The client registers its vendor's names (not its values: the names alone must do).
    let exec = HttpExecutor::builder("canary")
        .redactor(Redactor::new().secret_name("sig"))
        .retry_policy(
            ExponentialBackoff::default()
                .initial(Duration::from_millis(1))
                .max_attempts(2),
        )
        .build()
        .unwrap();

    for name in ["json", "text", "object"] {
        for status in [400u16, 401, 403, 500] {
            let url = format!(
                "{}/echo/{name}/{status}?access_token={ACCESS_TOKEN}&page=2",
                server.uri()
            );
            let result = exec
                .send(RequestMeta::idempotent("canary.echo"), |http| {
                    http.post(&url)
                        .bearer_auth(BEARER)
                        .header("x-api-key", API_KEY)
                        .header("cookie", format!("theme=dark; session={SESSION}"))
                        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
                        .build()
                })
                .await;
            let error = result.expect_err("the echo server answers an error status");
            let label = format!("http {status} {name}");
            check.record_error(&label, &error);
            let response = error.response().expect("a status error");
            check.record(format!("{label} excerpt"), response.body_excerpt());
            check.record(format!("{label} response"), format!("{response:?}"));
        }
    }

    // A redirect whose Location carries a credential under a name only the client registered.
    let url = format!("{}/redirect?access_token={ACCESS_TOKEN}", server.uri());
    let error = exec
        .send(RequestMeta::idempotent("canary.redirect"), |http| {
            http.get(&url).build()
        })
        .await
        .expect_err("a redirect is not followed");
    assert!(error.to_string().contains("redirected to"), "{error}");
    check.record_error("http redirect", &error);

    // A request that cannot be built, and one that cannot connect.
    let error = exec
        .send(RequestMeta::idempotent("canary.build"), |http| {
            http.get(format!(
                "http://admin:{PASSWORD}@[::1/?access_token={ACCESS_TOKEN}"
            ))
            .build()
        })
        .await
        .expect_err("an invalid URL");
    check.record_error("http build", &error);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let error = exec
        .send(RequestMeta::idempotent("canary.connect"), |http| {
            http.get(format!(
                "http://admin:{PASSWORD}@127.0.0.1:{port}/x?access_token={ACCESS_TOKEN}"
            ))
            .build()
        })
        .await
        .expect_err("nothing listens there");
    check.record_error("http connect", &error);

    // The engine's dead letters, from a sink that forgot to redact.
    let stream = StreamKey::new("canary", "audience", "graph.test");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let records = vec![SourceRecord {
        key: "member-1".to_string(),
        cursor: 1u64,
        data: serde_json::json!({"email": "a@b.test"}),
    }];
    let mut pipeline = Pipeline::builder(
        stream.clone(),
        VecSource::new(records, SourceOrder::Sorted, 10),
        CarelessSink,
    )
    .watermarks(Arc::new(MemoryWatermarks::new()))
    .dead_letters(dead_letters.clone())
    .build()
    .unwrap();
    pipeline.run().await.unwrap();
    for letter in dead_letters
        .list(&DeadLetterQuery::open(stream))
        .await
        .unwrap()
    {
        check.record("dead letter reason (pipeline)", letter.letter.reason);
        check.record(
            "dead letter response (pipeline)",
            letter.letter.last_response.unwrap_or_default(),
        );
    }

    // The outbox's dead letters, from a delivery that forgot to redact.
    let outbox = Arc::new(SqliteStore::open(":memory:").await.unwrap());
    let destination = StreamKey::new("canary", "contacts", "crm.test");
    outbox
        .enqueue(NewOutboxEntry::new(
            destination.clone(),
            "order-1@v1",
            serde_json::json!({"email": "a@b.test"}),
        ))
        .await
        .unwrap();
    let sweeper = Sweeper::new(
        outbox.clone(),
        delivery_fn(|_| async {
            Ack::Rejected {
                reason: format!("403: {}", raw_echo()),
                response: Some(format!(
                    r#"{{"query":{{"access_token":"{ACCESS_TOKEN}"}}}}"#
                )),
            }
        }),
    );
    assert_eq!(sweeper.sweep().await.unwrap().dead_lettered, 1);
    for letter in outbox
        .list(&DeadLetterQuery::open(destination))
        .await
        .unwrap()
    {
        check.record("dead letter reason (outbox)", letter.letter.reason);
        check.record(
            "dead letter response (outbox)",
            letter.letter.last_response.unwrap_or_default(),
        );
    }

    let logs = logs.contents();
    assert!(
        logs.contains("giving up") && logs.contains("dead-lettering"),
        "{logs}"
    );
    check.record("logs", logs);
    check
}

#[tokio::test]
async fn no_canary_secret_leaves_through_any_path_and_the_check_sees_leaks_without_redaction() {
    let server = MockServer::start().await;
    for (shape, name) in [
        (EchoShape::JsonMessage, "json"),
        (EchoShape::PlainText, "text"),
        (EchoShape::HeaderObject, "object"),
    ] {
        for status in [400u16, 401, 403, 500] {
            Mock::given(path(format!("/echo/{name}/{status}")))
                .respond_with(EchoResponder::new(status, shape))
                .mount(&server)
                .await;
        }
    }
    Mock::given(path("/redirect"))
        .respond_with(EchoResponder::redirect(format!(
            "https://files.test/export.csv?sig={URL_SIGNATURE}&se=2026-12-07"
        )))
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(EchoResponder::new(404, EchoShape::PlainText))
        .mount(&server)
        .await;

    let redacted = exercise(&server).await;
    // 12 echoes × (Display, Debug, excerpt, response Debug), redirect, build and connect
    // errors × (Display, Debug), 2 × 2 dead-letter texts, the logs.
    assert_eq!(redacted.recorded(), 59);
    redacted.assert_none();

    set_enabled_for_canary_tests(false);
    let raw = exercise(&server).await;
    set_enabled_for_canary_tests(true);
    let leaks = raw.leaks();
    // Every kind of text would leak without redaction, so the first half proves something.
    for kind in [
        "(Display)",
        "(Debug)",
        "excerpt",
        "response",
        "redirect",
        "logs",
        "dead letter reason (pipeline)",
        "dead letter response (pipeline)",
        "dead letter reason (outbox)",
        "dead letter response (outbox)",
    ] {
        assert!(
            leaks.iter().any(|(label, _)| label.contains(kind)),
            "no leak seen in `{kind}` with redaction off: {leaks:?}"
        );
    }
    for canary in canaries() {
        assert!(
            leaks.iter().any(|(_, c)| c == canary),
            "{canary} never leaked with redaction off"
        );
    }
}
