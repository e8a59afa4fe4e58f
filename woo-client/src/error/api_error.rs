//! [`ApiError`]: WordPress's REST error body, and what each code asks of the user.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

#[cfg(test)]
mod tests {
    use super::*;

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
