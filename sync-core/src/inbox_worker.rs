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
use crate::store::{InboxDelivery, InboxStore, ReplayOutcome, StoreError};
use crate::verdict::{Classify, Verdict};

/// Processes one stored delivery: parse it into the vendor's typed event and record its effects
/// (usually: enqueue outbox entries). Return an error with a [`Verdict`]: permanent errors are
/// dead-lettered at once, transient ones retried.
#[async_trait]
pub trait InboxHandler: Send + Sync {
    /// Process `delivery`.
    async fn handle(&self, delivery: &InboxDelivery) -> Result<(), StageError>;
}

#[async_trait]
impl<H: InboxHandler + ?Sized> InboxHandler for Arc<H> {
    async fn handle(&self, delivery: &InboxDelivery) -> Result<(), StageError> {
        (**self).handle(delivery).await
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
    /// Handled; acknowledged with the rest of the batch (one commit).
    Handled(crate::store::Lease),
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

    /// How long a claim lasts; a handler that takes longer is abandoned (a transient failure).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
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
            let outcomes: Vec<Result<Outcome, StoreError>> = futures_util::stream::iter(batch)
                .map(|delivery| self.process(delivery))
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            let mut handled = Vec::new();
            let mut first_error = None;
            for outcome in outcomes {
                match outcome {
                    Ok(Outcome::Handled(lease)) => handled.push(lease),
                    Ok(Outcome::Retried) => report.retried += 1,
                    Ok(Outcome::DeadLettered) => report.dead_lettered += 1,
                    Ok(Outcome::LeaseLost) => report.lease_lost += 1,
                    Err(error) => {
                        first_error.get_or_insert(error);
                    }
                }
            }
            // Ack what was handled even when another delivery hit a store error: otherwise
            // one failure would leave the whole batch leased and processed again.
            for acked in self.inbox.ack_many(&handled).await? {
                if acked {
                    report.processed += 1;
                } else {
                    report.lease_lost += 1;
                }
            }
            if let Some(error) = first_error {
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
        // A panicking handler fails this delivery (retried, then dead-lettered), never the
        // worker and every other job of the runner.
        let handling = std::panic::AssertUnwindSafe(self.handler.handle(&delivery)).catch_unwind();
        let result = match tokio::time::timeout(self.lease, handling).await {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => Err(StageError::transient(crate::error::panic_reason(&*panic))),
            Err(_) => Err(StageError::transient(format!(
                "handler took longer than the {:?} lease",
                self.lease
            ))),
        };
        let error = match result {
            Ok(()) => return Ok(Outcome::Handled(delivery.lease)),
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
