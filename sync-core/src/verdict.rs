//! One classification of every failure: [`Verdict`], and the [`Classify`] trait every client
//! error implements so the engine never matches on vendor errors.

use std::time::Duration;

/// Why a failure will not get better by retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PermanentKind {
    /// Credentials, permissions, base URL or another setting is wrong: a person must fix the
    /// configuration (401, 403, 404 on a route, a refused auth mode).
    Config,
    /// This record (or request body) is unacceptable to the server: fix the data, then replay it
    /// from dead letters (400, 409, 422 and the like).
    Data,
    /// The server answered in a way no retry will change (for example 501 Not Implemented, or a
    /// response body that cannot be decoded).
    Server,
}

impl PermanentKind {
    /// A short lowercase name, stable for logs and dead-letter reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            PermanentKind::Config => "config",
            PermanentKind::Data => "data",
            PermanentKind::Server => "server",
        }
    }
}

impl std::fmt::Display for PermanentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do about the outcome of one attempt.
///
/// `after` is the server's own wait (a `Retry-After` header or the vendor's equivalent), already
/// clamped; a retry policy waits at least that long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The attempt succeeded.
    Success,
    /// A transient failure: try again, no sooner than `after` when the server said so.
    Retry {
        /// The server's requested wait, if it gave one.
        after: Option<Duration>,
    },
    /// The server is throttling this caller: wait (at least `after`), then try again. Rate limits
    /// are retried even for non-idempotent requests, because the server refused them unprocessed.
    RateLimited {
        /// The server's requested wait, if it gave one.
        after: Option<Duration>,
    },
    /// Retrying will not help.
    Permanent(PermanentKind),
}

impl Verdict {
    /// `true` for [`Verdict::Retry`] and [`Verdict::RateLimited`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, Verdict::Retry { .. } | Verdict::RateLimited { .. })
    }

    /// The server's requested wait, when the verdict carries one.
    pub fn after(&self) -> Option<Duration> {
        match self {
            Verdict::Retry { after } | Verdict::RateLimited { after } => *after,
            _ => None,
        }
    }

    /// The verdict the status code alone gives, following the rules every client shares:
    /// 425, 429, 408 and 5xx (except 501 and 505) retry; other 4xx are permanent; 2xx succeed.
    /// 401 and 403 are configuration problems, 404 is a configuration problem too (a route or id
    /// that does not exist will not appear by retrying), the rest of 4xx are data. 3xx is a
    /// configuration problem: redirects are not followed (a redirected POST can arrive as a GET
    /// without its body), so the base URL should name the final location (https, `www.`).
    ///
    /// `after` is attached to the retryable verdicts.
    pub fn from_status(status: u16, after: Option<Duration>) -> Verdict {
        match status {
            200..=299 => Verdict::Success,
            300..=399 => Verdict::Permanent(PermanentKind::Config),
            429 => Verdict::RateLimited { after },
            408 | 425 => Verdict::Retry { after },
            401 | 403 | 404 | 405 | 407 => Verdict::Permanent(PermanentKind::Config),
            400..=499 => Verdict::Permanent(PermanentKind::Data),
            501 | 505 => Verdict::Permanent(PermanentKind::Server),
            500..=599 => Verdict::Retry { after },
            _ => Verdict::Permanent(PermanentKind::Server),
        }
    }
}

/// Implemented by every error type in the client crates: it yields the [`Verdict`] the engine
/// and the retry policy act on.
pub trait Classify {
    /// The verdict for this error.
    fn verdict(&self) -> Verdict;
}

impl Classify for Verdict {
    fn verdict(&self) -> Verdict {
        *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_rules() {
        let after = Some(Duration::from_secs(3));
        assert_eq!(Verdict::from_status(200, after), Verdict::Success);
        assert_eq!(Verdict::from_status(204, after), Verdict::Success);
        assert_eq!(
            Verdict::from_status(301, after),
            Verdict::Permanent(PermanentKind::Config)
        );
        assert_eq!(
            Verdict::from_status(429, after),
            Verdict::RateLimited { after }
        );
        for s in [408, 425, 500, 502, 503, 504] {
            assert_eq!(
                Verdict::from_status(s, after),
                Verdict::Retry { after },
                "{s}"
            );
        }
        for s in [400, 409, 410, 422] {
            assert_eq!(
                Verdict::from_status(s, None),
                Verdict::Permanent(PermanentKind::Data),
                "{s}"
            );
        }
        for s in [401, 403, 404] {
            assert_eq!(
                Verdict::from_status(s, None),
                Verdict::Permanent(PermanentKind::Config),
                "{s}"
            );
        }
        assert_eq!(
            Verdict::from_status(501, None),
            Verdict::Permanent(PermanentKind::Server)
        );
    }
}
