//! [`Error`]: everything a Chatwoot call can fail with, and the three error bodies Chatwoot sends.

use std::borrow::Cow;
use std::time::Duration;

use serde_json::Value;
use sync_core::http::reqwest::StatusCode;
use sync_core::http::{
    ClientError, ConfigError, DecodeError, ErrorKind, HttpError, HttpResponse, PagingError,
    RequestSummary, kind_from_verdict,
};
use sync_core::{Classify, PermanentKind, Redactor, Verdict};

use crate::auth::ApiKind;

/// The body of a non-success Chatwoot response.
///
/// Chatwoot answers errors in several shapes, depending on which layer refused the request:
///
/// ```
/// use chatwoot_client::ErrorBody;
///
/// // Most controller errors (401, 404, 422 for a missing parameter, 402, 500).
/// let e = ErrorBody::parse(br#"{"error":"Resource could not be found"}"#);
/// assert_eq!(e.message(), "Resource could not be found");
///
/// // A model validation failure (422): a message plus the offending attributes.
/// let e = ErrorBody::parse(br#"{"message":"Email has already been taken","attributes":["email"]}"#);
/// assert_eq!(e.fields(), ["email"]);
///
/// // The rate limiter (rack-attack): 429 with a plain-text body.
/// let e = ErrorBody::parse(b"Retry later\n");
/// assert_eq!(e, ErrorBody::Text("Retry later".into()));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorBody {
    /// `{"error": "…"}`: authentication, not found, missing parameters, filter errors.
    Error {
        /// The message.
        error: String,
    },
    /// `{"message": "A, B", "attributes": ["a", "b"]}`: a record failed validation.
    Invalid {
        /// The joined validation messages.
        message: String,
        /// The attributes that failed.
        attributes: Vec<String>,
    },
    /// `{"errors": ["…"]}`: the sign-in layer (a missing token on some routes).
    Errors(Vec<String>),
    /// A body that is not JSON, such as the rate limiter's `Retry later` (trimmed, at most 512
    /// characters).
    Text(String),
    /// JSON of another shape, kept as it came.
    Json(Value),
    /// No body at all.
    Empty,
}

impl ErrorBody {
    /// Parse a response body into the shape Chatwoot used.
    pub fn parse(body: &[u8]) -> ErrorBody {
        ErrorBody::parse_whole(body).cut()
    }

    /// Parse and redact: a text body is redacted whole and only then cut to 512 characters,
    /// so a secret straddling the cut is still found.
    pub(crate) fn parse_redacted(body: &[u8], redactor: &Redactor) -> ErrorBody {
        ErrorBody::parse_whole(body).redacted(redactor).cut()
    }

    /// A text body cut to its first 512 characters; other shapes as they are.
    fn cut(self) -> ErrorBody {
        match self {
            ErrorBody::Text(text) => {
                let cut = text.char_indices().nth(512).map_or(text.len(), |(i, _)| i);
                ErrorBody::Text(text[..cut].to_string())
            }
            other => other,
        }
    }

    /// The body's shape, a text body not yet cut.
    fn parse_whole(body: &[u8]) -> ErrorBody {
        let text = String::from_utf8_lossy(body);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return ErrorBody::Empty;
        }
        let Ok(value) = serde_json::from_str::<Value>(trimmed) else {
            return ErrorBody::Text(trimmed.to_string());
        };
        if let Value::Object(map) = &value {
            if let Some(Value::String(error)) = map.get("error") {
                return ErrorBody::Error {
                    error: error.clone(),
                };
            }
            if let Some(Value::String(message)) = map.get("message") {
                let attributes = map
                    .get("attributes")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                return ErrorBody::Invalid {
                    message: message.clone(),
                    attributes,
                };
            }
            if let Some(Value::Array(errors)) = map.get("errors") {
                let errors: Vec<String> = errors
                    .iter()
                    .map(|e| match e {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                return ErrorBody::Errors(errors);
            }
        }
        ErrorBody::Json(value)
    }

    /// Every text in the body passed through `redactor`.
    pub(crate) fn redacted(self, redactor: &Redactor) -> ErrorBody {
        let text = |s: String| redactor.text(&s);
        match self {
            ErrorBody::Error { error } => ErrorBody::Error { error: text(error) },
            ErrorBody::Invalid {
                message,
                attributes,
            } => ErrorBody::Invalid {
                message: text(message),
                attributes: attributes.into_iter().map(text).collect(),
            },
            ErrorBody::Errors(errors) => ErrorBody::Errors(errors.into_iter().map(text).collect()),
            ErrorBody::Text(body) => ErrorBody::Text(text(body)),
            ErrorBody::Json(mut value) => {
                redactor.json(&mut value);
                ErrorBody::Json(value)
            }
            ErrorBody::Empty => ErrorBody::Empty,
        }
    }

    /// The human-readable message, whatever the shape.
    pub fn message(&self) -> Cow<'_, str> {
        match self {
            ErrorBody::Error { error } => Cow::Borrowed(error),
            ErrorBody::Invalid { message, .. } => Cow::Borrowed(message),
            ErrorBody::Errors(errors) => Cow::Owned(errors.join("; ")),
            ErrorBody::Text(text) => Cow::Borrowed(text),
            ErrorBody::Json(value) => Cow::Owned(value.to_string()),
            ErrorBody::Empty => Cow::Borrowed("(empty body)"),
        }
    }

    /// The attributes a validation failure names (empty for other shapes).
    pub fn fields(&self) -> &[String] {
        match self {
            ErrorBody::Invalid { attributes, .. } => attributes,
            _ => &[],
        }
    }

    fn describe(&self) -> String {
        match self {
            ErrorBody::Invalid {
                message,
                attributes,
            } if !attributes.is_empty() => {
                format!("{message} (fields: {})", attributes.join(", "))
            }
            other => other.message().into_owned(),
        }
    }
}

/// Everything a Chatwoot call can fail with.
///
/// The common variants follow sync-core's error skeleton (see
/// [`ClientError`]): [`Config`](Error::Config), [`Http`](Error::Http), [`Api`](Error::Api),
/// [`Decode`](Error::Decode), [`Paging`](Error::Paging); then Chatwoot's own:
/// [`Unauthorized`](Error::Unauthorized) (naming the token the route needs),
/// [`MissingLabels`](Error::MissingLabels) and [`InvalidInput`](Error::InvalidInput).
///
/// Every variant says what to fix; none ever contains a credential: Chatwoot's error bodies,
/// URLs and messages go through the client's [`Redactor`], which knows
/// Chatwoot's secret names ([`secrets::SECRET_NAMES`](crate::secrets::SECRET_NAMES)) and the
/// tokens the client holds, so a server that echoes the request cannot leak them.
/// [`Classify`] tells the sync engine whether to retry, wait, or stop, and
/// [`Ack::from_error`](sync_core::Ack::from_error) turns any of them into a sink's answer.
///
/// ```
/// use chatwoot_client::Error;
/// use sync_core::http::{ClientError, ConfigError, ErrorKind};
///
/// let err = Error::Config(ConfigError::missing_env("CHATWOOT_API_ACCESS_TOKEN"));
/// assert_eq!(err.kind(), ErrorKind::Config);
/// assert!(err.to_string().contains("CHATWOOT_API_ACCESS_TOKEN"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is configured wrongly (base URL, account id, token characters, a missing
    /// environment variable).
    #[error("chatwoot client: {0}")]
    Config(ConfigError),
    /// The request could not be sent or did not complete (connection, timeout, build, a body
    /// over the size cap), or a status came without a Chatwoot body to parse.
    #[error(transparent)]
    Http(HttpError),
    /// Chatwoot answered with an error status (other than 401).
    #[error(
        "{request} answered {status}{}: {}{}",
        .redirect.as_ref().map(|to| format!(
            " (redirected to {to}; use the installation's final URL as the base URL)"
        )).unwrap_or_default(),
        .body.describe(),
        status_hint(*.status, .verdict)
    )]
    Api {
        /// Where the request went (credentials redacted).
        request: Box<RequestSummary>,
        /// The HTTP status.
        status: u16,
        /// What Chatwoot said, parsed (secrets redacted).
        body: ErrorBody,
        /// For a redirect, where it pointed (secrets redacted).
        redirect: Option<String>,
        /// Retry, wait, or stop (from the status and any `Retry-After`; Chatwoot's own 429 has
        /// none, so its wait is the retry policy's backoff).
        verdict: Verdict,
    },
    /// A success response did not have the expected shape; `source.path` says where.
    #[error("chatwoot {operation}: {source}")]
    Decode {
        /// The operation (`contacts.get`).
        operation: String,
        /// The JSON path and what did not match (redacted).
        source: DecodeError,
    },
    /// Paging stopped because going on would loop or skip records.
    #[error("chatwoot {operation}: {source}")]
    Paging {
        /// The operation (`contacts.list`).
        operation: String,
        /// How far the scan got.
        source: PagingError,
    },
    /// Chatwoot refused the token (HTTP 401): missing, unknown, of the wrong kind for this API,
    /// or lacking permission. The message names the token the route needs.
    #[error("{request} was refused (HTTP {status}: {}): {}", .body.message(), .hint)]
    Unauthorized {
        /// The API the client talks to.
        api: ApiKind,
        /// Where the request went (credentials redacted).
        request: Box<RequestSummary>,
        /// The status (401).
        status: u16,
        /// What Chatwoot said.
        body: ErrorBody,
        /// What to do about it.
        hint: &'static str,
    },
    /// Labels that are not defined in the account and could not be created (the token may
    /// not create labels), or that Chatwoot left out of an assignment. Chatwoot drops
    /// undefined labels without an error, so the crate refuses instead of assigning a list
    /// that would silently lose them.
    #[error(
        "chatwoot labels {} do not exist in the account{}; Chatwoot drops undefined labels \
         silently, so they were not assigned: create them (Settings → Labels) or use a token \
         that may create labels (an administrator's)",
        .labels.join(", "),
        .source.as_ref().map(|e| format!(" and could not be created ({e})")).unwrap_or_default()
    )]
    MissingLabels {
        /// The lower-case titles that are missing.
        labels: Vec<String>,
        /// Why creating them failed, if it was tried.
        #[source]
        source: Option<Box<Error>>,
    },
    /// An argument or record cannot be sent as it is.
    #[error("`{field}` is invalid: {message}")]
    InvalidInput {
        /// The field.
        field: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl From<ConfigError> for Error {
    fn from(error: ConfigError) -> Self {
        Error::Config(error)
    }
}

impl Error {
    /// Turn the kit's error into ours, parsing Chatwoot's error body. The body's texts go
    /// through the response's redactor (the client's: a server may echo the request, token
    /// included).
    pub(crate) fn from_http(api: ApiKind, error: HttpError) -> Error {
        match error {
            HttpError::Status {
                request,
                response,
                verdict,
            } => Error::from_status(api, request, &response, verdict),
            other => Error::Http(other),
        }
    }

    fn from_status(
        api: ApiKind,
        request: Box<RequestSummary>,
        response: &HttpResponse,
        verdict: Verdict,
    ) -> Error {
        let status = response.status.as_u16();
        let body = ErrorBody::parse_redacted(&response.body, response.redactor());
        if status == 401 {
            let hint = unauthorized_hint(api, &body);
            return Error::Unauthorized {
                api,
                request,
                status,
                body,
                hint,
            };
        }
        Error::Api {
            request,
            status,
            body,
            // The response prints its Location through the client's redactor.
            redirect: response.redirect_location(),
            verdict,
        }
    }

    /// The HTTP status, when Chatwoot answered ([`ClientError::status`], callable without
    /// importing the trait). For missing labels, the status that refused creating them.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Unauthorized { status, .. } | Error::Api { status, .. } => {
                StatusCode::from_u16(*status).ok()
            }
            Error::Http(e) => e.status(),
            Error::MissingLabels {
                source: Some(e), ..
            } => e.status(),
            _ => None,
        }
    }

    /// The HTTP status as a number, when Chatwoot answered.
    pub(crate) fn status_code(&self) -> Option<u16> {
        self.status().map(|s| s.as_u16())
    }

    /// Chatwoot's error body, when it answered with one.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Error::Unauthorized { body, .. } | Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// `true` for a 404.
    pub fn is_not_found(&self) -> bool {
        self.status_code() == Some(404)
    }

    /// `true` when Chatwoot throttled the request (429), even after the executor's retries.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.verdict(), Verdict::RateLimited { .. })
    }

    /// The server's requested wait, if it sent one.
    ///
    /// Chatwoot's own rate limiter (rack-attack) answers `429` with the plain text
    /// `Retry later` and **no** `Retry-After`, so this is usually `None` for a 429 from
    /// Chatwoot: the client's retry policy then chose the waits (exponential backoff). A proxy
    /// in front of Chatwoot may send one, and then it is honoured.
    pub fn retry_after(&self) -> Option<Duration> {
        self.verdict().after()
    }

    /// `true` when a validation failure names `field` (for example `email` already taken).
    pub fn is_invalid_field(&self, field: &str) -> bool {
        self.body()
            .is_some_and(|b| b.fields().iter().any(|f| f == field))
    }
}

impl ClientError for Error {
    type Body = ErrorBody;

    fn status(&self) -> Option<StatusCode> {
        Error::status(self)
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) | Error::MissingLabels { .. } => ErrorKind::Config,
            Error::Http(e) => e.kind(),
            Error::Api {
                status, verdict, ..
            } => match verdict {
                Verdict::RateLimited { .. } => ErrorKind::RateLimited,
                _ => StatusCode::from_u16(*status)
                    .map_or_else(|_| kind_from_verdict(verdict), ErrorKind::from_status),
            },
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Paging { .. } => ErrorKind::Paging,
            Error::Unauthorized { .. } => ErrorKind::Auth,
            Error::InvalidInput { .. } => ErrorKind::Invalid,
        }
    }

    fn vendor_body(&self) -> Option<&ErrorBody> {
        self.body()
    }
}

/// What a status means, after Chatwoot's message: a 429 without a wait is rack-attack's
/// throttle (the backoff chose the waits); other statuses get the kit's hint for their kind,
/// so a 503 reads "unavailable", never "rate limit".
fn status_hint(status: u16, verdict: &Verdict) -> String {
    match verdict {
        Verdict::RateLimited { after: None } if status == 429 => " (Chatwoot's rate limiter \
             sends no Retry-After: the retry policy's exponential backoff chose the waits; \
             lower the client's rate limit or raise the installation's RACK_ATTACK_LIMIT)"
            .to_string(),
        Verdict::RateLimited { .. } => format!(" ({})", ErrorKind::RateLimited.hint()),
        _ => StatusCode::from_u16(status)
            .map(|s| format!(" ({})", ErrorKind::from_status(s).hint()))
            .unwrap_or_default(),
    }
}

/// What to tell a person whose token Chatwoot refused.
fn unauthorized_hint(api: ApiKind, body: &ErrorBody) -> &'static str {
    let message = body.message().to_ascii_lowercase();
    if message.contains("not authorized for bots") {
        return "this route refuses Platform App and agent-bot tokens: the Application API needs \
                a user's access token (Profile settings → Access Token); use PlatformClient with \
                the Platform App token for /platform/api/v1 routes";
    }
    if message.contains("non permissible") {
        return "the Platform App may only manage accounts and users it created or was granted \
                (Chatwoot's platform permissibles); create the resource through this app or grant it";
    }
    if message.contains("access this account") {
        return "the token's user is not a member of this account: check the account id in the \
                client builder, or add the user to the account";
    }
    if message.contains("do this action") {
        return "the token's user lacks the role for this action: use an administrator's access token";
    }
    api.token_hint()
}

impl Classify for Error {
    fn verdict(&self) -> Verdict {
        match self {
            Error::Unauthorized { .. } | Error::Config(_) => {
                Verdict::Permanent(PermanentKind::Config)
            }
            Error::Api { verdict, .. } => *verdict,
            Error::Decode { .. } | Error::Paging { .. } => {
                Verdict::Permanent(PermanentKind::Server)
            }
            Error::Http(e) => e.verdict(),
            Error::InvalidInput { .. } => Verdict::Permanent(PermanentKind::Data),
            // A setup problem: the account lacks labels the integration relies on.
            Error::MissingLabels { .. } => Verdict::Permanent(PermanentKind::Config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_shapes() {
        assert_eq!(
            ErrorBody::parse(br#"{"error":"Invalid Access Token"}"#),
            ErrorBody::Error {
                error: "Invalid Access Token".into()
            }
        );
        assert_eq!(
            ErrorBody::parse(br#"{"message":"Email has already been taken, Identifier has already been taken","attributes":["email","identifier"]}"#).fields(),
            ["email", "identifier"]
        );
        assert_eq!(
            ErrorBody::parse(
                br#"{"errors":["You need to sign in or sign up before continuing."]}"#
            )
            .message(),
            "You need to sign in or sign up before continuing."
        );
        assert_eq!(
            ErrorBody::parse(b"Retry later\n"),
            ErrorBody::Text("Retry later".into())
        );
        assert_eq!(ErrorBody::parse(b"  "), ErrorBody::Empty);
        assert!(matches!(ErrorBody::parse(br#"[1,2]"#), ErrorBody::Json(_)));
        let long = "x".repeat(2000);
        let ErrorBody::Text(t) = ErrorBody::parse(long.as_bytes()) else {
            panic!()
        };
        assert_eq!(t.len(), 512);
    }

    #[test]
    fn a_text_body_is_redacted_before_it_is_cut() {
        // A proxy's HTML error page echoing the request: the token straddles character 512.
        let token = "cw8Kq2mZr5TtYv9LpXw3NbQe";
        let text = format!("{}echo {token} end", "<p>".repeat(165));
        let at = text.find(token).unwrap();
        assert!(at < 512 && at + token.len() > 512, "{at}");
        let redactor = Redactor::new().secret_value(token);
        let ErrorBody::Text(shown) = ErrorBody::parse_redacted(text.as_bytes(), &redactor) else {
            panic!()
        };
        assert!(shown.chars().count() <= 512, "{}", shown.len());
        // The first half of the token would survive a cut-then-redact.
        assert!(!shown.contains(&token[..8]), "{shown}");
        assert!(!shown.contains(&token[..4]), "{shown}");
    }

    #[test]
    fn a_503_reads_unavailable_and_only_a_429_reads_rate_limit() {
        let unavailable = status_hint(503, &Verdict::Retry { after: None });
        assert!(unavailable.contains("unavailable"), "{unavailable}");
        assert!(!unavailable.contains("limit"), "{unavailable}");
        let throttled = status_hint(429, &Verdict::RateLimited { after: None });
        assert!(throttled.contains("rate limiter"), "{throttled}");
        let not_found = status_hint(404, &Verdict::Permanent(PermanentKind::Config));
        assert!(not_found.contains("does not exist"), "{not_found}");
    }

    #[test]
    fn hints_name_the_token() {
        let bots = ErrorBody::Error {
            error: "Access to this endpoint is not authorized for bots".into(),
        };
        assert!(unauthorized_hint(ApiKind::Application, &bots).contains("Platform App"));
        let invalid = ErrorBody::Error {
            error: "Invalid access_token".into(),
        };
        assert!(unauthorized_hint(ApiKind::Platform, &invalid).contains("Super Admin"));
    }
}

// `Decode` and `Paging` from the kit's own failures.
sync_core::kit_failures!(Error);
