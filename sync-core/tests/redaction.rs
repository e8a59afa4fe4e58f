//! Each printing path of the executor and the engine goes through the right redactor. (The
//! all-paths canary with redaction switched off is tests/canary.rs.)
#![cfg(all(feature = "http", feature = "sqlite"))]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sync_core::http::{HttpExecutor, HttpResponse, RequestMeta, reqwest};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks, NewOutboxEntry,
    OutboxStore,
};
use sync_core::sweeper::{Sweeper, delivery_fn};
use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
use sync_core::{
    Ack, Pipeline, Redactor, Sink, SinkRecord, SourceOrder, SourceRecord, StageError, StreamKey,
    VecSource,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SIGNATURE: &str = "sv2026sig0123456789abcdef";

async fn redirecting_to(location: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(EchoResponder::redirect(location))
        .mount(&server)
        .await;
    server
}

async fn redirect_hint(exec: &HttpExecutor, server: &MockServer) -> String {
    let url = format!("{}/export", server.uri());
    exec.send(RequestMeta::idempotent("export.get"), |http| {
        http.get(&url).build()
    })
    .await
    .unwrap_err()
    .to_string()
}

#[tokio::test]
async fn redirect_location_hides_names_the_client_registered() {
    let server = redirecting_to(&format!("https://files.test/x.csv?sig={SIGNATURE}&se=1")).await;

    // `sig` is no generic name: only the client's registration hides it.
    let plain = HttpExecutor::builder("files").build().unwrap();
    assert!(redirect_hint(&plain, &server).await.contains(SIGNATURE));

    let by_query_key = HttpExecutor::builder("files")
        .secret_query_key("sig")
        .redactor(Redactor::new())
        .build()
        .unwrap();
    let by_redactor = HttpExecutor::builder("files")
        .redactor(Redactor::new().secret_name("sig"))
        .build()
        .unwrap();
    for exec in [by_query_key, by_redactor] {
        let shown = redirect_hint(&exec, &server).await;
        assert!(!shown.contains(SIGNATURE), "{shown}");
        assert!(
            shown.contains("redirected to https://files.test/x.csv?sig=[REDACTED]&se=1"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn responses_mask_values_registered_after_the_executor_was_built() {
    let token = "shpat_0123456789abcdef0123";
    let server = MockServer::start().await;
    // The token sits in an ordinary field: only its value identifies it.
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                serde_json::json!({"message": format!("app {token} is not installed")}),
            ),
        )
        .mount(&server)
        .await;
    let exec = HttpExecutor::builder("shop").build().unwrap();
    exec.redactor().add_value(token);
    let logs = LogCapture::install();
    let url = format!("{}/orders", server.uri());
    let error = exec
        .send(RequestMeta::idempotent("orders.list"), |http| {
            http.get(&url).build()
        })
        .await
        .unwrap_err();
    let response = error.response().unwrap();

    let mut check = LeakCheck::new([token]);
    check
        .record_error("error", &error)
        .record("excerpt", response.body_excerpt())
        .record("response", format!("{response:?}"))
        .record("logs", logs.contents());
    check.assert_none();
    assert!(
        response
            .body_excerpt()
            .contains("app [REDACTED] is not installed")
    );

    // A response built without the executor's redactor knows only the generic names.
    let bare = HttpResponse::new(response.status, Default::default(), response.body.clone());
    assert!(bare.body_excerpt().contains(token));
}

#[tokio::test]
async fn every_executor_log_line_is_redacted_at_trace_level() {
    let token = "EAAB0123456789canaryToken";
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(EchoResponder::new(503, EchoShape::PlainText))
        .mount(&server)
        .await;
    let exec = HttpExecutor::builder("graph")
        .retry_policy(
            ExponentialBackoff::default()
                .initial(Duration::from_millis(1))
                .jitter(Jitter::None)
                .max_attempts(2),
        )
        .build()
        .unwrap();
    let logs = LogCapture::install();
    let url = format!("{}/me?access_token={token}", server.uri());
    exec.send(RequestMeta::idempotent("me.get"), |http| {
        http.get(&url).bearer_auth(token).build()
    })
    .await
    .unwrap_err();
    let logs = logs.contents();
    assert!(logs.contains("TRACE"), "{logs}");
    assert!(
        logs.contains("retrying") && logs.contains("giving up") && logs.contains("sending"),
        "{logs}"
    );
    assert!(logs.contains("access_token=[REDACTED]"), "{logs}");
    assert!(!logs.contains(token), "{logs}");
}

/// A sink that rejects every record with the given reason and response.
struct Rejecting(String, String);

#[async_trait]
impl Sink<u32> for Rejecting {
    async fn write(&self, batch: &[SinkRecord<'_, u32>]) -> Result<Vec<Ack>, StageError> {
        Ok(vec![
            Ack::Rejected {
                reason: self.0.clone(),
                response: Some(self.1.clone()),
            };
            batch.len()
        ])
    }
}

async fn dead_letter_of(sink: Rejecting, redactor: Option<Redactor>) -> (String, String) {
    let stream = StreamKey::new("t", "s", "x");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let records = vec![SourceRecord {
        key: "k1".to_string(),
        cursor: 1u64,
        data: 1u32,
    }];
    let mut builder = Pipeline::builder(
        stream.clone(),
        VecSource::new(records, SourceOrder::Sorted, 10),
        sink,
    )
    .watermarks(Arc::new(MemoryWatermarks::new()))
    .dead_letters(dead_letters.clone());
    if let Some(redactor) = redactor {
        builder = builder.redactor(redactor);
    }
    builder.build().unwrap().run().await.unwrap();
    let letter = dead_letters
        .list(&DeadLetterQuery::open(stream))
        .await
        .unwrap()
        .remove(0)
        .letter;
    (letter.reason, letter.last_response.unwrap())
}

#[tokio::test]
async fn pipeline_dead_letters_are_redacted_even_when_the_sink_forgot() {
    let bearer = "ya29.canaryBearerToken0123";
    let (reason, response) = dead_letter_of(
        Rejecting(
            format!("401: Authorization: Bearer {bearer}"),
            format!(r#"{{"headers":{{"X-Api-Key":"{bearer}"}},"id":7}}"#),
        ),
        None,
    )
    .await;
    assert_eq!(reason, "401: Authorization: [REDACTED]");
    assert_eq!(response, r#"{"headers":{"X-Api-Key":"[REDACTED]"},"id":7}"#);

    // The client's redactor also masks the values it registered, wherever they appear.
    let store_token = "tok_0123456789canary";
    let (reason, _) = dead_letter_of(
        Rejecting(format!("store {store_token} refused"), String::new()),
        Some(Redactor::new().secret_value(store_token)),
    )
    .await;
    assert_eq!(reason, "store [REDACTED] refused");
}

#[tokio::test]
async fn outbox_reasons_are_redacted_before_they_are_stored() {
    let key = "canary-api-key-0123456789";
    let store = Arc::new(SqliteStore::open(":memory:").await.unwrap());
    let destination = StreamKey::new("t", "contacts", "crm.test");
    store
        .enqueue(NewOutboxEntry::new(
            destination.clone(),
            "c-1",
            serde_json::json!({}),
        ))
        .await
        .unwrap();
    // Each attempt sees the error the previous one stored; the second rejects with the echo.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let delivery = {
        let seen = seen.clone();
        delivery_fn(move |entry| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(entry.last_error.clone());
                if entry.attempts == 1 {
                    Ack::retry(format!("503 for x-api-key: {key}"))
                } else {
                    Ack::Rejected {
                        reason: format!("403 for x-api-key: {key}"),
                        response: Some(format!(r#"{{"x-api-key":"{key}"}}"#)),
                    }
                }
            }
        })
    };
    let now = ExponentialBackoff::default()
        .initial(Duration::ZERO)
        .max_delay(Duration::ZERO)
        .jitter(Jitter::None)
        .max_attempts(u32::MAX);
    let sweeper = Sweeper::new(store.clone(), delivery).retry_policy(now);
    assert_eq!(sweeper.sweep().await.unwrap().rescheduled, 1);
    assert_eq!(sweeper.sweep().await.unwrap().dead_lettered, 1);

    let stored_error = seen.lock().unwrap()[1].clone().unwrap();
    assert_eq!(stored_error, "503 for x-api-key: [REDACTED]");
    let letter = store
        .list(&DeadLetterQuery::open(destination))
        .await
        .unwrap()
        .remove(0)
        .letter;
    assert_eq!(letter.reason, "403 for x-api-key: [REDACTED]");
    assert_eq!(
        letter.last_response.as_deref(),
        Some(r#"{"x-api-key":"[REDACTED]"}"#)
    );
}

#[test]
fn decode_errors_do_not_quote_registered_values() {
    let token = "EAAB0123456789decodeCanary";
    let body = serde_json::json!({"id": token}).to_string();
    let response = HttpResponse::new(reqwest::StatusCode::OK, Default::default(), body)
        .with_redactor(Redactor::new().secret_value(token));
    let error = response
        .json::<std::collections::BTreeMap<String, u64>>()
        .unwrap_err();
    assert_eq!(error.path, "id");
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(token) && shown.contains("[REDACTED]"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_status_error_rebuilt_by_a_client_is_still_redacted() {
    let key = "ck_live_0123456789canary";
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let exec = HttpExecutor::builder("shop")
        .redactor(Redactor::new().secret_value(key))
        .build()
        .unwrap();
    let url = server.uri();
    let error = exec
        .send(RequestMeta::idempotent("orders.get"), |http| {
            http.get(&url).build()
        })
        .await
        .unwrap_err();
    // A client rebuilds the error with its own summary, holding the raw URL.
    let sync_core::http::HttpError::Status {
        mut request,
        response,
        verdict,
    } = error
    else {
        panic!("a status error")
    };
    request.url = format!("https://shop.test/wp-json/wc/v3/orders/7?ck={key}");
    let rebuilt = sync_core::http::HttpError::Status {
        request,
        response,
        verdict,
    };
    let mut check = LeakCheck::new([key]);
    check.record_error("rebuilt", &rebuilt);
    check.assert_none();
}
