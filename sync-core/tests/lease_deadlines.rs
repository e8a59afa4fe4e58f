//! Lease safety of the sweeper and the inbox worker: no sink call or handler runs past its
//! claim's lease (less the margin), and each answer is recorded as soon as its call returns,
//! not when the batch's slowest call ends.
#![cfg(feature = "sqlite")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Value, json};
use sync_core::inbox_worker::{InboxWorker, effects_fn, handler_fn};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{InboxStore, NewOutboxEntry, OutboxStore};
use sync_core::sweeper::{Destinations, Sweeper, delivery_fn};
use sync_core::{Ack, Sink, SinkRecord, StageError, StoreError, StreamKey};

fn no_wait() -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::ZERO)
        .jitter(Jitter::None)
}

fn ac() -> StreamKey {
    StreamKey::new("woo-to-ac", "contacts", "shop.example.com")
}

fn meta() -> StreamKey {
    StreamKey::new("woo-to-meta", "audience", "shop.example.com")
}

/// A bulk import that answers at once.
struct Fast;

#[async_trait]
impl Sink<Value> for Fast {
    async fn write(&self, batch: &[SinkRecord<'_, Value>]) -> Result<Vec<Ack>, StageError> {
        Ok(vec![Ack::Delivered; batch.len()])
    }
}

/// A slow destination that watches the store while its write is in flight.
struct Watching {
    store: SqliteStore,
    seen_delivered_meanwhile: Arc<Mutex<Option<u64>>>,
}

#[async_trait]
impl Sink<Value> for Watching {
    async fn write(&self, batch: &[SinkRecord<'_, Value>]) -> Result<Vec<Ack>, StageError> {
        let mut delivered = 0;
        for _ in 0..50 {
            delivered = OutboxStore::stats(&self.store).await.unwrap().delivered;
            if delivered > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        *self.seen_delivered_meanwhile.lock().unwrap() = Some(delivered);
        Ok(vec![Ack::Delivered; batch.len()])
    }
}

#[tokio::test]
async fn a_fast_sinks_answers_are_recorded_while_a_slow_sink_still_writes() -> Result<(), StoreError>
{
    let store = SqliteStore::open_in_memory().await?;
    store
        .enqueue(NewOutboxEntry::new(ac(), "order-1@v1", json!({"id": 1})))
        .await?;
    store
        .enqueue(NewOutboxEntry::new(meta(), "order-1@v1", json!({"id": 1})))
        .await?;
    let seen = Arc::new(Mutex::new(None));
    let sweeper = Sweeper::new(
        Arc::new(store.clone()),
        Destinations::new().sink(ac(), Fast).sink(
            meta(),
            Watching {
                store: store.clone(),
                seen_delivered_meanwhile: seen.clone(),
            },
        ),
    )
    .lease(Duration::from_secs(10));
    let report = sweeper.sweep().await?;
    assert_eq!(report.delivered, 2);
    assert_eq!(
        *seen.lock().unwrap(),
        Some(1),
        "the fast sink's entry was marked delivered while the slow write was still running"
    );
    Ok(())
}

#[tokio::test]
async fn no_delivery_runs_or_starts_past_the_lease() -> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    for n in 0..10 {
        store
            .enqueue(NewOutboxEntry::new(
                ac(),
                format!("order-{n}"),
                json!({"n": n}),
            ))
            .await?;
    }
    let lease = Duration::from_millis(400);
    let ends = Arc::new(Mutex::new(Vec::new()));
    let sweeper = {
        let ends = ends.clone();
        Sweeper::new(
            store.clone(),
            delivery_fn(move |_| {
                let ends = ends.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    ends.lock().unwrap().push(Instant::now());
                    Ack::Delivered
                }
            }),
        )
        .lease(lease)
        .lease_margin(Duration::from_millis(80))
        .concurrency(1)
        // Larger than what is due, so one sweep claims one batch.
        .batch_size(20)
        .retry_policy(no_wait())
    };
    let started = Instant::now();
    let report = sweeper.sweep().await?;
    // 10 × 100 ms one at a time does not fit a 400 ms lease: the first ones are delivered and
    // recorded, the rest are handed back, and nothing ran after lease − margin.
    let ends = ends.lock().unwrap().clone();
    assert!(!ends.is_empty() && ends.len() < 10, "{ends:?}");
    for end in &ends {
        assert!(*end - started < lease - Duration::from_millis(80));
    }
    assert_eq!(report.delivered as usize, ends.len());
    assert_eq!(report.rescheduled as usize, 10 - ends.len());
    assert_eq!(report.lease_lost, 0);
    Ok(())
}

#[tokio::test]
async fn a_handler_slower_than_the_lease_is_stopped_before_the_lease_runs_out()
-> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    store
        .store("woo:shop", "d-1", &json!({}), br#"{"id":727}"#)
        .await?;
    let lease = Duration::from_millis(300);
    let worker = InboxWorker::new(
        store.clone(),
        handler_fn(|_| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        }),
    )
    .lease(lease)
    .retry_policy(no_wait())
    .max_attempts(5);
    let started = Instant::now();
    let report = worker.work().await?;
    assert!(started.elapsed() < lease, "{:?}", started.elapsed());
    assert_eq!((report.retried, report.lease_lost), (1, 0));
    let again = store.claim(1, Duration::from_secs(60)).await?.remove(0);
    assert!(
        again
            .last_error
            .as_deref()
            .unwrap()
            .contains("did not finish before its lease ran out"),
        "{:?}",
        again.last_error
    );
    Ok(())
}

#[tokio::test]
async fn a_handled_delivery_is_acknowledged_while_others_still_run() -> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    for key in ["d-fast", "d-slow"] {
        store
            .store("woo:shop", key, &json!({}), key.as_bytes())
            .await?;
    }
    let seen = Arc::new(Mutex::new(None));
    let worker = {
        let (store, seen) = (store.clone(), seen.clone());
        InboxWorker::new(
            store.clone(),
            handler_fn(move |delivery| {
                let (store, seen) = (store.clone(), seen.clone());
                async move {
                    if delivery.body == b"d-slow" {
                        let mut processed = 0;
                        for _ in 0..50 {
                            processed = InboxStore::stats(&*store).await.unwrap().processed;
                            if processed > 0 {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        *seen.lock().unwrap() = Some(processed);
                    }
                    Ok(())
                }
            }),
        )
        .concurrency(2)
    };
    assert_eq!(worker.work().await?.processed, 2);
    assert_eq!(*seen.lock().unwrap(), Some(1));
    Ok(())
}

#[tokio::test]
async fn effects_are_enqueued_with_the_ack_and_not_by_a_worker_that_lost_its_lease()
-> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    store
        .store("woo:shop", "d-1", &json!({}), br#"{"id":727}"#)
        .await?;
    let effects = |id: &str| {
        vec![
            NewOutboxEntry::new(ac(), format!("order-{id}"), json!({"id": id})),
            NewOutboxEntry::new(meta(), format!("order-{id}"), json!({"id": id})),
        ]
    };
    // A stale holder: its lease was taken over, so neither its ack nor its effects count.
    let stale = store.claim(1, Duration::from_millis(30)).await?.remove(0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let holder = store.claim(1, Duration::from_secs(60)).await?.remove(0);
    assert_eq!(
        store
            .ack_with_effects(&[(stale.lease, effects("stale"))])
            .await?,
        vec![false]
    );
    assert_eq!(OutboxStore::stats(&*store).await?.pending, 0);
    assert_eq!(
        store
            .ack_with_effects(&[(holder.lease, effects("727"))])
            .await?,
        vec![true]
    );
    assert_eq!(OutboxStore::stats(&*store).await?.pending, 2);

    // Through the worker: effects reach the outbox with the ack, once.
    store
        .store("woo:shop", "d-2", &json!({}), br#"{"id":728}"#)
        .await?;
    let worker = InboxWorker::new(
        store.clone(),
        effects_fn(move |delivery| async move {
            let order: Value = serde_json::from_slice(&delivery.body)
                .map_err(|e| StageError::transient(e.to_string()))?;
            Ok(effects(&order["id"].to_string()))
        }),
    );
    assert_eq!(worker.work().await?.processed, 1);
    assert_eq!(OutboxStore::stats(&*store).await?.pending, 4);
    assert_eq!(InboxStore::stats(&*store).await?.pending, 0);
    Ok(())
}

#[tokio::test]
async fn no_handler_runs_or_starts_past_the_lease() -> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    for n in 0..10 {
        store
            .store("woo:shop", &format!("d-{n}"), &json!({}), br#"{"id":727}"#)
            .await?;
    }
    let lease = Duration::from_millis(400);
    let ends = Arc::new(Mutex::new(Vec::new()));
    let worker = {
        let ends = ends.clone();
        InboxWorker::new(
            store.clone(),
            handler_fn(move |_| {
                let ends = ends.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    ends.lock().unwrap().push(Instant::now());
                    Ok(())
                }
            }),
        )
        .lease(lease)
        .lease_margin(Duration::from_millis(80))
        .concurrency(1)
        .batch_size(20)
        .retry_policy(no_wait())
    };
    let started = Instant::now();
    let report = worker.work().await?;
    let ends = ends.lock().unwrap().clone();
    assert!(!ends.is_empty() && ends.len() < 10, "{ends:?}");
    for end in &ends {
        assert!(*end - started < lease - Duration::from_millis(80));
    }
    assert_eq!(report.processed as usize, ends.len());
    assert_eq!(report.retried as usize, 10 - ends.len());
    assert_eq!(report.lease_lost, 0);
    // The ones never started wait, unhandled, with the reason.
    let waiting = store.claim(20, Duration::from_secs(60)).await?;
    assert_eq!(waiting.len(), 10 - ends.len());
    assert!(waiting.iter().all(|d| d.last_error.is_some()));
    Ok(())
}
