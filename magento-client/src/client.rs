//! [`Client`] and [`ClientBuilder`]: base URL, credentials, store code, page size, and the
//! shared transport options ([`ClientOptions`]).

use std::fmt;
use std::time::Duration;

use sync_core::Redactor;
use sync_core::http::reqwest::Url;
use sync_core::http::{ApiClient, ClientOptions, ConfigError, parse_base_url};

use crate::admin_token::{AdminLoginVendor, AdminSession};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::orders::Orders;
use crate::search::{DEFAULT_PAGE_SIZE, MAGENTO_MAX_PAGE_SIZE_WITH_INPUT_LIMITS};
use crate::stores::Stores;
use crate::vendor::{Authorization, MagentoVendor, SECRET_NAMES};

/// The environment variables [`Client::from_env`] reads.
pub mod env {
    /// The shop's root URL (required).
    pub const BASE_URL: &str = "MAGENTO_BASE_URL";
    /// OAuth 1.0a: the integration's consumer key (selects OAuth 1.0a; then the next three
    /// are required too).
    pub const CONSUMER_KEY: &str = "MAGENTO_CONSUMER_KEY";
    /// OAuth 1.0a: the integration's consumer secret.
    pub const CONSUMER_SECRET: &str = "MAGENTO_CONSUMER_SECRET";
    /// The integration's access token: OAuth 1.0a's token, or alone the Bearer token.
    pub const ACCESS_TOKEN: &str = "MAGENTO_ACCESS_TOKEN";
    /// OAuth 1.0a: the integration's access token secret.
    pub const ACCESS_TOKEN_SECRET: &str = "MAGENTO_ACCESS_TOKEN_SECRET";
    /// Admin login: the username (selects the admin login; the password is then required).
    pub const ADMIN_USERNAME: &str = "MAGENTO_ADMIN_USERNAME";
    /// Admin login: the password.
    pub const ADMIN_PASSWORD: &str = "MAGENTO_ADMIN_PASSWORD";
    /// Optional store code requests are scoped to (`/rest/<code>/V1/…`).
    pub const STORE_CODE: &str = "MAGENTO_STORE_CODE";
}

/// The default per-attempt timeout: order pages are large, so longer than the kit's 30 s.
pub(crate) const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds a [`Client`]: `Client::builder(base_url).credentials(..).options(..).build()`.
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    store_code: Option<String>,
    page_size: u32,
    options: ClientOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Userinfo, query and fragment can carry credentials: show scheme, host, port and path
        // only, through a redactor that knows the secret values the credentials hold.
        let redactor = Redactor::new().secret_names(SECRET_NAMES.iter().copied());
        if let Some(credentials) = &self.credentials {
            for value in credentials.secret_values() {
                redactor.add_value(value);
            }
        }
        f.debug_struct("ClientBuilder")
            .field(
                "base_url",
                &format_args!("{}", redactor.text(&shown_base_url(&self.base_url))),
            )
            .field("credentials", &self.credentials)
            .field("store_code", &self.store_code)
            .field("page_size", &self.page_size)
            .field("options", &self.options)
            .finish()
    }
}

impl ClientBuilder {
    /// Credentials (required). See [`Credentials`] for the three modes.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Send scoped requests to `/rest/<code>/V1/…` instead of `/rest/V1/…`.
    ///
    /// This sets the *scope* of the request (labels, prices), **not** a filter: Magento returns
    /// the orders of every store whatever the code. Filter orders by `store_id`
    /// ([`OrderFeed::store`](crate::OrderFeed::store)).
    pub fn store_code(mut self, code: impl Into<String>) -> Self {
        self.store_code = Some(code.into());
        self
    }

    /// Default page size for streams and sync sources (default 100, at most 300 when the
    /// store enables web API input limits).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// Transport settings shared by every commerce-sync client: timeouts, retry policy, rate
    /// limit, max server wait, user agent, a caller's `reqwest::Client`, body cap, plain HTTP.
    /// Default: [`ClientOptions::new`] with 60 s per attempt (order pages are large). Magento
    /// core has no REST rate limiter, but hosts and WAFs (Fastly on Adobe Cloud) do: set one
    /// with [`ClientOptions::rate_quota`] if yours throttles.
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Start from the environment ([`mod@env`] names the variables): `MAGENTO_BASE_URL`, then one
    /// credential set — `MAGENTO_CONSUMER_KEY` + `MAGENTO_CONSUMER_SECRET` +
    /// `MAGENTO_ACCESS_TOKEN` + `MAGENTO_ACCESS_TOKEN_SECRET` (OAuth 1.0a),
    /// `MAGENTO_ADMIN_USERNAME` + `MAGENTO_ADMIN_PASSWORD` (admin login), or
    /// `MAGENTO_ACCESS_TOKEN` alone (integration Bearer token) — and `MAGENTO_STORE_CODE` if
    /// set. Add options before [`build`](Self::build).
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing variable, or the two that conflict.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) reading the variables from `lookup` (a config map, a test).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use magento_client::{ClientBuilder, Error};
    ///
    /// let vars = HashMap::from([
    ///     ("MAGENTO_BASE_URL", "https://shop.example.com"),
    ///     ("MAGENTO_ACCESS_TOKEN", "integration-token"),
    ///     ("MAGENTO_STORE_CODE", "de"),
    /// ]);
    /// let client = ClientBuilder::from_lookup(|k| vars.get(k).map(|v| v.to_string()))?.build()?;
    /// assert_eq!(client.store_code(), Some("de"));
    ///
    /// let err = ClientBuilder::from_lookup(|_| None).unwrap_err();
    /// assert!(matches!(err, Error::Config(e) if e.field == "MAGENTO_BASE_URL"));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &str| var(name).ok_or_else(|| ConfigError::missing_env(name));
        let base_url = required(env::BASE_URL)?;
        let credentials = match (var(env::CONSUMER_KEY), var(env::ADMIN_USERNAME)) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    env::ADMIN_USERNAME,
                    "both MAGENTO_CONSUMER_KEY (OAuth 1.0a) and MAGENTO_ADMIN_USERNAME (admin \
                     login) are set; set the variables of one mode only",
                ));
            }
            (Some(consumer_key), None) => Credentials::oauth1(
                consumer_key,
                required(env::CONSUMER_SECRET)?,
                required(env::ACCESS_TOKEN)?,
                required(env::ACCESS_TOKEN_SECRET)?,
            ),
            (None, Some(username)) => Credentials::admin(username, required(env::ADMIN_PASSWORD)?),
            (None, None) => match var(env::ACCESS_TOKEN) {
                Some(token) => Credentials::integration_bearer(token),
                None => {
                    return Err(Error::config(
                        env::ACCESS_TOKEN,
                        "no credentials in the environment: set MAGENTO_ACCESS_TOKEN (Bearer), \
                         MAGENTO_CONSUMER_KEY/_SECRET with MAGENTO_ACCESS_TOKEN/_SECRET \
                         (OAuth 1.0a), or MAGENTO_ADMIN_USERNAME/_PASSWORD",
                    ));
                }
            },
        };
        let mut builder = Client::builder(base_url).credentials(credentials);
        if let Some(code) = var(env::STORE_CODE) {
            builder = builder.store_code(code.trim());
        }
        Ok(builder)
    }

    /// Build the client.
    ///
    /// # Errors
    /// [`Error::Config`]: no or empty credentials, a base URL that is not `https://` (plain
    /// `http://` only on loopback or with [`ClientOptions::allow_plain_http`]), carries
    /// credentials, a query or a fragment; an invalid store code; a page size of 0.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::config(
                "credentials",
                "no credentials: call .credentials(Credentials::oauth1(..)), \
                 .credentials(Credentials::integration_bearer(..)) or \
                 .credentials(Credentials::admin(..))",
            )
        })?;
        let base = magento_base_url(&self.base_url, &self.options)?;
        credentials.check()?;
        if let Some(code) = &self.store_code
            && (code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return Err(Error::config(
                "store_code",
                format!("{code:?} is not a Magento store code (letters, digits and _)"),
            ));
        }
        if self.page_size == 0 {
            return Err(Error::config(
                "page_size",
                "the page size must be at least 1",
            ));
        }
        if self.page_size > MAGENTO_MAX_PAGE_SIZE_WITH_INPUT_LIMITS {
            tracing::warn!(
                page_size = self.page_size,
                "page size above 300: stores with web API input limits enabled answer 400"
            );
        }
        // One redactor for the client and its admin login: the token issued at run time is
        // added once and masked everywhere.
        let redactor = Redactor::new();
        let auth = match credentials {
            Credentials::OAuth1(c) => Authorization::OAuth1(c),
            Credentials::IntegrationBearer(t) => Authorization::Bearer(t),
            Credentials::Admin(admin) => {
                let login = AdminLoginVendor {
                    base: base.clone(),
                    username: admin.username().to_string(),
                };
                let login = ApiClient::with_redactor(login, &self.options, redactor.clone())
                    .map_err(Error::Http)?;
                Authorization::Admin(Box::new(AdminSession::new(admin, login)))
            }
        };
        let vendor = MagentoVendor::new(base, self.store_code, auth);
        let api = ApiClient::with_redactor(vendor, &self.options, redactor).map_err(Error::Http)?;
        Ok(Client {
            api,
            page_size: self.page_size,
        })
    }
}

/// A base URL as `Debug` shows it: scheme, host, port and path only (userinfo, query and
/// fragment can carry credentials), or nothing when it does not parse.
fn shown_base_url(raw: &str) -> String {
    match Url::parse(raw.trim()) {
        Ok(url) => {
            let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
            if let Some(port) = url.port() {
                shown.push_str(&format!(":{port}"));
            }
            shown.push_str(url.path());
            format!("{shown:?}")
        }
        Err(_) => "(the text given)".to_string(),
    }
}

/// The kit's base-URL rule (https; plain http on loopback or when allowed), then Magento's:
/// a `…/rest` or `…/rest/V1` pasted from API docs is removed (the client adds it itself).
fn magento_base_url(raw: &str, options: &ClientOptions) -> Result<Url, Error> {
    // Magento never requires plain HTTP (OAuth 1.0a included).
    let mut url = parse_base_url(raw, options, false)?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config("base_url", "the URL has no host"));
    }
    let mut path = url.path().trim_end_matches('/').to_string();
    for suffix in ["/rest/V1", "/rest/default/V1", "/rest"] {
        if let Some(stripped) = path.strip_suffix(suffix) {
            path = stripped.to_string();
            break;
        }
    }
    path.push('/');
    url.set_path(&path);
    Ok(url)
}

/// A Magento 2 REST client. Cheap to clone; clones share connections, the rate limit and the
/// admin token.
///
/// ```
/// use magento_client::{Client, Credentials};
///
/// let client = Client::builder("https://shop.example.com")
///     .credentials(Credentials::oauth1("consumer-key", "consumer-secret", "access-token", "token-secret"))
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://shop.example.com/");
/// // Debug output never shows a credential.
/// assert!(!format!("{client:?}").contains("consumer-secret"));
/// # Ok::<(), magento_client::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    api: ApiClient<MagentoVendor>,
    page_size: u32,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("vendor", self.api.vendor())
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start building a client for the shop at `base_url` (the storefront root, e.g.
    /// `https://shop.example.com`, or `https://shop.example.com/index.php` when URL rewrites
    /// are off; a pasted `…/rest/V1` suffix is removed).
    ///
    /// The URL must be `https://`, except for loopback hosts (`127.0.0.0/8`, `::1`,
    /// `localhost`: local mocks, a TLS-terminating sidecar) or with
    /// [`ClientOptions::allow_plain_http`]: [`ClientBuilder::build`] refuses plain HTTP
    /// elsewhere, because tokens and passwords would cross the network in clear text.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials: None,
            store_code: None,
            page_size: DEFAULT_PAGE_SIZE,
            options: ClientOptions::new(),
        }
    }

    /// A client configured from the environment: see [`ClientBuilder::from_env`] for the
    /// variables (`MAGENTO_BASE_URL`, one credential set, optional `MAGENTO_STORE_CODE`).
    ///
    /// ```no_run
    /// // MAGENTO_BASE_URL=https://shop.example.com MAGENTO_ACCESS_TOKEN=… my-sync
    /// let client = magento_client::Client::from_env()?;
    /// # Ok::<(), magento_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the missing or conflicting variable, or what
    /// [`ClientBuilder::build`] refuses.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The base URL (always ending in `/`).
    pub fn base_url(&self) -> &Url {
        self.api.vendor().base_url()
    }

    /// The host, for stream keys and logs.
    pub fn host(&self) -> &str {
        self.base_url().host_str().unwrap_or_default()
    }

    /// The store code requests are scoped to, if any.
    pub fn store_code(&self) -> Option<&str> {
        self.api.vendor().store_code()
    }

    /// The default page size.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The redactor every error, log line and sink reason of this client goes through: it
    /// knows Magento's secret names ([`SECRET_NAMES`]) and the credentials this client holds,
    /// including an admin token once issued. Pass it to a [`Pipeline`](sync_core::Pipeline),
    /// to [`Ack::from_error`](sync_core::Ack::from_error) and to
    /// [`CustomerSink`](crate::sync::CustomerSink).
    pub fn redactor(&self) -> &Redactor {
        self.api.redactor()
    }

    /// The kit's client underneath: send an [`ApiRequest`](sync_core::http::ApiRequest) for a
    /// route this crate does not wrap, with this client's authorization, retries, rate limit
    /// and redaction (paths as [`MagentoVendor`] describes: scoped to the store code unless
    /// they start with `V1/`).
    ///
    /// ```
    /// use magento_client::sync_core::http::ApiRequest;
    /// use magento_client::{Client, Credentials};
    /// use wiremock::matchers::{header, method, path};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct TaxClass { class_id: u64, class_name: String }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let magento = MockServer::start().await;
    /// Mock::given(method("GET"))
    ///     .and(path("/rest/de/V1/taxClasses/3"))
    ///     .and(header("authorization", "Bearer integration-token"))
    ///     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(
    ///         {"class_id": 3, "class_name": "Retail Customer", "class_type": "CUSTOMER"}
    ///     )))
    ///     .mount(&magento)
    ///     .await;
    ///
    /// let client = Client::builder(magento.uri())
    ///     .credentials(Credentials::integration_bearer("integration-token"))
    ///     .store_code("de")
    ///     .build()?;
    /// let class: TaxClass = client.api().send(ApiRequest::get("tax_class.get", "taxClasses/3")).await?;
    /// assert_eq!((class.class_id, class.class_name.as_str()), (3, "Retail Customer"));
    /// # Ok(()) }
    /// ```
    pub fn api(&self) -> &ApiClient<MagentoVendor> {
        &self.api
    }

    /// Orders: search, get, get by increment id, paging streams.
    pub fn orders(&self) -> Orders {
        Orders::new(self.clone())
    }

    /// Store views, store groups, websites, store configs, matching a domain to a store.
    pub fn stores(&self) -> Stores {
        Stores::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        let options = ClientOptions::new();
        let p = |s| magento_base_url(s, &options).map(|u| u.to_string());
        assert_eq!(p("https://shop.example").unwrap(), "https://shop.example/");
        assert_eq!(
            p(" https://shop.example/magento ").unwrap(),
            "https://shop.example/magento/"
        );
        assert_eq!(
            p("https://shop.example/index.php/rest/V1/").unwrap(),
            "https://shop.example/index.php/"
        );
        assert_eq!(
            p("https://shop.example/rest").unwrap(),
            "https://shop.example/"
        );
        assert!(p("shop.example").is_err());
        assert!(p("ftp://shop.example").is_err());
        assert!(p("https://u:p@shop.example").is_err());
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback_or_when_allowed() {
        let bearer = Credentials::integration_bearer("tok-123");
        let admin = Credentials::admin("sync-bot", "pa55-w0rd");
        let oauth = Credentials::oauth1("ck", "cs", "at", "ats");
        for credentials in [&bearer, &admin, &oauth] {
            for url in [
                "http://shop.example",
                "http://10.0.0.5:8080/",
                "http://[2001:db8::1]/",
                // Not loopback, only looks like it.
                "http://localhost.evil.example/",
                "http://app.localhost/",
                "http://128.0.0.1/",
            ] {
                let err = Client::builder(url)
                    .credentials(credentials.clone())
                    .build()
                    .unwrap_err();
                let text = err.to_string();
                assert!(matches!(err, Error::Config(_)), "{err:?}");
                assert!(text.contains("https://"), "{text}");
                assert!(
                    !text.contains("tok-123") && !text.contains("pa55-w0rd"),
                    "{text}"
                );
            }
            for url in [
                "http://127.0.0.1:8080",
                "http://127.3.2.1/",
                "http://[::1]:9000/",
                "http://localhost/",
                "http://LocalHost:8080/magento",
                "https://shop.example",
            ] {
                let built = Client::builder(url)
                    .credentials(credentials.clone())
                    .build();
                assert!(built.is_ok(), "{url}");
            }
            // The one opt-in, the same in every client.
            let allowed = Client::builder("http://shop.example")
                .credentials(credentials.clone())
                .options(ClientOptions::new().allow_plain_http(true))
                .build();
            assert!(allowed.is_ok());
        }
    }

    #[test]
    fn rest_urls() {
        let c = Client::builder("https://shop.example/")
            .credentials(Credentials::integration_bearer("t"))
            .store_code("de")
            .build()
            .unwrap();
        assert_eq!(
            sync_core::http::Vendor::url(c.api().vendor(), "orders")
                .unwrap()
                .as_str(),
            "https://shop.example/rest/de/V1/orders"
        );
        assert_eq!(
            sync_core::http::Vendor::url(c.api().vendor(), "V1/store/storeViews")
                .unwrap()
                .as_str(),
            "https://shop.example/rest/V1/store/storeViews"
        );
        assert!(
            Client::builder("https://shop.example/")
                .credentials(Credentials::integration_bearer("t"))
                .store_code("de/../x")
                .build()
                .is_err()
        );
        assert!(Client::builder("https://shop.example/").build().is_err());
    }

    #[test]
    fn from_lookup_picks_one_credential_mode_and_names_what_is_missing() {
        fn lookup(vars: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
            let vars = vars.to_vec();
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        }
        let base = ("MAGENTO_BASE_URL", "https://shop.example");
        let oauth = ClientBuilder::from_lookup(lookup(&[
            base,
            ("MAGENTO_CONSUMER_KEY", "ck"),
            ("MAGENTO_CONSUMER_SECRET", "cs"),
            ("MAGENTO_ACCESS_TOKEN", "at"),
            ("MAGENTO_ACCESS_TOKEN_SECRET", "ats"),
        ]))
        .unwrap();
        assert_eq!(oauth.credentials.as_ref().unwrap().mode(), "oauth1");
        let admin = ClientBuilder::from_lookup(lookup(&[
            base,
            ("MAGENTO_ADMIN_USERNAME", "sync-bot"),
            ("MAGENTO_ADMIN_PASSWORD", "pw"),
        ]))
        .unwrap();
        assert_eq!(admin.credentials.as_ref().unwrap().mode(), "admin");
        let bearer =
            ClientBuilder::from_lookup(lookup(&[base, ("MAGENTO_ACCESS_TOKEN", "at")])).unwrap();
        assert_eq!(
            bearer.credentials.as_ref().unwrap().mode(),
            "integration_bearer"
        );

        let field = |vars: &[(&'static str, &'static str)]| match ClientBuilder::from_lookup(
            lookup(vars),
        ) {
            Err(Error::Config(e)) => e.field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(&[base, ("MAGENTO_CONSUMER_KEY", "ck")]),
            "MAGENTO_CONSUMER_SECRET"
        );
        assert_eq!(
            field(&[base, ("MAGENTO_ADMIN_USERNAME", "u")]),
            "MAGENTO_ADMIN_PASSWORD"
        );
        assert_eq!(field(&[base]), "MAGENTO_ACCESS_TOKEN");
        assert_eq!(
            field(&[
                base,
                ("MAGENTO_CONSUMER_KEY", "ck"),
                ("MAGENTO_ADMIN_USERNAME", "u")
            ]),
            "MAGENTO_ADMIN_USERNAME"
        );
    }
}
