//! The retrying HTTP executor every client crate shares (feature `http`).
//!
//! One sender for all five clients: a per-attempt timeout, retries by [`Verdict`](crate::Verdict)
//! through a [`RetryPolicy`](crate::retry::RetryPolicy), a [`RateLimit`] shared by every client
//! of one account, `tracing` spans with a request id, a cap on response bodies, and errors and
//! logs that go through the executor's [`Redactor`](crate::Redactor), so they never carry
//! credentials.

mod error;
mod executor;
mod loopback;
mod rate_limit;
mod redact;
mod response;

pub use error::{HttpError, RequestSummary, TransportKind};
pub use executor::{DEFAULT_MAX_RESPONSE_BYTES, HttpExecutor, HttpExecutorBuilder, RequestMeta};
pub use loopback::is_loopback;
pub use rate_limit::{RateLimit, RateQuota};
pub use redact::{
    ALWAYS_SECRET_QUERY_KEYS, REDACTED, is_secret_key, redact_json, redact_url, redacted_excerpt,
};
pub use response::{DecodeError, HttpResponse, ResponseClassifier, StatusClassifier, decode_json};

/// Re-exported so client crates and their users name one reqwest.
pub use reqwest;
