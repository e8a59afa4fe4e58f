//! Parsing the server's wait: `Retry-After` as delta-seconds or HTTP-date, clamped.

use std::time::{Duration, SystemTime};

/// The longest wait a server may impose through `Retry-After` before it is clamped. A longer
/// wait is almost always a misconfigured server; a sync run would rather retry later.
pub const DEFAULT_MAX_SERVER_WAIT: Duration = Duration::from_secs(15 * 60);

/// Parse a `Retry-After` value (RFC 9110 §10.2.3): either a non-negative number of seconds or an
/// HTTP-date, measured from `now`. A date in the past gives zero. The result is clamped to `max`.
/// Returns `None` for a value that is neither form.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use sync_core::retry_after::parse_retry_after;
///
/// let now = UNIX_EPOCH + Duration::from_secs(784_111_767); // Sun, 06 Nov 1994 08:49:27 GMT
/// let max = Duration::from_secs(600);
/// assert_eq!(parse_retry_after("120", now, max), Some(Duration::from_secs(120)));
/// assert_eq!(
///     parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now, max),
///     Some(Duration::from_secs(10))
/// );
/// assert_eq!(parse_retry_after("86400", now, max), Some(max));
/// assert_eq!(parse_retry_after("soon", now, max), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime, max: Duration) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Huge values saturate instead of failing: they are clamped below anyway.
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else if let Ok(seconds) = value.parse::<f64>() {
        // Not RFC-conformant, but some APIs send "1.5"; honour it rather than ignore it.
        if !seconds.is_finite() || seconds < 0.0 {
            return None;
        }
        Duration::try_from_secs_f64(seconds).unwrap_or(max)
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const MAX: Duration = Duration::from_secs(900);

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn seconds_and_dates() {
        let now = at(784_111_777); // 08:49:37
        assert_eq!(parse_retry_after("0", now, MAX), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(" 7 ", now, MAX),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("1.5", now, MAX),
            Some(Duration::from_millis(1500))
        );
        // All three HTTP-date forms.
        for date in [
            "Sun, 06 Nov 1994 08:49:47 GMT",
            "Sunday, 06-Nov-94 08:49:47 GMT",
            "Sun Nov  6 08:49:47 1994",
        ] {
            assert_eq!(
                parse_retry_after(date, now, MAX),
                Some(Duration::from_secs(10)),
                "{date}"
            );
        }
        // In the past: no wait.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now, MAX),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn clamps_and_rejects() {
        let now = at(0);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now, MAX),
            Some(MAX)
        );
        assert_eq!(parse_retry_after("-1", now, MAX), None);
        assert_eq!(parse_retry_after("", now, MAX), None);
        assert_eq!(parse_retry_after("NaN", now, MAX), None);
        assert_eq!(parse_retry_after("tomorrow", now, MAX), None);
    }
}
