//! The `Api-Token` credential.
//!
//! ActiveCampaign authenticates every v3 call with an `Api-Token` header holding a key that
//! belongs to one *user* of the account (Settings → Developer) and carries that user's
//! permissions. A missing or wrong key is answered with 403 on most endpoints.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use sync_core::Redactor;
use sync_core::http::reqwest::header::{HeaderName, HeaderValue};

/// The header the key travels in.
pub const API_TOKEN_HEADER: HeaderName = HeaderName::from_static("api-token");

/// Every name under which ActiveCampaign carries the key: the v3 `Api-Token` header (and the
/// spellings servers and proxies echo it as) and the v1 API's `api_key` query parameter.
/// (`api_output`, the v1 output format, is not a secret.)
pub const SECRET_NAMES: &[&str] = &[
    "api-token",
    "api_token",
    "apitoken",
    "http_api_token",
    "api_key",
];

/// An ActiveCampaign API key. `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct ApiToken(SecretString);

impl ApiToken {
    /// Wrap a key (from Settings → Developer).
    ///
    /// ```
    /// use ac_client::ApiToken;
    ///
    /// let token = ApiToken::new(std::env::var("ACTIVECAMPAIGN_API_TOKEN").unwrap_or_default());
    /// assert_eq!(format!("{token:?}"), "ApiToken([REDACTED])");
    /// ```
    pub fn new(key: impl Into<SecretString>) -> Self {
        ApiToken(key.into())
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

impl ApiToken {
    /// A [`Redactor`] that masks this key wherever it appears (as held and trimmed, plain,
    /// percent-encoded or JSON-escaped) and the values of every [`SECRET_NAMES`] name.
    pub fn redactor(&self) -> Redactor {
        let redactor = Redactor::new();
        self.register(&redactor);
        redactor
    }

    /// Register [`SECRET_NAMES`] and this key on `redactor` (every clone of it sees them).
    pub(crate) fn register(&self, redactor: &Redactor) {
        for name in SECRET_NAMES {
            redactor.add_name(name);
        }
        let key = self.0.expose_secret();
        redactor.add_value(key);
        redactor.add_value(key.trim());
    }
}

impl From<SecretString> for ApiToken {
    fn from(s: SecretString) -> Self {
        ApiToken(s)
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

    #[test]
    fn the_redactor_masks_the_key_and_its_names() {
        let t = ApiToken::new("4f2a9c1be07d5a3f8e6b");
        let shown = t
            .redactor()
            .text("Api-Token: other-key-123\nGET /admin/api.php?api_key=4f2a9c1be07d5a3f8e6b");
        assert!(!shown.contains("4f2a9c1be07d5a3f8e6b"), "{shown}");
        assert!(!shown.contains("other-key-123"), "{shown}");
    }
}
