//! Credentials: the three ways an unattended client gets into Magento.
//!
//! | [`Credentials`] | What you need | Notes |
//! | --- | --- | --- |
//! | [`Credentials::oauth1`] | the integration's consumer key, consumer secret, access token and access token secret | Works on every 2.x; signed with HMAC-SHA256 per attempt. The recommended mode. |
//! | [`Credentials::integration_bearer`] | the integration's access token | Refused by 2.4.4+ unless the store enables "Allow OAuth Access Tokens to be used as standalone Bearer tokens"; a refusal becomes [`Error::BearerRefused`] with the setting's path. |
//! | [`Credentials::admin`] | an admin username and password | Exchanged for a token at `POST /V1/integration/admin/token`, renewed before it expires (4 h by default). Not possible while two-factor auth is enabled for the user. |
//!
//! Every secret is taken as `impl Into<SecretString>` and kept as one: `Debug` shows
//! `[REDACTED]`, and no error or log line carries one.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sync_core::http::reqwest::Url;
use sync_core::http::{ConfigError, REDACTED};
use sync_core::oauth1::{OAuthStamp, SignatureMethod};

use crate::error::Error;
use crate::oauth1::{PathNormalization, Protocol, SignInput, authorization, checked_method};

/// The four credentials Magento shows when an integration is activated
/// (System > Extensions > Integrations).
#[derive(Clone)]
pub struct OAuth1Credentials {
    consumer_key: SecretString,
    consumer_secret: SecretString,
    access_token: SecretString,
    access_token_secret: SecretString,
    signature_method: SignatureMethod,
    path_normalization: PathNormalization,
}

impl OAuth1Credentials {
    /// The integration's consumer key, consumer secret, access token and access token secret.
    /// Surrounding whitespace (a copy-paste artefact) is trimmed.
    pub fn new(
        consumer_key: impl Into<SecretString>,
        consumer_secret: impl Into<SecretString>,
        access_token: impl Into<SecretString>,
        access_token_secret: impl Into<SecretString>,
    ) -> Self {
        OAuth1Credentials {
            consumer_key: trimmed(consumer_key.into()),
            consumer_secret: trimmed(consumer_secret.into()),
            access_token: trimmed(access_token.into()),
            access_token_secret: trimmed(access_token_secret.into()),
            signature_method: SignatureMethod::default(),
            path_normalization: PathNormalization::default(),
        }
    }

    /// Sign with this HMAC (default [`SignatureMethod::HmacSha256`]; Magento verifies
    /// `HMAC-SHA1` too).
    pub fn signature_method(mut self, method: SignatureMethod) -> Self {
        self.signature_method = method;
        self
    }

    /// How escapes in the request path are signed (default [`PathNormalization::Laminas`]; see
    /// there for the Magento versions).
    pub fn path_normalization(mut self, rule: PathNormalization) -> Self {
        self.path_normalization = rule;
        self
    }

    /// The secrets these credentials hold, for registering with a redactor.
    pub(crate) fn secret_values(&self) -> [&str; 4] {
        [
            self.consumer_key.expose_secret(),
            self.consumer_secret.expose_secret(),
            self.access_token.expose_secret(),
            self.access_token_secret.expose_secret(),
        ]
    }

    /// The `Authorization` header Magento expects for `method url`, signed with this nonce and
    /// Unix timestamp. The client signs every attempt with a fresh stamp; this is public for
    /// checking a signature against another implementation. Methods other than GET, POST, PUT
    /// and DELETE (all Magento's REST API routes) are refused with [`Error::Config`].
    ///
    /// ```
    /// use magento_client::OAuth1Credentials;
    /// use magento_client::sync_core::http::reqwest::Url;
    ///
    /// let creds = OAuth1Credentials::new("ck", "cs", "at", "ats");
    /// let url = Url::parse("https://shop.example/rest/V1/orders?searchCriteria%5BpageSize%5D=1").unwrap();
    /// let header = creds.authorization_header("GET", &url, "nonce123", 1_700_000_000).unwrap();
    /// assert!(header.starts_with("OAuth oauth_consumer_key=\"ck\",oauth_nonce=\"nonce123\""));
    /// assert!(header.contains("oauth_signature_method=\"HMAC-SHA256\""));
    /// assert!(creds.authorization_header("PATCH", &url, "n", 1).is_err());
    /// ```
    pub fn authorization_header(
        &self,
        method: &str,
        url: &Url,
        nonce: &str,
        timestamp: i64,
    ) -> Result<String, Error> {
        let stamp = OAuthStamp {
            nonce: nonce.to_string(),
            timestamp,
        };
        Ok(self.header_for(method, url, None, &stamp)?)
    }

    /// Like [`OAuth1Credentials::authorization_header`] for a request whose body is sent as
    /// `application/x-www-form-urlencoded`: Magento signs the body's fields too.
    pub fn authorization_header_for_form(
        &self,
        method: &str,
        url: &Url,
        form_body: &str,
        nonce: &str,
        timestamp: i64,
    ) -> Result<String, Error> {
        let stamp = OAuthStamp {
            nonce: nonce.to_string(),
            timestamp,
        };
        Ok(self.header_for(method, url, Some(form_body), &stamp)?)
    }

    /// The header for `method` on `url` (and the form body, if any) with this stamp.
    pub(crate) fn header_for(
        &self,
        method: &str,
        url: &Url,
        form_body: Option<&str>,
        stamp: &OAuthStamp,
    ) -> Result<String, ConfigError> {
        let method = checked_method(method)?;
        authorization(
            &SignInput {
                method: &method,
                url,
                form_body,
            },
            &Protocol {
                consumer_key: self.consumer_key.expose_secret(),
                token: self.access_token.expose_secret(),
                nonce: &stamp.nonce,
                timestamp: stamp.timestamp,
                signature_method: self.signature_method,
                path_normalization: self.path_normalization,
            },
            self.consumer_secret.expose_secret(),
            self.access_token_secret.expose_secret(),
        )
    }

    fn check(&self) -> Result<(), ConfigError> {
        for (field, name, value) in [
            ("consumer_key", "consumer key", &self.consumer_key),
            ("consumer_secret", "consumer secret", &self.consumer_secret),
            ("access_token", "access token", &self.access_token),
            (
                "access_token_secret",
                "access token secret",
                &self.access_token_secret,
            ),
        ] {
            if value.expose_secret().is_empty() {
                return Err(ConfigError::new(
                    field,
                    format!(
                        "the integration's OAuth 1.0a {name} is empty; copy all four credentials \
                         from System > Extensions > Integrations > (your integration) > \
                         Integration Details"
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for OAuth1Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Credentials")
            .field("consumer_key", &REDACTED)
            .field("consumer_secret", &REDACTED)
            .field("access_token", &REDACTED)
            .field("access_token_secret", &REDACTED)
            .field("signature_method", &self.signature_method)
            .finish()
    }
}

/// An admin user's login, exchanged for a token that is renewed before it expires.
#[derive(Clone)]
pub struct AdminCredentials {
    username: String,
    password: SecretString,
    token_lifetime: Duration,
    renew_before: Duration,
}

impl AdminCredentials {
    /// Magento's default admin token lifetime (Stores > Configuration > Services > OAuth >
    /// Access Token Expiration > Admin Token Lifetime).
    pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(4 * 3600);
    /// How long before expiry the token is renewed by default.
    pub const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

    /// A username (not secret) and password.
    pub fn new(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        AdminCredentials {
            username: username.into().trim().to_string(),
            password: password.into(),
            token_lifetime: Self::DEFAULT_TOKEN_LIFETIME,
            renew_before: Self::DEFAULT_RENEW_BEFORE,
        }
    }

    /// The store's configured admin token lifetime, if it is not the default 4 hours.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Renew this long before the token expires (default 5 minutes).
    pub fn renew_before(mut self, margin: Duration) -> Self {
        self.renew_before = margin;
        self
    }

    /// The username (not secret).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// How long a token is used before it is renewed.
    pub fn renew_after(&self) -> Duration {
        self.token_lifetime.saturating_sub(self.renew_before)
    }

    pub(crate) fn password(&self) -> &SecretString {
        &self.password
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.username.is_empty() || self.password.expose_secret().is_empty() {
            return Err(ConfigError::new(
                "admin credentials",
                "the admin username or password is empty",
            ));
        }
        if self.renew_after().is_zero() {
            return Err(ConfigError::new(
                "renew_before",
                format!(
                    "admin token renew margin {:?} is not shorter than its lifetime {:?}",
                    self.renew_before, self.token_lifetime
                ),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for AdminCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminCredentials")
            .field("username", &self.username)
            .field("password", &REDACTED)
            .field("token_lifetime", &self.token_lifetime)
            .field("renew_before", &self.renew_before)
            .finish()
    }
}

/// How the client authenticates: pass one to
/// [`ClientBuilder::credentials`](crate::ClientBuilder::credentials).
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// OAuth 1.0a (HMAC-SHA256 or HMAC-SHA1) with the integration's four credentials.
    OAuth1(OAuth1Credentials),
    /// The integration's access token as `Authorization: Bearer`.
    IntegrationBearer(SecretString),
    /// Admin username and password, exchanged for a renewable token.
    Admin(AdminCredentials),
}

impl Credentials {
    /// OAuth 1.0a with the integration's four credentials (works on every Magento 2 version).
    pub fn oauth1(
        consumer_key: impl Into<SecretString>,
        consumer_secret: impl Into<SecretString>,
        access_token: impl Into<SecretString>,
        access_token_secret: impl Into<SecretString>,
    ) -> Credentials {
        Credentials::OAuth1(OAuth1Credentials::new(
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        ))
    }

    /// The integration's access token sent as a Bearer token. On Magento 2.4.4+ the store must
    /// enable `oauth/consumer/enable_integration_as_bearer`.
    pub fn integration_bearer(access_token: impl Into<SecretString>) -> Credentials {
        Credentials::IntegrationBearer(trimmed(access_token.into()))
    }

    /// An admin login (token renewed before Magento's default 4-hour expiry).
    pub fn admin(username: impl Into<String>, password: impl Into<SecretString>) -> Credentials {
        Credentials::Admin(AdminCredentials::new(username, password))
    }

    /// `oauth1`, `integration_bearer` or `admin`.
    pub fn mode(&self) -> &'static str {
        match self {
            Credentials::OAuth1(_) => "oauth1",
            Credentials::IntegrationBearer(_) => "integration_bearer",
            Credentials::Admin(_) => "admin",
        }
    }

    /// The secret values held, for the redactor.
    pub(crate) fn secret_values(&self) -> Vec<&str> {
        match self {
            Credentials::OAuth1(c) => c.secret_values().to_vec(),
            Credentials::IntegrationBearer(token) => vec![token.expose_secret()],
            Credentials::Admin(admin) => vec![admin.password().expose_secret()],
        }
    }

    /// Refuse what cannot work before anything is sent.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        match self {
            Credentials::OAuth1(c) => c.check(),
            Credentials::IntegrationBearer(token) => {
                let t = token.expose_secret();
                if t.is_empty() {
                    return Err(ConfigError::new(
                        "access_token",
                        "the integration access token is empty",
                    ));
                }
                if !t.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ConfigError::new(
                        "access_token",
                        "the integration access token contains spaces or non-ASCII characters; \
                         copy it again from the integration's details",
                    ));
                }
                Ok(())
            }
            Credentials::Admin(a) => a.check(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::OAuth1(c) => f.debug_tuple("OAuth1").field(c).finish(),
            Credentials::IntegrationBearer(_) => {
                f.debug_tuple("IntegrationBearer").field(&REDACTED).finish()
            }
            Credentials::Admin(a) => f.debug_tuple("Admin").field(a).finish(),
        }
    }
}

fn trimmed(secret: SecretString) -> SecretString {
    let value = secret.expose_secret();
    if value.trim().len() == value.len() {
        secret
    } else {
        SecretString::from(value.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let creds = Credentials::oauth1("ck-visible?", "cs-secret", "at-secret", "ats-secret");
        let text = format!("{creds:?}");
        for secret in ["ck-visible?", "cs-secret", "at-secret", "ats-secret"] {
            assert!(!text.contains(secret), "{text}");
        }
        let text = format!("{:?}", Credentials::admin("alice", "hunter2"));
        assert!(
            text.contains("alice") && !text.contains("hunter2"),
            "{text}"
        );
        let text = format!("{:?}", Credentials::integration_bearer("tok-123"));
        assert!(!text.contains("tok-123"), "{text}");
    }
}
