//! The webhook inbox: persist a verified delivery, answer the sender at once, process later.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Lease, NewOutboxEntry, ReplayOutcome, StoreError, StreamKey};
use crate::webhook::StoredHeaders;

/// What [`InboxStore::store`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored as a new delivery with this id.
    New(i64),
    /// Already stored (processed or not) under this id: acknowledge the sender, store nothing.
    Duplicate(i64),
}

impl Received {
    /// The delivery's id, new or existing.
    pub fn id(self) -> i64 {
        match self {
            Received::New(id) | Received::Duplicate(id) => id,
        }
    }

    /// `true` when the delivery was stored now.
    pub fn is_new(self) -> bool {
        matches!(self, Received::New(_))
    }
}

/// A claimed inbox delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxDelivery {
    /// Who sent it (`woocommerce:shop.example.com`).
    pub source: String,
    /// The delivery's dedupe key.
    pub dedupe_key: String,
    /// The request headers as stored (a JSON object, as the handler passed it); read them as
    /// [`StoredHeaders`] with [`InboxDelivery::stored_headers`].
    pub headers: serde_json::Value,
    /// The raw request body, byte for byte.
    pub body: Vec<u8>,
    /// When it was stored.
    pub received_at: DateTime<Utc>,
    /// Claims so far, this one included.
    pub attempts: u32,
    /// Why the previous attempt failed, if one did.
    pub last_error: Option<String>,
    /// The dead letter this delivery replays, if it is a replay
    /// ([`InboxStore::replay_delivery`]).
    pub replay_of: Option<i64>,
    /// This claim's lease: pass it to [`InboxStore::ack`] or [`InboxStore::fail`].
    pub lease: Lease,
}

impl InboxDelivery {
    /// The delivery's id.
    pub fn id(&self) -> i64 {
        self.lease.id()
    }

    /// The stored headers, typed: what the [`Acceptor`](crate::webhook::Acceptor) kept.
    /// Headers that are not a JSON object of strings (or arrays of strings) read as none.
    pub fn stored_headers(&self) -> StoredHeaders {
        StoredHeaders::from_json(&self.headers).unwrap_or_default()
    }
}

/// The stream an inbox delivery from `source` is dead-lettered under:
/// `inbox` / `source` / (empty tenant).
pub fn inbox_dead_letter_stream(source: &str) -> StreamKey {
    StreamKey::new("inbox", source, "")
}

/// Counts for monitoring an inbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxStats {
    /// Deliveries not yet processed (leased ones included).
    pub pending: u64,
    /// Deliveries under an unexpired lease.
    pub leased: u64,
    /// Processed deliveries kept for deduplication (see [`InboxStore::prune_processed`]).
    pub processed: u64,
    /// When the oldest unprocessed delivery arrived.
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// Durable, deduplicated webhook deliveries with leased processing.
///
/// A webhook handler checks the signature on the raw bytes, calls [`InboxStore::store`] and
/// answers 2xx as soon as it returns: a shop never sees an error because a downstream API is
/// slow or down. Workers then [`claim`](InboxStore::claim) stored deliveries, process them and
/// [`ack`](InboxStore::ack) (or [`fail`](InboxStore::fail)) each one.
///
/// # Guarantees an [`InboxStore`] gives
///
/// - **Deduplication.** A delivery is identified by its source and dedupe key (the vendor's
///   delivery id, or a hash of the body when there is none). Storing it again answers
///   [`Received::Duplicate`] and stores nothing, as long as the first copy has not been pruned.
/// - **Durability before the answer.** When `store` returns `Ok`, the raw body and headers are
///   committed.
/// - **Exclusive claims.** Each claimed delivery is leased to one worker at a time.
/// - **Crash recovery.** A delivery claimed but never acknowledged becomes claimable again when its
///   lease expires, so processing is *at least once*: handlers must tolerate a repeat.
///
/// A delivery that keeps failing is offered again after every [`fail`](InboxStore::fail);
/// [`InboxDelivery::attempts`] says how often it was claimed. Give up on it with
/// [`dead_letter_delivery`](InboxStore::dead_letter_delivery), which writes the dead letter and
/// marks the delivery processed in one transaction (the
/// [`InboxWorker`](crate::inbox_worker::InboxWorker) does all this).
#[async_trait]
pub trait InboxStore: Send + Sync + std::fmt::Debug {
    /// Persist a delivery (raw `body`, `headers` as JSON) unless `(source, dedupe_key)` is already
    /// stored. Call it after verifying the signature and before answering the sender.
    async fn store(
        &self,
        source: &str,
        dedupe_key: &str,
        headers: &serde_json::Value,
        body: &[u8],
    ) -> Result<Received, StoreError>;

    /// Claim up to `limit` unprocessed deliveries that are not leased (and not waiting after a
    /// failure), oldest first, each under a new lease of length `lease`. Claiming counts an attempt.
    async fn claim(&self, limit: u32, lease: Duration) -> Result<Vec<InboxDelivery>, StoreError>;

    /// Processing succeeded: mark the delivery processed. **Fenced** by the lease's token (see
    /// [`Lease`]): returns `false`, changing nothing, if another claim took the delivery over,
    /// it was answered already, or it is gone.
    async fn ack(&self, lease: &Lease) -> Result<bool, StoreError>;

    /// [`ack`](InboxStore::ack) for several deliveries at once: one answer per lease, in
    /// order. The default calls `ack` for each; SQLite does them in one transaction.
    async fn ack_many(&self, leases: &[Lease]) -> Result<Vec<bool>, StoreError> {
        let mut done = Vec::with_capacity(leases.len());
        for lease in leases {
            done.push(self.ack(lease).await?);
        }
        Ok(done)
    }

    /// Acknowledge handled deliveries **and** enqueue each one's effects (outbox entries) in
    /// one transaction: a delivery is marked processed exactly when its entries are in the
    /// outbox, so a crash can neither lose the effects of an acknowledged delivery nor leave
    /// effects of an unacknowledged one behind without a retry. Each item's entries are
    /// enqueued only if its ack is accepted (fenced by its lease, like [`ack`](Self::ack));
    /// enqueueing is idempotent as in [`OutboxStore::enqueue`](super::OutboxStore::enqueue).
    /// One answer per item, in order: whether it was acknowledged.
    ///
    /// The [`InboxWorker`](crate::inbox_worker::InboxWorker) calls this with every batch of
    /// handled deliveries. The default serves items without effects with
    /// [`ack_many`](Self::ack_many) and refuses effects (an inbox that shares no database with
    /// an outbox cannot enqueue atomically); the SQLite store does it all in one commit.
    async fn ack_with_effects(
        &self,
        items: &[(Lease, Vec<NewOutboxEntry>)],
    ) -> Result<Vec<bool>, StoreError> {
        if items.iter().any(|(_, effects)| !effects.is_empty()) {
            return Err(StoreError::Backend(
                format!(
                    "{self:?} cannot enqueue outbox entries with its acknowledgements; \
                     enqueue them in the handler instead"
                )
                .into(),
            ));
        }
        let leases: Vec<Lease> = items.iter().map(|(lease, _)| *lease).collect();
        self.ack_many(&leases).await
    }

    /// Processing failed: release the delivery with `reason`, claimable again after `retry_in`
    /// (zero: at once). Returns `false`, changing nothing, if the lease was lost to another claim.
    async fn fail(
        &self,
        lease: &Lease,
        reason: &str,
        retry_in: Duration,
    ) -> Result<bool, StoreError>;

    /// Give up on a delivery: in one transaction, write a dead letter (stream
    /// [`inbox_dead_letter_stream`], record key the dedupe key, payload the source, dedupe key,
    /// headers, receive time and body, `reason`, attempts) and mark the delivery processed, so
    /// a duplicate of it is still recognised. A replayed delivery updates its original letter
    /// instead of writing a second one.
    ///
    /// Returns the letter's id, or `None`, changing nothing, if the lease was lost.
    async fn dead_letter_delivery(
        &self,
        lease: &Lease,
        reason: &str,
    ) -> Result<Option<i64>, StoreError>;

    /// Put a dead-lettered delivery back in the inbox, due at once with its attempts reset.
    /// The letter stays open until the delivery is acknowledged, then [`ack`](InboxStore::ack)
    /// marks it replayed in the same transaction.
    async fn replay_delivery(&self, dead_letter_id: i64) -> Result<ReplayOutcome, StoreError>;

    /// Delete deliveries processed before `before`; returns how many. A pruned delivery that
    /// arrives again is stored as new, so keep processed rows longer than the sender retries.
    async fn prune_processed(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Counts for monitoring.
    async fn stats(&self) -> Result<InboxStats, StoreError>;
}
