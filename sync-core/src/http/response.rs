//! A fully read HTTP response, and how responses are classified.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::redact::Redactor;
use crate::retry_after::parse_retry_after;
use crate::verdict::Verdict;

/// How many characters of a body [`HttpResponse::body_excerpt`] shows.
const EXCERPT_CHARS: usize = 512;

/// A response whose body has been read. Clients decode it with [`HttpResponse::json`].
///
/// It carries the [`Redactor`] of the executor that received it, so its `Debug`,
/// [`body_excerpt`](HttpResponse::body_excerpt) and every [`HttpError`](super::HttpError)
/// holding it mask that client's registered secrets. Build one with [`HttpResponse::new`].
#[derive(Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
    /// Masks credentials in everything printed from this response.
    redactor: Redactor,
}

/// A body that did not decode into the expected type, with the JSON path where it failed.
#[derive(Debug, thiserror::Error)]
#[error("response body does not match the expected shape at `{path}`: {message}")]
pub struct DecodeError {
    /// The JSON path of the failing value (for example `line_items[2].price`).
    pub path: String,
    /// What serde said.
    pub message: String,
}

impl HttpResponse {
    /// A response with a default [`Redactor`] (generic secret names only); the executor's
    /// responses carry its own (see [`with_redactor`](HttpResponse::with_redactor)).
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        HttpResponse {
            status,
            headers,
            body: body.into(),
            redactor: Redactor::new(),
        }
    }

    /// Print this response through `redactor` from now on.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The redactor everything printed from this response goes through.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Decode the body as JSON, reporting the path of the first mismatch.
    /// serde may quote the offending value (`invalid type: string "…"`), so the message goes
    /// through this response's [`Redactor`].
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        decode_json(&self.body).map_err(|e| DecodeError {
            path: e.path,
            message: self.redactor.text(&e.message),
        })
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Retry-After` wait, clamped to `max`.
    pub fn retry_after(&self, max: Duration) -> Option<Duration> {
        self.header("retry-after")
            .and_then(|v| parse_retry_after(v, SystemTime::now(), max))
    }

    /// The first 512 characters of the body, for error messages and dead-letter reasons, with
    /// credentials masked by this response's [`Redactor`] (see [`Redactor::excerpt`]).
    pub fn body_excerpt(&self) -> String {
        self.redactor.excerpt(&self.body, EXCERPT_CHARS)
    }

    /// `Location` of a redirect, masked by this response's [`Redactor`] (user-info, secret
    /// query values, registered secret values). `None` when this is not a redirect.
    pub fn redirect_location(&self) -> Option<String> {
        if !self.status.is_redirection() {
            return None;
        }
        self.header("location").map(|l| self.redactor.url(l))
    }
}

/// Decode JSON bytes, reporting the path of the first mismatch.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| DecodeError {
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Headers are left out: some vendors echo credentials in them.
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("body", &self.body_excerpt())
            .finish_non_exhaustive()
    }
}

/// Turns a response into a [`Verdict`]. Vendors whose error codes live in the body (Meta's
/// `is_transient`, ActiveCampaign's plain-text 429s) implement their own.
pub trait ResponseClassifier: fmt::Debug + Send + Sync {
    /// Classify `response`; `server_wait` is its parsed and clamped `Retry-After`, if any.
    fn classify(&self, response: &HttpResponse, server_wait: Option<Duration>) -> Verdict;
}

/// The shared status-code rules of [`Verdict::from_status`].
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusClassifier;

impl ResponseClassifier for StatusClassifier {
    fn classify(&self, response: &HttpResponse, server_wait: Option<Duration>) -> Verdict {
        Verdict::from_status(response.status.as_u16(), server_wait)
    }
}
