//! The account's rate budget.
//!
//! ActiveCampaign allows **5 requests per second per account**, shared by every API key of the
//! account. Every [`Client`](crate::Client) of one account in this process therefore shares one
//! [`RateLimit`](sync_core::http::RateLimit) (sync-core's sender takes it from
//! [`RateLimit::shared`](sync_core::http::RateLimit::shared), keyed by [`account_key`]), and a
//! 429's `Retry-After` pauses all of them.
//!
//! The default quota paces requests 206 ms apart (5 per 1.03 s, 97 % of the budget). The 3 %
//! margin (30 ms per five requests) absorbs the varying time a request takes from the limiter
//! to the server: paced at exactly 200 ms, one request that travels a millisecond faster than
//! the one five before it would put six inside one second at a server that counts any 1-second
//! window. The sandbox test (`tests/sandbox_budget.rs`) measures the result: no 429s, and
//! ≥ 95 % of the documented rate.
//!
//! The bulk importer has limits of its own on top: 100 multi-contact requests and 20
//! single-contact requests per minute. [`WindowLimit`] (sync-core's) keeps those exactly, as "at most N starts
//! in any trailing window", which is safe whether the server counts fixed minutes, sliding
//! minutes or a bucket of N.

use std::sync::Arc;
use std::time::Duration;

use sync_core::http::RateQuota;
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

/// The bulk limits' limiter: sync-core's "at most N starts in any trailing window".
pub use sync_core::http::WindowLimit;

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
}
