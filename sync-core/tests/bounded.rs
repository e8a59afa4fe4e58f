//! Bounded resources: the executor stops reading a body past its limit, and a sink call that
//! never answers does not hang the pipeline.
#![cfg(feature = "http")]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sync_core::engine::RunErrorKind;
use sync_core::http::{DEFAULT_MAX_RESPONSE_BYTES, HttpError, HttpExecutor, RequestMeta};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::{DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks};
use sync_core::{
    Ack, Classify, OnExhausted, PermanentKind, Pipeline, Sink, SinkRecord, SourceOrder,
    SourceRecord, StageError, StreamKey, VecSource, Verdict,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn exec(limit: usize) -> HttpExecutor {
    HttpExecutor::builder("big")
        .max_response_bytes(limit)
        .attempt_timeout(Duration::from_secs(20))
        .retry_policy(
            ExponentialBackoff::default()
                .initial(Duration::from_millis(1))
                .max_attempts(3),
        )
        .build()
        .unwrap()
}

async fn get(exec: &HttpExecutor, url: &str) -> Result<sync_core::http::HttpResponse, HttpError> {
    exec.send(RequestMeta::idempotent("export.get"), |http| {
        http.get(url).build()
    })
    .await
}

#[tokio::test]
async fn a_declared_body_over_the_limit_fails_for_good_naming_the_limit() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4097)))
        .mount(&server)
        .await;
    let exec = exec(4096);
    assert_eq!(exec.max_response_bytes(), 4096);
    let error = get(&exec, &server.uri()).await.unwrap_err();
    assert!(
        matches!(error, HttpError::BodyTooLarge { limit: 4096, .. }),
        "{error:?}"
    );
    assert_eq!(error.verdict(), Verdict::Permanent(PermanentKind::Server));
    assert!(error.to_string().contains("4096-byte limit"), "{error}");
    // Not retried: the same request would get the same body.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // At the limit is fine.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4096)))
        .mount(&server)
        .await;
    assert_eq!(get(&exec, &server.uri()).await.unwrap().body.len(), 4096);
    assert_eq!(
        HttpExecutor::builder("d")
            .build()
            .unwrap()
            .max_response_bytes(),
        DEFAULT_MAX_RESPONSE_BYTES
    );
}

/// A server that answers with a chunked body that never ends (no length to check up front).
async fn endless_body_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            transfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("400\r\n{}\r\n", "x".repeat(0x400));
                // Until the client hangs up.
                while socket.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    format!("http://{address}/export")
}

#[tokio::test]
async fn an_endless_body_is_abandoned_at_the_limit() {
    let url = endless_body_server().await;
    let started = std::time::Instant::now();
    let error = get(&exec(64 * 1024), &url).await.unwrap_err();
    assert!(
        matches!(error, HttpError::BodyTooLarge { limit: 65536, .. }),
        "{error:?}"
    );
    assert_eq!(error.request().unwrap().attempts, 1);
    // Well before the 20 s attempt timeout: reading stopped at the limit.
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// A sink whose calls never return.
struct Hung;

#[async_trait]
impl Sink<u32> for Hung {
    async fn write(&self, _: &[SinkRecord<'_, u32>]) -> Result<Vec<Ack>, StageError> {
        std::future::pending().await
    }
}

fn records() -> VecSource<u32, u64> {
    let records = (1..=3u64)
        .map(|id| SourceRecord {
            key: format!("r-{id}"),
            cursor: id,
            data: id as u32,
        })
        .collect();
    VecSource::new(records, SourceOrder::Sorted, 10)
}

fn quick_retries() -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::from_secs(1))
        .jitter(Jitter::None)
        .max_attempts(2)
        .max_elapsed(None)
}

// Paused time: the default five-minute timeout passes as soon as everything is idle.
#[tokio::test(start_paused = true)]
async fn a_sink_that_never_answers_times_out_and_its_records_are_retried() {
    let stream = StreamKey::new("t", "hung", "x");
    let mut pipeline = Pipeline::builder(stream, records(), Hung)
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(Arc::new(MemoryDeadLetters::new()))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = pipeline.run().await.unwrap_err();
    match &error.kind {
        RunErrorKind::RetriesExhausted {
            keys,
            reason,
            attempts,
            ..
        } => {
            assert_eq!(keys.len(), 3);
            assert_eq!(*attempts, 2);
            assert!(reason.contains("did not answer within 300s"), "{reason}");
        }
        other => panic!("expected retries to run out, got {other:?}"),
    }
    // Two attempts of five minutes each and one second between them.
    assert_eq!(started.elapsed(), Duration::from_secs(601));
    assert_eq!(error.report.watermark_after, None);
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_batch_follows_the_exhaustion_rule() {
    let stream = StreamKey::new("t", "hung", "x");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let mut pipeline = Pipeline::builder(stream.clone(), records(), Hung)
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(dead_letters.clone())
        .retry_policy(quick_retries())
        .sink_timeout(Duration::from_millis(50))
        .on_exhausted(OnExhausted::DeadLetter)
        .build()
        .unwrap();
    let report = pipeline.run().await.unwrap();
    assert_eq!(report.dead_lettered, 3);
    let letters = dead_letters
        .list(&DeadLetterQuery::open(stream))
        .await
        .unwrap();
    assert!(
        letters[0]
            .letter
            .reason
            .contains("did not answer within 50ms"),
        "{}",
        letters[0].letter.reason
    );
}
