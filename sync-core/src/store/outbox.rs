//! The outbox: deliveries waiting to be sent, retried by a sweeper until delivered or dead-lettered.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DeadLetterStore, StoreError, StreamKey};

/// How many times, and for how long, an outbox entry may be tried before it is dead-lettered.
///
/// The default mirrors the shop plugin the outbox replaces: **3 attempts, at most one week**.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxLimits {
    /// Attempts in all, including the first (at least 1).
    pub max_attempts: u32,
    /// How long after enqueueing the entry may still be tried; `None` for no limit.
    pub max_age: Option<Duration>,
}

impl Default for OutboxLimits {
    fn default() -> Self {
        OutboxLimits {
            max_attempts: 3,
            max_age: Some(Duration::from_secs(7 * 24 * 60 * 60)),
        }
    }
}

impl OutboxLimits {
    /// Limits with `max_attempts` attempts (at least 1) and an optional maximum age.
    pub fn new(max_attempts: u32, max_age: Option<Duration>) -> Self {
        OutboxLimits {
            max_attempts: max_attempts.max(1),
            max_age,
        }
    }
}

/// A delivery to put in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOutboxEntry {
    /// Where it goes (connector, stream, tenant). Dead letters of this entry carry this key.
    pub destination: StreamKey,
    /// Names this one delivery within its destination. Enqueueing the same key twice is a no-op,
    /// so the key must change when the content should be sent again (include a version, a
    /// modification time or a content hash: `order-1042@2024-05-03T10:00:00Z`).
    pub dedupe_key: String,
    /// What to deliver.
    pub payload: serde_json::Value,
    /// Attempt and age limits.
    pub limits: OutboxLimits,
    /// Do not try before this instant (`None`: due at once).
    pub not_before: Option<DateTime<Utc>>,
}

impl NewOutboxEntry {
    /// An entry due now, with the default [`OutboxLimits`].
    pub fn new(
        destination: StreamKey,
        dedupe_key: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        NewOutboxEntry {
            destination,
            dedupe_key: dedupe_key.into(),
            payload,
            limits: OutboxLimits::default(),
            not_before: None,
        }
    }

    /// Use these limits.
    pub fn limits(mut self, limits: OutboxLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Do not try before `at`.
    pub fn not_before(mut self, at: DateTime<Utc>) -> Self {
        self.not_before = Some(at);
        self
    }
}

/// What [`OutboxStore::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new entry with this id.
    New(i64),
    /// The destination already had an entry with this dedupe key (pending or delivered): nothing
    /// changed. Carries the existing entry's id.
    Duplicate(i64),
}

impl Enqueued {
    /// The entry's id, new or existing.
    pub fn id(self) -> i64 {
        match self {
            Enqueued::New(id) | Enqueued::Duplicate(id) => id,
        }
    }

    /// `true` when a new entry was stored.
    pub fn is_new(self) -> bool {
        matches!(self, Enqueued::New(_))
    }
}

/// The right to work on one claimed row until [`Lease::until`].
///
/// Each claim gets a fresh token (a fencing token). Every operation that answers for a row —
/// mark delivered, reschedule, dead-letter, acknowledge, release — acts only while the row
/// still carries the caller's token, so a worker whose lease expired and was taken over cannot
/// acknowledge, undo or dead-letter work another worker now holds: its late answer is refused
/// (`false` / `None`) and the sweeper or worker counts it as `lease_lost`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    id: i64,
    token: i64,
    until: DateTime<Utc>,
}

impl Lease {
    /// A lease on row `id` with `token`, valid until `until`. Store implementations create
    /// these; callers only pass them back.
    pub fn new(id: i64, token: i64, until: DateTime<Utc>) -> Self {
        Lease { id, token, until }
    }

    /// The leased row's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The claim's token.
    pub fn token(&self) -> i64 {
        self.token
    }

    /// When the lease expires and the row may be claimed by someone else.
    pub fn until(&self) -> DateTime<Utc> {
        self.until
    }

    /// Whether the lease has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.until
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("id", &self.id)
            .field("until", &self.until)
            .finish_non_exhaustive()
    }
}

/// A claimed outbox entry.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Where it goes.
    pub destination: StreamKey,
    /// The delivery's dedupe key.
    pub dedupe_key: String,
    /// What to deliver.
    pub payload: serde_json::Value,
    /// Attempts started so far, this one included (the first claim makes it 1). An entry whose
    /// earlier lease expired without an answer has used up that attempt too.
    pub attempts: u32,
    /// The entry's attempt limit.
    pub max_attempts: u32,
    /// When it was enqueued (or requeued from dead letters).
    pub created_at: DateTime<Utc>,
    /// When its maximum age runs out, if it has one.
    pub expires_at: Option<DateTime<Utc>>,
    /// The error of the previous attempt, if any.
    pub last_error: Option<String>,
    /// The destination's response to the previous attempt, if any.
    pub last_response: Option<String>,
    /// The dead letter this entry replays, if it is a replay.
    pub replay_of: Option<i64>,
    /// This claim's lease: pass it back to complete, reschedule or dead-letter the entry.
    pub lease: Lease,
}

impl OutboxEntry {
    /// The entry's id.
    pub fn id(&self) -> i64 {
        self.lease.id
    }

    /// Whether the entry's maximum age has run out at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    /// How long ago the entry was enqueued.
    pub fn age(&self, now: DateTime<Utc>) -> Duration {
        (now - self.created_at).to_std().unwrap_or_default()
    }
}

/// What [`OutboxStore::replay_dead_letter`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// The letter's record is back in the outbox as this entry; the letter is marked replayed
    /// when that entry is delivered.
    Queued(i64),
    /// The destination already has a pending entry with the letter's dedupe key; nothing changed.
    AlreadyQueued(i64),
    /// There is no open (unreplayed) dead letter with that id.
    NotFound,
}

/// Counts for monitoring an outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Entries not yet delivered (leased ones included).
    pub pending: u64,
    /// Pending entries due now and not leased.
    pub due: u64,
    /// Entries under an unexpired lease.
    pub leased: u64,
    /// Delivered entries still kept for deduplication (see [`OutboxStore::prune_delivered`]).
    pub delivered: u64,
    /// When the oldest pending entry was enqueued.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// When the longest-waiting due entry became due (how far behind the sweepers are).
    pub oldest_due: Option<DateTime<Utc>>,
}

/// Durable pending deliveries with leases, attempts and limits: the store a
/// [`Sweeper`](crate::sweeper::Sweeper) works through.
///
/// # Guarantees an [`OutboxStore`] gives
///
/// - **Idempotent enqueue.** An entry is identified by its destination ([`StreamKey`]) and its
///   dedupe key. Enqueueing a key that is pending, or that was delivered and not yet pruned,
///   changes nothing and answers [`Enqueued::Duplicate`].
/// - **Exclusive claims.** [`OutboxStore::claim_due`] hands each due entry to one caller at a
///   time, under a [`Lease`]. Two sweepers (in one process or many, on one database) never hold
///   the same entry at once.
/// - **Crash recovery.** A lease that is neither completed nor released expires; the entry is due
///   again and the next claim takes it. Delivery is therefore *at least once*: destinations must
///   accept a repeat (upsert, idempotency key).
/// - **Atomic dead-lettering.** [`OutboxStore::move_to_dead_letters`] removes the entry and writes
///   the dead letter in one transaction, so a record is always in exactly one of the two places.
///   That is why an outbox is also a [`DeadLetterStore`]: its dead letters live beside it.
#[async_trait]
pub trait OutboxStore: DeadLetterStore {
    /// Store a delivery durably (idempotent per destination and dedupe key).
    async fn enqueue(&self, entry: NewOutboxEntry) -> Result<Enqueued, StoreError>;

    /// [`enqueue`](OutboxStore::enqueue) several entries: one answer per entry, in order. The
    /// default enqueues them one by one; SQLite stores them all in one transaction (one commit),
    /// so either all are stored or none.
    async fn enqueue_many(
        &self,
        entries: Vec<NewOutboxEntry>,
    ) -> Result<Vec<Enqueued>, StoreError> {
        let mut done = Vec::with_capacity(entries.len());
        for entry in entries {
            done.push(self.enqueue(entry).await?);
        }
        Ok(done)
    }

    /// Claim up to `limit` entries that are due and not leased, oldest due first, each under a
    /// new lease of length `lease`. Claiming counts an attempt.
    ///
    /// Choose a lease longer than a delivery can take: when it runs out, another caller may
    /// claim and deliver the entry again.
    async fn claim_due(&self, limit: u32, lease: Duration) -> Result<Vec<OutboxEntry>, StoreError>;

    /// The entry was delivered: mark it done (kept for deduplication until pruned). If it
    /// replays a dead letter, that letter is marked replayed in the same transaction.
    ///
    /// **Fenced** by the lease's token: it succeeds only while the entry still carries this
    /// lease (an expired lease nobody has taken over still counts). Returns `false`, changing
    /// nothing, if another claim took the entry over, the entry was answered already, or it is
    /// gone: the new holder delivers it again (at least once) and answers for it.
    async fn mark_delivered(&self, lease: &Lease) -> Result<bool, StoreError>;

    /// [`mark_delivered`](OutboxStore::mark_delivered) for several entries at once (a sink's
    /// batch): one answer per lease, in order. The default calls `mark_delivered` for each;
    /// SQLite does them in one transaction (one commit for the batch).
    async fn mark_delivered_many(&self, leases: &[Lease]) -> Result<Vec<bool>, StoreError> {
        let mut done = Vec::with_capacity(leases.len());
        for lease in leases {
            done.push(self.mark_delivered(lease).await?);
        }
        Ok(done)
    }

    /// The attempt failed: release the entry, due again at `next_attempt_at`, keeping `error`
    /// and `last_response`. Returns `false`, changing nothing, if the lease was lost to another
    /// claim or the entry is gone.
    async fn mark_failed(
        &self,
        lease: &Lease,
        next_attempt_at: DateTime<Utc>,
        error: &str,
        last_response: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// Give up on the entry: in one transaction, remove it from the outbox and write a dead
    /// letter (its destination, dedupe key as record key, payload, `reason`, `last_response`,
    /// attempts). A replayed entry updates its original dead letter instead of writing a new one.
    ///
    /// Returns the dead letter's id, or `None`, changing nothing, if the lease was lost.
    async fn move_to_dead_letters(
        &self,
        lease: &Lease,
        reason: &str,
        last_response: Option<&str>,
    ) -> Result<Option<i64>, StoreError>;

    /// Put an open dead letter back in the outbox for its stream, with fresh `limits`. The
    /// letter stays open until the new entry is delivered, then [`mark_delivered`] marks it
    /// replayed; if the entry fails for good, the same letter is updated.
    ///
    /// [`mark_delivered`]: OutboxStore::mark_delivered
    async fn replay_dead_letter(
        &self,
        dead_letter_id: i64,
        limits: OutboxLimits,
    ) -> Result<ReplayOutcome, StoreError>;

    /// Delete delivered entries delivered before `before`; returns how many. A pruned key can be
    /// enqueued again, so keep delivered entries at least as long as duplicates may arrive.
    async fn prune_delivered(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Counts for monitoring.
    async fn stats(&self) -> Result<OutboxStats, StoreError>;
}
