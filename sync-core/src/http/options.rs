//! [`ClientOptions`]: the one set of transport settings every client builder takes, and the
//! one plain-HTTP rule.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::executor::DEFAULT_MAX_RESPONSE_BYTES;
use super::loopback::is_loopback;
use super::rate_limit::{RateLimit, RateQuota};
use crate::retry::RetryPolicy;
use crate::verdict::{Classify, PermanentKind, Verdict};

/// How a client paces its requests.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum RateSetting {
    /// The vendor's documented limit, shared by every client of one account (the default).
    #[default]
    VendorDefault,
    /// This quota, shared by every client of one account.
    Quota(RateQuota),
    /// This limiter, shared with whoever else holds it.
    Shared(Arc<RateLimit>),
    /// No pacing: the server's 429s and `Retry-After` alone.
    Off,
}

/// Transport settings, the same in every client crate: build one, then hand it to any
/// client's builder with `.options(..)`.
///
/// ```
/// use std::time::Duration;
/// use sync_core::http::{ClientOptions, RateQuota};
///
/// let options = ClientOptions::new()
///     .attempt_timeout(Duration::from_secs(20))
///     .rate_quota(RateQuota::per_second(2))
///     .user_agent("my-shop-sync/1.0");
/// assert_eq!(options.attempt_timeout_value(), Some(Duration::from_secs(20)));
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry_policy: Option<Arc<dyn RetryPolicy>>,
    pub(crate) rate: RateSetting,
    pub(crate) max_server_wait: Option<Duration>,
    pub(crate) user_agent: Option<String>,
    pub(crate) reqwest_client: Option<reqwest::Client>,
    pub(crate) max_response_bytes: usize,
    pub(crate) allow_plain_http: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            attempt_timeout: None,
            connect_timeout: Duration::from_secs(10),
            retry_policy: None,
            rate: RateSetting::VendorDefault,
            max_server_wait: None,
            user_agent: None,
            reqwest_client: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_plain_http: false,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("attempt_timeout", &self.attempt_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("rate", &self.rate)
            .field("max_server_wait", &self.max_server_wait)
            .field("user_agent", &self.user_agent)
            .field("reqwest_client", &self.reqwest_client.is_some())
            .field("max_response_bytes", &self.max_response_bytes)
            .field("allow_plain_http", &self.allow_plain_http)
            .finish()
    }
}

impl ClientOptions {
    /// The defaults: the vendor's attempt timeout (30 s unless it says otherwise), 10 s to connect, the vendor's retry policy and rate
    /// limit, a 32 MiB response cap, HTTPS only (plain HTTP on loopback).
    pub fn new() -> Self {
        Self::default()
    }

    /// Per-attempt timeout, covering the whole exchange including the body (default: the
    /// vendor's, 30 s unless its uploads need longer).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = Some(d);
        self
    }

    /// Connection timeout (default 10 s; ignored with [`reqwest_client`](Self::reqwest_client)).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// The retry policy for one call (default: the vendor's, usually
    /// [`ExponentialBackoff::default`](crate::ExponentialBackoff::default)). It governs the
    /// client's own resends only; the outbox and the engine keep their own limits.
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.retry_policy = Some(Arc::new(policy));
        self
    }

    /// The retry policy, shared.
    pub fn retry_policy_arc(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Pace requests at `quota`, shared by every client of the same account.
    pub fn rate_quota(mut self, quota: RateQuota) -> Self {
        self.rate = RateSetting::Quota(quota);
        self
    }

    /// Pace requests with this limiter, shared with whoever else holds it.
    pub fn rate_limit(mut self, limit: Arc<RateLimit>) -> Self {
        self.rate = RateSetting::Shared(limit);
        self
    }

    /// Send without client-side pacing (the server's 429s still slow the client down).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate = RateSetting::Off;
        self
    }

    /// The longest server-requested wait (`Retry-After` or the vendor's equivalent) honoured;
    /// longer ones are clamped (default: the vendor's, 15 min unless it documents otherwise).
    pub fn max_server_wait(mut self, d: Duration) -> Self {
        self.max_server_wait = Some(d);
        self
    }

    /// The `User-Agent` header (default `commerce-sync/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Send through this reqwest client (proxies, custom roots). Build it with redirects off:
    /// a followed redirect can turn a POST into a GET and drop its body.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    /// The largest response body read (default 32 MiB); larger ones fail permanently.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allow a plain `http://` base URL off loopback. Credentials then cross the network in
    /// clear text: only for a TLS-terminating proxy on a private network you control.
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.allow_plain_http = allow;
        self
    }

    /// The per-attempt timeout set, if any.
    pub fn attempt_timeout_value(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The retry policy set, if any.
    pub fn retry_policy_value(&self) -> Option<&Arc<dyn RetryPolicy>> {
        self.retry_policy.as_ref()
    }

    /// The longest server wait set, if any.
    pub fn max_server_wait_value(&self) -> Option<Duration> {
        self.max_server_wait
    }

    /// The user agent set, if any.
    pub fn user_agent_value(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    /// The rate setting.
    pub fn rate(&self) -> &RateSetting {
        &self.rate
    }

    /// Whether plain HTTP off loopback was allowed.
    pub fn plain_http_allowed(&self) -> bool {
        self.allow_plain_http
    }
}

/// A setting that cannot work: which one, and what is wrong with it. Every client's
/// `Error::Config` holds one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {message}")]
pub struct ConfigError {
    /// The setting or credential to fix (`base_url`, `consumer_key`, `WOO_BASE_URL`).
    pub field: String,
    /// What is wrong with it (never its value when it is a secret).
    pub message: String,
}

impl ConfigError {
    /// `field` is wrong because `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The environment variable `name` is not set (or not unicode).
    pub fn missing_env(name: &str) -> Self {
        ConfigError::new(name, "the environment variable is not set")
    }
}

impl Classify for ConfigError {
    fn verdict(&self) -> Verdict {
        Verdict::Permanent(PermanentKind::Config)
    }
}

/// The one plain-HTTP rule: `https://` always; `http://` only on loopback (local mocks, a
/// sidecar), when the vendor's scheme requires it (`vendor_requires_plain_http`, e.g.
/// WooCommerce's OAuth 1.0a, which it accepts on plain HTTP only), or when the user opted in
/// with [`ClientOptions::allow_plain_http`]. Anything else is not a base URL.
///
/// ```
/// use sync_core::http::{ClientOptions, check_base_url};
///
/// let url = |s: &str| url::Url::parse(s).unwrap();
/// let options = ClientOptions::new();
/// assert!(check_base_url(&url("https://shop.example.com/"), &options, false).is_ok());
/// assert!(check_base_url(&url("http://127.0.0.1:8080/"), &options, false).is_ok());
/// let refused = check_base_url(&url("http://shop.example.com/"), &options, false).unwrap_err();
/// assert_eq!(refused.field, "base_url");
/// assert!(check_base_url(&url("http://shop.example.com/"), &options.allow_plain_http(true), false).is_ok());
/// ```
pub fn check_base_url(
    url: &Url,
    options: &ClientOptions,
    vendor_requires_plain_http: bool,
) -> Result<(), ConfigError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) || vendor_requires_plain_http || options.allow_plain_http => {
            Ok(())
        }
        "http" => Err(ConfigError::new(
            "base_url",
            "plain http:// would send the credentials in clear text; use https:// \
             (http:// is accepted on loopback, or with ClientOptions::allow_plain_http)",
        )),
        other => Err(ConfigError::new(
            "base_url",
            format!("scheme `{other}` is not supported; use https://"),
        )),
    }
}

/// Parse a base URL for a client: user-info refused (credentials go in the builder's
/// credentials, never the URL), the scheme checked by [`check_base_url`], a trailing `/` added
/// so that relative paths join under it. Messages never repeat the URL (it may carry a key).
pub fn parse_base_url(
    raw: &str,
    options: &ClientOptions,
    vendor_requires_plain_http: bool,
) -> Result<Url, ConfigError> {
    let mut url = Url::parse(raw.trim())
        .map_err(|e| ConfigError::new("base_url", format!("not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::new(
            "base_url",
            "it carries a user name or password; pass credentials to the builder instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::new(
            "base_url",
            "it carries a query or fragment; give the bare API address",
        ));
    }
    check_base_url(&url, options, vendor_requires_plain_http)?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}
