//! A rate limiter shared by every client of one account, with a pause that a server's
//! `Retry-After` extends for all of them.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use governor::{Quota, RateLimiter, clock::DefaultClock, state::InMemoryState, state::NotKeyed};

use super::pause::{Pause, shared};

type Gcra = RateLimiter<NotKeyed, InMemoryState, DefaultClock>;

/// How many requests may start per period, and how many may burst at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateQuota {
    requests: NonZeroU32,
    period: Duration,
    burst: NonZeroU32,
}

impl RateQuota {
    /// `requests` per second, spread evenly (burst 1).
    ///
    /// # Panics
    /// If `requests` is zero.
    pub fn per_second(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(1))
    }

    /// `requests` per `period`, spread evenly (burst 1).
    ///
    /// # Panics
    /// If `requests` is zero or `period` is zero.
    pub fn new(requests: u32, period: Duration) -> Self {
        let requests = NonZeroU32::new(requests).expect("a rate quota needs at least one request");
        assert!(!period.is_zero(), "a rate quota needs a non-zero period");
        RateQuota {
            requests,
            period,
            burst: NonZeroU32::MIN,
        }
    }

    /// Allow up to `burst` requests back to back (clamped to at least 1).
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// Requests per second this quota allows in the long run.
    pub fn per_second_f64(&self) -> f64 {
        self.requests.get() as f64 / self.period.as_secs_f64()
    }

    fn to_governor(self) -> Quota {
        let interval = self.period / self.requests.get();
        Quota::with_period(interval.max(Duration::from_nanos(1)))
            .expect("non-zero interval")
            .allow_burst(self.burst)
    }
}

/// A rate limit for one budget (typically one vendor account).
///
/// Every attempt, retries included, takes a permit, because the server counts every request.
/// When a server answers with a wait (`429` + `Retry-After`), [`RateLimit::pause_for`] holds back
/// every request sharing this limit until the wait has passed, not only the one that was refused.
#[derive(Debug)]
pub struct RateLimit {
    key: String,
    quota: RateQuota,
    gcra: Gcra,
    pause: Pause,
}

fn registry() -> &'static Mutex<HashMap<String, Weak<RateLimit>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<RateLimit>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl RateLimit {
    /// A limit of its own, shared with nobody.
    pub fn new(quota: RateQuota) -> Arc<RateLimit> {
        Arc::new(Self::build(String::new(), quota))
    }

    /// The process-wide limit for `key` (for example `"activecampaign:https://acme.api-us1.com"`):
    /// every caller with the same key gets the same limit while any of them holds it, so two
    /// clients of one account share one budget. The first caller's quota wins.
    pub fn shared(key: impl Into<String>, quota: RateQuota) -> Arc<RateLimit> {
        let key = key.into();
        shared(registry(), key.clone(), || Self::build(key, quota))
    }

    fn build(key: String, quota: RateQuota) -> RateLimit {
        RateLimit {
            key,
            gcra: RateLimiter::direct(quota.to_governor()),
            quota,
            pause: Pause::default(),
        }
    }

    /// The key this limit is shared under (empty for a private limit).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The quota.
    pub fn quota(&self) -> RateQuota {
        self.quota
    }

    /// Hold back every request on this limit for at least `wait` from now.
    pub fn pause_for(&self, wait: Duration) {
        self.pause.pause_for(wait);
    }

    /// Wait for any pause to pass, then for a permit.
    pub async fn acquire(&self) {
        loop {
            if let Some(until) = self.pause.deadline() {
                tokio::time::sleep_until(until).await;
            }
            self.gcra.until_ready().await;
            // A 429 may have arrived while we waited for the permit: honour it.
            if self.pause.deadline().is_none() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_keys_share_one_limit() {
        let a = RateLimit::shared("test:acct-1", RateQuota::per_second(5));
        let b = RateLimit::shared("test:acct-1", RateQuota::per_second(50));
        let c = RateLimit::shared("test:acct-2", RateQuota::per_second(5));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(b.quota(), RateQuota::per_second(5));
    }

    #[tokio::test]
    async fn pause_holds_back_acquire() {
        let limit = RateLimit::new(RateQuota::per_second(1000));
        limit.pause_for(Duration::from_millis(150));
        let start = std::time::Instant::now();
        limit.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(140));
    }
}
