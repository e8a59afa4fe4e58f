//! The `Api-Token` credential.
//!
//! ActiveCampaign authenticates every v3 call with an `Api-Token` header holding a key that
//! belongs to one *user* of the account (Settings → Developer) and carries that user's
//! permissions. A missing or wrong key is answered with 403 on most endpoints.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use sync_core::http::reqwest::header::{HeaderName, HeaderValue};

/// The header the key travels in.
pub const API_TOKEN_HEADER: HeaderName = HeaderName::from_static("api-token");

/// An ActiveCampaign API key. `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct ApiToken(SecretString);

impl ApiToken {
    /// Wrap a key.
    pub fn new(key: impl Into<String>) -> Self {
        ApiToken(SecretString::from(key.into()))
    }

    /// Whether the key is empty (after trimming).
    pub fn is_blank(&self) -> bool {
        self.0.expose_secret().trim().is_empty()
    }

    /// The header value, marked sensitive so that HTTP-layer `Debug` output hides it too.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, String> {
        let mut value = HeaderValue::from_str(self.0.expose_secret().trim()).map_err(|_| {
            "the API token contains characters that cannot go in an HTTP header \
             (copy it again from Settings → Developer)"
                .to_string()
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl From<SecretString> for ApiToken {
    fn from(s: SecretString) -> Self {
        ApiToken(s)
    }
}

impl From<String> for ApiToken {
    fn from(s: String) -> Self {
        ApiToken::new(s)
    }
}

impl From<&str> for ApiToken {
    fn from(s: &str) -> Self {
        ApiToken::new(s)
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key_and_header_is_sensitive() {
        let t = ApiToken::new("abc123secret");
        assert_eq!(format!("{t:?}"), "ApiToken([REDACTED])");
        let h = t.header_value().unwrap();
        assert!(h.is_sensitive());
        assert!(!format!("{h:?}").contains("abc123secret"));
        assert!(ApiToken::new("  ").is_blank());
        assert!(ApiToken::new("bad\nkey").header_value().is_err());
    }
}
