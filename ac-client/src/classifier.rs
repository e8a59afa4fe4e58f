//! How ActiveCampaign responses are classified for retries, and how the budget headers pace
//! the account.
//!
//! The account allows 5 requests per second; over that, ActiveCampaign answers 429 with a
//! `Retry-After` in seconds, often with a plain-text body. A 503 (maintenance, an overloaded
//! edge) often comes with no `Retry-After` and a non-JSON body. Both mean "refused unprocessed,
//! wait", so both carry a wait ([`Verdict::RateLimited`]): retried even for non-idempotent
//! requests, and — because the verdict carries a wait — the executor pauses the account's shared
//! rate limit for every client. (The error's text still says which it was: a 503 is not the
//! account's rate limit.)
//!
//! Every answer also carries `RateLimit-Limit` and `RateLimit-Remaining` (and may carry
//! `RateLimit-Reset`). When `RateLimit-Remaining` reaches 0 the next request would draw a 429,
//! so the classifier pauses the shared limit until the reset (or one rate window) first.
//!
//! The bulk importer's own throttling answer is an HTTP **400** `"Rate limit exceeded."`; it is
//! recognised when the error is built ([`Error::is_bulk_throttle`](crate::Error::is_bulk_throttle))
//! and waited out by the importer alone, because it limits imports, not the account's other
//! requests.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sync_core::Verdict;
use sync_core::http::{HttpResponse, RateLimit, ResponseClassifier};
use sync_core::retry_after::DEFAULT_MAX_SERVER_WAIT;

/// The wait assumed when a 429 or 503 carries no `Retry-After`: one rate window.
pub const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_secs(1);

/// The header with the requests left in the current window.
pub const REMAINING_HEADER: &str = "ratelimit-remaining";
/// The header with the seconds until the window resets (when sent).
pub const RESET_HEADER: &str = "ratelimit-reset";

/// The [`ResponseClassifier`] every [`Client`](crate::Client) uses.
#[derive(Debug, Clone)]
pub struct ActiveCampaignClassifier {
    throttle_wait: Duration,
    max_wait: Duration,
    /// The account's limit, paused when an answer says the budget is used up.
    limit: Option<Arc<RateLimit>>,
}

impl Default for ActiveCampaignClassifier {
    fn default() -> Self {
        ActiveCampaignClassifier {
            throttle_wait: DEFAULT_THROTTLE_WAIT,
            max_wait: DEFAULT_MAX_SERVER_WAIT,
            limit: None,
        }
    }
}

impl ActiveCampaignClassifier {
    /// A classifier that assumes `wait` when a throttling answer names none.
    pub fn with_throttle_wait(wait: Duration) -> Self {
        ActiveCampaignClassifier {
            throttle_wait: wait,
            ..Default::default()
        }
    }

    /// The longest `RateLimit-Reset` honoured (default 15 minutes).
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Pause `limit` whenever an answer says the budget is used up (`RateLimit-Remaining: 0`).
    pub fn pausing(mut self, limit: Arc<RateLimit>) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The wait until the window resets, from `RateLimit-Reset`: delta seconds, or (a value
    /// that can only be a date) Unix seconds.
    fn reset_wait(&self, response: &HttpResponse) -> Option<Duration> {
        let reset: u64 = response.header(RESET_HEADER)?.trim().parse().ok()?;
        let secs = if reset > 1_000_000_000 {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
            reset.saturating_sub(now)
        } else {
            reset
        };
        Some(Duration::from_secs(secs).min(self.max_wait))
    }

    /// How long to hold back the account when this answer used up its budget.
    pub fn exhausted_wait(&self, response: &HttpResponse) -> Option<Duration> {
        let remaining: u64 = response.header(REMAINING_HEADER)?.trim().parse().ok()?;
        (remaining == 0).then(|| {
            self.reset_wait(response)
                .filter(|w| !w.is_zero())
                .unwrap_or(self.throttle_wait)
        })
    }
}

impl ResponseClassifier for ActiveCampaignClassifier {
    fn classify(&self, response: &HttpResponse, server_wait: Option<Duration>) -> Verdict {
        if let (Some(limit), Some(wait)) = (&self.limit, self.exhausted_wait(response)) {
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "RateLimit-Remaining is 0; pausing the account's requests until the reset"
            );
            limit.pause_for(wait);
        }
        match response.status.as_u16() {
            429 | 503 => Verdict::RateLimited {
                after: Some(
                    server_wait
                        .or_else(|| self.reset_wait(response))
                        .unwrap_or(self.throttle_wait),
                ),
            },
            status => Verdict::from_status(status, server_wait),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::PermanentKind;
    use sync_core::http::RateQuota;
    use sync_core::http::reqwest::{StatusCode, header::HeaderMap};

    fn resp(status: u16) -> HttpResponse {
        resp_with(status, &[])
    }

    fn resp_with(status: u16, headers: &[(&'static str, &str)]) -> HttpResponse {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        HttpResponse::new(StatusCode::from_u16(status).unwrap(), map, Vec::new())
    }

    #[test]
    fn throttles_always_carry_a_wait() {
        let c = ActiveCampaignClassifier::default();
        let wait = Some(Duration::from_secs(3));
        assert_eq!(
            c.classify(&resp(429), wait),
            Verdict::RateLimited { after: wait }
        );
        assert_eq!(
            c.classify(&resp(503), None),
            Verdict::RateLimited {
                after: Some(DEFAULT_THROTTLE_WAIT)
            }
        );
        assert_eq!(c.classify(&resp(500), None), Verdict::Retry { after: None });
        assert_eq!(
            c.classify(&resp(403), None),
            Verdict::Permanent(PermanentKind::Config)
        );
        assert_eq!(c.classify(&resp(201), None), Verdict::Success);
    }

    #[test]
    fn an_exhausted_budget_waits_for_the_reset() {
        let c = ActiveCampaignClassifier::default();
        let used_up = resp_with(
            200,
            &[
                ("RateLimit-Limit", "5"),
                ("RateLimit-Remaining", "0"),
                ("RateLimit-Reset", "2"),
            ],
        );
        assert_eq!(c.exhausted_wait(&used_up), Some(Duration::from_secs(2)));
        let no_reset = resp_with(200, &[("RateLimit-Remaining", "0")]);
        assert_eq!(c.exhausted_wait(&no_reset), Some(DEFAULT_THROTTLE_WAIT));
        let left = resp_with(200, &[("RateLimit-Remaining", "3")]);
        assert_eq!(c.exhausted_wait(&left), None);
        assert_eq!(c.exhausted_wait(&resp(200)), None);
        // A 429 without Retry-After takes the reset.
        let throttled = resp_with(
            429,
            &[("RateLimit-Remaining", "0"), ("RateLimit-Reset", "4")],
        );
        assert_eq!(
            c.classify(&throttled, None),
            Verdict::RateLimited {
                after: Some(Duration::from_secs(4))
            }
        );
    }

    #[tokio::test]
    async fn an_exhausted_budget_pauses_the_shared_limit() {
        let limit = RateLimit::new(RateQuota::per_second(1000));
        let c = ActiveCampaignClassifier::default().pausing(limit.clone());
        let used_up = resp_with(
            200,
            &[("RateLimit-Remaining", "0"), ("RateLimit-Reset", "1")],
        );
        assert_eq!(c.classify(&used_up, None), Verdict::Success);
        let start = std::time::Instant::now();
        limit.acquire().await;
        assert!(
            start.elapsed() >= Duration::from_millis(900),
            "{:?}",
            start.elapsed()
        );
    }
}
