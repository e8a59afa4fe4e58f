//! [`HttpError`]: what the executor returns when a request finally fails. It never contains a
//! credential: URLs are redacted and transport errors are stripped of their URL.

use std::fmt;

use reqwest::{Method, StatusCode};

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

/// Why a request could not be built: an invalid URL or header, or a credential that cannot be
/// carried (a token with a line break). Ends a send with [`HttpError::Build`]; the message is
/// redacted there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// What was wrong, naming the setting to fix.
    pub message: String,
}

impl BuildError {
    /// A build error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        BuildError {
            message: message.into(),
        }
    }
}

impl From<reqwest::Error> for BuildError {
    fn from(e: reqwest::Error) -> Self {
        // reqwest's text may hold the URL, and URLs may hold keys.
        BuildError::new(e.without_url().to_string())
    }
}

/// A request that finally failed.
///
/// Its `Display` and `Debug` of a status error go through the response's
/// [`Redactor`](crate::Redactor) (the executor's), even when a client rebuilt the error from its
/// parts.
#[derive(thiserror::Error)]
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
    #[error("{}", status_message(request, response))]
    Status {
        /// Where the request was going.
        request: Box<RequestSummary>,
        /// The final response. Client crates parse the vendor's error body from it.
        response: Box<HttpResponse>,
        /// The classifier's verdict on that response.
        verdict: Verdict,
    },
    /// The response body was larger than the executor's
    /// [`max_response_bytes`](super::HttpExecutorBuilder::max_response_bytes); reading stopped
    /// at the limit. Permanent: the same request would get the same body.
    #[error(
        "{request} answered {status} with a body over the {limit}-byte limit \
         (raise HttpExecutorBuilder::max_response_bytes or ask for smaller pages)"
    )]
    BodyTooLarge {
        /// Where the request was going.
        request: Box<RequestSummary>,
        /// The status the server answered with.
        status: StatusCode,
        /// The limit, in bytes.
        limit: usize,
    },
}

/// `<request> answered <status>[ (redirected to …)]: <excerpt>`, through the response's redactor
/// (the request summary may have been built by a client, outside the executor).
fn status_message(request: &RequestSummary, response: &HttpResponse) -> String {
    let message = format!(
        "{request} answered {}{}: {}",
        response.status,
        redirect_hint(response),
        response.body_excerpt()
    );
    response.redactor().text(&message)
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Build {
                service,
                operation,
                message,
            } => f
                .debug_struct("Build")
                .field("service", service)
                .field("operation", operation)
                .field("message", message)
                .finish(),
            HttpError::Transport {
                request,
                kind,
                source,
            } => f
                .debug_struct("Transport")
                .field("request", request)
                .field("kind", kind)
                .field("source", source)
                .finish(),
            HttpError::Status {
                request,
                response,
                verdict,
            } => {
                let shown = format!(
                    "Status {{ request: {request:?}, response: {response:?}, verdict: {verdict:?} }}"
                );
                f.write_str(&response.redactor().text(&shown))
            }
            HttpError::BodyTooLarge {
                request,
                status,
                limit,
            } => f
                .debug_struct("BodyTooLarge")
                .field("request", request)
                .field("status", status)
                .field("limit", limit)
                .finish(),
        }
    }
}

/// For a redirect, where it pointed: the fix is usually to use that URL as the base URL.
fn redirect_hint(response: &HttpResponse) -> String {
    // The location may echo query-string credentials: it goes through the client's redactor,
    // which knows the names that client registered.
    match response.redirect_location() {
        Some(shown) => format!(" (redirected to {shown}; use the final URL as the base URL)"),
        None => String::new(),
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
            HttpError::Transport { request, .. }
            | HttpError::Status { request, .. }
            | HttpError::BodyTooLarge { request, .. } => Some(request),
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
            HttpError::BodyTooLarge { .. } => Verdict::Permanent(PermanentKind::Server),
        }
    }
}
