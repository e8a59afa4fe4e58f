//! [`ClientBuilder`]: the store's URL, the credentials, the auth mode and the shared
//! [`ClientOptions`]; and [`Client::from_env`].

use std::fmt;
use std::sync::Arc;

use secrecy::ExposeSecret;
use sync_core::Redactor;
use sync_core::http::reqwest::Url;
use sync_core::http::{ApiClient, ClientOptions, ConfigError, parse_base_url};

use crate::auth::{
    AuthMode, Credentials, LegacyApi, OAuthStampSource, SignatureMethod, SigningRules,
};
use crate::client::Client;
use crate::error::Error;
use crate::vendor::{SECRET_NAMES, WooVendor};

/// The REST namespace used unless [`ClientBuilder::namespace`] says otherwise.
pub const DEFAULT_NAMESPACE: &str = "wc/v3";

/// The environment variables [`Client::from_env`] reads.
pub mod env {
    /// The store's home URL (`https://shop.example.com`, or with its subdirectory).
    pub const BASE_URL: &str = "WOO_BASE_URL";
    /// The REST API consumer key (`ck_…`).
    pub const CONSUMER_KEY: &str = "WOO_CONSUMER_KEY";
    /// The REST API consumer secret (`cs_…`).
    pub const CONSUMER_SECRET: &str = "WOO_CONSUMER_SECRET";
    /// Optional: `basic` (the default) or `oauth1` (HMAC-SHA256, for plain-HTTP stores).
    pub const AUTH: &str = "WOO_AUTH";
}

/// Builds a [`Client`]: `Client::builder(site_url).credentials(..).options(..).build()`.
///
/// Transport settings (timeouts, retries, rate limit, user agent, a caller's reqwest client,
/// plain HTTP off loopback) are sync-core's [`ClientOptions`], the same in every client crate;
/// the methods here are WooCommerce's own (auth mode, namespace, legacy API).
///
/// ```
/// use std::time::Duration;
/// use woo_client::{Client, ClientOptions, Credentials};
///
/// let client = Client::builder("https://shop.example.com")
///     .credentials(Credentials::new("ck_x", "cs_y"))
///     .options(ClientOptions::new().attempt_timeout(Duration::from_secs(20)))
///     .build()?;
/// assert_eq!(client.site_url().as_str(), "https://shop.example.com/");
/// assert_eq!(client.api_base().as_str(), "https://shop.example.com/wp-json/wc/v3/");
/// # Ok::<(), woo_client::Error>(())
/// ```
#[must_use = "a builder does nothing until built"]
pub struct ClientBuilder {
    site: String,
    credentials: Option<Credentials>,
    options: ClientOptions,
    auth: AuthMode,
    namespace: String,
    rest_prefix: String,
    signing_rules: SigningRules,
    stamps: Option<Arc<dyn OAuthStampSource>>,
}

/// A redactor that knows WooCommerce's secret names and this key pair, for what the builder
/// prints before a client (and its own redactor) exists.
fn redactor_for(credentials: Option<&Credentials>) -> Redactor {
    let redactor = Redactor::new().secret_names(SECRET_NAMES);
    if let Some(c) = credentials {
        redactor.add_value(c.consumer_key().expose_secret());
        redactor.add_value(c.consumer_secret().expose_secret());
        redactor.add_value(&c.basic_credential());
    }
    redactor
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "site",
                &redactor_for(self.credentials.as_ref()).url(&self.site),
            )
            .field("credentials", &self.credentials)
            .field("auth", &self.auth)
            .field("namespace", &self.namespace)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start building a client for the store at `site_url`: WordPress's home URL, for example
    /// `https://shop.example.com` or `https://example.com/shop`.
    pub fn builder(site_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            site: site_url.into(),
            credentials: None,
            options: ClientOptions::new(),
            auth: AuthMode::Basic,
            namespace: DEFAULT_NAMESPACE.into(),
            rest_prefix: "wp-json".into(),
            signing_rules: SigningRules::Rest,
            stamps: None,
        }
    }

    /// A client from the environment:
    ///
    /// | variable | holds |
    /// |---|---|
    /// | `WOO_BASE_URL` | the store's home URL |
    /// | `WOO_CONSUMER_KEY` | the REST API consumer key (`ck_…`) |
    /// | `WOO_CONSUMER_SECRET` | the REST API consumer secret (`cs_…`) |
    /// | `WOO_AUTH` | optional: `basic` (default) or `oauth1` (HMAC-SHA256, for plain-HTTP stores) |
    ///
    /// with the default [`ClientOptions`].
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or wrong, or what
    /// [`ClientBuilder::build`] refuses.
    ///
    /// ```no_run
    /// // WOO_BASE_URL=https://shop.example.com WOO_CONSUMER_KEY=ck_… WOO_CONSUMER_SECRET=cs_…
    /// let client = woo_client::Client::from_env()?;
    /// # Ok::<(), woo_client::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        builder_from(|name| std::env::var(name).ok())?.build()
    }
}

/// A builder from `lookup` (the environment, or a map in tests).
fn builder_from(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
    let get = |name: &str| lookup(name).ok_or_else(|| ConfigError::missing_env(name));
    let builder = Client::builder(get(env::BASE_URL)?).credentials(Credentials::new(
        get(env::CONSUMER_KEY)?,
        get(env::CONSUMER_SECRET)?,
    ));
    match lookup(env::AUTH).as_deref().map(str::trim) {
        None | Some("" | "basic") => Ok(builder),
        Some("oauth1") => Ok(builder.oauth1(SignatureMethod::HmacSha256)),
        Some(_) => Err(ConfigError::new(env::AUTH, "expected `basic` or `oauth1`").into()),
    }
}

impl ClientBuilder {
    /// The REST API key pair (required).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Timeouts, retry policy, rate limit (default [`DEFAULT_RATE`](crate::DEFAULT_RATE) per
    /// second per store), user agent, a caller's reqwest client, response cap, plain HTTP.
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Authenticate with HTTPS Basic auth (the default).
    pub fn basic_auth(mut self) -> Self {
        self.auth = AuthMode::Basic;
        self
    }

    /// Authenticate with `consumer_key`/`consumer_secret` query parameters, for servers that
    /// strip the `Authorization` header. HTTPS only.
    pub fn query_string_auth(mut self) -> Self {
        self.auth = AuthMode::QueryString;
        self
    }

    /// Authenticate with OAuth 1.0a one-legged signatures: the only mode WooCommerce accepts over
    /// plain HTTP. The site URL must be exactly WordPress's home URL, because the server signs
    /// with that, not with the `Host` header.
    pub fn oauth1(mut self, method: SignatureMethod) -> Self {
        self.auth = AuthMode::OAuth1(method);
        self
    }

    /// Set the auth mode directly.
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.auth = mode;
        self
    }

    /// Talk to the legacy `wc-api` (removed from WooCommerce 9.0 core, served by the "WooCommerce
    /// Legacy REST API" plugin): sets the prefix to `wc-api` and the namespace to the version,
    /// and signs OAuth 1.0a requests the way that version checks them ([`SigningRules`]). The
    /// typed resources model `wc/v3` answers; use [`Client::get_json`]/[`Client::send_json`] here.
    pub fn legacy_api(mut self, version: LegacyApi) -> Self {
        self.rest_prefix = "wc-api".into();
        self.namespace = version.namespace().into();
        self.signing_rules = version.signing_rules();
        self
    }

    /// Where OAuth 1.0a nonces and timestamps come from (default: a random nonce and the clock,
    /// fresh for every attempt). Pin them in tests to compare a request with a signature
    /// computed by hand; never reuse a nonce against a real store.
    ///
    /// ```
    /// use woo_client::auth::OAuthStamp;
    /// use woo_client::{Client, Credentials, SignatureMethod};
    /// let client = Client::builder("http://shop.example")
    ///     .credentials(Credentials::new("ck_x", "cs_y"))
    ///     .oauth1(SignatureMethod::HmacSha256)
    ///     .oauth_stamps(|| OAuthStamp { nonce: "fixed".into(), timestamp: 1_700_000_000 })
    ///     .build()?;
    /// # Ok::<(), woo_client::Error>(())
    /// ```
    pub fn oauth_stamps(mut self, source: impl OAuthStampSource + 'static) -> Self {
        self.stamps = Some(Arc::new(source));
        self
    }

    /// The REST namespace (default `wc/v3`).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into().trim_matches('/').to_string();
        self
    }

    /// The REST prefix under the site (default `wp-json`; some sites rename it).
    pub fn rest_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.rest_prefix = prefix.into().trim_matches('/').to_string();
        self
    }

    /// Check the configuration and build the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a site URL that is not an `http(s)` home URL (no user-info, query
    /// or fragment), for Basic auth or query-string keys over plain HTTP off loopback (unless
    /// [`ClientOptions::allow_plain_http`]), and for missing or empty credentials.
    pub fn build(self) -> Result<Client, Error> {
        // Built first, so even a refused site URL is printed without the secrets it may carry.
        let redactor = redactor_for(self.credentials.as_ref());
        let Some(credentials) = self.credentials else {
            return Err(ConfigError::new(
                "credentials",
                "no REST API key: call .credentials(Credentials::new(consumer_key, consumer_secret))",
            )
            .into());
        };
        if credentials.consumer_key().expose_secret().is_empty()
            || credentials.consumer_secret().expose_secret().is_empty()
        {
            return Err(ConfigError::new(
                "credentials",
                "the consumer key and consumer secret must not be empty",
            )
            .into());
        }
        let site = site_url(&self.site, &self.options, self.auth, &redactor)?;
        let api_base = site
            .join(&format!("{}/{}/", self.rest_prefix, self.namespace))
            .map_err(|e| ConfigError::new("namespace", format!("cannot build the API URL: {e}")))?;
        let vendor = WooVendor {
            signing_home: signing_home(&self.site, &site),
            site,
            api_base,
            credentials,
            auth: self.auth,
            signing_rules: self.signing_rules,
            stamps: self.stamps,
        };
        let api = ApiClient::new(vendor, &self.options).map_err(Error::from_http)?;
        Ok(Client { api })
    }
}

/// The site URL under the kit's one plain-HTTP rule, where OAuth 1.0a counts as "the vendor
/// requires plain HTTP" (WooCommerce accepts only OAuth 1.0a without TLS). Errors name the
/// site through `redactor`.
fn site_url(
    raw: &str,
    options: &ClientOptions,
    auth: AuthMode,
    redactor: &Redactor,
) -> Result<Url, ConfigError> {
    let oauth = matches!(auth, AuthMode::OAuth1(_));
    parse_base_url(raw, options, oauth).map_err(|mut e| {
        let only_plain_http = Url::parse(raw.trim()).is_ok_and(|u| u.scheme() == "http")
            && parse_base_url(raw, &options.clone().allow_plain_http(true), oauth).is_ok();
        e.message = if only_plain_http {
            format!(
                "refusing to send the WooCommerce consumer secret with {} over plain HTTP to {}: \
                 WooCommerce only accepts it over HTTPS, and it would cross the network in clear \
                 text. Use the https:// URL, or OAuth 1.0a (`ClientBuilder::oauth1`) for a store \
                 without HTTPS (plain http:// is also accepted on loopback, or with \
                 ClientOptions::allow_plain_http behind a TLS-terminating proxy)",
                auth.name(),
                redactor.url(raw.trim()),
            )
        } else {
            format!("{} (site URL `{}`)", e.message, redactor.url(raw.trim()))
        };
        e
    })
}

/// The home URL WooCommerce signs with: `url::Url` lowercases the host, but WordPress signs its
/// configured home URL as stored, capitals included. So the scheme comes from the parsed URL
/// (WordPress sets it from the request) and the authority from the text as given.
fn signing_home(given: &str, parsed: &Url) -> String {
    let given = given.trim();
    let after_scheme = given.split_once("://").map_or(given, |(_, rest)| rest);
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    format!(
        "{}://{}{}",
        parsed.scheme(),
        &after_scheme[..authority_end],
        parsed.path()
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use sync_core::http::ClientError;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn from_env_reads_the_documented_variables() {
        let vars = [
            ("WOO_BASE_URL", "http://shop.example.com/shop"),
            ("WOO_CONSUMER_KEY", "ck_env"),
            ("WOO_CONSUMER_SECRET", "cs_env"),
            ("WOO_AUTH", "oauth1"),
        ];
        let client = builder_from(lookup(&vars)).unwrap().build().unwrap();
        assert_eq!(
            client.api_base().as_str(),
            "http://shop.example.com/shop/wp-json/wc/v3/"
        );
        assert_eq!(
            client.auth_mode(),
            AuthMode::OAuth1(SignatureMethod::HmacSha256)
        );
        // Basic is the default, and it refuses that plain-HTTP store.
        let err = builder_from(lookup(&vars[..3]))
            .unwrap()
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config(e) if e.field == "base_url"),
            "{err}"
        );
    }

    #[test]
    fn from_env_names_the_missing_or_wrong_variable() {
        let err =
            builder_from(lookup(&[("WOO_BASE_URL", "https://shop.example.com")])).unwrap_err();
        assert!(
            matches!(&err, Error::Config(e) if e.field == "WOO_CONSUMER_KEY"),
            "{err}"
        );
        assert_eq!(err.kind(), sync_core::http::ErrorKind::Config);
        let err = builder_from(lookup(&[
            ("WOO_BASE_URL", "https://shop.example.com"),
            ("WOO_CONSUMER_KEY", "ck"),
            ("WOO_CONSUMER_SECRET", "cs"),
            ("WOO_AUTH", "bearer"),
        ]))
        .unwrap_err();
        assert!(
            matches!(&err, Error::Config(e) if e.field == "WOO_AUTH"),
            "{err}"
        );
    }
}
