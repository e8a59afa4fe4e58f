//! Resending a `usersreplace` batch only while Meta's replace session still takes it.
//!
//! A batch whose attempt timed out or broke in transit may or may not have reached Meta. Its
//! resend carries the same `session_id`, `batch_seq`, `last_batch_flag` and rows (the request is
//! encoded once, before the first attempt): Meta keeps one replace per `session_id`, and the
//! audience becomes the union of the session's batches, so a batch that arrives twice names no
//! one the replace does not name. A resend under a new session id would instead start a second
//! replace of the audience.
//!
//! What is not safe is a resend after the replace window: Meta closes the session 90 minutes
//! after its first batch and discards what comes later. The executor's retry policy is wrapped
//! in [`ReplaceDeadlinePolicy`], which refuses a resend that would start past the session's
//! deadline; the deadline travels with the upload's task ([`ReplaceAttempts::scope`]), so one
//! client can run several sessions at once.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sync_core::Verdict;
use sync_core::retry::{GiveUpReason, RetryDecision, RetryPolicy, RetryState};
use tokio::time::Instant;

tokio::task_local! {
    static SESSION: Arc<ReplaceAttempts>;
}

/// The attempts at one replace batch: its deadline, and what the retry policy did.
#[derive(Debug)]
pub(crate) struct ReplaceAttempts {
    deadline: Instant,
    resent: AtomicBool,
    refused_late: AtomicBool,
}

impl ReplaceAttempts {
    /// Attempts that must start before `deadline`.
    pub(crate) fn new(deadline: Instant) -> Arc<Self> {
        Arc::new(ReplaceAttempts {
            deadline,
            resent: AtomicBool::new(false),
            refused_late: AtomicBool::new(false),
        })
    }

    /// Runs `call` with this batch's deadline visible to [`ReplaceDeadlinePolicy`].
    pub(crate) async fn scope<F: Future>(self: &Arc<Self>, call: F) -> F::Output {
        SESSION.scope(Arc::clone(self), call).await
    }

    /// `true` once the batch was sent more than once.
    pub(crate) fn resent(&self) -> bool {
        self.resent.load(Ordering::SeqCst)
    }

    /// `true` when a resend was refused because it would start after the deadline.
    pub(crate) fn refused_late(&self) -> bool {
        self.refused_late.load(Ordering::SeqCst)
    }
}

/// The client's retry policy, plus the replace deadline of the batch being sent (if any).
#[derive(Debug)]
pub(crate) struct ReplaceDeadlinePolicy {
    inner: Arc<dyn RetryPolicy>,
}

impl ReplaceDeadlinePolicy {
    pub(crate) fn new(inner: Arc<dyn RetryPolicy>) -> Self {
        ReplaceDeadlinePolicy { inner }
    }
}

impl RetryPolicy for ReplaceDeadlinePolicy {
    fn decide(&self, verdict: &Verdict, state: RetryState) -> RetryDecision {
        let decision = self.inner.decide(verdict, state);
        let RetryDecision::RetryAfter(wait) = decision else {
            return decision;
        };
        SESSION
            .try_with(|batch| {
                if Instant::now() + wait >= batch.deadline {
                    batch.refused_late.store(true, Ordering::SeqCst);
                    RetryDecision::GiveUp(GiveUpReason::MaxElapsed)
                } else {
                    batch.resent.store(true, Ordering::SeqCst);
                    decision
                }
            })
            // Not a replace batch: the client's policy alone decides.
            .unwrap_or(decision)
    }
}
