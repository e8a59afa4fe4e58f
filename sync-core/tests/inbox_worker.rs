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

/// An inbox whose `fail` always hits a locked database (SQLITE_BUSY); the rest is SQLite.
#[derive(Debug)]
struct BusyOnFail(SqliteStore);

#[async_trait::async_trait]
impl InboxStore for BusyOnFail {
    async fn store(
        &self,
        source: &str,
        dedupe_key: &str,
        headers: &serde_json::Value,
        body: &[u8],
    ) -> Result<Received, StoreError> {
        self.0.store(source, dedupe_key, headers, body).await
    }
    async fn claim(
        &self,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<sync_core::store::InboxDelivery>, StoreError> {
        self.0.claim(limit, lease).await
    }
    async fn ack(&self, lease: &sync_core::store::Lease) -> Result<bool, StoreError> {
        self.0.ack(lease).await
    }
    async fn ack_many(&self, leases: &[sync_core::store::Lease]) -> Result<Vec<bool>, StoreError> {
        self.0.ack_many(leases).await
    }
    async fn fail(
        &self,
        _lease: &sync_core::store::Lease,
        _reason: &str,
        _retry_in: Duration,
    ) -> Result<bool, StoreError> {
        Err(StoreError::Backend(
            "database is locked (SQLITE_BUSY)".into(),
        ))
    }
    async fn dead_letter_delivery(
        &self,
        lease: &sync_core::store::Lease,
        reason: &str,
    ) -> Result<Option<i64>, StoreError> {
        self.0.dead_letter_delivery(lease, reason).await
    }
    async fn replay_delivery(&self, dead_letter_id: i64) -> Result<ReplayOutcome, StoreError> {
        self.0.replay_delivery(dead_letter_id).await
    }
    async fn prune_processed(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        self.0.prune_processed(before).await
    }
    async fn stats(&self) -> Result<sync_core::store::InboxStats, StoreError> {
        self.0.stats().await
    }
}

#[tokio::test]
async fn a_store_error_on_one_delivery_still_acks_the_handled_ones() -> Result<(), StoreError> {
    let store = Arc::new(BusyOnFail(SqliteStore::open_in_memory().await?));
    for key in ["d-1", "d-2", "d-3"] {
        store.store("woo:shop", key, &headers(), ORDER).await?;
    }
    let worker = InboxWorker::new(
        store.clone(),
        handler_fn(|delivery| async move {
            if delivery.dedupe_key == "d-2" {
                return Err(StageError::transient("outbox store is busy"));
            }
            Ok(())
        }),
    )
    .retry_policy(no_wait());
    // The pass reports the store error ...
    assert!(matches!(worker.work().await, Err(StoreError::Backend(_))));
    // ... but d-1 and d-3 were acknowledged, not left leased to be handled again.
    let stats = store.stats().await?;
    assert_eq!((stats.processed, stats.pending), (2, 1), "{stats:?}");
    Ok(())
}

#[tokio::test]
async fn replaying_a_letter_whose_key_is_pending_closes_it_when_processed() -> Result<(), StoreError>
{
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    store
        .store("woo:shop", "d-1", &headers(), &ORDER[..20])
        .await?;
    let fixed = Arc::new(AtomicU32::new(0));
    let worker = {
        let fixed = fixed.clone();
        InboxWorker::new(
            store.clone(),
            handler_fn(move |delivery| {
                let fixed = fixed.clone();
                async move {
                    if fixed.load(Ordering::SeqCst) == 0 {
                        parse(&delivery)?;
                    }
                    Ok(())
                }
            }),
        )
    };
    assert_eq!(worker.work().await?.dead_lettered, 1);
    let stream = inbox_dead_letter_stream("woo:shop");
    let letter = store.list(&DeadLetterQuery::open(stream.clone())).await?[0].id;

    // The processed row was pruned and the vendor redelivered the same key: it is pending.
    store
        .prune_processed(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await?;
    store.store("woo:shop", "d-1", &headers(), ORDER).await?;
    assert!(matches!(
        worker.replay(&[letter]).await?[0],
        ReplayOutcome::AlreadyQueued(_)
    ));

    fixed.store(1, Ordering::SeqCst);
    assert_eq!(worker.work().await?.processed, 1);
    assert!(
        store.list(&DeadLetterQuery::open(stream)).await?.is_empty(),
        "the letter is closed once the pending delivery is processed"
    );
    Ok(())
}

#[tokio::test]
async fn a_panicking_handler_fails_only_its_delivery_until_dead_lettered() -> Result<(), StoreError>
{
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    for key in ["d-1", "d-2", "d-3"] {
        store.store("woo:shop", key, &headers(), ORDER).await?;
    }
    let worker = InboxWorker::new(
        store.clone(),
        handler_fn(|delivery| async move {
            if delivery.dedupe_key == "d-2" {
                panic!("unexpected line item shape");
            }
            Ok(())
        }),
    )
    .max_attempts(2)
    .retry_policy(no_wait());
    let first = worker.work().await?;
    assert_eq!((first.processed, first.retried), (2, 1));
    let second = worker.work().await?;
    assert_eq!(second.dead_lettered, 1);
    let letters = store.list(&DeadLetterQuery::default()).await?;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.record_key, "d-2");
    assert!(
        letters[0]
            .letter
            .reason
            .contains("panicked: unexpected line item shape"),
        "{}",
        letters[0].letter.reason
    );
    Ok(())
}
