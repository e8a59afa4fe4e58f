//! [`Error`]: everything that can go wrong talking to Magento, classified for the sync engine.
//!
//! Magento's REST errors look like `{"message": "Invalid product data: %1", "parameters": [...]}`
//! (or `"parameters": {"resources": "..."}` for `%name` placeholders). [`MagentoErrorBody`]
//! keeps the raw parts and [`MagentoErrorBody::render`] fills the placeholders in, the way
//! Magento's own phrase renderer does.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sync_core::http::{HttpError, RequestSummary};
use sync_core::{Classify, PermanentKind, Redactor, Verdict};

/// The error body Magento's REST API answers with.
///
/// ```
/// use magento_client::MagentoErrorBody;
///
/// let body: MagentoErrorBody = serde_json::from_str(
///     r#"{"message":"The consumer isn't authorized to access %resources.",
///         "parameters":{"resources":"Magento_Sales::actions_view"}}"#,
/// ).unwrap();
/// assert_eq!(
///     body.render(),
///     "The consumer isn't authorized to access Magento_Sales::actions_view."
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MagentoErrorBody {
    /// The message, with `%1` or `%name` placeholders.
    #[serde(default)]
    pub message: String,
    /// Values for the placeholders: a list for `%1, %2, …`, an object for `%name`.
    #[serde(default, skip_serializing_if = "ErrorParameters::is_empty")]
    pub parameters: ErrorParameters,
    /// Further errors (validation failures come as a list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<MagentoErrorBody>,
    /// The PHP stack trace, present in developer mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// Anything else in the body.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `parameters` of a Magento error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ErrorParameters {
    /// No parameters (absent or `null`).
    #[default]
    None,
    /// Positional values for `%1`, `%2`, …
    Positional(Vec<Value>),
    /// Named values for `%name`.
    Named(Map<String, Value>),
}

impl ErrorParameters {
    /// `true` when there are no parameters.
    pub fn is_empty(&self) -> bool {
        match self {
            ErrorParameters::None => true,
            ErrorParameters::Positional(v) => v.is_empty(),
            ErrorParameters::Named(m) => m.is_empty(),
        }
    }

    /// `(placeholder, value)` pairs: `("%1", …)` for positional values, `("%name", …)` for named.
    fn placeholders(&self) -> Vec<(String, String)> {
        match self {
            ErrorParameters::None => Vec::new(),
            ErrorParameters::Positional(values) => values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("%{}", i + 1), scalar_text(v)))
                .collect(),
            ErrorParameters::Named(map) => map
                .iter()
                .map(|(k, v)| (format!("%{k}"), scalar_text(v)))
                .collect(),
        }
    }

    /// A named parameter (or, for a positional list, none).
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            ErrorParameters::Named(map) => map.get(name),
            _ => None,
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

impl MagentoErrorBody {
    /// Parse an error body; `None` when the bytes are not Magento's JSON error shape.
    pub fn parse(body: &[u8]) -> Option<MagentoErrorBody> {
        let parsed: MagentoErrorBody = serde_json::from_slice(body).ok()?;
        (!parsed.message.is_empty() || !parsed.errors.is_empty()).then_some(parsed)
    }

    /// Parse an error body with every credential masked first: values under secret names and
    /// the secrets `redactor` holds (a server can echo the request, password included, into
    /// `message` or `parameters`). What this returns is safe to print, log and store.
    pub fn parse_redacted(body: &[u8], redactor: &Redactor) -> Option<MagentoErrorBody> {
        let mut value: Value = serde_json::from_slice(body).ok()?;
        redactor.json(&mut value);
        let parsed: MagentoErrorBody = serde_json::from_value(value).ok()?;
        (!parsed.message.is_empty() || !parsed.errors.is_empty()).then_some(parsed)
    }

    /// The message with its placeholders filled in, followed by any nested errors.
    ///
    /// Substitution follows Magento's renderer (PHP `strtr`): at each position the longest
    /// matching placeholder wins, so `%10` is not read as `%1` followed by `0`. Placeholders
    /// without a value are left as they are.
    pub fn render(&self) -> String {
        let mut text = fill_placeholders(&self.message, &self.parameters.placeholders());
        for nested in &self.errors {
            let nested = nested.render();
            if nested.is_empty() || nested == text {
                continue;
            }
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&nested);
        }
        text
    }

    /// The raw message template (without substitution).
    pub fn template(&self) -> &str {
        &self.message
    }
}

fn fill_placeholders(message: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let longest = pairs
            .iter()
            .filter(|(placeholder, _)| tail.starts_with(placeholder.as_str()))
            .max_by_key(|(placeholder, _)| placeholder.len());
        match longest {
            Some((placeholder, value)) => {
                out.push_str(value);
                rest = &tail[placeholder.len()..];
            }
            None => {
                out.push('%');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where Magento's 2.4.4+ Bearer setting lives: quoted by [`Error::BearerRefused`].
pub const BEARER_SETTING_HELP: &str = "Magento 2.4.4 and later refuse integration access tokens \
used as standalone Bearer tokens unless Stores > Configuration > Services > OAuth > Consumer \
Settings > \"Allow OAuth Access Tokens to be used as standalone Bearer tokens\" is Yes \
(`bin/magento config:set oauth/consumer/enable_integration_as_bearer 1`, then flush the cache). \
Either enable it, or sign requests with OAuth 1.0a using the integration's four credentials \
(`Auth::oauth1`). If the setting is already on, grant the integration the ACL resource named \
in the message (System > Extensions > Integrations > API) and re-activate it";

/// Everything that can go wrong talking to Magento.
///
/// Every variant says what to do about it; [`Classify`] tells the sync engine whether to retry.
/// No variant ever carries a credential: URLs are redacted and bodies are Magento's answers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Magento answered with an error status.
    #[error("{request} answered HTTP {status}: {message}{}", hint_suffix(*status))]
    Api {
        /// Where the request went (credentials redacted).
        request: Box<RequestSummary>,
        /// The HTTP status.
        status: u16,
        /// Magento's message with placeholders filled in (or a body excerpt when the body is
        /// not Magento's JSON error shape, e.g. an HTML error page from a proxy).
        message: String,
        /// The parsed error body, when there was one.
        body: Option<Box<MagentoErrorBody>>,
        /// How the sync engine should treat this failure.
        verdict: Verdict,
    },
    /// An integration access token sent as a Bearer token was refused with 401.
    #[error("{request} answered HTTP 401: {message}. {BEARER_SETTING_HELP}")]
    BearerRefused {
        /// Where the request went.
        request: Box<RequestSummary>,
        /// Magento's message with placeholders filled in.
        message: String,
        /// The parsed error body, when there was one.
        body: Option<Box<MagentoErrorBody>>,
    },
    /// `POST /V1/integration/admin/token` refused the admin username and password.
    #[error(
        "Magento refused the admin login for user {username:?} (HTTP {status}): {message}. Check \
         the username and password; after several failures Magento locks the account for a \
         while (System > Permissions > Locked Users)"
    )]
    AdminLoginRejected {
        /// The admin username (not secret).
        username: String,
        /// The HTTP status.
        status: u16,
        /// Magento's message.
        message: String,
    },
    /// The admin login needs a second factor: Magento_TwoFactorAuth is enabled.
    #[error(
        "Magento requires two-factor authentication for admin user {username:?} (providers: \
         {}): an unattended client cannot log in with a username and password. Create an \
         integration (System > Extensions > Integrations) and use `Auth::oauth1` or \
         `Auth::integration_bearer` instead",
        if providers.is_empty() { "not listed".to_string() } else { providers.join(", ") }
    )]
    AdminTwoFactorRequired {
        /// The admin username.
        username: String,
        /// The 2FA providers Magento listed (`google`, `duo_security`, …).
        providers: Vec<String>,
    },
    /// The request did not get a usable answer (connection, timeout, invalid request).
    #[error(transparent)]
    Http(HttpError),
    /// The response body did not have the expected shape.
    #[error(
        "{operation}: Magento's response does not match the expected shape at `{path}`: \
         {message}. If an extension changes this payload, report it with the body excerpt: \
         {excerpt}"
    )]
    Decode {
        /// The operation (`orders.search`).
        operation: String,
        /// The JSON path of the failing value (`items[3].grand_total`).
        path: String,
        /// What the decoder said.
        message: String,
        /// The start of the body.
        excerpt: String,
    },
    /// A lookup found nothing.
    #[error("{what} was not found; check the id and the store it belongs to")]
    NotFound {
        /// What was looked for (`order with increment id "000000003"`).
        what: String,
    },
    /// An increment id exists in several stores: say which store you mean.
    #[error(
        "increment id {increment_id:?} exists in several stores (store ids {store_ids:?}); \
         use `get_by_increment_id_in_store` with the store you mean"
    )]
    AmbiguousIncrementId {
        /// The increment id.
        increment_id: String,
        /// The stores holding an order with it.
        store_ids: Vec<u32>,
    },
    /// The search criteria cannot be sent as they are.
    #[error("invalid searchCriteria: {0}")]
    InvalidSearchCriteria(String),
    /// Keyset paging saw the server return ids out of order or not after the cursor: the
    /// filter or sort was ignored (often a third-party plugin on the repository). Stopping here
    /// instead of guessing is what keeps records from being skipped.
    #[error(
        "{operation}: keyset paging after entity_id {after:?} got ids {ids:?}, which are not \
         strictly ascending and greater than the cursor; Magento (or an extension) ignored the \
         `entity_id gt` filter or the sort order. Check extensions that rewrite the order \
         repository"
    )]
    KeysetViolation {
        /// The operation.
        operation: String,
        /// The cursor the page was requested after.
        after: Option<u64>,
        /// The ids the page held (the first few).
        ids: Vec<u64>,
    },
    /// Offset paging read several pages in a row without a single new id: the rows are moving
    /// under the scan (orders placed, deleted or re-sorted while paging) or the server pages
    /// erratically. The scan did not finish, and rows may have been missed.
    #[error(
        "offset paging stalled at page {page}: {pages} pages in a row brought no new order          ({yielded} read so far), so the data is moving under the scan and rows may have been          missed. Run the scan again, or use keyset paging (Orders::feed), which cannot skip rows"
    )]
    OffsetPagingStalled {
        /// The page that made it give up (1-based).
        page: u32,
        /// How many unproductive pages in a row that was.
        pages: u32,
        /// Distinct orders yielded before it stalled.
        yielded: usize,
    },
    /// No store matched a shop domain, or several did.
    #[error(transparent)]
    StoreMatch(#[from] crate::store_match::StoreMatchError),
    /// The client is configured wrongly (base URL, store code, page size).
    #[error("magento client configuration: {0}")]
    Config(String),
}

/// Magento's error body and message from a response, with every credential masked by the
/// response's (the client's) redactor: `message` rendered with its parameters, or a redacted
/// excerpt when the body is not Magento's error shape.
pub(crate) fn parsed_error(
    response: &sync_core::http::HttpResponse,
) -> (Option<MagentoErrorBody>, String) {
    let redactor = response.redactor();
    let body = MagentoErrorBody::parse_redacted(&response.body, redactor);
    let message = match &body {
        Some(body) => redactor.text(&body.render()),
        None => response.body_excerpt(),
    };
    (body, message)
}

fn hint_suffix(status: u16) -> &'static str {
    match status {
        401 => {
            ". Magento did not accept the credentials: check them, and for OAuth 1.0a also \
                the server clock (oauth_timestamp) and that the integration is active"
        }
        403 => {
            ". The credentials are valid but lack an ACL resource: grant it to the integration \
                or admin role"
        }
        404 => ". Check the base URL (and `/index.php` when URL rewrites are off) and the id",
        400 => ". Magento refused the request data; fix the named field or value",
        _ => "",
    }
}

impl Error {
    /// Turn an executor error into a Magento error, parsing Magento's error body when there
    /// is one.
    pub(crate) fn from_http(error: HttpError) -> Error {
        match error {
            HttpError::Status {
                request,
                response,
                verdict,
            } => {
                let (body, message) = parsed_error(&response);
                let body = body.map(Box::new);
                Error::Api {
                    request,
                    status: response.status.as_u16(),
                    message,
                    body,
                    verdict,
                }
            }
            other => Error::Http(other),
        }
    }

    pub(crate) fn decode(
        operation: &str,
        error: sync_core::http::DecodeError,
        response: &sync_core::http::HttpResponse,
    ) -> Error {
        Error::Decode {
            operation: operation.to_string(),
            path: error.path,
            message: error.message,
            excerpt: response.body_excerpt(),
        }
    }

    /// The HTTP status Magento answered with, for errors that carry one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::AdminLoginRejected { status, .. } => Some(*status),
            Error::BearerRefused { .. } => Some(401),
            Error::Http(e) => e.response().map(|r| r.status.as_u16()),
            _ => None,
        }
    }

    /// Magento's parsed error body, for errors that carry one.
    pub fn magento_body(&self) -> Option<&MagentoErrorBody> {
        match self {
            Error::Api { body, .. } | Error::BearerRefused { body, .. } => body.as_deref(),
            _ => None,
        }
    }
}

impl Classify for Error {
    fn verdict(&self) -> Verdict {
        match self {
            Error::Api { verdict, .. } => *verdict,
            Error::Http(e) => e.verdict(),
            Error::BearerRefused { .. }
            | Error::AdminLoginRejected { .. }
            | Error::AdminTwoFactorRequired { .. }
            | Error::InvalidSearchCriteria(_)
            | Error::StoreMatch(_)
            | Error::Config(_) => Verdict::Permanent(PermanentKind::Config),
            Error::NotFound { .. } | Error::AmbiguousIncrementId { .. } => {
                Verdict::Permanent(PermanentKind::Data)
            }
            Error::Decode { .. } | Error::KeysetViolation { .. } => {
                Verdict::Permanent(PermanentKind::Server)
            }
            // The rows were moving: a fresh scan later can succeed.
            Error::OffsetPagingStalled { .. } => Verdict::Retry { after: None },
        }
    }
}

/// A short, stable name for an error's kind, for metrics and logs.
impl Error {
    /// `api`, `bearer_refused`, `admin_login`, `http`, `decode`, …
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Api { .. } => "api",
            Error::BearerRefused { .. } => "bearer_refused",
            Error::AdminLoginRejected { .. } => "admin_login",
            Error::AdminTwoFactorRequired { .. } => "admin_2fa",
            Error::Http(_) => "http",
            Error::Decode { .. } => "decode",
            Error::NotFound { .. } => "not_found",
            Error::AmbiguousIncrementId { .. } => "ambiguous_increment_id",
            Error::InvalidSearchCriteria(_) => "invalid_search_criteria",
            Error::KeysetViolation { .. } => "keyset_violation",
            Error::OffsetPagingStalled { .. } => "offset_paging_stalled",
            Error::StoreMatch(_) => "store_match",
            Error::Config(_) => "config",
        }
    }
}

impl fmt::Display for ErrorParameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorParameters::None => Ok(()),
            ErrorParameters::Positional(v) => write!(f, "{}", Value::Array(v.clone())),
            ErrorParameters::Named(m) => write!(f, "{}", Value::Object(m.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> MagentoErrorBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn positional_placeholders() {
        let b = body(
            r#"{"message":"Invalid product data: %1","parameters":["Invalid attribute set entity type"]}"#,
        );
        assert_eq!(
            b.render(),
            "Invalid product data: Invalid attribute set entity type"
        );
    }

    #[test]
    fn named_placeholders_and_longest_match() {
        let b = body(
            r#"{"message":"User is not authorized to %resources","parameters":{"resources":"Magento_Catalog::products"}}"#,
        );
        assert_eq!(
            b.render(),
            "User is not authorized to Magento_Catalog::products"
        );

        let many: Vec<String> = (1..=10).map(|i| format!("v{i}")).collect();
        let b = MagentoErrorBody {
            message: "%1 and %10 and %11 and 100%".into(),
            parameters: ErrorParameters::Positional(many.into_iter().map(Value::from).collect()),
            ..Default::default()
        };
        assert_eq!(b.render(), "v1 and v10 and v11 and 100%");
    }

    #[test]
    fn numbers_nested_errors_and_missing_values() {
        let b = body(
            r#"{"message":"Maximum SearchCriteria pageSize is %max","parameters":{"max":300},
                "errors":[{"message":"\"%fieldName\" is required.","parameters":{"fieldName":"sku"}}]}"#,
        );
        assert_eq!(
            b.render(),
            "Maximum SearchCriteria pageSize is 300; \"sku\" is required."
        );
        let b = body(r#"{"message":"No value for %2 here","parameters":["a"]}"#);
        assert_eq!(b.render(), "No value for %2 here");
        // PHP serializes an empty object as [].
        let b = body(r#"{"message":"Plain","parameters":[]}"#);
        assert_eq!(b.render(), "Plain");
        assert!(MagentoErrorBody::parse(b"<html>502 Bad Gateway</html>").is_none());
    }

    #[test]
    fn classification() {
        assert_eq!(
            Error::Config("x".into()).verdict(),
            Verdict::Permanent(PermanentKind::Config)
        );
        assert_eq!(
            Error::KeysetViolation {
                operation: "orders".into(),
                after: Some(1),
                ids: vec![1]
            }
            .verdict(),
            Verdict::Permanent(PermanentKind::Server)
        );
    }
}
