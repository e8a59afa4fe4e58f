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

use std::cmp::Ordering;
use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use sync_core::http::reqwest::{Method, Url};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::Error;

const REDACTED: &str = sync_core::http::REDACTED;

/// The four credentials Magento shows when an integration is activated
/// (System > Extensions > Integrations).
#[derive(Clone)]
pub struct OAuth1Credentials {
    consumer_key: SecretString,
    consumer_secret: SecretString,
    access_token: SecretString,
    access_token_secret: SecretString,
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
        }
    }

    /// The `Authorization` header Magento expects for `method url`, signed with HMAC-SHA256
    /// using this nonce and Unix timestamp. The client calls this for every attempt with a
    /// fresh nonce; it is public for calling routes this crate does not wrap, and for checking
    /// a signature against another implementation.
    ///
    /// ```
    /// use magento_client::OAuth1Credentials;
    /// use magento_client::sync_core::http::reqwest::Url;
    ///
    /// let creds = OAuth1Credentials::new("ck", "cs", "at", "ats");
    /// let url = Url::parse("https://shop.example/rest/V1/orders?searchCriteria%5BpageSize%5D=1").unwrap();
    /// let header = creds.authorization_header("GET", &url, "nonce123", 1_700_000_000);
    /// assert!(header.starts_with("OAuth oauth_consumer_key=\"ck\",oauth_nonce=\"nonce123\""));
    /// assert!(header.contains("oauth_signature_method=\"HMAC-SHA256\""));
    /// ```
    pub fn authorization_header(
        &self,
        method: &str,
        url: &Url,
        nonce: &str,
        timestamp: u64,
    ) -> String {
        let method =
            Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap_or(Method::GET);
        oauth1_authorization(
            self,
            &method,
            url,
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
    /// OAuth 1.0a, HMAC-SHA256, with the integration's four credentials.
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

// ---------------------------------------------------------------------------------------------
// OAuth 1.0a, as Magento verifies it.
//
// Magento's verifier (Framework\Oauth\Helper\Request + the HMAC signer) rebuilds the parameter
// list from the raw query string: it splits on `&` and `=`, url-decodes each key and value (so
// `searchCriteria%5BpageSize%5D` becomes the key `searchCriteria[pageSize]`), adds the oauth_*
// header parameters, rawurlencodes every key and value (brackets become %5B/%5D), sorts the keys
// with PHP's natural order `strnatcmp`, and signs
// `METHOD&rawurlencode(scheme://host[:port]/path)&rawurlencode(k=v&k=v…)` with
// `rawurlencode(consumer_secret)&rawurlencode(token_secret)`.

/// RFC 3986 unreserved characters stay; everything else is percent-encoded (PHP `rawurlencode`).
const RAWURLENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(crate) fn rawurlencode(s: &str) -> String {
    utf8_percent_encode(s, RAWURLENCODE).to_string()
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

/// The URL part of the base string: scheme, host, non-default port, path; no query.
fn base_url(url: &Url) -> String {
    let mut out = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(url.path());
    out
}

/// The signature base string for `method url` with these oauth parameters.
pub(crate) fn signature_base_string(
    creds: &OAuth1Credentials,
    method: &Method,
    url: &Url,
    params: &OAuthParams,
) -> String {
    // Query parameters as Magento's verifier reads them: decoded, later duplicates win, and
    // oauth_* names in the query are not taken from there.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in url.query_pairs() {
        if k.starts_with("oauth_") {
            continue;
        }
        if let Some(existing) = pairs.iter_mut().find(|(ek, _)| *ek == k) {
            existing.1 = v.into_owned();
        } else {
            pairs.push((k.into_owned(), v.into_owned()));
        }
    }
    let oauth = [
        (
            "oauth_consumer_key",
            creds.consumer_key.expose_secret().to_string(),
        ),
        ("oauth_nonce", params.nonce.clone()),
        ("oauth_signature_method", "HMAC-SHA256".to_string()),
        ("oauth_timestamp", params.timestamp.to_string()),
        (
            "oauth_token",
            creds.access_token.expose_secret().to_string(),
        ),
        ("oauth_version", "1.0".to_string()),
    ];
    pairs.extend(oauth.into_iter().map(|(k, v)| (k.to_string(), v)));

    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (rawurlencode(k), rawurlencode(v)))
        .collect();
    encoded.sort_by(|a, b| php_strnatcmp(a.0.as_bytes(), b.0.as_bytes()));
    let joined = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.as_str().to_ascii_uppercase(),
        rawurlencode(&base_url(url)),
        rawurlencode(&joined)
    )
}

/// The `Authorization: OAuth …` header value for one request.
pub(crate) fn oauth1_authorization(
    creds: &OAuth1Credentials,
    method: &Method,
    url: &Url,
    params: &OAuthParams,
) -> String {
    let base = signature_base_string(creds, method, url, params);
    let key = format!(
        "{}&{}",
        rawurlencode(creds.consumer_secret.expose_secret()),
        rawurlencode(creds.access_token_secret.expose_secret())
    );
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(base.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    format!(
        "OAuth oauth_consumer_key=\"{}\",oauth_nonce=\"{}\",oauth_signature_method=\"HMAC-SHA256\",\
         oauth_timestamp=\"{}\",oauth_token=\"{}\",oauth_version=\"1.0\",oauth_signature=\"{}\"",
        rawurlencode(creds.consumer_key.expose_secret()),
        rawurlencode(&params.nonce),
        params.timestamp,
        rawurlencode(creds.access_token.expose_secret()),
        rawurlencode(&signature),
    )
}

/// PHP's `strnatcmp` (case-sensitive natural order), which Magento's signer sorts keys with:
/// digit runs compare as numbers (`[2]` before `[10]`); runs starting with `0` compare digit by
/// digit; leading zeros of the whole string are skipped.
pub(crate) fn php_strnatcmp(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return a.len().cmp(&b.len());
    }
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let (mut ai, mut bi) = (0usize, 0usize);
    let mut leading = true;
    loop {
        let mut ca = at(a, ai);
        let mut cb = at(b, bi);
        while leading && ca == b'0' && ai + 1 < a.len() && a[ai + 1].is_ascii_digit() {
            ai += 1;
            ca = a[ai];
        }
        while leading && cb == b'0' && bi + 1 < b.len() && b[bi + 1].is_ascii_digit() {
            bi += 1;
            cb = b[bi];
        }
        leading = false;
        while ca.is_ascii_whitespace() {
            ai += 1;
            ca = at(a, ai);
        }
        while cb.is_ascii_whitespace() {
            bi += 1;
            cb = at(b, bi);
        }
        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            let fractional = ca == b'0' || cb == b'0';
            let result = if fractional {
                compare_left(a, &mut ai, b, &mut bi)
            } else {
                compare_right(a, &mut ai, b, &mut bi)
            };
            if result != Ordering::Equal {
                return result;
            }
            match (ai >= a.len(), bi >= b.len()) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Less,
                (false, true) => return Ordering::Greater,
                _ => {
                    ca = a[ai];
                    cb = b[bi];
                }
            }
        }
        match ca.cmp(&cb) {
            Ordering::Equal => {}
            other => return other,
        }
        ai += 1;
        bi += 1;
        match (ai >= a.len(), bi >= b.len()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
    }
}

fn is_digit_at(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Right-aligned numbers: the longest run wins, else the first difference.
fn compare_right(a: &[u8], ai: &mut usize, b: &[u8], bi: &mut usize) -> Ordering {
    let mut bias = Ordering::Equal;
    loop {
        let (da, db) = (is_digit_at(a, *ai), is_digit_at(b, *bi));
        match (da, db) {
            (false, false) => return bias,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => {
                if bias == Ordering::Equal {
                    bias = a[*ai].cmp(&b[*bi]);
                }
            }
        }
        *ai += 1;
        *bi += 1;
    }
}

/// Left-aligned numbers (a run starting with 0): the first difference wins.
fn compare_left(a: &[u8], ai: &mut usize, b: &[u8], bi: &mut usize) -> Ordering {
    loop {
        let (da, db) = (is_digit_at(a, *ai), is_digit_at(b, *bi));
        match (da, db) {
            (false, false) => return Ordering::Equal,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (true, true) => match a[*ai].cmp(&b[*bi]) {
                Ordering::Equal => {}
                other => return other,
            },
        }
        *ai += 1;
        *bi += 1;
    }
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
    fn strnatcmp_matches_php() {
        let cmp = |a: &str, b: &str| php_strnatcmp(a.as_bytes(), b.as_bytes());
        assert_eq!(cmp("img12", "img10"), Ordering::Greater);
        assert_eq!(cmp("img2", "img10"), Ordering::Less);
        assert_eq!(cmp("a%5B2%5D", "a%5B10%5D"), Ordering::Less);
        assert_eq!(cmp("x01", "x1"), Ordering::Less);
        assert_eq!(cmp("abc", "abc"), Ordering::Equal);
        assert_eq!(cmp("abc", "abcd"), Ordering::Less);
        assert_eq!(cmp("Z", "a"), Ordering::Less);
        assert_eq!(cmp("oauth_token", "oauth_version"), Ordering::Less);
        assert_eq!(cmp("", "a"), Ordering::Less);
        let mut v = vec!["img12.png", "img10.png", "img2.png", "img1.png"];
        v.sort_by(|a, b| cmp(a, b));
        assert_eq!(v, ["img1.png", "img2.png", "img10.png", "img12.png"]);
    }

    #[test]
    fn rawurlencode_is_rfc3986() {
        assert_eq!(rawurlencode("a b+c~d.e_f-g[0]"), "a%20b%2Bc~d.e_f-g%5B0%5D");
        assert_eq!(rawurlencode("é"), "%C3%A9");
    }

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
