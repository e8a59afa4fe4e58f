//! Fencing tokens: a worker whose lease expired and was taken over by another claim cannot
//! acknowledge, reschedule or dead-letter the row the other worker now holds; the new holder
//! can. Run against both SQLite flavours (a WAL file and a private in-memory database).
#![cfg(feature = "sqlite")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::json;
use support::TempDb;
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, InboxStore, Lease, NewOutboxEntry, OutboxStore,
};
use sync_core::sweeper::{Sweeper, delivery_fn};
use sync_core::{Ack, StoreError, StreamKey};

const LEASE: Duration = Duration::from_millis(60);

/// Each test runs once on a file database and once in memory.
async fn stores() -> Vec<(TempDb, SqliteStore)> {
    let file = TempDb::new("fencing");
    let on_file = SqliteStore::open(file.path()).await.unwrap();
    let unused = TempDb::new("fencing-unused");
    let in_memory = SqliteStore::open_in_memory().await.unwrap();
    vec![(file, on_file), (unused, in_memory)]
}

fn contacts() -> StreamKey {
    StreamKey::new("woo-to-ac", "contacts", "shop.example.com")
}

async fn expire() {
    tokio::time::sleep(LEASE + Duration::from_millis(30)).await;
}

#[tokio::test]
async fn a_late_outbox_ack_is_refused_and_the_new_holders_is_accepted() -> Result<(), StoreError> {
    for (_db, store) in stores().await {
        let at = store.location().to_string();
        store
            .enqueue(NewOutboxEntry::new(
                contacts(),
                "order-1042@v1",
                json!({"email": "jan@example.com"}),
            ))
            .await?;
        let first = store.claim_due(10, LEASE).await?.remove(0);
        expire().await;
        let second = store
            .claim_due(10, Duration::from_secs(60))
            .await?
            .remove(0);
        assert_eq!(second.id(), first.id());

        // Every answer of the first worker is refused: it no longer holds the entry.
        assert!(!store.mark_delivered(&first.lease).await?, "{at}");
        assert_eq!(
            store.mark_delivered_many(&[first.lease]).await?,
            vec![false],
            "{at}"
        );
        assert!(
            !store
                .mark_failed(&first.lease, Utc::now(), "late", None)
                .await?,
            "{at}"
        );
        assert_eq!(
            store
                .move_to_dead_letters(&first.lease, "late", None)
                .await?,
            None,
            "{at}"
        );
        let stats = OutboxStore::stats(&store).await?;
        assert_eq!((stats.pending, stats.leased), (1, 1), "{at}: still held");
        assert!(store.list(&DeadLetterQuery::default()).await?.is_empty());

        // The holder's ack is accepted.
        assert!(store.mark_delivered(&second.lease).await?, "{at}");
        assert_eq!(OutboxStore::stats(&store).await?.delivered, 1, "{at}");
    }
    Ok(())
}

#[tokio::test]
async fn a_late_outbox_dead_letter_is_refused_and_the_holder_may_dead_letter()
-> Result<(), StoreError> {
    for (_db, store) in stores().await {
        store
            .enqueue(NewOutboxEntry::new(
                contacts(),
                "order-7@v1",
                json!({"email": 7}),
            ))
            .await?;
        let first = store.claim_due(10, LEASE).await?.remove(0);
        expire().await;
        let second = store
            .claim_due(10, Duration::from_secs(60))
            .await?
            .remove(0);
        assert_eq!(
            store
                .move_to_dead_letters(&first.lease, "late 422", None)
                .await?,
            None
        );
        let letter = store
            .move_to_dead_letters(&second.lease, "422 email is invalid", None)
            .await?
            .expect("the holder dead-letters");
        let letters = store.list(&DeadLetterQuery::default()).await?;
        assert_eq!(letters.len(), 1);
        assert_eq!(letters[0].id, letter);
        assert_eq!(letters[0].letter.reason, "422 email is invalid");
    }
    Ok(())
}

#[tokio::test]
async fn a_late_inbox_ack_is_refused_and_the_new_holders_is_accepted() -> Result<(), StoreError> {
    let headers = json!({"x-wc-webhook-topic": "order.updated"});
    for (_db, store) in stores().await {
        let at = store.location().to_string();
        store
            .store("woo:shop", "d-1", &headers, br#"{"id":727}"#)
            .await?;
        let first = store.claim(10, LEASE).await?.remove(0);
        expire().await;
        let second = store.claim(10, Duration::from_secs(60)).await?.remove(0);
        assert_eq!(second.id(), first.id());

        assert!(!store.ack(&first.lease).await?, "{at}");
        assert_eq!(store.ack_many(&[first.lease]).await?, vec![false], "{at}");
        assert!(
            !store.fail(&first.lease, "late", Duration::ZERO).await?,
            "{at}"
        );
        assert_eq!(
            store.dead_letter_delivery(&first.lease, "late").await?,
            None,
            "{at}"
        );
        let stats = InboxStore::stats(&store).await?;
        assert_eq!((stats.pending, stats.leased), (1, 1), "{at}: still held");

        assert!(store.ack(&second.lease).await?, "{at}");
        let stats = InboxStore::stats(&store).await?;
        assert_eq!((stats.pending, stats.processed), (0, 1), "{at}");
    }
    Ok(())
}

#[tokio::test]
async fn a_late_inbox_dead_letter_is_refused_and_the_holder_may_dead_letter()
-> Result<(), StoreError> {
    for (_db, store) in stores().await {
        store
            .store("woo:shop", "d-2", &json!({}), br#"{"id":"#)
            .await?;
        let first = store.claim(10, LEASE).await?.remove(0);
        expire().await;
        let second = store.claim(10, Duration::from_secs(60)).await?.remove(0);
        assert_eq!(
            store.dead_letter_delivery(&first.lease, "late").await?,
            None
        );
        assert!(!store.ack(&first.lease).await?);
        assert!(
            store
                .dead_letter_delivery(&second.lease, "Data error: EOF while parsing")
                .await?
                .is_some()
        );
        let letters = store.list(&DeadLetterQuery::default()).await?;
        assert_eq!(letters.len(), 1);
        assert_eq!(letters[0].letter.reason, "Data error: EOF while parsing");
    }
    Ok(())
}

/// An outbox whose marks always come too late (another sweeper took the entries over): the
/// sweeper counts the refused acks as `lease_lost` and goes on, it does not fail.
#[derive(Debug)]
struct TakenOver(SqliteStore);

#[async_trait]
impl DeadLetterStore for TakenOver {
    async fn put(&self, letter: sync_core::store::NewDeadLetter) -> Result<i64, StoreError> {
        self.0.put(letter).await
    }
    async fn list(
        &self,
        query: &DeadLetterQuery,
    ) -> Result<Vec<sync_core::store::DeadLetter>, StoreError> {
        self.0.list(query).await
    }
    async fn mark_replayed(&self, id: i64) -> Result<bool, StoreError> {
        self.0.mark_replayed(id).await
    }
    async fn record_failure(
        &self,
        id: i64,
        reason: &str,
        response: Option<&str>,
    ) -> Result<(), StoreError> {
        self.0.record_failure(id, reason, response).await
    }
}

#[async_trait]
impl OutboxStore for TakenOver {
    async fn enqueue(
        &self,
        entry: NewOutboxEntry,
    ) -> Result<sync_core::store::Enqueued, StoreError> {
        self.0.enqueue(entry).await
    }
    async fn claim_due(
        &self,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<sync_core::store::OutboxEntry>, StoreError> {
        self.0.claim_due(limit, lease).await
    }
    async fn mark_delivered(&self, lease: &Lease) -> Result<bool, StoreError> {
        self.mark_delivered_many(std::slice::from_ref(lease))
            .await
            .map(|done| done[0])
    }
    async fn mark_delivered_many(&self, leases: &[Lease]) -> Result<Vec<bool>, StoreError> {
        // The sweeper stalls (a GC pause, a frozen VM) past its lease, and another sweeper
        // claims the entries meanwhile.
        tokio::time::sleep(LEASE + Duration::from_millis(20)).await;
        self.0.claim_due(100, Duration::from_secs(60)).await?;
        self.0.mark_delivered_many(leases).await
    }
    async fn mark_failed(
        &self,
        lease: &Lease,
        at: chrono::DateTime<Utc>,
        error: &str,
        response: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.0.mark_failed(lease, at, error, response).await
    }
    async fn move_to_dead_letters(
        &self,
        lease: &Lease,
        reason: &str,
        response: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        self.0.move_to_dead_letters(lease, reason, response).await
    }
    async fn replay_dead_letter(
        &self,
        id: i64,
        limits: sync_core::store::OutboxLimits,
    ) -> Result<sync_core::store::ReplayOutcome, StoreError> {
        self.0.replay_dead_letter(id, limits).await
    }
    async fn prune_delivered(&self, before: chrono::DateTime<Utc>) -> Result<u64, StoreError> {
        self.0.prune_delivered(before).await
    }
    async fn stats(&self) -> Result<sync_core::store::OutboxStats, StoreError> {
        OutboxStore::stats(&self.0).await
    }
}

#[tokio::test]
async fn a_sweeper_whose_acks_are_refused_reports_them_and_delivers_nothing_twice()
-> Result<(), StoreError> {
    let store = SqliteStore::open_in_memory().await?;
    for key in ["order-1@v1", "order-2@v1"] {
        store
            .enqueue(NewOutboxEntry::new(contacts(), key, json!({"key": key})))
            .await?;
    }
    let late = Sweeper::new(
        Arc::new(TakenOver(store.clone())),
        delivery_fn(|_| async { Ack::Delivered }),
    )
    .lease(LEASE);
    let report = late.sweep().await?;
    assert_eq!(report.claimed, 2);
    assert_eq!(report.delivered, 0, "{report:?}");
    assert_eq!(report.lease_lost, 2, "{report:?}");
    // The entries stay with their new holder, not marked by the late sweeper.
    let stats = OutboxStore::stats(&store).await?;
    assert_eq!((stats.pending, stats.leased, stats.delivered), (2, 2, 0));
    Ok(())
}
