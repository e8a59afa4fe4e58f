//! [`Error`]: everything that can go wrong talking to Magento, classified for the sync engine.
//!
//! The variants follow the kit's skeleton (`Config`, `Http`, `Api`, `Decode`, `Paging`; see
//! [`sync_core::http::ClientError`]), then the ones only Magento has.
//!
//! Magento's REST errors look like `{"message": "Invalid product data: %1", "parameters": [...]}`
//! (or `"parameters": {"resources": "..."}` for `%name` placeholders). [`MagentoErrorBody`]
//! keeps the raw parts and [`MagentoErrorBody::render`] fills the placeholders in, the way
//! Magento's own phrase renderer does.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sync_core::http::reqwest::StatusCode;
use sync_core::http::{
    ClientError, ConfigError, DecodeError, ErrorKind, HttpError, HttpResponse, PagingError,
    RequestSummary, kind_from_verdict,
};
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
(`Credentials::oauth1`). If the setting is already on, grant the integration the ACL resource named \
in the message (System > Extensions > Integrations > API) and re-activate it";

/// Everything that can go wrong talking to Magento.
///
/// The first five variants are the skeleton every commerce-sync client shares; the rest are
/// Magento's own. Every variant says what to do about it; [`Classify`] tells the sync engine
/// whether to retry, and [`ClientError`] answers `status()`, `kind()`, `vendor_body()` and
/// `decode_path()` as in every other client. No variant ever carries a credential: URLs are
/// redacted and bodies pass the client's redactor.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is configured wrongly (base URL, credentials, store code, page size, an
    /// environment variable): the field names what to fix.
    #[error("magento client configuration: {0}")]
    Config(#[from] ConfigError),
    /// The request did not get a usable answer (connection, timeout, invalid request, a body
    /// too large), or a status without a Magento error body.
    #[error(transparent)]
    Http(HttpError),
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
    /// A 2xx body did not have the expected shape.
    #[error(
        "{operation}: Magento's response does not match the expected shape at `{}`: {}. If an \
         extension changes this payload, report it with the response",
        source.path,
        source.message
    )]
    Decode {
        /// The operation (`orders.search`).
        operation: String,
        /// Where and why decoding failed (`source.path`: `items[3].grand_total`).
        source: DecodeError,
    },
    /// Offset paging read several pages in a row without a single new record: the rows are
    /// moving under the scan (orders placed, deleted or re-sorted while paging) or the server
    /// pages erratically. The scan did not finish, and rows may have been missed (this was
    /// `OffsetPagingStalled` before the kit).
    #[error(
        "{operation}: offset paging stalled: {source}. Run the scan again, or use keyset paging \
         (Orders::feed), which cannot skip rows"
    )]
    Paging {
        /// The operation (`orders.search`).
        operation: String,
        /// How many pages brought nothing new, and how many records were read.
        source: PagingError,
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
         integration (System > Extensions > Integrations) and use `Credentials::oauth1` or \
         `Credentials::integration_bearer` instead",
        if providers.is_empty() { "not listed".to_string() } else { providers.join(", ") }
    )]
    AdminTwoFactorRequired {
        /// The admin username.
        username: String,
        /// The 2FA providers Magento listed (`google`, `duo_security`, …).
        providers: Vec<String>,
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
    /// instead of guessing is what keeps records from being skipped. A check the kit's
    /// paginator has no equivalent for, so it keeps its own variant.
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
    /// No store matched a shop domain, or several did.
    #[error(transparent)]
    StoreMatch(#[from] crate::store_match::StoreMatchError),
}

/// Magento's error body and message from a response, with every credential masked by the
/// response's (the client's) redactor: `message` rendered with its parameters, or a redacted
/// excerpt when the body is not Magento's error shape.
pub(crate) fn parsed_error(response: &HttpResponse) -> (Option<MagentoErrorBody>, String) {
    let redactor = response.redactor();
    let body = MagentoErrorBody::parse_redacted(&response.body, redactor);
    let message = match &body {
        Some(body) => redactor.text(&body.render()),
        None => response.body_excerpt(),
    };
    (body, message)
}

/// What a status means for a Magento client, appended to [`Error::Api`]'s message.
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
        // Magento core has no REST rate limiter: a 429 comes from a proxy or WAF in front.
        429 => {
            ". A proxy or WAF in front of Magento (Fastly on Adobe Commerce Cloud) throttled \
                the client; retried later"
        }
        503 => {
            ". Magento is in maintenance mode (bin/magento maintenance:status) or overloaded; \
                retried later"
        }
        500..=599 => {
            ". Magento or its web server failed; retried later (see var/log/exception.log)"
        }
        _ => "",
    }
}

impl Error {
    /// An executor error as a Magento error, parsing Magento's error body when there is one.
    pub(crate) fn from_http(error: HttpError) -> Error {
        match error {
            HttpError::Status {
                request,
                response,
                verdict,
            } => {
                let (body, message) = parsed_error(&response);
                Error::Api {
                    request,
                    status: response.status.as_u16(),
                    message,
                    body: body.map(Box::new),
                    verdict,
                }
            }
            other => Error::Http(other),
        }
    }

    /// `Config` for `field` saying `message`.
    pub(crate) fn config(field: &str, message: impl Into<String>) -> Error {
        Error::Config(ConfigError::new(field, message))
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
            // The rows were moving under an offset scan: a fresh scan later can succeed (the
            // kit's table says permanent; Magento's stalls are transient, so this retries).
            Error::Paging { .. } => Verdict::Retry { after: None },
        }
    }
}

impl ClientError for Error {
    type Body = MagentoErrorBody;

    fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } | Error::AdminLoginRejected { status, .. } => {
                StatusCode::from_u16(*status).ok()
            }
            Error::BearerRefused { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::Http(e) => e.status(),
            _ => None,
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) | Error::InvalidSearchCriteria(_) | Error::StoreMatch(_) => {
                ErrorKind::Config
            }
            Error::Http(e) => e.kind(),
            Error::Api {
                status, verdict, ..
            } => match (verdict, StatusCode::from_u16(*status)) {
                (Verdict::RateLimited { .. }, _) => ErrorKind::RateLimited,
                (_, Ok(status)) => ErrorKind::from_status(status),
                (verdict, Err(_)) => kind_from_verdict(verdict),
            },
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Paging { .. } | Error::KeysetViolation { .. } => ErrorKind::Paging,
            Error::BearerRefused { .. }
            | Error::AdminLoginRejected { .. }
            | Error::AdminTwoFactorRequired { .. } => ErrorKind::Auth,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::AmbiguousIncrementId { .. } => ErrorKind::Invalid,
        }
    }

    fn vendor_body(&self) -> Option<&MagentoErrorBody> {
        match self {
            Error::Api { body, .. } | Error::BearerRefused { body, .. } => body.as_deref(),
            _ => None,
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
            Error::config("base_url", "x").verdict(),
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
        assert_eq!(
            Error::KeysetViolation {
                operation: "orders".into(),
                after: Some(1),
                ids: vec![1]
            }
            .kind(),
            ErrorKind::Paging
        );
    }
}

// `Decode` and `Paging` from the kit's own failures.
sync_core::kit_failures!(Error);
