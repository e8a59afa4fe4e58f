//! The outbox [`Sweeper`]: delivers what is due, reschedules what may succeed later, and
//! dead-letters what never will.
//!
//! It generalises the shop-plugin cron it replaces ("retry failed webhooks every 2 h, max 3
//! tries, max age 1 week"): those are the defaults — [`OutboxLimits::default`] and
//! [`default_retry_policy`] — and every one of them is configurable.
//!
//! # What a sweep does with each due entry
//!
//! | the entry / the delivery answers | the sweeper |
//! |---|---|
//! | [`Ack::Delivered`] | marks it delivered (and its dead letter replayed, for a replay) |
//! | [`Ack::RetryLater`] | asks the [`RetryPolicy`] for a wait (never shorter than the `after` the destination gave) and reschedules it |
//! | [`Ack::RetryLater`], but attempts, the entry's max age or the policy ran out | moves it to dead letters with the reason |
//! | [`Ack::Rejected`] | moves it to dead letters with the reason and the response |
//! | already past its max age, or past its attempts after a crashed claim | moves it to dead letters without delivering |
//!
//! Entries are claimed under a lease, so several sweepers (threads, processes) can share one
//! outbox without delivering an entry twice at the same time; a sweeper that dies mid-delivery
//! leaves a lease that expires, and the entry is delivered again. Delivery is therefore at least
//! once: destinations must accept repeats (upserts, idempotency keys).
//!
//! # Leases
//!
//! - **No sink call outlives its lease.** Every call of a batch has a hard deadline: the
//!   claim's lease end less the [`lease_margin`](Sweeper::lease_margin). A call still running
//!   then is abandoned (a failed attempt) and none starts after it. The sweeper never renews
//!   leases: a fixed deadline needs no background writes and cannot be kept alive by a stuck
//!   process.
//! - **Answers are recorded as each call returns**, not at the end of the batch, so a slow
//!   destination does not hold back the marks of a fast one.
//! - **Late answers are fenced.** Every mark, reschedule and dead-letter carries the lease's
//!   token: once another sweeper has claimed the entry, a late answer is refused and counted
//!   in [`SweepReport::lease_lost`], never an error.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use sync_core::store::sqlite::SqliteStore;
//! use sync_core::store::{NewOutboxEntry, OutboxStore};
//! use sync_core::sweeper::{Sweeper, delivery_fn};
//! use sync_core::{Ack, StreamKey};
//!
//! let store = Arc::new(SqliteStore::open(":memory:").await?);
//! let contacts = StreamKey::new("woo-to-ac", "contacts", "shop.example.com");
//! let entry = NewOutboxEntry::new(contacts, "order-1042@v1", serde_json::json!({"email": "a@example.com"}));
//! store.enqueue(entry.clone()).await?;
//! assert!(!store.enqueue(entry).await?.is_new()); // idempotent per dedupe key
//!
//! let sweeper = Sweeper::new(store.clone(), delivery_fn(|entry| async move {
//!     // Send `entry.payload` to the destination here; answer per entry.
//!     if entry.payload["email"].is_string() { Ack::Delivered } else { Ack::rejected("no email") }
//! }));
//! let report = sweeper.sweep().await?;
//! assert_eq!(report.delivered, 1);
//! # Ok::<_, sync_core::StoreError>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};

mod destinations;
pub use destinations::Destinations;

use crate::redact::Redactor;
use crate::retry::{ExponentialBackoff, Jitter, RetryPolicy};
use crate::sink::Ack;
use crate::store::{
    DeadLetterQuery, OutboxEntry, OutboxLimits, OutboxStore, ReplayOutcome, StoreError,
};
use crate::verdict::Verdict;

/// Sends one outbox entry to its destination and answers with an [`Ack`].
///
/// Implement it for your client, or wrap an async closure with [`delivery_fn`]. The entry's
/// [`destination`](OutboxEntry::destination) says where it goes; its
/// [`dedupe_key`](OutboxEntry::dedupe_key) is a good idempotency key.
#[async_trait]
pub trait Delivery: Send + Sync {
    /// Deliver `entry`.
    async fn deliver(&self, entry: &OutboxEntry) -> Ack;
}

/// A [`Delivery`] made from an async closure; see [`delivery_fn`].
#[derive(Clone)]
pub struct DeliveryFn<F>(F);

impl<F> fmt::Debug for DeliveryFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeliveryFn(..)")
    }
}

/// Wrap an async closure taking the entry (by value) as a [`Delivery`].
pub fn delivery_fn<F, Fut>(f: F) -> DeliveryFn<F>
where
    F: Fn(OutboxEntry) -> Fut + Send + Sync,
    Fut: Future<Output = Ack> + Send,
{
    DeliveryFn(f)
}

#[async_trait]
impl<F, Fut> Delivery for DeliveryFn<F>
where
    F: Fn(OutboxEntry) -> Fut + Send + Sync,
    Fut: Future<Output = Ack> + Send,
{
    async fn deliver(&self, entry: &OutboxEntry) -> Ack {
        (self.0)(entry.clone()).await
    }
}

#[async_trait]
impl<D: Delivery + ?Sized> Delivery for Arc<D> {
    async fn deliver(&self, entry: &OutboxEntry) -> Ack {
        (**self).deliver(entry).await
    }
}

/// The answers of one sink call (or one single delivery): `(index into the batch, ack)`.
pub type Answers = Vec<(usize, Ack)>;

/// Hands a claimed batch of outbox entries to their destinations and answers one [`Ack`] per
/// entry. Implemented by every [`Delivery`] (one entry at a time, `concurrency` at once) and by
/// [`Destinations`] (one [`Sink`](crate::Sink) write per destination, so bulk APIs stay bulk).
///
/// The answers come as a stream, one item per sink call as soon as that call returns, so the
/// [`Sweeper`] records them while the batch's other calls still run: an entry is marked
/// delivered the moment its destination said so, not when the slowest call of the batch ends.
pub trait OutboxDelivery: Send + Sync {
    /// Deliver `entries` (a claimed batch, any destinations), at most `concurrency` calls at
    /// once, yielding each call's answers as it returns. No call may run past `deadline` (the
    /// batch's lease, less a margin): a call still running then is abandoned and its entries
    /// answered [`Ack::RetryLater`], and none starts after it. Entries left unanswered when the
    /// stream ends are retried.
    fn deliver_batch<'a>(
        &'a self,
        entries: &'a [OutboxEntry],
        concurrency: usize,
        deadline: tokio::time::Instant,
    ) -> BoxStream<'a, Answers>;
}

impl<D: Delivery> OutboxDelivery for D {
    fn deliver_batch<'a>(
        &'a self,
        entries: &'a [OutboxEntry],
        concurrency: usize,
        deadline: tokio::time::Instant,
    ) -> BoxStream<'a, Answers> {
        // Indices, not references: the closure must not be generic over a lifetime.
        futures_util::stream::iter(0..entries.len())
            .map(move |i| async move {
                let delivering =
                    std::panic::AssertUnwindSafe(self.deliver(&entries[i])).catch_unwind();
                let ack = match within(deadline, delivering).await {
                    Some(Ok(ack)) => ack,
                    // A panicking delivery fails its entry (retried), never the sweeper.
                    Some(Err(panic)) => Ack::retry(crate::error::panic_reason(&*panic)),
                    None => past_lease("delivery"),
                };
                vec![(i, ack)]
            })
            .buffer_unordered(concurrency.max(1))
            .boxed()
    }
}

/// Run `fut` unless `deadline` has passed; stop it at `deadline`. `None` when it did not finish
/// (or never started) in time.
pub(crate) async fn within<F: Future>(deadline: tokio::time::Instant, fut: F) -> Option<F::Output> {
    // A timeout polls its future once even past the deadline: don't start a call then.
    if tokio::time::Instant::now() >= deadline {
        return None;
    }
    tokio::time::timeout_at(deadline, fut).await.ok()
}

/// The answer for a call stopped (or never started) because its lease was running out.
pub(crate) fn past_lease(what: &str) -> Ack {
    Ack::retry(format!(
        "the {what} did not finish before the claim's lease ran out (less the safety margin)"
    ))
}

/// What one or more sweeps did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SweepReport {
    /// Entries claimed.
    pub claimed: u64,
    /// Entries delivered.
    pub delivered: u64,
    /// Entries that failed and were rescheduled.
    pub rescheduled: u64,
    /// Entries moved to dead letters.
    pub dead_lettered: u64,
    /// Of the delivered entries, replays whose dead letter is now marked replayed.
    pub replayed: u64,
    /// Entries whose lease ran out before the sweeper answered, so another claim owns them now.
    pub lease_lost: u64,
}

impl SweepReport {
    pub(crate) fn add(&mut self, other: &SweepReport) {
        self.claimed += other.claimed;
        self.delivered += other.delivered;
        self.rescheduled += other.rescheduled;
        self.dead_lettered += other.dead_lettered;
        self.replayed += other.replayed;
        self.lease_lost += other.lease_lost;
    }

    /// `true` when nothing was claimed.
    pub fn is_empty(&self) -> bool {
        self.claimed == 0
    }
}

/// What happened to one claimed entry.
enum Outcome {
    Delivered { replay: bool },
    Rescheduled,
    DeadLettered,
    LeaseLost,
}

/// The plugin's schedule: a fixed 2-hour wait between attempts, no jitter. It sets no attempt
/// or time limit of its own: each entry's [`OutboxLimits`] decide when to stop.
pub fn default_retry_policy() -> ExponentialBackoff {
    let two_hours = Duration::from_secs(2 * 60 * 60);
    ExponentialBackoff::default()
        .initial(two_hours)
        .max_delay(two_hours)
        .multiplier(1)
        .jitter(Jitter::None)
        .max_attempts(u32::MAX)
        .max_elapsed(None)
}

/// Delivers due outbox entries; see the [module docs](self).
pub struct Sweeper<D> {
    outbox: Arc<dyn OutboxStore>,
    delivery: D,
    policy: Arc<dyn RetryPolicy>,
    batch_size: u32,
    lease: Duration,
    lease_margin: Option<Duration>,
    concurrency: usize,
    poll_interval: Duration,
    replay_limits: OutboxLimits,
    redactor: Redactor,
}

impl<D> fmt::Debug for Sweeper<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sweeper")
            .field("outbox", &self.outbox)
            .field("policy", &self.policy)
            .field("batch_size", &self.batch_size)
            .field("lease", &self.lease)
            .field("lease_margin", &self.lease_margin)
            .field("concurrency", &self.concurrency)
            .field("poll_interval", &self.poll_interval)
            .field("replay_limits", &self.replay_limits)
            .finish_non_exhaustive()
    }
}

impl<D: OutboxDelivery> Sweeper<D> {
    /// A sweeper over `outbox` (whose dead letters it fills and replays) delivering with
    /// `delivery`. Defaults: [`default_retry_policy`], batches of 100, 5-minute leases,
    /// 4 deliveries at a time, a sweep every minute in [`Sweeper::run_until`], replays limited
    /// by [`OutboxLimits::default`].
    pub fn new(outbox: Arc<dyn OutboxStore>, delivery: D) -> Self {
        Sweeper {
            outbox,
            delivery,
            policy: Arc::new(default_retry_policy()),
            batch_size: 100,
            lease: Duration::from_secs(300),
            lease_margin: None,
            concurrency: 4,
            poll_interval: Duration::from_secs(60),
            replay_limits: OutboxLimits::default(),
            redactor: Redactor::new(),
        }
    }

    /// Every failure reason and dead-letter response the sweeper stores or logs goes through
    /// this redactor: the last line of defence should a delivery put a credential into a reason
    /// (default [`Redactor::new`]: generic secret names and `Bearer …` tokens). Pass the
    /// client's redactor to mask its names and values too.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Use `policy` to choose the wait after a failed attempt (never shorter than the
    /// destination's `after`). Only the wait: its own attempt and time limits are ignored,
    /// because each entry's [`OutboxLimits`] are the one cap on outbox retries (a policy
    /// reused from the HTTP layer, with its 3 attempts, would otherwise dead-letter entries
    /// long before their limits). See [`crate::retry`]'s "Retry layers".
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// Claim at most this many entries at a time (at least 1).
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// How long a claim lasts. No sink call runs past the claim's lease less the
    /// [`lease_margin`](Self::lease_margin): a call still running then is abandoned and counted
    /// as a failed attempt, and no call starts after it, because once the lease runs out
    /// another sweeper may claim and deliver the same entries. Choose a lease that covers a
    /// batch's sink calls (`batch_size / concurrency` rounds of the slowest call).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long before the lease runs out sink calls must have ended, leaving time to record
    /// their answers while the lease still holds (default: a fifth of the lease, at most 30 s; never more than half the lease).
    ///
    /// This is the sweeper's lease rule, chosen over renewing leases because it needs no
    /// background writes: every sink call has a hard deadline inside its lease, and each
    /// call's answers are recorded as soon as it returns. A late answer (a stalled process)
    /// is still refused by the lease's fencing token ([`Lease`](crate::store::Lease)).
    pub fn lease_margin(mut self, margin: Duration) -> Self {
        self.lease_margin = Some(margin);
        self
    }

    fn margin(&self) -> Duration {
        // A margin as long as the lease would leave no time to deliver anything: at most half.
        self.lease_margin
            .unwrap_or_else(|| (self.lease / 5).min(Duration::from_secs(30)))
            .min(self.lease / 2)
    }

    /// Deliver at most this many entries at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How long [`Sweeper::run_until`] waits between sweeps.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll_interval = every;
        self
    }

    /// Limits for entries put back by [`Sweeper::replay`].
    pub fn replay_limits(mut self, limits: OutboxLimits) -> Self {
        self.replay_limits = limits;
        self
    }

    /// One pass: claim and handle due entries, batch after batch, until a claim comes back
    /// short. Entries that become due during the pass may be handled in it too.
    ///
    /// On a store error the pass stops and returns it; entries it had claimed and not answered
    /// are delivered again once their leases expire.
    pub async fn sweep(&self) -> Result<SweepReport, StoreError> {
        self.sweep_while(|| true).await
    }

    /// Sweep every [`poll_interval`](Sweeper::poll_interval) until `shutdown` completes, then
    /// return the totals. Shutdown is noticed between batches and while waiting, so entries in
    /// flight are finished, not abandoned. Store errors are logged and the next sweep retries.
    pub async fn run_until(&self, shutdown: impl Future<Output = ()>) -> SweepReport {
        self.run_reporting(shutdown, |_| {}).await
    }

    /// [`run_until`](Self::run_until), calling `on_pass` after every pass that claimed
    /// something or failed.
    pub(crate) async fn run_reporting(
        &self,
        shutdown: impl Future<Output = ()>,
        mut on_pass: impl FnMut(&Result<SweepReport, StoreError>),
    ) -> SweepReport {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut total = SweepReport::default();
        loop {
            // A completed future must not be polled again: remember that it fired.
            let mut stopping = false;
            let pass = self
                .sweep_while(|| {
                    stopping = stopping || shutdown.as_mut().now_or_never().is_some();
                    !stopping
                })
                .await;
            if pass.as_ref().map_or(true, |r| !r.is_empty()) {
                on_pass(&pass);
            }
            match pass {
                Ok(report) => total.add(&report),
                Err(error) => tracing::warn!(%error, "outbox sweep failed; retrying next round"),
            }
            if stopping {
                return total;
            }
            let wait = std::pin::pin!(tokio::time::sleep(self.poll_interval));
            if let futures_util::future::Either::Right(_) =
                futures_util::future::select(wait, shutdown.as_mut()).await
            {
                return total;
            }
        }
    }

    /// The outbox this sweeper works on.
    pub fn outbox(&self) -> &Arc<dyn OutboxStore> {
        &self.outbox
    }

    /// Put the chosen dead letters back in the outbox (with the
    /// [`replay_limits`](Sweeper::replay_limits)); the next sweeps deliver them and mark each
    /// letter replayed once delivered. Returns one outcome per id, in order.
    ///
    /// The delivery sees a replayed letter as an entry whose destination is the letter's stream,
    /// dedupe key its record key and payload its payload, with
    /// [`replay_of`](OutboxEntry::replay_of) set. Letters the engine wrote (source records) replay
    /// the same way, so a delivery that serves them must understand their payload.
    pub async fn replay(&self, dead_letter_ids: &[i64]) -> Result<Vec<ReplayOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(dead_letter_ids.len());
        for &id in dead_letter_ids {
            outcomes.push(
                self.outbox
                    .replay_dead_letter(id, self.replay_limits)
                    .await?,
            );
        }
        Ok(outcomes)
    }

    /// Replay every dead letter `query` lists; returns each letter's id with its outcome.
    pub async fn replay_matching(
        &self,
        query: &DeadLetterQuery,
    ) -> Result<Vec<(i64, ReplayOutcome)>, StoreError> {
        let letters = self.outbox.list(query).await?;
        let mut outcomes = Vec::with_capacity(letters.len());
        for letter in letters {
            let outcome = self
                .outbox
                .replay_dead_letter(letter.id, self.replay_limits)
                .await?;
            outcomes.push((letter.id, outcome));
        }
        Ok(outcomes)
    }

    async fn sweep_while(
        &self,
        mut go_on: impl FnMut() -> bool,
    ) -> Result<SweepReport, StoreError> {
        let mut report = SweepReport::default();
        while go_on() {
            let batch = self.outbox.claim_due(self.batch_size, self.lease).await?;
            let claimed = batch.len();
            report.claimed += claimed as u64;
            for outcome in self.sweep_batch(batch).await {
                match outcome? {
                    Outcome::Delivered { replay } => {
                        report.delivered += 1;
                        report.replayed += u64::from(replay);
                    }
                    Outcome::Rescheduled => report.rescheduled += 1,
                    Outcome::DeadLettered => report.dead_lettered += 1,
                    Outcome::LeaseLost => report.lease_lost += 1,
                }
            }
            if claimed < self.batch_size as usize {
                break;
            }
        }
        Ok(report)
    }

    /// Dead-letter what is past its limits, hand the rest to the delivery in one batch, and
    /// record each sink call's answers as soon as it returns.
    async fn sweep_batch(&self, batch: Vec<OutboxEntry>) -> Vec<Result<Outcome, StoreError>> {
        let now = Utc::now();
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut ready = Vec::with_capacity(batch.len());
        for entry in batch {
            match limit_reached(&entry, now) {
                Some(reason) => outcomes.push(self.dead_letter(&entry, &reason, None).await),
                None => ready.push(entry),
            }
        }
        if ready.is_empty() {
            return outcomes;
        }
        let deadline = deadline(ready.iter().map(|e| e.lease.until()), self.margin());
        // The delivery and the recording run side by side: answers reach the store while the
        // batch's slower calls are still running.
        let (answered, mut answers) =
            tokio::sync::mpsc::unbounded_channel::<Result<Answers, String>>();
        let delivering = async {
            let answered = answered;
            // A panicking delivery fails what it left unanswered (retried, then dead-lettered
            // by the limits), never the sweeper and every other job of the runner.
            let mut stream = std::panic::AssertUnwindSafe(self.delivery.deliver_batch(
                &ready,
                self.concurrency,
                deadline,
            ))
            .catch_unwind();
            while let Some(item) = stream.next().await {
                let item = item.map_err(|panic| crate::error::panic_reason(&*panic));
                let stop = item.is_err();
                if answered.send(item).is_err() || stop {
                    break;
                }
            }
        };
        let recording = async {
            let mut open = vec![true; ready.len()];
            let mut outcomes = Vec::new();
            let mut unanswered = "the delivery gave no answer".to_string();
            while let Some(first) = answers.recv().await {
                // Whatever else has arrived meanwhile is recorded with it (one commit).
                let mut chunk = vec![first];
                while let Ok(more) = answers.try_recv() {
                    chunk.push(more);
                }
                let mut acks = Vec::new();
                for item in chunk {
                    match item {
                        Ok(answers) => acks.extend(answers.into_iter().filter(|&(i, _)| {
                            // An index out of range or answered twice is ignored.
                            open.get_mut(i).is_some_and(std::mem::take)
                        })),
                        Err(panic) => unanswered = panic,
                    }
                }
                self.record(&ready, acks, &mut outcomes).await;
            }
            let rest = open
                .iter()
                .enumerate()
                .filter(|&(_, &open)| open)
                .map(|(i, _)| (i, Ack::retry(unanswered.clone())))
                .collect();
            self.record(&ready, rest, &mut outcomes).await;
            outcomes
        };
        let ((), recorded) = futures_util::future::join(delivering, recording).await;
        outcomes.extend(recorded);
        outcomes
    }

    /// Record answers: delivered entries in one store call (one commit on SQLite), the rest
    /// one by one.
    async fn record(
        &self,
        entries: &[OutboxEntry],
        acks: Answers,
        outcomes: &mut Vec<Result<Outcome, StoreError>>,
    ) {
        let mut delivered = Vec::new();
        for (i, ack) in acks {
            match ack {
                Ack::Delivered => delivered.push(&entries[i]),
                other => outcomes.push(self.answer(&entries[i], other).await),
            }
        }
        if delivered.is_empty() {
            return;
        }
        let leases: Vec<_> = delivered.iter().map(|e| e.lease).collect();
        match self.outbox.mark_delivered_many(&leases).await {
            Ok(done) => outcomes.extend(delivered.iter().zip(done).map(|(entry, done)| {
                // Refused by the fencing token: another claim holds the entry now.
                Ok(if done {
                    Outcome::Delivered {
                        replay: entry.replay_of.is_some(),
                    }
                } else {
                    Outcome::LeaseLost
                })
            })),
            Err(error) => outcomes.push(Err(error)),
        }
    }

    async fn answer(&self, entry: &OutboxEntry, ack: Ack) -> Result<Outcome, StoreError> {
        match ack {
            Ack::Delivered => {
                if self.outbox.mark_delivered(&entry.lease).await? {
                    Ok(Outcome::Delivered {
                        replay: entry.replay_of.is_some(),
                    })
                } else {
                    Ok(Outcome::LeaseLost)
                }
            }
            Ack::Rejected { reason, response } => {
                self.dead_letter(entry, &reason, response.as_deref()).await
            }
            Ack::RetryLater { reason, after } => self.retry_later(entry, &reason, after).await,
        }
    }

    async fn retry_later(
        &self,
        entry: &OutboxEntry,
        reason: &str,
        after: Option<Duration>,
    ) -> Result<Outcome, StoreError> {
        let reason = &self.redactor.text(reason);
        let now = Utc::now();
        let attempts = entry.attempts;
        if attempts >= entry.max_attempts {
            let reason = format!("gave up after {attempts} attempts (attempt limit): {reason}");
            return self.dead_letter(entry, &reason, None).await;
        }
        // The policy only picks the wait: the entry's limits are the only cap on its retries.
        let wait = crate::inbox_worker::retry_wait(
            &*self.policy,
            &Verdict::Retry { after },
            attempts,
            entry.created_at,
        );
        let next = add(now, wait);
        if let Some(expires_at) = entry.expires_at
            && next > expires_at
        {
            let reason = format!(
                "gave up after {attempts} attempts (max age {} would pass before the next): {reason}",
                human(Some(expires_at - entry.created_at)),
            );
            return self.dead_letter(entry, &reason, None).await;
        }
        tracing::debug!(
            destination = %entry.destination,
            key = %entry.dedupe_key,
            attempts,
            next_attempt_at = %next,
            reason,
            "outbox entry rescheduled"
        );
        if self
            .outbox
            .mark_failed(&entry.lease, next, reason, None)
            .await?
        {
            Ok(Outcome::Rescheduled)
        } else {
            Ok(Outcome::LeaseLost)
        }
    }

    async fn dead_letter(
        &self,
        entry: &OutboxEntry,
        reason: &str,
        response: Option<&str>,
    ) -> Result<Outcome, StoreError> {
        // Deliveries should have redacted already; this is the last chance before the store.
        let reason = &self.redactor.text(reason);
        let response = response.map(|r| self.redactor.document(r));
        let response = response.as_deref();
        match self
            .outbox
            .move_to_dead_letters(&entry.lease, reason, response)
            .await?
        {
            Some(letter) => {
                tracing::warn!(
                    destination = %entry.destination,
                    key = %entry.dedupe_key,
                    attempts = entry.attempts,
                    dead_letter = letter,
                    reason,
                    "outbox entry moved to dead letters"
                );
                Ok(Outcome::DeadLettered)
            }
            None => Ok(Outcome::LeaseLost),
        }
    }
}

/// Why `entry` must be dead-lettered without delivering, if it must: it can be claimed past its
/// limits after a crashed sweeper's lease expired, or after sitting in a stopped outbox.
fn limit_reached(entry: &OutboxEntry, now: DateTime<Utc>) -> Option<String> {
    if entry.is_expired(now) {
        return Some(format!(
            "max age {} reached before attempt {}; last error: {}",
            human(entry.expires_at.map(|at| at - entry.created_at)),
            entry.attempts,
            entry.last_error.as_deref().unwrap_or("none"),
        ));
    }
    if entry.attempts > entry.max_attempts {
        return Some(format!(
            "attempt limit {} reached: an earlier attempt never answered (its lease \
             expired); last error: {}",
            entry.max_attempts,
            entry.last_error.as_deref().unwrap_or("none"),
        ));
    }
    None
}

/// When work on leases ending at `untils` must stop: the earliest end, less `margin`, as a
/// tokio instant (a lease that is already over gives "now").
pub(crate) fn deadline(
    untils: impl Iterator<Item = DateTime<Utc>>,
    margin: Duration,
) -> tokio::time::Instant {
    let now = Utc::now();
    let left = untils
        .map(|until| (until - now).to_std().unwrap_or_default())
        .min()
        .unwrap_or_default();
    tokio::time::Instant::now() + left.saturating_sub(margin)
}

fn add(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn human(d: Option<chrono::Duration>) -> String {
    match d.and_then(|d| d.to_std().ok()) {
        Some(d) => human_std(d),
        None => "unknown".to_string(),
    }
}

/// `7d`, `2h`, `90s`, `150ms`: short and exact.
fn human_std(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_millis() != 0 || secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::{RetryDecision, RetryState};

    #[test]
    fn human_durations() {
        assert_eq!(human_std(Duration::from_secs(7 * 86_400)), "7d");
        assert_eq!(human_std(Duration::from_secs(7_200)), "2h");
        assert_eq!(human_std(Duration::from_secs(90)), "90s");
        assert_eq!(human_std(Duration::from_secs(120)), "2m");
        assert_eq!(human_std(Duration::from_millis(150)), "150ms");
        assert_eq!(human(None), "unknown");
    }

    #[test]
    fn default_policy_waits_two_hours_and_leaves_limits_to_entries() {
        let policy = default_retry_policy();
        for attempts in [1, 2, 50] {
            let state = RetryState {
                attempts,
                elapsed: Duration::from_secs(30 * 86_400),
            };
            assert_eq!(
                policy.decide(&Verdict::Retry { after: None }, state),
                RetryDecision::RetryAfter(Duration::from_secs(7_200))
            );
        }
    }
}
