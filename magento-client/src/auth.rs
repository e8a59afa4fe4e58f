//! Credentials and request signing.
//!
//! Magento accepts three ways in for an unattended client:
//!
//! | [`Auth`] | What you need | Notes |
//! | --- | --- | --- |
//! | [`Auth::oauth1`] | the integration's consumer key, consumer secret, access token and access token secret | Works on every 2.x; signed with HMAC-SHA256 per request. The recommended mode. |
//! | [`Auth::integration_bearer`] | the integration's access token | Refused by 2.4.4+ unless the store enables "Allow OAuth Access Tokens to be used as standalone Bearer tokens"; a refusal becomes [`Error::BearerRefused`] with the setting's path. |
//! | [`Auth::admin`] | an admin username and password | Exchanged for a token at `POST /V1/integration/admin/token`, renewed before it expires (4 h by default). Not possible while two-factor auth is enabled for the user. |
//!
//! Every secret is a [`SecretString`]: `Debug` shows `[REDACTED]`, and no error or log line
//! carries one.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sync_core::http::reqwest::{Method, Url};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::Error;
use crate::oauth1::{
    self, PathNormalization, Protocol, SignInput, SignatureMethod, checked_method,
};

const REDACTED: &str = sync_core::http::REDACTED;

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
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
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

    fn protocol<'a>(&'a self, params: &'a OAuthParams) -> Protocol<'a> {
        Protocol {
            consumer_key: self.consumer_key.expose_secret(),
            token: self.access_token.expose_secret(),
            nonce: &params.nonce,
            timestamp: params.timestamp,
            signature_method: self.signature_method,
            path_normalization: self.path_normalization,
        }
    }

    /// The `Authorization` header Magento expects for `method url`, signed with this nonce and
    /// Unix timestamp. The client calls this for every attempt with a fresh nonce; it is public
    /// for checking a signature against another implementation. Methods other than GET, POST,
    /// PUT and DELETE (all Magento's REST API routes) are refused with [`Error::Config`].
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
        timestamp: u64,
    ) -> Result<String, Error> {
        self.signed_header(method, url, None, nonce, timestamp)
    }

    /// Like [`OAuth1Credentials::authorization_header`] for a request whose body is sent as
    /// `application/x-www-form-urlencoded`: Magento signs the body's fields too.
    pub fn authorization_header_for_form(
        &self,
        method: &str,
        url: &Url,
        form_body: &str,
        nonce: &str,
        timestamp: u64,
    ) -> Result<String, Error> {
        self.signed_header(method, url, Some(form_body), nonce, timestamp)
    }

    /// The header for `method` on `url` (and the form body, if any) with this nonce and time.
    fn signed_header(
        &self,
        method: &str,
        url: &Url,
        form_body: Option<&str>,
        nonce: &str,
        timestamp: u64,
    ) -> Result<String, Error> {
        let method = checked_method(method)?;
        oauth1_authorization(
            self,
            &method,
            url,
            form_body,
            &OAuthParams {
                nonce: nonce.to_string(),
                timestamp,
            },
        )
    }

    fn check(&self) -> Result<(), Error> {
        for (name, value) in [
            ("consumer key", &self.consumer_key),
            ("consumer secret", &self.consumer_secret),
            ("access token", &self.access_token),
            ("access token secret", &self.access_token_secret),
        ] {
            if value.expose_secret().is_empty() {
                return Err(Error::Config(format!(
                    "the integration's OAuth 1.0a {name} is empty; copy all four credentials from \
                     System > Extensions > Integrations > (your integration) > Integration Details"
                )));
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

    /// A username and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        AdminCredentials {
            username: username.into().trim().to_string(),
            password: SecretString::from(password.into()),
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

/// How the client authenticates.
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// OAuth 1.0a (HMAC-SHA256 or HMAC-SHA1) with the integration's four credentials.
    OAuth1(OAuth1Credentials),
    /// The integration's access token as `Authorization: Bearer`.
    IntegrationBearer(SecretString),
    /// Admin username and password, exchanged for a renewable token.
    Admin(AdminCredentials),
}

impl Auth {
    /// OAuth 1.0a with the integration's four credentials (works on every Magento 2 version).
    pub fn oauth1(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
    ) -> Auth {
        Auth::OAuth1(OAuth1Credentials::new(
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        ))
    }

    /// The integration's access token sent as a Bearer token. On Magento 2.4.4+ the store must
    /// enable `oauth/consumer/enable_integration_as_bearer`.
    pub fn integration_bearer(access_token: impl Into<String>) -> Auth {
        Auth::IntegrationBearer(trimmed(access_token.into()))
    }

    /// An admin login (token renewed before Magento's default 4-hour expiry).
    pub fn admin(username: impl Into<String>, password: impl Into<String>) -> Auth {
        Auth::Admin(AdminCredentials::new(username, password))
    }

    /// `oauth1`, `integration_bearer` or `admin`.
    pub fn mode(&self) -> &'static str {
        match self {
            Auth::OAuth1(_) => "oauth1",
            Auth::IntegrationBearer(_) => "integration_bearer",
            Auth::Admin(_) => "admin",
        }
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        match self {
            Auth::OAuth1(c) => c.check(),
            Auth::IntegrationBearer(token) => {
                let t = token.expose_secret();
                if t.is_empty() {
                    return Err(Error::Config(
                        "the integration access token is empty".to_string(),
                    ));
                }
                if !t.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::Config(
                        "the integration access token contains spaces or non-ASCII characters; \
                         copy it again from the integration's details"
                            .to_string(),
                    ));
                }
                Ok(())
            }
            Auth::Admin(a) => {
                if a.username.is_empty() || a.password.expose_secret().is_empty() {
                    return Err(Error::Config(
                        "the admin username or password is empty".to_string(),
                    ));
                }
                if a.renew_after().is_zero() {
                    return Err(Error::Config(format!(
                        "admin token renew margin {:?} is not shorter than its lifetime {:?}",
                        a.renew_before, a.token_lifetime
                    )));
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::OAuth1(c) => f.debug_tuple("OAuth1").field(c).finish(),
            Auth::IntegrationBearer(_) => {
                f.debug_tuple("IntegrationBearer").field(&REDACTED).finish()
            }
            Auth::Admin(a) => f.debug_tuple("Admin").field(a).finish(),
        }
    }
}

fn trimmed(s: String) -> SecretString {
    SecretString::from(s.trim().to_string())
}

/// The oauth_* protocol parameters of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthParams {
    pub nonce: String,
    pub timestamp: u64,
}

impl OAuthParams {
    pub(crate) fn fresh() -> Self {
        let nonce: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(32)
            .collect();
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        OAuthParams { nonce, timestamp }
    }
}

/// The `Authorization: OAuth …` header value for one request (see [`crate::oauth1`]).
pub(crate) fn oauth1_authorization(
    creds: &OAuth1Credentials,
    method: &Method,
    url: &Url,
    form_body: Option<&str>,
    params: &OAuthParams,
) -> Result<String, Error> {
    oauth1::authorization(
        &SignInput {
            method,
            url,
            form_body,
        },
        &creds.protocol(params),
        creds.consumer_secret.expose_secret(),
        creds.access_token_secret.expose_secret(),
    )
}

// ---------------------------------------------------------------------------------------------
// Admin token cache.

/// An admin token and when it was issued.
struct IssuedToken {
    token: SecretString,
    issued: Instant,
    serial: u64,
}

/// Holds the admin token; one login at a time, renewed before expiry, dropped after a 401.
pub(crate) struct TokenCache {
    slot: Mutex<Option<IssuedToken>>,
    serial: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new() -> Self {
        TokenCache {
            slot: Mutex::new(None),
            serial: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The current token, logging in first when there is none or it is due for renewal.
    /// Concurrent callers wait for one login rather than each logging in.
    pub(crate) async fn get<F, Fut>(
        &self,
        renew_after: Duration,
        login: F,
    ) -> Result<(SecretString, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<SecretString, Error>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(current) = slot.as_ref() {
            if current.issued.elapsed() < renew_after {
                return Ok((current.token.clone(), current.serial));
            }
            tracing::info!("admin token is due for renewal: logging in again");
        }
        let issued = Instant::now();
        let token = login().await?;
        let serial = self
            .serial
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        *slot = Some(IssuedToken {
            token: token.clone(),
            issued,
            serial,
        });
        Ok((token, serial))
    }

    /// Forget the token `serial` (Magento refused it), unless a newer one replaced it already.
    pub(crate) async fn invalidate(&self, serial: u64) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|t| t.serial == serial) {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let auth = Auth::oauth1("ck-visible?", "cs-secret", "at-secret", "ats-secret");
        let text = format!("{auth:?}");
        for secret in ["ck-visible?", "cs-secret", "at-secret", "ats-secret"] {
            assert!(!text.contains(secret), "{text}");
        }
        let text = format!("{:?}", Auth::admin("alice", "hunter2"));
        assert!(
            text.contains("alice") && !text.contains("hunter2"),
            "{text}"
        );
        let text = format!("{:?}", Auth::integration_bearer("tok-123"));
        assert!(!text.contains("tok-123"), "{text}");
    }
}
