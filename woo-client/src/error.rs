//! [`Error`]: everything that can go wrong talking to WooCommerce, classified for the engine.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sync_core::http::{HttpError, RequestSummary};
use sync_core::{Classify, PermanentKind, Verdict};

use crate::batch::BatchFailure;

/// A WordPress REST error body: `{"code": …, "message": …, "data": {"status": …}}`.
///
/// WooCommerce uses this shape for every error, including authentication failures and the
/// per-item errors inside batch responses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// The machine-readable code (`woocommerce_rest_authentication_error`, `rest_no_route`…).
    pub code: String,
    /// The human-readable message.
    pub message: String,
    /// Extra data: `status`, and for validation errors `params` or `details`.
    #[serde(default, deserialize_with = "data_object")]
    pub data: Map<String, Value>,
}

fn data_object<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    // `data` is sometimes null or a bare status; keep whatever it is under a known key.
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        Value::Number(status) => Map::from_iter([("status".to_string(), Value::Number(status))]),
        other => Map::from_iter([("value".to_string(), other)]),
    })
}

impl ApiError {
    /// Parse a body, if it is a WordPress REST error.
    pub fn from_body(body: &[u8]) -> Option<ApiError> {
        serde_json::from_slice::<ApiError>(body)
            .ok()
            .filter(|e| !e.code.is_empty())
    }

    /// The same error with every registered secret name and value masked in its code, message
    /// and data.
    pub fn redacted(mut self, redactor: &sync_core::Redactor) -> ApiError {
        self.code = redactor.text(&self.code);
        self.message = redactor.text(&self.message);
        let mut data = Value::Object(std::mem::take(&mut self.data));
        redactor.json(&mut data);
        if let Value::Object(map) = data {
            self.data = map;
        }
        self
    }

    /// `data.status`, the HTTP status WordPress meant.
    pub fn status(&self) -> Option<u16> {
        match self.data.get("status")? {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// `data.params`: which request parameters failed validation, and why.
    pub fn invalid_params(&self) -> Option<&Map<String, Value>> {
        self.data.get("params").and_then(Value::as_object)
    }

    /// What the user should do about this error, when WooCommerce's code says enough.
    pub fn hint(&self) -> Option<&'static str> {
        let code = self.code.as_str();
        let message = self.message.as_str();
        Some(match code {
            "woocommerce_rest_authentication_error" if message.contains("secret") => {
                "check the consumer secret (cs_…): it must belong to this consumer key"
            }
            "woocommerce_rest_authentication_error" if message.contains("Consumer key") => {
                "check the consumer key (ck_…): no REST API key with this value exists on the store"
            }
            "woocommerce_rest_authentication_error" if message.contains("signature") => {
                "OAuth signature rejected: the site URL must be exactly WordPress's home URL \
                 (scheme, www, subdirectory), and the consumer secret must match the key"
            }
            "woocommerce_rest_authentication_error" if message.contains("timestamp") => {
                "OAuth timestamp rejected: this machine's clock is more than 15 minutes off the store's"
            }
            "woocommerce_rest_authentication_error" if message.contains("permissions") => {
                "the REST API key lacks read or write permission: edit the key in WooCommerce → \
                 Settings → Advanced → REST API"
            }
            "woocommerce_rest_authentication_error" => {
                "check the consumer key and secret, and that the key may use this endpoint"
            }
            "woocommerce_rest_authentication_missing_parameter" => {
                "the server dropped OAuth parameters: check that a proxy does not strip the query string"
            }
            c if c.starts_with("woocommerce_rest_cannot_") => {
                "WooCommerce did not accept the credentials for this action: if a proxy terminates \
                 TLS, WordPress may not see HTTPS and skips Basic auth; if the server strips the \
                 Authorization header, use query-string keys; also check the key's permissions"
            }
            "rest_no_route" => {
                "no such route: check the site URL (WordPress's home URL, including any \
                 subdirectory), that pretty permalinks are enabled, and that the plugin serving it \
                 (WooCommerce Subscriptions for /subscriptions) is active"
            }
            "rest_invalid_param" | "rest_missing_callback_param" => {
                "a request parameter was rejected: see `invalid_params()` for which and why"
            }
            "woocommerce_rest_request_entity_too_large" => {
                "too many items in one batch: lower the batch chunk size"
            }
            c if c.ends_with("_invalid_id") => {
                "no record with this id exists (it may have been deleted)"
            }
            _ => return None,
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// An error from the WooCommerce client.
///
/// Nothing here ever contains a credential: URLs are redacted by the HTTP executor and the
/// credentials are never formatted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (a bad site URL, an invalid option).
    #[error("woo-client configuration: {0}")]
    Config(String),
    /// Basic auth or query-string keys were configured for a plain-HTTP site.
    #[error(
        "refusing to send the WooCommerce consumer secret with {mode} over plain HTTP to {site}: \
         WooCommerce only accepts it over HTTPS, and it would cross the network in clear text. \
         Use the https:// URL, or OAuth 1.0a (`ClientBuilder::oauth1`) for a store without HTTPS"
    )]
    InsecureTransport {
        /// The refused auth mode.
        mode: &'static str,
        /// The site URL.
        site: String,
    },
    /// WooCommerce answered with an error body (`{code, message, data.status}`).
    #[error("{request} answered {status}: {api}{}", hint_suffix(.api))]
    Api {
        /// Where the request went (URL redacted).
        request: Box<RequestSummary>,
        /// HTTP status.
        status: u16,
        /// The parsed error body.
        api: ApiError,
        /// The executor's verdict on the response.
        verdict: Verdict,
    },
    /// The request failed below WooCommerce: transport errors, or an error response that is not
    /// a WordPress error body (an HTML page from a proxy or firewall).
    #[error(transparent)]
    Http(HttpError),
    /// A response did not have the expected shape.
    #[error("{operation}: the response does not match {expected} at `{path}`: {message}")]
    Decode {
        /// The operation (`orders.list`).
        operation: String,
        /// The type expected (`Vec<Order>`).
        expected: String,
        /// The JSON path of the first mismatch (`[3].line_items[0].price`).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Some items of a batch failed (see [`BatchFailure`] for which and why).
    #[error(transparent)]
    Batch(#[from] BatchFailure),
    /// An argument cannot be sent as given.
    #[error("invalid `{field}`: {message}")]
    InvalidInput {
        /// The argument.
        field: &'static str,
        /// Why.
        message: String,
    },
}

fn hint_suffix(api: &ApiError) -> String {
    api.hint().map(|h| format!(" — {h}")).unwrap_or_default()
}

impl Error {
    /// The WordPress error body, for API errors.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api { api, .. } => Some(api),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Http(e) => e.response().map(|r| r.status.as_u16()),
            _ => None,
        }
    }

    /// `true` for a 404 (no such record or route).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Turn an executor error into ours, parsing WooCommerce's error body when there is one.
    pub(crate) fn from_http(error: HttpError) -> Error {
        match error {
            HttpError::Status {
                request,
                response,
                verdict,
            } => match (!response.status.is_redirection())
                .then(|| ApiError::from_body(&response.body))
                .flatten()
                .map(|api| {
                    // A server may echo the request (keys, signature) in its message: print it only
                    // through the client's redactor.
                    api.redacted(response.redactor())
                }) {
                Some(api) => Error::Api {
                    request,
                    status: response.status.as_u16(),
                    api,
                    verdict,
                },
                None => Error::Http(HttpError::Status {
                    request,
                    response,
                    verdict,
                }),
            },
            other => Error::Http(other),
        }
    }

    /// A decode failure of a response that should have been a `T`.
    pub(crate) fn decode<T>(operation: &str, e: sync_core::http::DecodeError) -> Error {
        Error::Decode {
            operation: operation.to_string(),
            expected: short_type_name::<T>(),
            path: e.path,
            message: e.message,
        }
    }
}

/// `alloc::vec::Vec<woo_client::models::order::Order>` → `Vec<Order>`.
fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        out.push_str(token.rsplit("::").next().unwrap_or(token));
        token.clear();
    };
    for ch in full.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == ':' {
            token.push(ch);
        } else {
            flush(&mut token, &mut out);
            out.push(ch);
        }
    }
    flush(&mut token, &mut out);
    out
}

impl Classify for Error {
    fn verdict(&self) -> Verdict {
        match self {
            Error::Config(_) | Error::InsecureTransport { .. } => {
                Verdict::Permanent(PermanentKind::Config)
            }
            Error::Api { verdict, .. } => *verdict,
            Error::Http(e) => e.verdict(),
            Error::Decode { .. } => Verdict::Permanent(PermanentKind::Server),
            Error::Batch(b) => b.verdict(),
            Error::InvalidInput { .. } => Verdict::Permanent(PermanentKind::Data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_short() {
        assert_eq!(short_type_name::<Vec<crate::models::Order>>(), "Vec<Order>");
        assert_eq!(short_type_name::<u64>(), "u64");
    }

    #[test]
    fn parses_wordpress_error_bodies() {
        let e = ApiError::from_body(
            br#"{"code":"rest_no_route","message":"No route was found matching the URL and request method","data":{"status":404}}"#,
        )
        .unwrap();
        assert_eq!(e.status(), Some(404));
        assert!(e.hint().unwrap().contains("site URL"));
        let e = ApiError::from_body(
            br#"{"code":"rest_invalid_param","message":"Invalid parameter(s): per_page","data":{"status":400,"params":{"per_page":"per_page must be between 1 (inclusive) and 100 (inclusive)"}}}"#,
        )
        .unwrap();
        assert!(e.invalid_params().unwrap().contains_key("per_page"));
        let e = ApiError::from_body(br#"{"code":"x","message":"y","data":null}"#).unwrap();
        assert_eq!(e.status(), None);
        assert!(ApiError::from_body(b"<html>502 Bad Gateway</html>").is_none());
        assert!(ApiError::from_body(br#"{"message":"no code"}"#).is_none());
    }
}
