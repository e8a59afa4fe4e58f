//! The account's rate budget.
//!
//! ActiveCampaign allows **5 requests per second per account**, shared by every API key of the
//! account. Every [`Client`](crate::Client) of one account in this process therefore shares one
//! [`RateLimit`] (from [`RateLimit::shared`], keyed by [`account_key`]), and a 429's
//! `Retry-After` pauses all of them.
//!
//! The default quota paces requests 206 ms apart (5 per 1.03 s, 97 % of the budget). The 3 %
//! margin (30 ms per five requests) absorbs the varying time a request takes from the limiter
//! to the server: paced at exactly 200 ms, one request that travels a millisecond faster than
//! the one five before it would put six inside one second at a server that counts any 1-second
//! window. The sandbox test (`tests/sandbox_budget.rs`) measures the result: no 429s, and
//! ≥ 95 % of the documented rate.
//!
//! The bulk importer has limits of its own on top: 100 multi-contact requests and 20
//! single-contact requests per minute. [`WindowLimit`] keeps those exactly, as "at most N starts
//! in any trailing window", which is safe whether the server counts fixed minutes, sliding
//! minutes or a bucket of N.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use sync_core::http::{RateLimit, RateQuota};
use tokio::time::Instant;
use url::Url;

/// The documented budget: requests per second per account.
pub const DOCUMENTED_REQUESTS_PER_SECOND: u32 = 5;

/// The quota a client uses unless told otherwise: 5 requests per 1.03 s, evenly spaced.
pub fn default_quota() -> RateQuota {
    RateQuota::new(DOCUMENTED_REQUESTS_PER_SECOND, Duration::from_millis(1030))
}

/// The documented limit for bulk imports carrying more than one contact.
pub const BULK_MULTI_PER_MINUTE: usize = 100;
/// The documented limit for bulk imports carrying a single contact.
pub const BULK_SINGLE_PER_MINUTE: usize = 20;

/// How long the bulk importer is paused after its throttling answer (HTTP 400 `"Rate limit
/// exceeded."`) when the answer names no wait: one whole window, after which a server counting
/// any trailing minute has room again.
pub const BULK_THROTTLE_WAIT: Duration = Duration::from_secs(60);

/// The key that identifies an account's budget: `activecampaign:<host[:port]>`, lowercased.
///
/// Each account has its own API host (`https://<account>.api-us1.com`), so the host names the
/// account. An account reached through two hosts (an `activehosted.com` alias, a proxy) should
/// set one key explicitly with [`ClientBuilder::account_key`](crate::ClientBuilder::account_key).
pub fn account_key(base_url: &Url) -> String {
    let host = base_url.host_str().unwrap_or_default().to_ascii_lowercase();
    match base_url.port() {
        Some(port) => format!("activecampaign:{host}:{port}"),
        None => format!("activecampaign:{host}"),
    }
}

/// The shared per-account limit for `key`.
pub(crate) fn account_limit(key: &str, quota: RateQuota) -> Arc<RateLimit> {
    RateLimit::shared(key, quota)
}

/// "At most `max` starts in any trailing `window`", shared process-wide by key.
#[derive(Debug)]
pub struct WindowLimit {
    max: usize,
    window: Duration,
    starts: Mutex<VecDeque<Instant>>,
    paused_until: Mutex<Option<Instant>>,
}

fn registry() -> &'static Mutex<HashMap<String, Weak<WindowLimit>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<WindowLimit>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl WindowLimit {
    /// A limit of its own.
    ///
    /// # Panics
    /// If `max` is zero.
    pub fn new(max: usize, window: Duration) -> Arc<WindowLimit> {
        assert!(max > 0, "a window limit needs at least one start");
        Arc::new(WindowLimit {
            max,
            window,
            starts: Mutex::new(VecDeque::with_capacity(max)),
            paused_until: Mutex::new(None),
        })
    }

    /// The process-wide limit for `key` (the first caller's numbers win).
    pub fn shared(key: &str, max: usize, window: Duration) -> Arc<WindowLimit> {
        let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = map.get(key).and_then(Weak::upgrade) {
            return existing;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let limit = WindowLimit::new(max, window);
        map.insert(key.to_string(), Arc::downgrade(&limit));
        limit
    }

    /// Hold back every start on this limit for at least `wait` from now (the server said the
    /// limit is used up, perhaps by another process of the account).
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    fn pause_deadline(&self) -> Option<Instant> {
        let paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        paused.filter(|until| *until > Instant::now())
    }

    /// Wait until a start is allowed, and record it.
    pub async fn acquire(&self) {
        loop {
            if let Some(until) = self.pause_deadline() {
                tokio::time::sleep_until(until).await;
                continue;
            }
            let wait_until = {
                let mut starts = self.starts.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                while starts
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    starts.pop_front();
                }
                if starts.len() < self.max {
                    starts.push_back(now);
                    return;
                }
                starts[0] + self.window
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }
}

/// The bulk importer's two per-minute limits for one account.
#[derive(Debug, Clone)]
pub(crate) struct BulkLimits {
    pub(crate) multi: Arc<WindowLimit>,
    pub(crate) single: Arc<WindowLimit>,
}

impl BulkLimits {
    pub(crate) fn for_account(key: &str) -> Self {
        let minute = Duration::from_secs(60);
        BulkLimits {
            multi: WindowLimit::shared(&format!("{key}:bulk"), BULK_MULTI_PER_MINUTE, minute),
            single: WindowLimit::shared(
                &format!("{key}:bulk-single"),
                BULK_SINGLE_PER_MINUTE,
                minute,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_account_host() {
        let url = Url::parse("https://ACME.api-us1.com/api/3/").unwrap();
        assert_eq!(account_key(&url), "activecampaign:acme.api-us1.com");
        let url = Url::parse("http://127.0.0.1:8080/api/3/").unwrap();
        assert_eq!(account_key(&url), "activecampaign:127.0.0.1:8080");
    }

    #[test]
    fn default_quota_is_under_the_documented_rate() {
        let q = default_quota().per_second_f64();
        assert!(q < 5.0 && q > 4.75, "{q}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_back_the_next_start() {
        let limit = WindowLimit::new(100, Duration::from_secs(60));
        limit.acquire().await;
        let start = Instant::now();
        limit.pause_for(Duration::from_secs(60));
        limit.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn window_limit_never_exceeds_max_in_any_window() {
        let limit = WindowLimit::new(3, Duration::from_secs(60));
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..7 {
            limit.acquire().await;
            at.push(start.elapsed());
        }
        // Three at once, three a window later, one two windows later.
        assert_eq!(at[2], Duration::ZERO);
        assert_eq!(at[3], Duration::from_secs(60));
        assert_eq!(at[5], Duration::from_secs(60));
        assert_eq!(at[6], Duration::from_secs(120));
        for w in at.windows(4) {
            assert!(w[3] - w[0] >= Duration::from_secs(60));
        }
    }
}
