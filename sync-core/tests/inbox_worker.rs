//! The inbox worker on SQLite: processing, retries up to the attempt limit, the atomic move to
//! dead letters with the reason, and replay back into the inbox.
#![cfg(feature = "sqlite")]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use sync_core::inbox_worker::{InboxWorker, handler_fn};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, InboxStore, Received, ReplayOutcome, inbox_dead_letter_stream,
};
use sync_core::webhook::StoredHeaders;
use sync_core::{PermanentKind, StageError, StoreError, Verdict};

const ORDER: &[u8] = br#"{"id":727,"status":"processing","billing":{"email":"jan@example.com"}}"#;

fn headers() -> serde_json::Value {
    StoredHeaders::new()
        .with("x-wc-webhook-topic", "order.updated")
        .with("x-wc-webhook-source", "https://shop.example.com/")
        .to_json()
}

fn no_wait() -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::ZERO)
        .jitter(Jitter::None)
}

fn parse(delivery: &sync_core::store::InboxDelivery) -> Result<serde_json::Value, StageError> {
    serde_json::from_slice(&delivery.body)
        .map_err(|e| StageError::new(Verdict::Permanent(PermanentKind::Data), e))
}

#[tokio::test]
async fn a_body_that_never_parses_is_dead_lettered_atomically_and_replayed()
-> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    store.store("woo:shop", "d-1", &headers(), ORDER).await?;
    store
        .store("woo:shop", "d-2", &headers(), &ORDER[..20])
        .await?;
    let fixed = Arc::new(AtomicU32::new(0));
    let worker = {
        let fixed = fixed.clone();
        InboxWorker::new(
            store.clone(),
            handler_fn(move |delivery| {
                let fixed = fixed.clone();
                async move {
                    // The stored headers turn back into what the vendor's parser needs.
                    assert_eq!(
                        delivery.stored_headers().get("X-WC-Webhook-Topic"),
                        Some("order.updated")
                    );
                    if fixed.load(Ordering::SeqCst) == 0 {
                        parse(&delivery)?;
                    }
                    Ok(())
                }
            }),
        )
    };
    let report = worker.work().await?;
    assert_eq!((report.processed, report.dead_lettered), (1, 1));

    // In exactly one place: the letter exists and the inbox row is processed.
    let stats = store.stats().await?;
    assert_eq!((stats.pending, stats.processed), (0, 2));
    let letters = store
        .list(&DeadLetterQuery::open(inbox_dead_letter_stream("woo:shop")))
        .await?;
    assert_eq!(letters.len(), 1);
    let letter = &letters[0].letter;
    assert_eq!(letter.record_key, "d-2");
    assert!(
        letter.reason.starts_with("Data error: EOF"),
        "{}",
        letter.reason
    );
    assert_eq!(letter.payload["headers"], headers());
    // A duplicate of the dead-lettered delivery is still recognised.
    assert!(matches!(
        store
            .store("woo:shop", "d-2", &headers(), &ORDER[..20])
            .await?,
        Received::Duplicate(_)
    ));

    // Replay after the handler was fixed: processed, the letter marked replayed.
    fixed.store(1, Ordering::SeqCst);
    assert!(matches!(
        worker.replay(&[letters[0].id]).await?[0],
        ReplayOutcome::Queued(_)
    ));
    assert_eq!(worker.work().await?.processed, 1);
    assert!(
        store
            .list(&DeadLetterQuery::open(inbox_dead_letter_stream("woo:shop")))
            .await?
            .is_empty()
    );
    assert_eq!(
        worker.replay(&[letters[0].id]).await?,
        vec![ReplayOutcome::NotFound]
    );
    Ok(())
}

#[tokio::test]
async fn transient_failures_retry_until_the_attempt_limit() -> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    store.store("woo:shop", "d-1", &headers(), ORDER).await?;
    let calls = Arc::new(AtomicU32::new(0));
    let worker = {
        let calls = calls.clone();
        InboxWorker::new(
            store.clone(),
            handler_fn(move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(StageError::transient("outbox store is busy")) }
            }),
        )
        .max_attempts(3)
        // A policy that would give up after 1 attempt does not shorten the worker's limit.
        .retry_policy(no_wait().max_attempts(1))
    };
    let mut retried = 0;
    for _ in 0..5 {
        retried += worker.work().await?.retried;
    }
    assert_eq!((calls.load(Ordering::SeqCst), retried), (3, 2));
    let letters = store.list(&DeadLetterQuery::default()).await?;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.attempts, 3);
    assert!(
        letters[0]
            .letter
            .reason
            .contains("gave up after 3 attempts")
    );
    Ok(())
}

#[tokio::test]
async fn a_binary_body_survives_the_dead_letter_round_trip() -> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    let body = [0xff_u8, 0x00, 0x7b, 0xfe];
    store
        .store("src", "bin", &serde_json::json!({}), &body)
        .await?;
    let fail = InboxWorker::new(
        store.clone(),
        handler_fn(|_| async {
            Err(StageError::new(
                Verdict::Permanent(PermanentKind::Data),
                "not JSON",
            ))
        }),
    );
    assert_eq!(fail.work().await?.dead_lettered, 1);
    let id = store.list(&DeadLetterQuery::default()).await?[0].id;
    // Pruned meanwhile: the replay stores it anew from the letter.
    store
        .prune_processed(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await?;
    assert!(matches!(
        fail.replay(&[id]).await?[0],
        ReplayOutcome::Queued(_)
    ));
    let claimed = store.claim(10, Duration::from_secs(60)).await?;
    assert_eq!(claimed[0].body, body);
    assert_eq!(claimed[0].replay_of, Some(id));
    Ok(())
}
