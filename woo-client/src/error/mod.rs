//! [`Error`]: everything that can go wrong talking to WooCommerce, on the kit's error skeleton
//! (see [`sync_core::http::ClientError`]) and classified for the engine.

use sync_core::http::{
    ClientError, ConfigError, DecodeError, ErrorKind, HttpError, PagingError, RequestSummary,
    kind_from_verdict, reqwest::StatusCode,
};
use sync_core::{Classify, PermanentKind, Verdict};

mod api_error;
mod batch_failure;

pub use api_error::ApiError;
pub use batch_failure::{BatchFailure, BatchItemError, BatchOp, ItemFailure};

/// An error from the WooCommerce client.
///
/// Nothing here ever contains a credential: URLs, bodies and WooCommerce's messages go through
/// the client's [`Redactor`](sync_core::Redactor), and the credentials are never formatted.
/// Ask any variant the kit's questions through [`ClientError`] (`status()`, `kind()`,
/// `vendor_body()`, `decode_path()`), and turn it into a sink's answer with
/// [`Ack::from_error`](sync_core::Ack::from_error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (a bad site URL, Basic auth over plain HTTP, an empty key, a
    /// missing environment variable). Nothing was sent.
    #[error("woo-client configuration: {0}")]
    Config(ConfigError),
    /// The request failed below WooCommerce: transport errors, or an error response that is not
    /// a WordPress error body (an HTML page from a proxy, a firewall or maintenance mode).
    #[error("{0} — {hint}", hint = .0.kind().hint())]
    Http(HttpError),
    /// WooCommerce answered with an error body (`{code, message, data.status}`).
    #[error("{request} answered {status}: {body} — {hint}", hint = api_hint(.body, *.status, .verdict))]
    Api {
        /// Where the request went (URL redacted).
        request: Box<RequestSummary>,
        /// HTTP status.
        status: StatusCode,
        /// The parsed error body (messages redacted).
        body: ApiError,
        /// The classifier's verdict on the response.
        verdict: Verdict,
    },
    /// A 2xx response did not have the expected shape; `source.path` says where.
    #[error("{operation}: {source}")]
    Decode {
        /// The operation (`orders.list`).
        operation: String,
        /// The JSON path of the first mismatch (`[3].line_items[0].price`) and what was wrong.
        source: DecodeError,
    },
    /// Paging stopped because going on would loop or skip records.
    #[error("{operation}: {source}")]
    Paging {
        /// The operation (`orders.list`).
        operation: String,
        /// How far it got.
        source: PagingError,
    },
    /// Some items of a batch failed (see [`BatchFailure`] for which and why).
    #[error(transparent)]
    Batch(#[from] BatchFailure),
    /// An argument cannot be sent as given (a query name PHP would rewrite). Nothing was sent.
    #[error("invalid `{field}`: {message}")]
    InvalidInput {
        /// The argument.
        field: &'static str,
        /// Why.
        message: String,
    },
}

/// WooCommerce's own hint for its code, else what the status means.
fn api_hint(body: &ApiError, status: StatusCode, verdict: &Verdict) -> &'static str {
    body.hint()
        .unwrap_or_else(|| api_kind(body, status, verdict).hint())
}

/// The kind of a WordPress error body: its code first, then the verdict and status.
fn api_kind(body: &ApiError, status: StatusCode, verdict: &Verdict) -> ErrorKind {
    let code = body.code.as_str();
    if matches!(verdict, Verdict::RateLimited { .. }) {
        ErrorKind::RateLimited
    } else if code.starts_with("woocommerce_rest_authentication")
        || code.starts_with("woocommerce_rest_cannot_")
    {
        ErrorKind::Auth
    } else if code == "rest_no_route" || code.ends_with("_invalid_id") {
        ErrorKind::NotFound
    } else {
        ErrorKind::from_status(status)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl Error {
    /// The WordPress error body, for API errors (the same as [`ClientError::vendor_body`]).
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// `true` for a 404 (no such record or route).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Turn the sender's error into ours, parsing WooCommerce's error body when there is one.
    pub(crate) fn from_http(error: HttpError) -> Error {
        let HttpError::Status {
            request,
            response,
            verdict,
        } = error
        else {
            return Error::Http(error);
        };
        // A redirect's body is the old location's, not WooCommerce's answer.
        let body = (!response.status.is_redirection())
            .then(|| ApiError::from_body(&response.body))
            .flatten()
            // A server may echo the request (keys, signature) in its message: print it only
            // through the client's redactor.
            .map(|body| body.redacted(response.redactor()));
        match body {
            Some(body) => Error::Api {
                request,
                status: response.status,
                body,
                verdict,
            },
            None => Error::Http(HttpError::Status {
                request,
                response,
                verdict,
            }),
        }
    }
}

impl Classify for Error {
    fn verdict(&self) -> Verdict {
        match self {
            Error::Config(e) => e.verdict(),
            Error::Api { verdict, .. } => *verdict,
            Error::Http(e) => e.verdict(),
            Error::Decode { .. } | Error::Paging { .. } => {
                Verdict::Permanent(PermanentKind::Server)
            }
            Error::Batch(b) => b.verdict(),
            Error::InvalidInput { .. } => Verdict::Permanent(PermanentKind::Data),
        }
    }
}

impl ClientError for Error {
    type Body = ApiError;

    fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Http(e) => e.status(),
            _ => None,
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::Http(e) => e.kind(),
            Error::Api {
                status,
                body,
                verdict,
                ..
            } => api_kind(body, *status, verdict),
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Paging { .. } => ErrorKind::Paging,
            Error::Batch(b) => kind_from_verdict(&b.verdict()),
            Error::InvalidInput { .. } => ErrorKind::Invalid,
        }
    }

    fn vendor_body(&self) -> Option<&ApiError> {
        self.api_error()
    }

    fn decode_path(&self) -> Option<&str> {
        match self {
            Error::Decode { source, .. } => Some(&source.path),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_maintenance_503_is_not_called_a_rate_limit() {
        let body = ApiError::from_body(
            br#"{"code":"maintenance","message":"Briefly unavailable for scheduled maintenance.","data":{"status":503}}"#,
        )
        .unwrap();
        let verdict = Verdict::Retry { after: None };
        let kind = api_kind(&body, StatusCode::SERVICE_UNAVAILABLE, &verdict);
        assert_eq!(kind, ErrorKind::Server);
        assert!(!api_hint(&body, StatusCode::SERVICE_UNAVAILABLE, &verdict).contains("limit"));
        let limited = Verdict::RateLimited { after: None };
        assert_eq!(
            api_kind(&body, StatusCode::TOO_MANY_REQUESTS, &limited),
            ErrorKind::RateLimited
        );
    }
}

// `Decode` and `Paging` from the kit's own failures.
sync_core::kit_failures!(Error);
