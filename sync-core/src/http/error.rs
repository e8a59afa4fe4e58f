//! [`HttpError`]: what the executor returns when a request finally fails. It never contains a
//! credential: URLs are redacted and transport errors are stripped of their URL.

use std::fmt;

use reqwest::Method;

use super::response::HttpResponse;
use crate::verdict::{Classify, PermanentKind, Verdict};

/// What went wrong below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made; the request was never sent.
    Connect,
    /// The attempt took longer than the per-attempt timeout.
    Timeout,
    /// The connection failed after the request may have been sent, or the body could not be read.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "could not connect",
            TransportKind::Timeout => "timed out",
            TransportKind::Other => "connection failed",
        })
    }
}

/// Where a failed request was going: enough to find it in logs, nothing secret.
#[derive(Debug, Clone)]
pub struct RequestSummary {
    /// The executor's name (usually the vendor, e.g. `woocommerce`).
    pub service: String,
    /// The operation name given in [`RequestMeta`](super::RequestMeta) (e.g. `orders.list`).
    pub operation: String,
    /// The HTTP method.
    pub method: Method,
    /// The URL with credentials redacted.
    pub url: String,
    /// Attempts made.
    pub attempts: u32,
}

impl fmt::Display for RequestSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} {} ({} attempt{})",
            self.service,
            self.operation,
            self.method,
            self.url,
            self.attempts,
            if self.attempts == 1 { "" } else { "s" }
        )
    }
}

/// A request that finally failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The request could not be built (an invalid URL or header). Fix the client configuration.
    #[error("{service} {operation}: could not build the request: {message}")]
    Build {
        /// The executor's name.
        service: String,
        /// The operation name.
        operation: String,
        /// What was wrong (never the URL: it may carry keys).
        message: String,
    },
    /// The server was not reached, or did not answer in time.
    #[error("{request} {kind}")]
    Transport {
        /// Where the request was going.
        request: Box<RequestSummary>,
        /// What failed.
        kind: TransportKind,
        /// The underlying error, stripped of its URL.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The server answered with a status the classifier does not accept.
    #[error("{request} answered {}{}: {}", .response.status, redirect_hint(response), .response.body_excerpt())]
    Status {
        /// Where the request was going.
        request: Box<RequestSummary>,
        /// The final response. Client crates parse the vendor's error body from it.
        response: Box<HttpResponse>,
        /// The classifier's verdict on that response.
        verdict: Verdict,
    },
}

/// For a redirect, where it pointed: the fix is usually to use that URL as the base URL.
fn redirect_hint(response: &HttpResponse) -> String {
    match response.header("location") {
        Some(location) if response.status.is_redirection() => {
            // The location may echo query-string credentials: redact it like any URL we print.
            let shown = match url::Url::parse(location) {
                Ok(url) => super::redact_url(&url, &[]),
                Err(_) => location
                    .split(['?', '#'])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            };
            format!(" (redirected to {shown}; use the final URL as the base URL)")
        }
        _ => String::new(),
    }
}

impl HttpError {
    /// The final response, for status errors.
    pub fn response(&self) -> Option<&HttpResponse> {
        match self {
            HttpError::Status { response, .. } => Some(response),
            _ => None,
        }
    }

    /// The request summary (absent for build errors).
    pub fn request(&self) -> Option<&RequestSummary> {
        match self {
            HttpError::Transport { request, .. } | HttpError::Status { request, .. } => {
                Some(request)
            }
            HttpError::Build { .. } => None,
        }
    }

    /// `true` when the attempt timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            HttpError::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        )
    }
}

impl Classify for HttpError {
    fn verdict(&self) -> Verdict {
        match self {
            HttpError::Build { .. } => Verdict::Permanent(PermanentKind::Config),
            // A later attempt (the engine's, the outbox's) may succeed; at-least-once sinks
            // must be idempotent anyway.
            HttpError::Transport { .. } => Verdict::Retry { after: None },
            HttpError::Status { verdict, .. } => *verdict,
        }
    }
}
