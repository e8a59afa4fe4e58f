//! How long Meta asks us to wait: the `X-Business-Use-Case-Usage` and `X-Ad-Account-Usage`
//! headers, and the [`GraphClassifier`] that turns a Graph response into a [`Verdict`].

use std::time::Duration;

use serde::Deserialize;
use sync_core::Verdict;
use sync_core::http::{HttpResponse, ResponseClassifier};
use sync_core::retry_after::DEFAULT_MAX_SERVER_WAIT;

use crate::error::GraphError;

/// One entry of `X-Business-Use-Case-Usage` (per business id, per use case).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct BusinessUseCaseUsage {
    /// The use case, e.g. `custom_audience` or `ads_management`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Percent of the call allowance used.
    #[serde(default)]
    pub call_count: Option<f64>,
    /// Percent of the CPU-time allowance used.
    #[serde(default)]
    pub total_cputime: Option<f64>,
    /// Percent of the total-time allowance used.
    #[serde(default)]
    pub total_time: Option<f64>,
    /// Minutes until calls are accepted again (0 while not throttled).
    #[serde(default)]
    pub estimated_time_to_regain_access: Option<f64>,
}

/// Parses `X-Business-Use-Case-Usage`: `{"<business id>": [{"type": …, "call_count": …,
/// "estimated_time_to_regain_access": <minutes>}, …]}`.
///
/// ```
/// let v = r#"{"1234":[{"type":"custom_audience","call_count":100,"total_cputime":12,
///             "total_time":30,"estimated_time_to_regain_access":3}]}"#;
/// let usage = fb_audience::throttle::parse_business_use_case_usage(v);
/// assert_eq!(usage[0].estimated_time_to_regain_access, Some(3.0));
/// ```
pub fn parse_business_use_case_usage(value: &str) -> Vec<BusinessUseCaseUsage> {
    serde_json::from_str::<std::collections::BTreeMap<String, Vec<BusinessUseCaseUsage>>>(value)
        .map(|m| m.into_values().flatten().collect())
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct AdAccountUsage {
    #[serde(default)]
    reset_time_duration: Option<f64>,
}

/// The wait Meta announces in the usage headers, if any: the longest
/// `estimated_time_to_regain_access` (minutes) of `X-Business-Use-Case-Usage`, or
/// `reset_time_duration` (seconds) of `X-Ad-Account-Usage`; at most `max`.
pub fn announced_wait(response: &HttpResponse, max: Duration) -> Option<Duration> {
    let buc = response
        .header("x-business-use-case-usage")
        .map(parse_business_use_case_usage)
        .unwrap_or_default()
        .iter()
        .filter_map(|u| u.estimated_time_to_regain_access)
        .fold(0.0f64, f64::max)
        * 60.0;
    let account = response
        .header("x-ad-account-usage")
        .and_then(|v| serde_json::from_str::<AdAccountUsage>(v).ok())
        .and_then(|u| u.reset_time_duration)
        .unwrap_or(0.0);
    let secs = buc.max(account);
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs).min(max))
}

/// Classifies Graph API responses for the shared HTTP executor: the error envelope's code,
/// subcode and `is_transient` decide, and throttling waits come from the usage headers (or
/// `Retry-After`).
///
/// | Graph error | Verdict |
/// |---|---|
/// | 4, 17, 32, 341, 613, 80000–80014 (throttling) | `RateLimited`, after the announced wait |
/// | 1, 2, `is_transient: true`, 2650/1870145 (update in progress), 2650/1870148 | `Retry` |
/// | 190, 102, 10, 200–299, 368, 100/1713230 (flagged audience) | `Permanent(Config)` |
/// | other 2650 (replace session over, too large, …), 100 and the rest | `Permanent(Data)` |
/// | no Graph envelope | by HTTP status (5xx and 429 retry) |
#[derive(Debug, Clone, Copy)]
pub struct GraphClassifier {
    max_wait: Duration,
}

impl GraphClassifier {
    /// A classifier that caps announced waits at `max_wait`.
    pub fn new(max_wait: Duration) -> Self {
        GraphClassifier { max_wait }
    }
}

impl Default for GraphClassifier {
    fn default() -> Self {
        GraphClassifier::new(DEFAULT_MAX_SERVER_WAIT)
    }
}

impl ResponseClassifier for GraphClassifier {
    fn classify(&self, response: &HttpResponse, server_wait: Option<Duration>) -> Verdict {
        let status = response.status.as_u16();
        if response.status.is_success() {
            return Verdict::Success;
        }
        let wait = announced_wait(response, self.max_wait).or(server_wait);
        match GraphError::from_body(&response.body) {
            Some(e) => e.verdict(status, wait),
            None => Verdict::from_status(status, wait),
        }
    }
}
