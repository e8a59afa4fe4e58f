//! Errors: the Graph API error envelope, and [`Error`], which every call returns.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sync_core::http::reqwest::StatusCode;
use sync_core::http::{
    ClientError, ConfigError, DecodeError, ErrorKind, HttpError, PagingError, RequestSummary,
    kind_from_verdict,
};
use sync_core::{Classify, PermanentKind, Redactor, Verdict};

/// The `error` object of a Graph API error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GraphError {
    /// Meta's message.
    #[serde(default)]
    pub message: String,
    /// The exception type, e.g. `OAuthException`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The error code (see the table in [`GraphClassifier`](crate::throttle::GraphClassifier)).
    #[serde(default)]
    pub code: i64,
    /// The subcode, when Meta gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_subcode: Option<i64>,
    /// A title meant for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_title: Option<String>,
    /// A message meant for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_msg: Option<String>,
    /// Meta's trace id: quote it to Meta support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbtrace_id: Option<String>,
    /// Meta's own hint that retrying may work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_transient: Option<bool>,
    /// Fields not named above (`error_data`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct Envelope {
    error: GraphError,
}

/// Why a `usersreplace` session failed (error code 2650).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplaceFailure {
    /// 1870145: another update of the audience is running; try again later.
    UpdateInProgress,
    /// 1870158: the session passed its 90-minute window; later batches are discarded.
    TimedOut,
    /// 1870147: the first batch (`batch_seq` 1) never arrived.
    FirstBatchMissing,
    /// 1870159: the session already finished.
    AlreadyFinished,
    /// 1870148: Meta's "something went wrong".
    Failed,
    /// 1870144: replace works only for audiences under 100 million people.
    AudienceTooLarge,
    /// Another 2650 subcode.
    Other,
}

impl fmt::Display for ReplaceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReplaceFailure::UpdateInProgress => {
                "another update of the audience is in progress; run the replace again later"
            }
            ReplaceFailure::TimedOut => {
                "the session passed Meta's 90-minute replace window; start a new replace"
            }
            ReplaceFailure::FirstBatchMissing => "Meta never received batch 1 of the session",
            ReplaceFailure::AlreadyFinished => "the session had already finished",
            ReplaceFailure::Failed => "Meta reported an internal failure; run the replace again",
            ReplaceFailure::AudienceTooLarge => {
                "replace needs an audience under 100 million people; use add and remove instead"
            }
            ReplaceFailure::Other => "Meta refused the replace session",
        })
    }
}

impl GraphError {
    /// The error object of a Graph error body, if `body` is one.
    pub fn from_body(body: &[u8]) -> Option<GraphError> {
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|e| e.error)
    }

    /// This error with every text Meta wrote (which may echo the request, credentials
    /// included) through `redactor`.
    fn redacted(mut self, redactor: &Redactor) -> GraphError {
        self.message = redactor.text(&self.message);
        for text in [
            &mut self.kind,
            &mut self.error_user_title,
            &mut self.error_user_msg,
            &mut self.fbtrace_id,
        ]
        .into_iter()
        .flatten()
        {
            *text = redactor.text(text);
        }
        let mut extra = Value::Object(std::mem::take(&mut self.extra));
        redactor.json(&mut extra);
        if let Value::Object(map) = extra {
            self.extra = map;
        }
        self
    }

    /// The `usersreplace` failure this error reports, for code 2650.
    pub fn replace_failure(&self) -> Option<ReplaceFailure> {
        if self.code != 2650 {
            return None;
        }
        Some(match self.error_subcode {
            Some(1870145) => ReplaceFailure::UpdateInProgress,
            Some(1870158) => ReplaceFailure::TimedOut,
            Some(1870147) => ReplaceFailure::FirstBatchMissing,
            Some(1870159) => ReplaceFailure::AlreadyFinished,
            Some(1870148) => ReplaceFailure::Failed,
            Some(1870144) => ReplaceFailure::AudienceTooLarge,
            _ => ReplaceFailure::Other,
        })
    }

    /// `true` for Meta's throttling codes.
    pub fn is_throttling(&self) -> bool {
        matches!(self.code, 4 | 17 | 32 | 341 | 613 | 80000..=80014)
    }

    /// The verdict for this error on a response with `status`; `wait` is the server's wait.
    pub fn verdict(&self, status: u16, wait: Option<Duration>) -> Verdict {
        if let Some(f) = self.replace_failure() {
            return match f {
                ReplaceFailure::UpdateInProgress | ReplaceFailure::Failed => {
                    Verdict::Retry { after: wait }
                }
                _ => Verdict::Permanent(PermanentKind::Data),
            };
        }
        if self.is_throttling() {
            return Verdict::RateLimited { after: wait };
        }
        if matches!(self.code, 1 | 2) || self.is_transient == Some(true) {
            return Verdict::Retry { after: wait };
        }
        match (self.code, self.error_subcode) {
            (190 | 102 | 10 | 200..=299 | 368, _) | (100, Some(1713230)) => {
                Verdict::Permanent(PermanentKind::Config)
            }
            (100, _) => Verdict::Permanent(PermanentKind::Data),
            _ => match Verdict::from_status(status, wait) {
                Verdict::Success => Verdict::Permanent(PermanentKind::Data),
                v => v,
            },
        }
    }

    /// What kind of failure the code says, when it says one.
    pub fn kind(&self) -> Option<ErrorKind> {
        Some(match (self.code, self.error_subcode) {
            _ if self.is_throttling() => ErrorKind::RateLimited,
            (190 | 102 | 10 | 200..=299, _) => ErrorKind::Auth,
            // "Unsupported get request: object does not exist" and "unknown path".
            (100, Some(33)) | (803, _) => ErrorKind::NotFound,
            (100 | 368 | 2650, _) => ErrorKind::Invalid,
            (1 | 2, _) => ErrorKind::Server,
            _ if self.is_transient == Some(true) => ErrorKind::Server,
            _ => return None,
        })
    }

    /// What the user should do about it, where the code says.
    pub(crate) fn hint(&self) -> Option<&'static str> {
        Some(match (self.code, self.error_subcode) {
            (190, _) | (102, _) => {
                "the access token is invalid or expired: issue a new (system-user) token"
            }
            (200, Some(1870090)) => {
                "accept the Custom Audience terms for this ad account in Ads Manager"
            }
            (10 | 200..=299, _) => {
                "the token lacks permission: it needs ads_management on this ad account"
            }
            (100, Some(1713230)) => "the audience is flagged by Meta and cannot be updated",
            (368, _) => "the account is temporarily blocked for policy reasons",
            _ if self.is_throttling() => "Meta is throttling this app or ad account",
            _ => return None,
        })
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {}", self.message, self.code)?;
        if let Some(s) = self.error_subcode {
            write!(f, ", subcode {s}")?;
        }
        if let Some(t) = &self.fbtrace_id {
            write!(f, ", fbtrace_id {t}")?;
        }
        f.write_str(")")?;
        if let Some(msg) = &self.error_user_msg {
            write!(f, ": {msg}")?;
        }
        if let Some(hint) = self.hint() {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

/// Every failure of this crate's client: the shared skeleton of the client kit (`Config`,
/// `Http`, `Api`, `Decode`, `Paging`, with [`ClientError`]'s accessors), then what only Meta has
/// (replace sessions).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is wrong (base URL, Graph version, credentials, batch size, …); nothing was sent.
    #[error("fb-audience configuration: {0}")]
    Config(ConfigError),
    /// A transport failure, or an error response without a Graph envelope (an HTML page from a
    /// proxy, a bare 502).
    #[error("{0} — {hint}", hint = .0.kind().hint())]
    Http(#[source] HttpError),
    /// The Graph API answered with its error envelope.
    #[error(
        "Meta Graph API {} failed with HTTP {status}: {body}{}",
        request.operation,
        status_hint(body, *verdict, *status)
    )]
    Api {
        /// Where the request went (credentials and personal data redacted).
        request: Box<RequestSummary>,
        /// HTTP status.
        status: u16,
        /// The parsed error object, Meta's texts redacted.
        body: Box<GraphError>,
        /// How the failure was classified.
        verdict: Verdict,
    },
    /// A success response that does not have the expected shape.
    #[error("Meta Graph API {operation}: {source}")]
    Decode {
        /// What we were doing (`audiences.get`, …).
        operation: String,
        /// Where in the body (`source.path`) and what was wrong.
        source: DecodeError,
    },
    /// Paging that stopped because going on would loop or skip audiences.
    #[error("Meta Graph API {operation}: {source}")]
    Paging {
        /// What we were doing (`audiences.list`).
        operation: String,
        /// What the paginator saw.
        source: PagingError,
    },
    /// A `usersreplace` session failed on Meta's side (error code 2650).
    #[error("replace session {session_id} failed at batch {batch_seq}: {failure} ({graph})")]
    ReplaceSession {
        /// The session.
        session_id: i64,
        /// The batch that was refused.
        batch_seq: u32,
        /// Which failure.
        failure: ReplaceFailure,
        /// Meta's error object.
        graph: Box<GraphError>,
    },
    /// Our own guard: the replace session is too close to Meta's 90-minute window, so the next
    /// batch would be discarded. Nothing after batch `batch_seq - 1` was sent.
    #[error(
        "replace session {session_id} reached the replace window after {elapsed:?} (before batch {batch_seq}); Meta discards later batches: start a new replace, with larger batches or a faster source"
    )]
    ReplaceWindowExpired {
        /// The session.
        session_id: i64,
        /// The batch that was not sent.
        batch_seq: u32,
        /// Time since the first batch.
        elapsed: Duration,
    },
    /// A replace batch's attempt failed in transit, so Meta may or may not have it, and a
    /// resend would start after the replace window, where Meta discards it: not resent.
    #[error(
        "replace session {session_id}: batch {batch_seq} may not have reached Meta and was not resent, because the replace window closes first; start a new replace ({source})"
    )]
    ReplaceResendTooLate {
        /// The session.
        session_id: i64,
        /// The batch whose outcome is unknown.
        batch_seq: u32,
        /// The failed attempt.
        source: Box<Error>,
    },
    /// Every row was empty or rejected, so there is nothing to send. For a replace this
    /// protects the audience from being emptied by a broken export.
    #[error(
        "nothing to upload: all {rows} rows were empty or rejected (see the report's rejections)"
    )]
    NothingToUpload {
        /// Rows read.
        rows: u64,
    },
}

/// The hint for an error whose Graph code has none of its own: what the status means
/// (a 503 is Meta being unavailable, not the account's rate limit).
fn status_hint(body: &GraphError, verdict: Verdict, status: u16) -> String {
    if body.hint().is_some() {
        return String::new();
    }
    let kind = match verdict {
        Verdict::RateLimited { .. } => ErrorKind::RateLimited,
        _ => {
            ErrorKind::from_status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
        }
    };
    format!(" — {}", kind.hint())
}

impl Error {
    /// Wraps an executor error, parsing the Graph envelope out of an error response. Meta's
    /// texts go through the response's redactor (the client's) here, once, so the error's
    /// `Display`, its `Debug` and every reason or dead letter made from it are masked alike.
    pub(crate) fn from_http(e: HttpError) -> Error {
        if let HttpError::Status {
            request,
            response,
            verdict,
        } = &e
            && let Some(graph) = GraphError::from_body(&response.body)
        {
            return Error::Api {
                request: request.clone(),
                status: response.status.as_u16(),
                body: Box::new(graph.redacted(response.redactor())),
                verdict: *verdict,
            };
        }
        Error::Http(e)
    }

    /// A configuration error about `field`.
    pub(crate) fn config(field: &str, message: impl Into<String>) -> Error {
        Error::Config(ConfigError::new(field, message))
    }

    /// The Graph error object, when Meta sent one.
    pub fn graph(&self) -> Option<&GraphError> {
        match self {
            Error::Api { body: graph, .. } | Error::ReplaceSession { graph, .. } => Some(graph),
            _ => None,
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl Classify for Error {
    fn verdict(&self) -> Verdict {
        match self {
            Error::Api { verdict, .. } => *verdict,
            Error::Http(e) => e.verdict(),
            Error::Decode { .. } | Error::Paging { .. } => {
                Verdict::Permanent(PermanentKind::Server)
            }
            // A dead session is restarted from the beginning by a later run.
            Error::ReplaceSession { failure, .. } => match failure {
                ReplaceFailure::AudienceTooLarge => Verdict::Permanent(PermanentKind::Config),
                ReplaceFailure::FirstBatchMissing | ReplaceFailure::Other => {
                    Verdict::Permanent(PermanentKind::Server)
                }
                _ => Verdict::Retry { after: None },
            },
            Error::ReplaceWindowExpired { .. } | Error::ReplaceResendTooLate { .. } => {
                Verdict::Retry { after: None }
            }
            Error::NothingToUpload { .. } => Verdict::Permanent(PermanentKind::Data),
            Error::Config(e) => e.verdict(),
        }
    }
}

impl ClientError for Error {
    type Body = GraphError;

    fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => StatusCode::from_u16(*status).ok(),
            Error::Http(e) => e.status(),
            Error::ReplaceResendTooLate { source, .. } => source.status(),
            _ => None,
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::Http(e) => e.kind(),
            Error::Api { body, verdict, .. } => {
                body.kind().unwrap_or_else(|| kind_from_verdict(verdict))
            }
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Paging { .. } => ErrorKind::Paging,
            Error::ReplaceSession { graph, .. } => graph
                .kind()
                .unwrap_or_else(|| kind_from_verdict(&self.verdict())),
            Error::ReplaceResendTooLate { source, .. } => source.kind(),
            Error::ReplaceWindowExpired { .. } => ErrorKind::Server,
            Error::NothingToUpload { .. } => ErrorKind::Invalid,
        }
    }

    fn vendor_body(&self) -> Option<&GraphError> {
        self.graph()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_and_verdicts() {
        let body = br#"{"error":{"message":"(#80003) There have been too many calls","type":"OAuthException","code":80003,"error_subcode":2446079,"fbtrace_id":"AbC","is_transient":true,"error_data":{"x":1}}}"#;
        let g = GraphError::from_body(body).unwrap();
        assert_eq!(g.code, 80003);
        assert!(g.extra.contains_key("error_data"));
        let wait = Some(Duration::from_secs(60));
        assert_eq!(g.verdict(400, wait), Verdict::RateLimited { after: wait });
        let token = GraphError::from_body(
            br#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463}}"#,
        )
        .unwrap();
        assert_eq!(
            token.verdict(400, None),
            Verdict::Permanent(PermanentKind::Config)
        );
        assert!(token.to_string().contains("issue a new"));
        let replace = GraphError::from_body(
            br#"{"error":{"message":"Session timed out","code":2650,"error_subcode":1870158}}"#,
        )
        .unwrap();
        assert_eq!(replace.replace_failure(), Some(ReplaceFailure::TimedOut));
        assert_eq!(
            replace.verdict(400, None),
            Verdict::Permanent(PermanentKind::Data)
        );
        let unknown = GraphError::from_body(br#"{"error":{"message":"x","code":1}}"#).unwrap();
        assert_eq!(unknown.verdict(500, None), Verdict::Retry { after: None });
        let invalid =
            GraphError::from_body(br#"{"error":{"message":"Invalid parameter","code":100}}"#)
                .unwrap();
        assert_eq!(
            invalid.verdict(400, None),
            Verdict::Permanent(PermanentKind::Data)
        );
        assert!(GraphError::from_body(b"<html>").is_none());
    }
}

// `Decode` and `Paging` from the kit's own failures.
sync_core::kit_failures!(Error);
