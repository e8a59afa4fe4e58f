//! [`Error`]: everything a call can fail with, one type, classified for the sync engine.
//!
//! The variants follow the kit's skeleton (`Config`, `Http`, `Api`, `Decode`, `Paging`, then
//! this vendor's own), and [`ClientError`] answers the same questions as every other client
//! crate's error: [`status`](ClientError::status), [`kind`](ClientError::kind),
//! [`vendor_body`](ClientError::vendor_body) (an [`ApiErrorBody`]) and
//! [`decode_path`](ClientError::decode_path). A sink turns one into its per-record answer with
//! [`Ack::from_error`](sync_core::Ack::from_error).

use std::time::Duration;

use sync_core::http::reqwest::StatusCode;
use sync_core::http::{
    ClientError, ConfigError, DecodeError, ErrorKind, HttpError, HttpResponse, PagingError,
    RequestSummary,
};
use sync_core::{Classify, PermanentKind, Verdict};

use crate::error_body::ApiErrorBody;

/// What an ActiveCampaign status means, and what to do about it, for the error message.
fn hint(status: u16, body: &ApiErrorBody) -> &'static str {
    match status {
        200..=299 => "ActiveCampaign answered success but its body reports a failure",
        401 | 403 => {
            "check the Api-Token (Settings → Developer in ActiveCampaign) and that its user may \
             use this resource"
        }
        404 if !body.is_vendor_json() => {
            "check the base URL: it must be the account's API URL from Settings → Developer \
             (e.g. https://<account>.api-us1.com)"
        }
        404 => "the record does not exist (deleted, or a wrong id)",
        400 if body.is_rate_limit_exceeded() => {
            "the bulk importer's limit (100 multi-contact and 20 single-contact imports a \
             minute per account) was reached; imports wait and are sent again"
        }
        429 => {
            "the account's rate limit (5 requests/second, shared by all its keys) was reached; \
             retried after the server's wait"
        }
        503 => "ActiveCampaign is unavailable (maintenance or overload); retried after its wait",
        other => ErrorKind::from_status(
            StatusCode::from_u16(other).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )
        .hint(),
    }
}

/// Every way a call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is not configured correctly (base URL, token, an environment variable):
    /// nothing was sent.
    #[error("activecampaign client configuration: {0}")]
    Config(ConfigError),
    /// The request could not be built, the server was not reached, or it answered a status
    /// without ActiveCampaign's error body (a redirect).
    #[error(transparent)]
    Http(HttpError),
    /// ActiveCampaign answered with an error status (or a 2xx whose body reports failure).
    #[error("{request} answered {status}: {body} — {hint}", hint = hint(*.status, .body))]
    Api {
        /// Where the request went (URL redacted, never the token).
        request: Box<RequestSummary>,
        /// The HTTP status.
        status: u16,
        /// The parsed error body.
        body: ApiErrorBody,
        /// The verdict: the classifier's, or a throttle for the bulk importer's 400.
        verdict: Verdict,
    },
    /// A successful answer did not have the expected shape.
    #[error("activecampaign {operation}: {source}")]
    Decode {
        /// The operation (`contacts.get`).
        operation: String,
        /// The JSON path and serde's message.
        #[source]
        source: DecodeError,
    },
    /// Paging stopped because going on would loop or skip records.
    #[error("activecampaign {operation}: {source}")]
    Paging {
        /// The operation (`contacts.list`).
        operation: String,
        /// How far the scan got.
        #[source]
        source: PagingError,
    },
    /// The input was refused before sending (which field, and why).
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The offending field (`email`, `contacts`, `limit`).
        field: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A custom field or tag looked up by name does not exist in the account.
    #[error(
        "no {kind} {name:?} in this ActiveCampaign account — create it (Contacts → Fields / Tags) \
         or fix the name in your mapping"
    )]
    NotFound {
        /// `custom field (personalization tag)`, `custom field (title)`, …
        kind: &'static str,
        /// The name looked up.
        name: String,
    },
    /// A bulk import did not finish within the wait allowed for it.
    #[error(
        "bulk import batch {batch_id} still {status} after {waited:?}; it may still complete — \
         check it later with bulk_import().info()"
    )]
    ImportTimedOut {
        /// The batch id.
        batch_id: String,
        /// Its last known status.
        status: String,
        /// How long we waited.
        waited: Duration,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

/// The waits assumed for the bulk importer's throttling 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BulkThrottleWait {
    /// When the answer names no wait.
    pub(crate) default: Duration,
    /// The longest `Retry-After` honoured.
    pub(crate) max: Duration,
}

impl Error {
    /// The shared sender's error as ours, parsing ActiveCampaign's error body.
    ///
    /// The bulk importer's throttling answer is a 400 (`"Rate limit exceeded."`), which the
    /// status alone would call bad data: it becomes [`Verdict::RateLimited`] with the server's
    /// `Retry-After` or `waits.default`, so nothing downstream splits or rejects its rows. (It
    /// is recognised here, not in the classifier, because a throttled verdict there would
    /// pause the whole account's 5 requests/second for the importer's per-minute wait.)
    ///
    /// The body is read through the response's redactor (the client's); a redirect stays an
    /// [`Error::Http`], whose text shows the (redacted) `Location`.
    pub(crate) fn from_http(err: HttpError, waits: BulkThrottleWait) -> Error {
        match err {
            HttpError::Status {
                request,
                response,
                verdict,
            } if !response.status.is_redirection() => {
                let body = ApiErrorBody::parse_redacted(&response.body, response.redactor());
                let status = response.status.as_u16();
                let verdict = if status == 400 && body.is_rate_limit_exceeded() {
                    let wait = response.retry_after(waits.max).unwrap_or(waits.default);
                    Verdict::RateLimited { after: Some(wait) }
                } else {
                    verdict
                };
                Error::Api {
                    status,
                    body,
                    request,
                    verdict,
                }
            }
            other => Error::Http(other),
        }
    }

    /// A 2xx answer whose body says the call failed.
    pub(crate) fn from_failed_success(
        request: RequestSummary,
        response: &HttpResponse,
        body: ApiErrorBody,
    ) -> Error {
        Error::Api {
            request: Box::new(request),
            status: response.status.as_u16(),
            body,
            verdict: Verdict::Permanent(PermanentKind::Data),
        }
    }

    /// A request body that could not be encoded as JSON.
    pub(crate) fn encoding(e: serde_json::Error) -> Error {
        Error::InvalidInput {
            field: "body",
            message: format!("could not encode the request body: {e}"),
        }
    }

    /// Whether this is the bulk importer's throttling answer (HTTP 400 `"Rate limit
    /// exceeded."`): wait and send the same request again; its rows are not at fault.
    pub fn is_bulk_throttle(&self) -> bool {
        matches!(self, Error::Api { status: 400, body, .. } if body.is_rate_limit_exceeded())
    }

    /// Whether the record asked for does not exist (a 404 with an ActiveCampaign error body).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { status: 404, body, .. } if body.is_vendor_json())
    }

    /// Whether ActiveCampaign refused the write as a duplicate (code `duplicate`).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Error::Api { status: 422, body, .. } if body.has_code("duplicate"))
    }
}

impl Classify for Error {
    fn verdict(&self) -> Verdict {
        match self {
            // A JSON 404 names a missing record: that record's problem, not the setup's. A
            // 404 without ActiveCampaign's JSON means the route itself is wrong (base URL).
            Error::Api {
                status: 404, body, ..
            } if body.is_vendor_json() => Verdict::Permanent(PermanentKind::Data),
            Error::Api { verdict, .. } => *verdict,
            Error::Http(e) => e.verdict(),
            Error::Decode { .. } | Error::Paging { .. } => {
                Verdict::Permanent(PermanentKind::Server)
            }
            Error::InvalidInput { .. } => Verdict::Permanent(PermanentKind::Data),
            Error::Config(_) | Error::NotFound { .. } => Verdict::Permanent(PermanentKind::Config),
            Error::ImportTimedOut { .. } => Verdict::Retry { after: None },
        }
    }
}

impl ClientError for Error {
    type Body = ApiErrorBody;

    fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => StatusCode::from_u16(*status).ok(),
            Error::Http(e) => e.status(),
            _ => None,
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::Http(e) => e.kind(),
            Error::Api { status, body, .. } => match *status {
                _ if self.is_bulk_throttle() => ErrorKind::RateLimited,
                200..=299 => ErrorKind::Invalid,
                // Not ActiveCampaign's JSON: the route is wrong, not the record.
                404 if !body.is_vendor_json() => ErrorKind::Config,
                s => StatusCode::from_u16(s)
                    .map(ErrorKind::from_status)
                    .unwrap_or(ErrorKind::Server),
            },
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Paging { .. } => ErrorKind::Paging,
            Error::InvalidInput { .. } => ErrorKind::Invalid,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::ImportTimedOut { .. } => ErrorKind::Server,
        }
    }

    fn vendor_body(&self) -> Option<&ApiErrorBody> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::http::reqwest::Method;
    use sync_core::http::reqwest::header::HeaderMap;

    fn api_error(status: u16, body: &[u8]) -> Error {
        let response = HttpResponse::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.to_vec(),
        );
        let request = RequestSummary {
            service: "activecampaign".into(),
            operation: "contacts.get".into(),
            method: Method::GET,
            url: "https://acme.api-us1.com/api/3/contacts/1".into(),
            attempts: 1,
        };
        let verdict = Verdict::from_status(status, Some(Duration::from_secs(1)));
        Error::from_http(
            HttpError::Status {
                request: Box::new(request),
                response: Box::new(response),
                verdict,
            },
            BulkThrottleWait {
                default: Duration::from_secs(60),
                max: Duration::from_secs(900),
            },
        )
    }

    #[test]
    fn hints_say_what_the_status_means() {
        let maintenance = api_error(503, b"<html>Down for maintenance</html>");
        let text = maintenance.to_string();
        assert!(text.contains("unavailable"), "{text}");
        assert!(
            !text.contains("rate limit"),
            "a 503 is not a rate limit: {text}"
        );
        assert_eq!(maintenance.kind(), ErrorKind::Server);

        let throttled = api_error(429, b"Too Many Requests");
        assert!(throttled.to_string().contains("rate limit"), "{throttled}");
        assert_eq!(throttled.kind(), ErrorKind::RateLimited);

        let bulk = api_error(
            400,
            br#"{"success":0,"message":"Rate limit exceeded.","failureReasons":[]}"#,
        );
        assert_eq!(bulk.kind(), ErrorKind::RateLimited);
        assert_eq!(
            bulk.verdict(),
            Verdict::RateLimited {
                after: Some(Duration::from_secs(60))
            }
        );
        assert_eq!(bulk.status(), Some(StatusCode::BAD_REQUEST));
        assert!(
            bulk.vendor_body()
                .is_some_and(ApiErrorBody::is_rate_limit_exceeded)
        );
    }
}

// `Decode` and `Paging` from the kit's own failures.
sync_core::kit_failures!(Error);
