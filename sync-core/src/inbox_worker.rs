//! The [`InboxWorker`]: processes stored webhook deliveries, retries what may succeed later,
//! and moves what never will to dead letters, atomically, with the reason.
//!
//! It mirrors the outbox [`Sweeper`](crate::sweeper::Sweeper):
//!
//! | the handler answers | the worker |
//! |---|---|
//! | `Ok(())` | acknowledges the delivery (and marks its dead letter replayed, for a replay) |
//! | `Err` with a transient verdict (retry, rate-limited) | releases it, due again after the policy's wait (never sooner than the server's `after`) |
//! | `Err` transient, but the delivery has had [`max_attempts`](InboxWorker::max_attempts) | moves it to dead letters with the reason |
//! | `Err` with a permanent verdict (a body that never parses) | moves it to dead letters with the reason |
//! | nothing within the lease | counts as a transient failure |
//!
//! Moving to dead letters is one transaction
//! ([`InboxStore::dead_letter_delivery`]): the delivery is in exactly one of the two places.
//! A handler made with [`effects_fn`] returns its outbox entries instead of enqueueing them,
//! and the worker enqueues them in the same transaction as the acknowledgement
//! ([`InboxStore::ack_with_effects`]), batched with every other delivery handled meanwhile.
//!
//! Leases work as the sweeper's: no handler runs past its claim's lease less the
//! [`lease_margin`](InboxWorker::lease_margin), each delivery is acknowledged as soon as it is
//! handled, and a late acknowledgement (the lease was taken over) is refused by the lease's
//! fencing token and counted in [`WorkReport::lease_lost`].
//! Deliveries are claimed under a lease, so a worker that dies mid-delivery leaves it to be
//! processed again: handlers must tolerate a repeat (the outbox they usually write to
//! deduplicates by key).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use sync_core::inbox_worker::{InboxWorker, handler_fn};
//! use sync_core::store::sqlite::SqliteStore;
//! use sync_core::store::{DeadLetterQuery, DeadLetterStore, InboxStore};
//! use sync_core::StageError;
//! use sync_core::webhook::StoredHeaders;
//!
//! let store = Arc::new(SqliteStore::open(":memory:").await?);
//! let headers = StoredHeaders::new().with("x-event", "order.created").to_json();
//! store.store("shop", "d-1", &headers, br#"{"id":1042}"#).await?;
//! store.store("shop", "d-2", &headers, br#"{"id":"#).await?; // truncated in transit
//!
//! let worker = InboxWorker::new(store.clone(), handler_fn(|delivery| async move {
//!     let order: serde_json::Value = serde_json::from_slice(&delivery.body)
//!         .map_err(|e| StageError::new(sync_core::Verdict::Permanent(sync_core::PermanentKind::Data), e))?;
//!     assert_eq!(delivery.stored_headers().get("x-event"), Some("order.created"));
//!     let _ = order; // enqueue effects in the outbox here
//!     Ok(())
//! }));
//! let report = worker.work().await?;
//! assert_eq!((report.processed, report.dead_lettered), (1, 1));
//!
//! let letters = store.list(&DeadLetterQuery::default()).await?;
//! assert!(letters[0].letter.reason.contains("EOF"));
//! # Ok::<_, sync_core::StoreError>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{FutureExt, StreamExt};

use crate::error::StageError;
use crate::redact::Redactor;
use crate::retry::{ExponentialBackoff, RetryDecision, RetryPolicy, RetryState};
use crate::store::{InboxDelivery, InboxStore, Lease, NewOutboxEntry, ReplayOutcome, StoreError};
use crate::sweeper::{deadline, within};
use crate::verdict::{Classify, Verdict};

/// Processes one stored delivery: parse it into the vendor's typed event and record its effects
/// (usually: enqueue outbox entries). Return an error with a [`Verdict`]: permanent errors are
/// dead-lettered at once, transient ones retried.
#[async_trait]
pub trait InboxHandler: Send + Sync {
    /// Process `delivery`.
    async fn handle(&self, delivery: &InboxDelivery) -> Result<(), StageError>;

    /// Process `delivery` and return its effects: outbox entries the worker enqueues in the
    /// same transaction as the delivery's acknowledgement
    /// ([`InboxStore::ack_with_effects`]), batched with the other deliveries handled at the
    /// same time. The default calls [`handle`](Self::handle) and returns no entries;
    /// [`effects_fn`] makes a handler that returns entries.
    async fn handle_with_effects(
        &self,
        delivery: &InboxDelivery,
    ) -> Result<Vec<NewOutboxEntry>, StageError> {
        self.handle(delivery).await.map(|()| Vec::new())
    }
}

#[async_trait]
impl<H: InboxHandler + ?Sized> InboxHandler for Arc<H> {
    async fn handle(&self, delivery: &InboxDelivery) -> Result<(), StageError> {
        (**self).handle(delivery).await
    }

    async fn handle_with_effects(
        &self,
        delivery: &InboxDelivery,
    ) -> Result<Vec<NewOutboxEntry>, StageError> {
        (**self).handle_with_effects(delivery).await
    }
}

/// An [`InboxHandler`] that returns its effects, made from an async closure; see [`effects_fn`].
#[derive(Clone)]
pub struct EffectsFn<F>(F);

impl<F> fmt::Debug for EffectsFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EffectsFn(..)")
    }
}

/// Wrap an async closure taking the delivery (by value) and returning the outbox entries it
/// causes as an [`InboxHandler`]. The [`InboxWorker`] enqueues the entries and acknowledges
/// the delivery in one transaction (there is no moment where one happened without the
/// other), and one commit serves every delivery handled at the same time. The inbox store must
/// also be the outbox (as a [`SqliteStore`](crate::store::sqlite::SqliteStore) is).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use sync_core::inbox_worker::{InboxWorker, effects_fn};
/// use sync_core::store::sqlite::SqliteStore;
/// use sync_core::store::{InboxStore, NewOutboxEntry, OutboxStore};
/// use sync_core::{StageError, StreamKey};
///
/// let store = Arc::new(SqliteStore::open(":memory:").await?);
/// store.store("shop", "d-1", &serde_json::json!({}), br#"{"id":1042}"#).await?;
/// let worker = InboxWorker::new(store.clone(), effects_fn(|delivery| async move {
///     let order: serde_json::Value =
///         serde_json::from_slice(&delivery.body).map_err(|e| StageError::transient(e.to_string()))?;
///     let to = |stream| StreamKey::new("shop-to-crm", stream, "shop");
///     Ok(vec![
///         NewOutboxEntry::new(to("contacts"), format!("order-{}", order["id"]), order.clone()),
///         NewOutboxEntry::new(to("audience"), format!("order-{}", order["id"]), order),
///     ])
/// }));
/// assert_eq!(worker.work().await?.processed, 1);
/// assert_eq!(OutboxStore::stats(&*store).await?.pending, 2);
/// # Ok::<_, sync_core::StoreError>(())
/// # }).unwrap();
/// ```
pub fn effects_fn<F, Fut>(f: F) -> EffectsFn<F>
where
    F: Fn(InboxDelivery) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Vec<NewOutboxEntry>, StageError>> + Send,
{
    EffectsFn(f)
}

#[async_trait]
impl<F, Fut> InboxHandler for EffectsFn<F>
where
    F: Fn(InboxDelivery) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Vec<NewOutboxEntry>, StageError>> + Send,
{
    /// Only for a delivery without effects: effects need [`InboxHandler::handle_with_effects`].
    async fn handle(&self, delivery: &InboxDelivery) -> Result<(), StageError> {
        let effects = (self.0)(delivery.clone()).await?;
        if effects.is_empty() {
            Ok(())
        } else {
            Err(StageError::new(
                Verdict::Permanent(crate::verdict::PermanentKind::Config),
                "this handler returns outbox entries: run it in an InboxWorker",
            ))
        }
    }

    async fn handle_with_effects(
        &self,
        delivery: &InboxDelivery,
    ) -> Result<Vec<NewOutboxEntry>, StageError> {
        (self.0)(delivery.clone()).await
    }
}

/// An [`InboxHandler`] made from an async closure; see [`handler_fn`].
#[derive(Clone)]
pub struct HandlerFn<F>(F);

impl<F> fmt::Debug for HandlerFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandlerFn(..)")
    }
}

/// Wrap an async closure taking the delivery (by value) as an [`InboxHandler`].
pub fn handler_fn<F, Fut>(f: F) -> HandlerFn<F>
where
    F: Fn(InboxDelivery) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), StageError>> + Send,
{
    HandlerFn(f)
}

#[async_trait]
impl<F, Fut> InboxHandler for HandlerFn<F>
where
    F: Fn(InboxDelivery) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), StageError>> + Send,
{
    async fn handle(&self, delivery: &InboxDelivery) -> Result<(), StageError> {
        (self.0)(delivery.clone()).await
    }
}

/// What one or more passes of an [`InboxWorker`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkReport {
    /// Deliveries claimed.
    pub claimed: u64,
    /// Deliveries processed and acknowledged.
    pub processed: u64,
    /// Deliveries that failed and wait for another attempt.
    pub retried: u64,
    /// Deliveries moved to dead letters.
    pub dead_lettered: u64,
    /// Deliveries whose lease ran out before the worker answered (another claim owns them).
    pub lease_lost: u64,
}

impl WorkReport {
    pub(crate) fn add(&mut self, other: &WorkReport) {
        self.claimed += other.claimed;
        self.processed += other.processed;
        self.retried += other.retried;
        self.dead_lettered += other.dead_lettered;
        self.lease_lost += other.lease_lost;
    }

    /// `true` when nothing was claimed.
    pub fn is_empty(&self) -> bool {
        self.claimed == 0
    }
}

enum Outcome {
    /// Handled; acknowledged (with its effects) as soon as possible, together with whatever
    /// else was handled meanwhile (one commit).
    Handled(Lease, Vec<NewOutboxEntry>),
    Retried,
    DeadLettered,
    LeaseLost,
}

/// The worker's default wait between attempts: exponential from 1 s to 5 min with full jitter.
/// It sets no limit of its own: [`InboxWorker::max_attempts`] does.
pub fn default_inbox_retry_policy() -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::from_secs(1))
        .max_delay(Duration::from_secs(300))
        .max_attempts(u32::MAX)
        .max_elapsed(None)
}

/// Processes stored inbox deliveries; see the [module docs](self).
pub struct InboxWorker<H> {
    inbox: Arc<dyn InboxStore>,
    handler: H,
    policy: Arc<dyn RetryPolicy>,
    max_attempts: u32,
    batch_size: u32,
    lease: Duration,
    lease_margin: Option<Duration>,
    concurrency: usize,
    poll_interval: Duration,
    redactor: Redactor,
}

impl<H> fmt::Debug for InboxWorker<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboxWorker")
            .field("inbox", &self.inbox)
            .field("policy", &self.policy)
            .field("max_attempts", &self.max_attempts)
            .field("batch_size", &self.batch_size)
            .field("lease", &self.lease)
            .field("lease_margin", &self.lease_margin)
            .field("concurrency", &self.concurrency)
            .field("poll_interval", &self.poll_interval)
            .finish_non_exhaustive()
    }
}

impl<H: InboxHandler> InboxWorker<H> {
    /// A worker over `inbox` (which also holds its dead letters) calling `handler`. Defaults:
    /// 5 attempts, [`default_inbox_retry_policy`], batches of 50, 2-minute leases, 4 deliveries
    /// at a time, a pass every second in [`InboxWorker::run_until`].
    pub fn new(inbox: Arc<dyn InboxStore>, handler: H) -> Self {
        InboxWorker {
            inbox,
            handler,
            policy: Arc::new(default_inbox_retry_policy()),
            max_attempts: 5,
            batch_size: 50,
            lease: Duration::from_secs(120),
            lease_margin: None,
            concurrency: 4,
            poll_interval: Duration::from_secs(1),
            redactor: Redactor::new(),
        }
    }

    /// Attempts in all before a transiently failing delivery is dead-lettered (at least 1).
    /// This is the only cap: the [`retry_policy`](Self::retry_policy) only picks the waits.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// How long to wait after a transient failure. Its own give-up decisions are ignored
    /// (see [`crate::retry`]'s "Retry layers").
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// Claim at most this many deliveries at a time (at least 1).
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// How long a claim lasts. No handler runs past its claim's lease less the
    /// [`lease_margin`](Self::lease_margin): one still running then is abandoned (a transient
    /// failure), and a delivery whose turn comes after that is released unhandled, because
    /// once the lease runs out another worker may claim it. Choose a lease that covers a
    /// batch (`batch_size / concurrency` rounds of the slowest handler).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long before the lease runs out handlers must have ended, leaving time to record
    /// their answers (default: a fifth of the lease, at most 30 s; never more than half the lease). Answers are recorded as
    /// soon as each handler returns; a late one is refused by the lease's fencing token.
    pub fn lease_margin(mut self, margin: Duration) -> Self {
        self.lease_margin = Some(margin);
        self
    }

    fn margin(&self) -> Duration {
        // A margin as long as the lease would leave no time to handle anything: at most half.
        self.lease_margin
            .unwrap_or_else(|| (self.lease / 5).min(Duration::from_secs(30)))
            .min(self.lease / 2)
    }

    /// Process at most this many deliveries at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How long [`InboxWorker::run_until`] waits when the inbox is empty.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll_interval = every;
        self
    }

    /// Failure reasons go through this redactor before they are stored or logged (default
    /// [`Redactor::new`]).
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The inbox this worker works on.
    pub fn inbox(&self) -> &Arc<dyn InboxStore> {
        &self.inbox
    }

    /// One pass: claim and process due deliveries, batch after batch, until a claim comes back
    /// short. On a store error the pass stops and returns it; claimed deliveries it did not
    /// answer are processed again once their leases expire.
    pub async fn work(&self) -> Result<WorkReport, StoreError> {
        self.work_while(|| true).await
    }

    /// Work until `shutdown` completes, then return the totals. Shutdown is noticed between
    /// batches and while idle: deliveries in flight are finished, never abandoned.
    pub async fn run_until(&self, shutdown: impl Future<Output = ()>) -> WorkReport {
        self.run_reporting(shutdown, |_| {}).await
    }

    /// [`run_until`](Self::run_until), calling `on_pass` after every pass that claimed something.
    pub(crate) async fn run_reporting(
        &self,
        shutdown: impl Future<Output = ()>,
        mut on_pass: impl FnMut(&Result<WorkReport, StoreError>),
    ) -> WorkReport {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut total = WorkReport::default();
        loop {
            let mut stopping = false;
            let pass = self
                .work_while(|| {
                    stopping = stopping || shutdown.as_mut().now_or_never().is_some();
                    !stopping
                })
                .await;
            if pass.as_ref().map_or(true, |r| !r.is_empty()) {
                on_pass(&pass);
            }
            match pass {
                Ok(report) => total.add(&report),
                Err(error) => tracing::warn!(%error, "inbox pass failed; retrying next round"),
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

    /// Put dead-lettered deliveries back in the inbox; each letter is marked replayed once its
    /// delivery is processed. Returns one outcome per id, in order.
    pub async fn replay(&self, dead_letter_ids: &[i64]) -> Result<Vec<ReplayOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(dead_letter_ids.len());
        for &id in dead_letter_ids {
            outcomes.push(self.inbox.replay_delivery(id).await?);
        }
        Ok(outcomes)
    }

    async fn work_while(&self, mut go_on: impl FnMut() -> bool) -> Result<WorkReport, StoreError> {
        let mut report = WorkReport::default();
        while go_on() {
            let batch = self.inbox.claim(self.batch_size, self.lease).await?;
            let claimed = batch.len();
            report.claimed += claimed as u64;
            // Handling and acknowledging run side by side: a delivery is acknowledged as soon
            // as it is handled (with whatever else was handled meanwhile), not at batch end.
            let (handled, mut to_ack) = tokio::sync::mpsc::unbounded_channel();
            let handling = async {
                let handled = handled;
                let mut outcomes = futures_util::stream::iter(batch)
                    .map(|delivery| self.process(delivery))
                    .buffer_unordered(self.concurrency);
                let mut report = WorkReport::default();
                let mut first_error = None;
                while let Some(outcome) = outcomes.next().await {
                    match outcome {
                        Ok(Outcome::Handled(lease, effects)) => {
                            let _ = handled.send((lease, effects));
                        }
                        Ok(Outcome::Retried) => report.retried += 1,
                        Ok(Outcome::DeadLettered) => report.dead_lettered += 1,
                        Ok(Outcome::LeaseLost) => report.lease_lost += 1,
                        Err(error) => {
                            first_error.get_or_insert(error);
                        }
                    }
                }
                (report, first_error)
            };
            let acking = async {
                let mut report = WorkReport::default();
                let mut first_error = None;
                while let Some(first) = to_ack.recv().await {
                    let mut items = vec![first];
                    while let Ok(more) = to_ack.try_recv() {
                        items.push(more);
                    }
                    // Ack what was handled even after a store error elsewhere: otherwise one
                    // failure would leave the whole batch leased and processed again.
                    match self.inbox.ack_with_effects(&items).await {
                        Ok(acked) => {
                            for acked in acked {
                                if acked {
                                    report.processed += 1;
                                } else {
                                    // Refused by the fencing token: another claim holds it.
                                    report.lease_lost += 1;
                                }
                            }
                        }
                        Err(error) => {
                            first_error.get_or_insert(error);
                        }
                    }
                }
                (report, first_error)
            };
            let ((handled, handle_error), (acked, ack_error)) =
                futures_util::future::join(handling, acking).await;
            report.add(&handled);
            report.add(&acked);
            if let Some(error) = handle_error.or(ack_error) {
                return Err(error);
            }
            if claimed < self.batch_size as usize {
                break;
            }
        }
        Ok(report)
    }

    async fn process(&self, delivery: InboxDelivery) -> Result<Outcome, StoreError> {
        // A delivery past its attempts after crashed claims: never handled again.
        if delivery.attempts > self.max_attempts {
            let reason = format!(
                "attempt limit {} reached: an earlier attempt never answered (its lease \
                 expired); last error: {}",
                self.max_attempts,
                delivery.last_error.as_deref().unwrap_or("none"),
            );
            return self.dead_letter(&delivery, &reason).await;
        }
        let deadline = deadline(std::iter::once(delivery.lease.until()), self.margin());
        if tokio::time::Instant::now() >= deadline {
            // Its turn came too late in the batch: hand it back unhandled rather than work on
            // it past the lease, when another worker may hold it.
            let reason = "not started before its lease ran out (batch too large for the lease)";
            return Ok(
                if self
                    .inbox
                    .fail(&delivery.lease, reason, Duration::ZERO)
                    .await?
                {
                    Outcome::Retried
                } else {
                    Outcome::LeaseLost
                },
            );
        }
        // A panicking handler fails this delivery (retried, then dead-lettered), never the
        // worker and every other job of the runner.
        let handling = std::panic::AssertUnwindSafe(self.handler.handle_with_effects(&delivery))
            .catch_unwind();
        let result = match within(deadline, handling).await {
            Some(Ok(result)) => result,
            Some(Err(panic)) => Err(StageError::transient(crate::error::panic_reason(&*panic))),
            None => Err(StageError::transient(format!(
                "handler did not finish before its lease ran out ({:?} lease, {:?} margin)",
                self.lease,
                self.margin()
            ))),
        };
        let error = match result {
            Ok(effects) => return Ok(Outcome::Handled(delivery.lease, effects)),
            Err(error) => error,
        };
        let reason = self.redactor.text(&error.to_string());
        let verdict = error.verdict();
        if let Verdict::Permanent(kind) = verdict {
            return self
                .dead_letter(&delivery, &format!("{kind:?} error: {reason}"))
                .await;
        }
        if delivery.attempts >= self.max_attempts {
            let reason = format!(
                "gave up after {} attempts (attempt limit): {reason}",
                delivery.attempts
            );
            return self.dead_letter(&delivery, &reason).await;
        }
        let wait = retry_wait(
            &*self.policy,
            &verdict,
            delivery.attempts,
            delivery.received_at,
        );
        tracing::debug!(
            source = %delivery.source,
            key = %delivery.dedupe_key,
            attempts = delivery.attempts,
            ?wait,
            reason,
            "inbox delivery will be retried"
        );
        Ok(if self.inbox.fail(&delivery.lease, &reason, wait).await? {
            Outcome::Retried
        } else {
            Outcome::LeaseLost
        })
    }

    async fn dead_letter(
        &self,
        delivery: &InboxDelivery,
        reason: &str,
    ) -> Result<Outcome, StoreError> {
        let reason = self.redactor.text(reason);
        match self
            .inbox
            .dead_letter_delivery(&delivery.lease, &reason)
            .await?
        {
            Some(letter) => {
                tracing::warn!(
                    source = %delivery.source,
                    key = %delivery.dedupe_key,
                    attempts = delivery.attempts,
                    dead_letter = letter,
                    reason,
                    "inbox delivery moved to dead letters"
                );
                Ok(Outcome::DeadLettered)
            }
            None => Ok(Outcome::LeaseLost),
        }
    }
}

/// The wait before the next attempt: the policy's, never shorter than the server's `after`.
/// A policy that would give up is asked for its first step instead: only the caller's own
/// limits end retries (see [`crate::retry`]'s "Retry layers").
pub(crate) fn retry_wait(
    policy: &dyn RetryPolicy,
    verdict: &Verdict,
    attempts: u32,
    since: chrono::DateTime<chrono::Utc>,
) -> Duration {
    let after = verdict.after().unwrap_or_default();
    // Always a retryable verdict: the policy picks a wait, it does not judge the error.
    let retry = Verdict::Retry {
        after: verdict.after(),
    };
    let state = RetryState {
        attempts,
        elapsed: (chrono::Utc::now() - since).to_std().unwrap_or_default(),
    };
    let first = RetryState {
        attempts: 1,
        elapsed: Duration::ZERO,
    };
    let wait = match policy.decide(&retry, state) {
        RetryDecision::RetryAfter(wait) => wait,
        RetryDecision::GiveUp(_) => match policy.decide(&retry, first) {
            RetryDecision::RetryAfter(wait) => wait,
            RetryDecision::GiveUp(_) => after,
        },
    };
    wait.max(after)
}
