//! Accepting webhooks: verify on the raw bytes → store in the [inbox](crate::store::InboxStore)
//! (deduplicated) → answer → process later in an [`InboxWorker`](crate::inbox_worker::InboxWorker).
//!
//! A vendor crate implements [`Acceptor`] once: raw headers and body in, [`Accepted`] (with a
//! dedupe key derived from what was received) or [`Refused`] (with the status to answer) out.
//! It never parses the body into a typed event on the request path: a signed delivery whose
//! body does not parse is still accepted and stored, and the worker dead-letters it with the
//! parse error as the reason. Refusing it would lose it.
//!
//! The headers an acceptor keeps ([`Accepted::headers`], a [`StoredHeaders`]) are stored with
//! the body, so the worker turns a stored delivery back into the vendor's typed event from
//! [`InboxDelivery::stored_headers`](crate::store::InboxDelivery::stored_headers) and
//! [`InboxDelivery::body`](crate::store::InboxDelivery::body) alone.
//!
//! With the `axum` feature, `axum::WebhookEndpoint` is the whole request path: body limit,
//! accept, store, answer.
//!
//! ```
//! use sync_core::webhook::{Accepted, Acceptor, Refused, StoredHeaders};
//!
//! /// A sender that signs with a shared token in `X-Token` (a toy; real vendors use an HMAC).
//! struct TokenAcceptor;
//!
//! impl Acceptor for TokenAcceptor {
//!     fn accept(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Accepted, Refused> {
//!         if headers.get("x-token").is_none_or(|t| t != "let-me-in") {
//!             return Err(Refused::new(401, "X-Token is missing or wrong"));
//!         }
//!         let id = headers.get("x-delivery").and_then(|v| v.to_str().ok()).unwrap_or("");
//!         let kept = StoredHeaders::from(headers).only(["x-delivery", "x-event"]);
//!         Ok(Accepted::new(format!("{id}:{}", body.len()), kept)
//!             .kind(headers.get("x-event").and_then(|v| v.to_str().ok()).unwrap_or("unknown")))
//!     }
//! }
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-token", "let-me-in".parse().unwrap());
//! headers.insert("x-delivery", "d-1".parse().unwrap());
//! headers.insert("x-event", "order.created".parse().unwrap());
//! let accepted = TokenAcceptor.accept(&headers, br#"{"id":1}"#).unwrap();
//! assert_eq!(accepted.dedupe_key, "d-1:8");
//! assert_eq!(accepted.kind.as_deref(), Some("order.created"));
//! assert_eq!(accepted.headers.get("x-token"), None); // never stored
//! assert_eq!(TokenAcceptor.accept(&http::HeaderMap::new(), b"").unwrap_err().status, 401);
//! ```

mod headers;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

use std::fmt;
use std::sync::Arc;

pub use headers::StoredHeaders;
/// The header map an [`Acceptor`] reads (the `http` crate's, as axum and reqwest use).
pub use http::HeaderMap;

/// Verifies a webhook request on its raw headers and bytes and says how to key and answer it.
///
/// Implementations check the signature (and timestamp) only; they do not parse the body into
/// a typed event (the worker does). `accept` is called on the request path, so it must be
/// fast and must not call anything downstream.
pub trait Acceptor: Send + Sync {
    /// Verify `body` (the raw request bytes) with `headers`.
    fn accept(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Accepted, Refused>;
}

impl<A: Acceptor + ?Sized> Acceptor for Arc<A> {
    fn accept(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Accepted, Refused> {
        (**self).accept(headers, body)
    }
}

impl<A: Acceptor + ?Sized> Acceptor for Box<A> {
    fn accept(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Accepted, Refused> {
        (**self).accept(headers, body)
    }
}

/// A request an [`Acceptor`] verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    /// The key the inbox deduplicates by, derived from what was received (the vendor's
    /// delivery id, a digest of the raw body), never from a parse.
    pub dedupe_key: String,
    /// What the delivery is (the vendor's topic or event name), when the headers or a cheap
    /// peek say so: for logs and the answer, not stored separately.
    pub kind: Option<String>,
    /// The headers to store with the body: what the worker needs to turn the delivery back
    /// into a typed event. Keep no credentials here.
    pub headers: StoredHeaders,
    /// `false` for a request to answer 2xx and not store (a vendor's unsigned "ping" when a
    /// webhook is created, which carries no data).
    pub store: bool,
}

impl Accepted {
    /// A delivery to store under `dedupe_key` with `headers`.
    pub fn new(dedupe_key: impl Into<String>, headers: StoredHeaders) -> Self {
        Accepted {
            dedupe_key: dedupe_key.into(),
            kind: None,
            headers,
            store: true,
        }
    }

    /// A request to answer 2xx without storing anything (a creation ping).
    pub fn answer_only(kind: impl Into<String>) -> Self {
        Accepted {
            dedupe_key: String::new(),
            kind: Some(kind.into()),
            headers: StoredHeaders::new(),
            store: false,
        }
    }

    /// Name what the delivery is (topic or event).
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }
}

/// A request an [`Acceptor`] turned away, with the status to answer.
///
/// Use a 4xx (401 for a bad or missing signature): a 5xx makes senders retry a request that
/// will be refused again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The HTTP status to answer with.
    pub status: u16,
    /// Why, for the answer's body and the logs. Keep secrets out of it.
    pub reason: String,
}

impl Refused {
    /// A refusal with `status` and `reason`.
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        Refused {
            status,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused with {}: {}", self.status, self.reason)
    }
}

impl std::error::Error for Refused {}
