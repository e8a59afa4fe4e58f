//! The error skeleton every client crate's `Error` follows, and the accessors it shares.
//!
//! Each client crate has one `Error` enum whose common variants carry the same names:
//!
//! | variant | holds | verdict |
//! |---|---|---|
//! | `Config(ConfigError)` | the setting or credential to fix | permanent (config) |
//! | `Http(HttpError)` | a transport failure, or a status without a vendor error body | from the status |
//! | `Api { .. }` | the vendor's error body, parsed, with the status and request | the vendor classifier's |
//! | `Decode { operation, source }` | a 2xx whose body has another shape; `source.path` is where | permanent (server) |
//! | `Paging { operation, source }` | paging that would loop or skip records ([`PagingError`](super::PagingError)) | permanent (server) |
//!
//! plus variants only that vendor has (WooCommerce batch items, Meta session errors). Every
//! one implements [`ClientError`], so code that handles any vendor's errors asks the same
//! questions, and [`Ack::from_error`](crate::Ack::from_error) turns any of them into a sink's
//! per-record answer.

use reqwest::StatusCode;

use crate::verdict::{Classify, PermanentKind, Verdict};

/// What kind of failure, across vendors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A setting or credential is wrong; nothing was (or should be) sent.
    Config,
    /// The server refused the credentials (401) or their rights (403).
    Auth,
    /// The thing asked for does not exist (404, or the vendor's "no such").
    NotFound,
    /// The server refused the data (400, 409, 422, a vendor validation error).
    Invalid,
    /// The server asked the client to slow down (429, or the vendor's throttle code).
    RateLimited,
    /// The server failed or is unavailable (5xx, maintenance).
    Server,
    /// The server was not reached, or did not answer in time.
    Transport,
    /// A 2xx answer had a shape the client did not expect.
    Decode,
    /// Paging stopped because going on would loop or skip records.
    Paging,
    /// The answer was larger than the client reads.
    TooLarge,
}

impl ErrorKind {
    /// The kind an HTTP status says, for errors without a vendor code.
    pub fn from_status(status: StatusCode) -> ErrorKind {
        match status.as_u16() {
            401 | 403 => ErrorKind::Auth,
            404 | 410 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            408 => ErrorKind::Transport,
            s if s >= 500 => ErrorKind::Server,
            _ => ErrorKind::Invalid,
        }
    }

    /// What the kind asks of the user, for error hints: a 503 is "the server is unavailable",
    /// not "your rate limit was exceeded".
    pub fn hint(self) -> &'static str {
        match self {
            ErrorKind::Config => "fix the named setting",
            ErrorKind::Auth => "check the credentials and their permissions",
            ErrorKind::NotFound => "the record does not exist (any more)",
            ErrorKind::Invalid => "the server refused the data; see its message",
            ErrorKind::RateLimited => "the account's request limit was reached; retried later",
            ErrorKind::Server => "the server failed or is unavailable; retried later",
            ErrorKind::Transport => "the server was not reached; retried later",
            ErrorKind::Decode => "the answer had an unexpected shape; see the path",
            ErrorKind::Paging => "the server's paging would loop or skip records",
            ErrorKind::TooLarge => "the answer was too large; ask for smaller pages",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ErrorKind::Config => "config",
            ErrorKind::Auth => "auth",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Invalid => "invalid",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Transport => "transport",
            ErrorKind::Decode => "decode",
            ErrorKind::Paging => "paging",
            ErrorKind::TooLarge => "too_large",
        })
    }
}

/// The questions every client crate's `Error` answers the same way.
///
/// ```
/// use sync_core::http::{ClientError, ErrorKind};
///
/// fn log_line<E: ClientError>(e: &E) -> String {
///     format!("{} status={:?} path={:?}: {e}", e.kind(), e.status().map(|s| s.as_u16()), e.decode_path())
/// }
/// # let _ = log_line::<sync_core::http::HttpError>;
/// ```
pub trait ClientError: std::error::Error + Classify + Send + Sync + 'static {
    /// The vendor's parsed error body type.
    type Body;

    /// The HTTP status the server answered, when it answered.
    fn status(&self) -> Option<StatusCode>;

    /// What kind of failure this is.
    fn kind(&self) -> ErrorKind;

    /// The vendor's error body, parsed (messages redacted), when the server sent one.
    fn vendor_body(&self) -> Option<&Self::Body> {
        None
    }

    /// For a decode error, the JSON path where the body stopped matching. The default finds
    /// the [`DecodeError`](super::DecodeError) among the error's sources (a `Decode { source, ..
    /// }` variant), so a crate following the skeleton writes nothing.
    fn decode_path(&self) -> Option<&str> {
        let mut next = std::error::Error::source(self);
        while let Some(error) = next {
            if let Some(decode) = error.downcast_ref::<super::DecodeError>() {
                return Some(&decode.path);
            }
            next = error.source();
        }
        None
    }
}

impl ClientError for super::HttpError {
    type Body = ();

    fn status(&self) -> Option<StatusCode> {
        match self {
            super::HttpError::Status { response, .. } => Some(response.status),
            super::HttpError::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            super::HttpError::Build { .. } => ErrorKind::Config,
            super::HttpError::Transport { .. } => ErrorKind::Transport,
            super::HttpError::BodyTooLarge { .. } => ErrorKind::TooLarge,
            super::HttpError::Status {
                response, verdict, ..
            } => match verdict {
                Verdict::RateLimited { .. } => ErrorKind::RateLimited,
                _ => ErrorKind::from_status(response.status),
            },
        }
    }
}

/// The kind a [`Verdict`] implies when nothing better is known.
pub fn kind_from_verdict(verdict: &Verdict) -> ErrorKind {
    match verdict {
        Verdict::RateLimited { .. } => ErrorKind::RateLimited,
        Verdict::Retry { .. } => ErrorKind::Server,
        Verdict::Permanent(PermanentKind::Config) => ErrorKind::Config,
        Verdict::Permanent(PermanentKind::Server) => ErrorKind::Server,
        Verdict::Permanent(_) | Verdict::Success => ErrorKind::Invalid,
    }
}

/// How the kit's own failures become a crate's error: the skeleton's `Decode` and `Paging`
/// variants. Implement it with [`kit_failures!`](crate::kit_failures) for an enum whose
/// variants follow the skeleton; the [`ApiClient`](super::ApiClient) uses it for a 2xx body
/// of another shape and for refused paging.
pub trait FromKitFailure: Sized {
    /// A 2xx body of `operation` did not decode.
    fn decode(operation: &str, source: super::DecodeError) -> Self;
    /// Paging of `operation` stopped because going on would loop or skip records.
    fn paging(operation: &str, source: super::PagingError) -> Self;
}

/// Implements [`FromKitFailure`](crate::http::FromKitFailure) for an error enum with the
/// skeleton's `Decode { operation: String, source: DecodeError }` and
/// `Paging { operation: String, source: PagingError }` variants.
///
/// ```
/// use sync_core::http::{DecodeError, FromKitFailure, HttpError, PagingError};
///
/// #[derive(Debug, thiserror::Error)]
/// enum Error {
///     #[error(transparent)]
///     Http(#[from] HttpError),
///     #[error("{operation}: {source}")]
///     Decode { operation: String, source: DecodeError },
///     #[error("{operation}: {source}")]
///     Paging { operation: String, source: PagingError },
/// }
/// sync_core::kit_failures!(Error);
///
/// let e = Error::paging("orders.list", PagingError::refused("ids went backwards"));
/// assert_eq!(e.to_string(), "orders.list: ids went backwards");
/// ```
#[macro_export]
macro_rules! kit_failures {
    ($error:ty) => {
        impl $crate::http::FromKitFailure for $error {
            fn decode(operation: &str, source: $crate::http::DecodeError) -> Self {
                Self::Decode {
                    operation: operation.to_owned(),
                    source,
                }
            }

            fn paging(operation: &str, source: $crate::http::PagingError) -> Self {
                Self::Paging {
                    operation: operation.to_owned(),
                    source,
                }
            }
        }
    };
}
