//! [`RetryPolicy`]: how long to wait before the next attempt, or when to give up.
//!
//! The default, [`ExponentialBackoff`], uses full jitter (a uniform wait between zero and the
//! exponential step), so many clients failing together do not retry together. A server's own
//! wait (`Retry-After`, carried in the [`Verdict`]) always wins over the computed step.
//!
//! # Retry layers: who retries what
//!
//! Three layers retry, each over a different span of time. They multiply (a record can see
//! executor attempts × pipeline attempts × outbox attempts), so each has one job and its own
//! limit, and no layer's policy caps another's.
//!
//! | layer | retries | span | limited by |
//! |---|---|---|---|
//! | HTTP executor ([`HttpExecutor`](crate::http::HttpExecutor), feature `http`) | one request after a transient failure (5xx, 408, 425, 429, network errors on idempotent requests) | seconds, inside one call | its [`RetryPolicy`] (attempts and elapsed time) |
//! | [`Pipeline`](crate::Pipeline) | a batch's records the sink answered [`Ack::RetryLater`](crate::Ack::RetryLater) | one run | its policy and [`OnExhausted`](crate::OnExhausted): dead-letter, or leave for the next run (the watermark does not pass them) |
//! | outbox [`Sweeper`](crate::sweeper::Sweeper) | an entry the delivery answered `RetryLater` (or whose lease ran out) | across runs and restarts: minutes to days | **only** the entry's [`OutboxLimits`](crate::store::OutboxLimits) (max attempts, max age); then a dead letter with the reason |
//! | [`InboxWorker`](crate::inbox_worker::InboxWorker) | a stored webhook whose handler failed transiently | across restarts | only its [`max_attempts`](crate::inbox_worker::InboxWorker::max_attempts); then a dead letter |
//!
//! The sweeper and the inbox worker ask their policy only for the **wait** before the next
//! attempt. A policy that would give up (a policy reused from the HTTP layer with its three
//! attempts and one-minute budget) is asked for its first step instead: before this rule, such
//! a policy silently dead-lettered outbox entries long before their limits. Where a wait is
//! given by the server (`after`), no layer retries sooner.
//!
//! Keep the inner layers short: a sink's own client should retry a few seconds at most, then
//! answer `RetryLater` and let the outbox carry the record across time.

use std::fmt::Debug;
use std::time::Duration;

use crate::verdict::Verdict;

/// Where a sequence of attempts stands when a policy is asked what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryState {
    /// Attempts made so far, including the one that just failed (starts at 1).
    pub attempts: u32,
    /// Time since the first attempt started.
    pub elapsed: Duration,
}

/// A policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Stop: the failure is final.
    GiveUp(GiveUpReason),
}

/// Why a policy stopped retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The verdict is not retryable.
    NotRetryable,
    /// The policy's attempt limit was reached.
    MaxAttempts,
    /// Waiting again would pass the policy's time limit.
    MaxElapsed,
}

impl std::fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GiveUpReason::NotRetryable => "not retryable",
            GiveUpReason::MaxAttempts => "attempt limit reached",
            GiveUpReason::MaxElapsed => "time limit reached",
        })
    }
}

/// Decides whether and when to retry. Implement it to plug in your own policy; the engine and
/// the HTTP executor only ever talk to this trait.
pub trait RetryPolicy: Debug + Send + Sync {
    /// Called after a failed attempt with that attempt's verdict.
    fn decide(&self, verdict: &Verdict, state: RetryState) -> RetryDecision;
}

/// How the exponential step is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// A uniform wait in `[0, step]` (the default; best at spreading out a crowd).
    Full,
    /// A uniform wait in `[step / 2, step]`.
    Equal,
    /// Exactly the step. Only for tests and single clients.
    None,
}

/// Exponential backoff with jitter, an attempt limit and a time limit; honours the server's wait.
///
/// ```
/// use std::time::Duration;
/// use sync_core::retry::{ExponentialBackoff, RetryDecision, RetryPolicy, RetryState};
/// use sync_core::Verdict;
///
/// let policy = ExponentialBackoff::default().max_attempts(3);
/// let wait = Some(Duration::from_secs(2));
/// let first = RetryState { attempts: 1, elapsed: Duration::ZERO };
/// // The server's wait wins over the (smaller) computed step.
/// assert_eq!(
///     policy.decide(&Verdict::RateLimited { after: wait }, first),
///     RetryDecision::RetryAfter(Duration::from_secs(2))
/// );
/// let third = RetryState { attempts: 3, elapsed: Duration::from_secs(1) };
/// assert!(matches!(policy.decide(&Verdict::Retry { after: None }, third), RetryDecision::GiveUp(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExponentialBackoff {
    initial: Duration,
    max_delay: Duration,
    multiplier: u32,
    max_attempts: u32,
    max_elapsed: Option<Duration>,
    jitter: Jitter,
}

impl Default for ExponentialBackoff {
    /// 250 ms doubling to at most 30 s, full jitter, 6 attempts, 5 minutes in all.
    fn default() -> Self {
        ExponentialBackoff {
            initial: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            multiplier: 2,
            max_attempts: 6,
            max_elapsed: Some(Duration::from_secs(300)),
            jitter: Jitter::Full,
        }
    }
}

impl ExponentialBackoff {
    /// The first step.
    pub fn initial(mut self, d: Duration) -> Self {
        self.initial = d;
        self
    }
    /// The largest computed step (a server's wait may be longer).
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }
    /// The growth factor per attempt (at least 1).
    pub fn multiplier(mut self, m: u32) -> Self {
        self.multiplier = m.max(1);
        self
    }
    /// Total attempts including the first (at least 1; 1 means never retry).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// Give up rather than wait past this much time since the first attempt; `None` for no limit.
    pub fn max_elapsed(mut self, d: Option<Duration>) -> Self {
        self.max_elapsed = d;
        self
    }
    /// The jitter mode.
    pub fn jitter(mut self, j: Jitter) -> Self {
        self.jitter = j;
        self
    }

    /// The un-jittered step after `attempts` failures.
    fn step(&self, attempts: u32) -> Duration {
        let factor = self
            .multiplier
            .checked_pow(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    fn jittered(&self, step: Duration) -> Duration {
        let nanos = step.as_nanos().min(u64::MAX as u128) as u64;
        match self.jitter {
            Jitter::None => step,
            Jitter::Full => Duration::from_nanos(fastrand::u64(0..=nanos)),
            Jitter::Equal => Duration::from_nanos(nanos / 2 + fastrand::u64(0..=nanos - nanos / 2)),
        }
    }
}

impl RetryPolicy for ExponentialBackoff {
    fn decide(&self, verdict: &Verdict, state: RetryState) -> RetryDecision {
        if !verdict.is_retryable() {
            return RetryDecision::GiveUp(GiveUpReason::NotRetryable);
        }
        if state.attempts >= self.max_attempts {
            return RetryDecision::GiveUp(GiveUpReason::MaxAttempts);
        }
        let wait = match verdict.after() {
            Some(server_wait) => server_wait,
            None => self.jittered(self.step(state.attempts)),
        };
        if let Some(limit) = self.max_elapsed
            && state.elapsed.saturating_add(wait) > limit
        {
            return RetryDecision::GiveUp(GiveUpReason::MaxElapsed);
        }
        RetryDecision::RetryAfter(wait)
    }
}

/// Never retries. Useful for callers that retry at a higher level (the outbox sweeper).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetry;

impl RetryPolicy for NoRetry {
    fn decide(&self, verdict: &Verdict, _state: RetryState) -> RetryDecision {
        if verdict.is_retryable() {
            RetryDecision::GiveUp(GiveUpReason::MaxAttempts)
        } else {
            RetryDecision::GiveUp(GiveUpReason::NotRetryable)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::PermanentKind;

    fn st(attempts: u32, elapsed_ms: u64) -> RetryState {
        RetryState {
            attempts,
            elapsed: Duration::from_millis(elapsed_ms),
        }
    }

    #[test]
    fn steps_grow_and_cap() {
        let p = ExponentialBackoff::default()
            .jitter(Jitter::None)
            .initial(Duration::from_millis(100))
            .max_delay(Duration::from_secs(1))
            .max_attempts(100)
            .max_elapsed(None);
        let retry = Verdict::Retry { after: None };
        let waits: Vec<_> = (1..=6)
            .map(|a| match p.decide(&retry, st(a, 0)) {
                RetryDecision::RetryAfter(d) => d.as_millis(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(waits, vec![100, 200, 400, 800, 1000, 1000]);
        // Huge attempt counts do not overflow.
        assert_eq!(
            p.decide(&retry, st(90, 0)),
            RetryDecision::RetryAfter(Duration::from_secs(1))
        );
    }

    #[test]
    fn full_jitter_stays_within_step() {
        let p = ExponentialBackoff::default()
            .initial(Duration::from_millis(100))
            .max_attempts(10);
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..200 {
            match p.decide(&Verdict::Retry { after: None }, st(3, 0)) {
                RetryDecision::RetryAfter(d) => {
                    assert!(d <= Duration::from_millis(400));
                    distinct.insert(d);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(distinct.len() > 50, "jitter should spread waits");
    }

    #[test]
    fn limits_and_permanent() {
        let p = ExponentialBackoff::default()
            .max_attempts(3)
            .max_elapsed(Some(Duration::from_secs(10)));
        assert_eq!(
            p.decide(&Verdict::Permanent(PermanentKind::Data), st(1, 0)),
            RetryDecision::GiveUp(GiveUpReason::NotRetryable)
        );
        assert_eq!(
            p.decide(&Verdict::Retry { after: None }, st(3, 0)),
            RetryDecision::GiveUp(GiveUpReason::MaxAttempts)
        );
        // A server wait that would pass the time limit ends the attempts now.
        assert_eq!(
            p.decide(
                &Verdict::RateLimited {
                    after: Some(Duration::from_secs(8))
                },
                st(1, 3000)
            ),
            RetryDecision::GiveUp(GiveUpReason::MaxElapsed)
        );
        assert_eq!(
            p.decide(
                &Verdict::RateLimited {
                    after: Some(Duration::from_secs(5))
                },
                st(1, 3000)
            ),
            RetryDecision::RetryAfter(Duration::from_secs(5))
        );
    }
}
