//! The outbox delivers through the `Sink` contract: a claimed batch reaches each sink as one
//! write per destination, per-record acks map back to entries, and a retry policy passed in
//! cannot shorten the entries' own limits.
#![cfg(feature = "sqlite")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, NewOutboxEntry, OutboxLimits, OutboxStore,
};
use sync_core::sweeper::{Destinations, Sweeper, delivery_fn};
use sync_core::{Ack, Sink, SinkRecord, StageError, StoreError, StreamKey};

/// Records every write's keys; rejects keys containing "bad", asks to retry keys with "later".
#[derive(Default, Clone)]
struct Recording(Arc<Mutex<Vec<Vec<String>>>>);

#[async_trait]
impl Sink<Value> for Recording {
    async fn write(&self, batch: &[SinkRecord<'_, Value>]) -> Result<Vec<Ack>, StageError> {
        self.0
            .lock()
            .unwrap()
            .push(batch.iter().map(|r| r.key.to_string()).collect());
        Ok(batch
            .iter()
            .map(|r| {
                if r.key.contains("bad") {
                    Ack::Rejected {
                        reason: format!("{}: email is invalid", r.data["email"]),
                        response: Some(r#"{"errors":[{"title":"Email is invalid"}]}"#.into()),
                    }
                } else if r.key.contains("later") {
                    Ack::retry("429 from the bulk endpoint")
                } else {
                    Ack::Delivered
                }
            })
            .collect())
    }
}

fn ac() -> StreamKey {
    StreamKey::new("woo-to-ac", "contacts", "shop-a")
}
fn meta() -> StreamKey {
    StreamKey::new("woo-to-meta", "audience", "shop-a")
}

fn contact(to: StreamKey, key: &str) -> NewOutboxEntry {
    NewOutboxEntry::new(to, key, json!({"email": format!("{key}@example.com")}))
}

#[tokio::test]
async fn a_batch_reaches_each_sink_as_one_write_and_acks_map_back() -> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    for key in ["c-1", "c-2", "c-bad", "c-later"] {
        store.enqueue(contact(ac(), key)).await?;
    }
    for key in ["m-1", "m-2"] {
        store.enqueue(contact(meta(), key)).await?;
    }
    let (ac_sink, meta_sink) = (Recording::default(), Recording::default());
    let sweeper = Sweeper::new(
        store.clone(),
        Destinations::new()
            .sink(ac(), ac_sink.clone())
            .sink_for_any_tenant("woo-to-meta", "audience", meta_sink.clone()),
    )
    .batch_size(10);
    let report = sweeper.sweep().await?;
    assert_eq!(
        (report.delivered, report.dead_lettered, report.rescheduled),
        (4, 1, 1)
    );
    assert_eq!(
        *ac_sink.0.lock().unwrap(),
        vec![vec!["c-1", "c-2", "c-bad", "c-later"]]
    );
    assert_eq!(*meta_sink.0.lock().unwrap(), vec![vec!["m-1", "m-2"]]);

    let letters = store.list(&DeadLetterQuery::open(ac())).await?;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.record_key, "c-bad");
    assert!(letters[0].letter.reason.contains("email is invalid"));
    assert!(
        letters[0]
            .letter
            .last_response
            .as_deref()
            .unwrap()
            .contains("Email is invalid")
    );
    let stats = store.stats().await?;
    assert_eq!((stats.pending, stats.delivered), (1, 4));
    Ok(())
}

#[tokio::test]
async fn a_failed_write_retries_its_entries_and_unrouted_entries_wait() -> Result<(), StoreError> {
    struct Down;
    #[async_trait]
    impl Sink<Value> for Down {
        async fn write(&self, _: &[SinkRecord<'_, Value>]) -> Result<Vec<Ack>, StageError> {
            Err(StageError::transient("503 from /import/bulk_import"))
        }
    }
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    store.enqueue(contact(ac(), "c-1")).await?;
    store.enqueue(contact(meta(), "m-1")).await?;
    let sweeper = Sweeper::new(store.clone(), Destinations::new().sink(ac(), Down));
    let report = sweeper.sweep().await?;
    assert_eq!((report.rescheduled, report.delivered), (2, 0));
    assert_eq!(store.stats().await?.pending, 2);
    Ok(())
}

/// Before the fix, a policy's own `max_attempts(2)` dead-lettered the entry at attempt 2,
/// although its limits allowed 5.
#[tokio::test]
async fn a_retry_policy_cannot_shorten_the_entries_limits() -> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    store
        .enqueue(contact(ac(), "c-1").limits(OutboxLimits::new(5, None)))
        .await?;
    let http_layer_policy = ExponentialBackoff::default()
        .initial(Duration::ZERO)
        .jitter(Jitter::None)
        .max_attempts(2)
        .max_elapsed(Some(Duration::from_millis(1)));
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(|_| async { Ack::retry("503 Service Unavailable") }),
    )
    .retry_policy(http_layer_policy);
    let mut total = (0, 0);
    for _ in 0..5 {
        let report = sweeper.sweep().await?;
        total.0 += report.rescheduled;
        total.1 += report.dead_lettered;
    }
    // Attempts 1-4 rescheduled; the 5th (the entry's limit) dead-letters.
    assert_eq!(total, (4, 1));
    let letters = store.list(&DeadLetterQuery::open(ac())).await?;
    assert!(
        letters[0].letter.reason.contains("after 5 attempts"),
        "{}",
        letters[0].letter.reason
    );
    Ok(())
}

/// A bulk import that refuses the whole request when any contact is invalid (422 for the
/// batch), as ActiveCampaign's bulk import does.
#[derive(Default, Clone)]
struct AllOrNothing(Arc<Mutex<Vec<Vec<String>>>>);

#[async_trait]
impl Sink<Value> for AllOrNothing {
    async fn write(&self, batch: &[SinkRecord<'_, Value>]) -> Result<Vec<Ack>, StageError> {
        self.0
            .lock()
            .unwrap()
            .push(batch.iter().map(|r| r.key.to_string()).collect());
        if let Some(bad) = batch.iter().find(|r| r.key.contains("bad")) {
            return Err(StageError::new(
                sync_core::Verdict::Permanent(sync_core::PermanentKind::Data),
                format!("422: contact {} has an invalid email", bad.key),
            ));
        }
        Ok(vec![Ack::Delivered; batch.len()])
    }
}

#[tokio::test]
async fn one_invalid_record_in_a_bulk_write_dead_letters_only_itself() -> Result<(), StoreError> {
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    for key in ["c-1", "c-bad", "c-3", "c-4"] {
        store.enqueue(contact(ac(), key)).await?;
    }
    let sink = AllOrNothing::default();
    let sweeper = Sweeper::new(store.clone(), Destinations::new().sink(ac(), sink.clone()));
    let report = sweeper.sweep().await?;
    assert_eq!(
        (report.delivered, report.dead_lettered),
        (3, 1),
        "{report:?}"
    );
    let letters = store.list(&DeadLetterQuery::default()).await?;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.record_key, "c-bad");
    assert!(letters[0].letter.reason.contains("invalid email"));
    // One bulk write, then one per entry.
    assert_eq!(sink.0.lock().unwrap().len(), 5);
    Ok(())
}

#[tokio::test]
async fn a_panicking_sink_fails_its_write_and_the_sweeper_goes_on() -> Result<(), StoreError> {
    struct Panics;
    #[async_trait]
    impl Sink<Value> for Panics {
        async fn write(&self, _: &[SinkRecord<'_, Value>]) -> Result<Vec<Ack>, StageError> {
            panic!("index out of bounds in the mapper")
        }
    }
    let store = Arc::new(SqliteStore::open_in_memory().await?);
    store.enqueue(contact(ac(), "c-1")).await?;
    let sweeper = Sweeper::new(store.clone(), Destinations::new().sink(ac(), Panics));
    let report = sweeper.sweep().await?;
    assert_eq!(report.rescheduled, 1, "{report:?}");
    assert_eq!(store.stats().await?.pending, 1);
    Ok(())
}
