//! Credentials and `appsecret_proof`.

use std::fmt;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use sync_core::Redactor;

/// The names under which the Graph API carries credentials (query keys, form fields, JSON
/// keys), registered on every client's [`Redactor`] so an echoed request never prints them.
pub const SECRET_NAMES: &[&str] = &[
    "access_token",
    "appsecret_proof",
    "app_secret",
    "input_token",
    "fb_exchange_token",
];

/// A Graph API access token (a system-user token for server-to-server use) and, optionally,
/// the app secret that signs every call with `appsecret_proof`.
///
/// `Debug` never shows either secret.
#[derive(Clone)]
pub struct Credentials {
    access_token: SecretString,
    app_secret: Option<SecretString>,
}

impl Credentials {
    /// A token without an app secret (calls carry no `appsecret_proof`).
    pub fn new(access_token: impl Into<SecretString>) -> Self {
        Credentials {
            access_token: access_token.into(),
            app_secret: None,
        }
    }

    /// Adds the app secret: every call then carries `appsecret_proof`, which apps with
    /// "Require App Secret" enabled demand.
    pub fn with_app_secret(mut self, app_secret: impl Into<SecretString>) -> Self {
        self.app_secret = Some(app_secret.into());
        self
    }

    pub(crate) fn access_token(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// `appsecret_proof` for this token, when an app secret is set.
    pub fn appsecret_proof(&self) -> Option<String> {
        self.app_secret
            .as_ref()
            .map(|s| appsecret_proof(s.expose_secret(), self.access_token.expose_secret()))
    }

    /// Registers Graph's [`SECRET_NAMES`] and this token, the app secret and the
    /// `appsecret_proof` on `redactor`, so they are masked wherever they appear.
    pub(crate) fn register_secrets(&self, redactor: &Redactor) {
        for name in SECRET_NAMES {
            redactor.add_name(name);
        }
        redactor.add_value(self.access_token());
        if let Some(secret) = &self.app_secret {
            redactor.add_value(secret.expose_secret());
        }
        if let Some(proof) = self.appsecret_proof() {
            redactor.add_value(&proof);
        }
    }

    /// A fresh redactor with [`register_secrets`](Self::register_secrets) applied.
    pub(crate) fn redactor(&self) -> Redactor {
        let redactor = Redactor::new();
        self.register_secrets(&redactor);
        redactor
    }

    /// The query pairs that authenticate a call.
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![("access_token", self.access_token().to_string())];
        if let Some(proof) = self.appsecret_proof() {
            q.push(("appsecret_proof", proof));
        }
        q
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &"[REDACTED]")
            .field(
                "app_secret",
                &self.app_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

/// `appsecret_proof`: lowercase hex HMAC-SHA256 of the access token, keyed with the app secret.
///
/// ```
/// assert_eq!(
///     fb_audience::appsecret_proof("appsecret-123", "access-token-234"),
///     "cdfcbc87edc90f8123cd3797a0d6f6f7eedf63d97038a15d1693d297f653d7f2"
/// );
/// ```
pub fn appsecret_proof(app_secret: &str, access_token: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(access_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials::new("EAAB-token-xyz".to_string())
            .with_app_secret("shh-secret".to_string());
        let d = format!("{c:?}");
        assert!(!d.contains("EAAB") && !d.contains("shh"), "{d}");
        assert!(d.contains("[REDACTED]"));
        assert_eq!(
            c.appsecret_proof().unwrap(),
            appsecret_proof("shh-secret", "EAAB-token-xyz")
        );
    }
}
