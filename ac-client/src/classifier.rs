//! How ActiveCampaign responses are classified for retries.
//!
//! The account allows 5 requests per second; over that, ActiveCampaign answers 429 with a
//! `Retry-After` in seconds. Older accounts (and some edges) answered 503 instead, often with no
//! `Retry-After` and a non-JSON body. Both mean "refused unprocessed, slow down", so both are
//! [`Verdict::RateLimited`]: retried even for non-idempotent requests, and — because the verdict
//! carries a wait — the executor pauses the account's shared rate limit for every client.

use std::time::Duration;

use sync_core::Verdict;
use sync_core::http::{HttpResponse, ResponseClassifier};

/// The wait assumed when a 429 or 503 carries no `Retry-After`: one rate window.
pub const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_secs(1);

/// The [`ResponseClassifier`] every [`Client`](crate::Client) uses.
#[derive(Debug, Clone, Copy)]
pub struct ActiveCampaignClassifier {
    throttle_wait: Duration,
}

impl Default for ActiveCampaignClassifier {
    fn default() -> Self {
        ActiveCampaignClassifier {
            throttle_wait: DEFAULT_THROTTLE_WAIT,
        }
    }
}

impl ActiveCampaignClassifier {
    /// A classifier that assumes `wait` when a throttling answer names none.
    pub fn with_throttle_wait(wait: Duration) -> Self {
        ActiveCampaignClassifier {
            throttle_wait: wait,
        }
    }
}

impl ResponseClassifier for ActiveCampaignClassifier {
    fn classify(&self, response: &HttpResponse, server_wait: Option<Duration>) -> Verdict {
        match response.status.as_u16() {
            429 | 503 => Verdict::RateLimited {
                after: Some(server_wait.unwrap_or(self.throttle_wait)),
            },
            status => Verdict::from_status(status, server_wait),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::PermanentKind;
    use sync_core::http::reqwest::{StatusCode, header::HeaderMap};

    fn resp(status: u16) -> HttpResponse {
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: Default::default(),
        }
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
}
