//! [`Client`] and [`ClientBuilder`]: the site, the credentials, and the shared HTTP executor.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use sync_core::http::is_loopback;

use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sync_core::http::reqwest::header::{ACCEPT, CONTENT_TYPE};
use sync_core::http::reqwest::{Method, Url};
use sync_core::http::{
    HttpExecutor, HttpResponse, RateLimit, RateQuota, RequestMeta, ResponseClassifier,
};
use sync_core::retry::RetryPolicy;
use sync_core::retry_after::{DEFAULT_MAX_SERVER_WAIT, parse_retry_after};
use sync_core::{Redactor, Verdict};

use crate::auth::{
    AuthMode, Credentials, LegacyApi, OAuthStamp, OAuthStampSource, SignatureMethod, SigningRules,
    oauth1_pairs,
};
use crate::coupons::Coupons;
use crate::customers::Customers;
use crate::error::{ApiError, Error};
use crate::orders::Orders;
use crate::php_query::PhpQuery;
use crate::products::Products;
use crate::query::{Query, wire_pairs};
use crate::subscriptions::Subscriptions;
use crate::webhooks::Webhooks;

/// Query keys and headers that carry WooCommerce credentials, registered on every client's
/// [`Redactor`] (the generic ones — `authorization`, `oauth_signature`… — are sync-core's).
pub const SECRET_NAMES: [&str; 6] = [
    "consumer_key",
    "consumer_secret",
    "oauth_consumer_key",
    "oauth_signature",
    "oauth_token",
    "x-wc-webhook-signature",
];

/// The REST namespace used unless [`ClientBuilder::namespace`] says otherwise.
pub const DEFAULT_NAMESPACE: &str = "wc/v3";

/// The default request budget per store: WordPress sites are often small, and WooCommerce itself
/// has no rate limiter, so the host's firewall is what answers when a client is too eager.
pub const DEFAULT_RATE: u32 = 5;

enum RateChoice {
    Default,
    Unlimited,
    Quota(RateQuota),
    Shared(Arc<RateLimit>),
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use woo_client::{Client, Credentials};
///
/// let client = Client::builder("https://shop.example.com", Credentials::new("ck_x", "cs_y"))
///     .attempt_timeout(Duration::from_secs(20))
///     .build()?;
/// assert_eq!(client.site_url().as_str(), "https://shop.example.com/");
/// # Ok::<(), woo_client::Error>(())
/// ```
pub struct ClientBuilder {
    site: String,
    credentials: Credentials,
    auth: AuthMode,
    namespace: String,
    rest_prefix: String,
    attempt_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry_policy: Option<Arc<dyn RetryPolicy>>,
    rate: RateChoice,
    user_agent: Option<String>,
    allow_loopback_http: bool,
    signing_rules: SigningRules,
    stamps: Option<Arc<dyn OAuthStampSource>>,
}

/// A redactor that knows WooCommerce's secret names and this key pair.
fn redactor_for(credentials: &Credentials) -> Redactor {
    Redactor::new()
        .secret_names(SECRET_NAMES)
        .secret_value(credentials.consumer_key().expose_secret())
        .secret_value(credentials.consumer_secret().expose_secret())
        // What `Authorization: Basic` carries: a server echoing the header value shows this.
        .secret_value(&basic_credential(credentials))
}

/// `base64(consumer_key:consumer_secret)`, the credential of an `Authorization: Basic` header.
fn basic_credential(credentials: &Credentials) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        credentials.consumer_key().expose_secret(),
        credentials.consumer_secret().expose_secret()
    ))
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("site", &redactor_for(&self.credentials).url(&self.site))
            .field("credentials", &self.credentials)
            .field("auth", &self.auth)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
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
    /// let client = Client::builder("http://shop.example", Credentials::new("ck_x", "cs_y"))
    ///     .oauth1(SignatureMethod::HmacSha256)
    ///     .oauth_stamps(|| OAuthStamp { nonce: "fixed".into(), timestamp: 1_700_000_000 })
    ///     .build()?;
    /// # Ok::<(), woo_client::Error>(())
    /// ```
    pub fn oauth_stamps(mut self, source: impl OAuthStampSource + 'static) -> Self {
        self.stamps = Some(Arc::new(source));
        self
    }

    /// Set the auth mode directly.
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.auth = mode;
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

    /// Per-attempt timeout, including reading the body (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The retry policy (default: sync-core's exponential backoff with full jitter).
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.retry_policy = Some(Arc::new(policy));
        self
    }

    /// Requests per store: every client built for the same site URL shares this budget
    /// (default [`DEFAULT_RATE`] per second).
    pub fn rate_limit(mut self, quota: RateQuota) -> Self {
        self.rate = RateChoice::Quota(quota);
        self
    }

    /// Share an existing rate limit (for example one per hosting account).
    pub fn shared_rate_limit(mut self, limit: Arc<RateLimit>) -> Self {
        self.rate = RateChoice::Shared(limit);
        self
    }

    /// No client-side rate limit (429 and 503 answers are still honoured).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate = RateChoice::Unlimited;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Allow Basic auth or query-string keys over plain HTTP **to a loopback address only**
    /// (`127.0.0.0/8`, `::1`, `localhost`): for tests against a local mock, or a TLS sidecar on
    /// the same host. Any other plain-HTTP host is still refused.
    pub fn allow_plain_http_on_loopback(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// Check the configuration and build the client.
    pub fn build(self) -> Result<Client, Error> {
        // Built first, so even a refused site URL is printed without the secrets it may carry.
        let redactor = redactor_for(&self.credentials);
        let site_text = self.site.trim();
        let mut site = Url::parse(site_text).map_err(|e| {
            Error::Config(format!(
                "site URL `{}` is not a URL: {e}",
                redactor.url(site_text)
            ))
        })?;
        match site.scheme() {
            "https" | "http" => {}
            other => {
                return Err(Error::Config(format!(
                    "site URL must be http:// or https://, not {other}://"
                )));
            }
        }
        if site.query().is_some() || site.fragment().is_some() {
            return Err(Error::Config(
                "site URL must be WordPress's home URL, without a query or fragment".into(),
            ));
        }
        if !site.username().is_empty() || site.password().is_some() {
            return Err(Error::Config(
                "site URL must not carry credentials; pass them as `Credentials`".into(),
            ));
        }
        if !site.path().ends_with('/') {
            let path = format!("{}/", site.path());
            site.set_path(&path);
        }
        if self.auth.sends_secret() && site.scheme() == "http" {
            let loopback_ok = self.allow_loopback_http && is_loopback(&site);
            if !loopback_ok {
                return Err(Error::InsecureTransport {
                    mode: self.auth.name(),
                    site: redactor.url(site.as_str()),
                });
            }
        }
        if self.credentials.consumer_key().expose_secret().is_empty()
            || self
                .credentials
                .consumer_secret()
                .expose_secret()
                .is_empty()
        {
            return Err(Error::Config(
                "the consumer key and consumer secret must not be empty".into(),
            ));
        }
        let api_base = site
            .join(&format!("{}/{}/", self.rest_prefix, self.namespace))
            .map_err(|e| Error::Config(format!("cannot build the API URL: {e}")))?;
        let signing_home = signing_home(site_text, &site);

        let mut exec = HttpExecutor::builder("woocommerce")
            .classifier(WooClassifier)
            .redactor(redactor)
            .user_agent(self.user_agent.unwrap_or_else(|| {
                concat!("woo-client/", env!("CARGO_PKG_VERSION"), " (commerce-sync)").into()
            }));
        if let Some(t) = self.attempt_timeout {
            exec = exec.attempt_timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            exec = exec.connect_timeout(t);
        }
        if let Some(policy) = self.retry_policy {
            exec = exec.retry_policy_arc(policy);
        }
        let limit = match self.rate {
            RateChoice::Default => Some(RateLimit::shared(
                format!("woocommerce:{site}"),
                RateQuota::per_second(DEFAULT_RATE).with_burst(DEFAULT_RATE),
            )),
            RateChoice::Quota(q) => Some(RateLimit::shared(format!("woocommerce:{site}"), q)),
            RateChoice::Shared(l) => Some(l),
            RateChoice::Unlimited => None,
        };
        if let Some(limit) = limit {
            exec = exec.rate_limit(limit);
        }
        let exec = exec.build().map_err(Error::from_http)?;

        Ok(Client {
            inner: Arc::new(Inner {
                exec,
                site,
                api_base,
                credentials: self.credentials,
                auth: self.auth,
                signing_home,
                signing_rules: self.signing_rules,
                stamps: self.stamps,
            }),
        })
    }
}

/// Classifies WooCommerce responses: the shared status rules, plus the cases where the body says
/// more than the status.
#[derive(Debug, Clone, Copy, Default)]
pub struct WooClassifier;

impl ResponseClassifier for WooClassifier {
    fn classify(&self, response: &HttpResponse, server_wait: Option<Duration>) -> Verdict {
        let by_status = Verdict::from_status(response.status.as_u16(), server_wait);
        if by_status == Verdict::Success || by_status.is_retryable() {
            return by_status;
        }
        let Some(api) = ApiError::from_body(&response.body) else {
            return by_status;
        };
        match api.code.as_str() {
            // The Store API's limiter answers 400 with this code and its own wait header.
            "rate_limit_exceeded" => Verdict::RateLimited {
                after: server_wait.or_else(|| {
                    response.header("ratelimit-retry-after").and_then(|v| {
                        parse_retry_after(v, std::time::SystemTime::now(), DEFAULT_MAX_SERVER_WAIT)
                    })
                }),
            },
            // A nonce collision: the next attempt signs with a fresh one.
            "woocommerce_rest_authentication_error" if api.message.contains("nonce") => {
                Verdict::Retry { after: None }
            }
            _ => by_status,
        }
    }
}

/// The home URL WooCommerce signs with: `url::Url` lowercases the host, but WordPress signs its
/// configured home URL as stored, capitals included. So the scheme comes from the parsed URL
/// (WordPress sets it from the request) and the authority from the text as given.
fn signing_home(given: &str, parsed: &Url) -> String {
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

/// Decoded `name=value` query pairs, in order.
type Pairs = Vec<(String, String)>;

/// Split `orders?status=processing` into the path and its decoded query pairs.
fn split_path_query(path: &str) -> Result<(&str, Pairs), Error> {
    if path.contains('#') {
        return Err(Error::InvalidInput {
            field: "path",
            message: "a request path cannot carry a `#` fragment".into(),
        });
    }
    match path.split_once('?') {
        None => Ok((path, Vec::new())),
        Some((path, query)) => Ok((
            path,
            url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )),
    }
}

struct Inner {
    exec: HttpExecutor,
    site: Url,
    api_base: Url,
    credentials: Credentials,
    auth: AuthMode,
    signing_home: String,
    signing_rules: SigningRules,
    stamps: Option<Arc<dyn OAuthStampSource>>,
}

/// A WooCommerce REST client for one store. Cheap to clone; clones share the connection pool and
/// rate limit.
///
/// Build it with [`Client::builder`]; reach resources through [`Client::orders`],
/// [`Client::products`], [`Client::customers`], [`Client::subscriptions`] and
/// [`Client::webhooks`]. Every request goes through sync-core's [`HttpExecutor`]: per-attempt
/// timeout, retries on 408/425/429/5xx (transport errors only for idempotent requests),
/// `Retry-After`, rate limiting and redacted logs.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("site", &self.inner.site.as_str())
            .field("api_base", &self.inner.api_base.as_str())
            .field("auth", &self.inner.auth)
            .field("credentials", &self.inner.credentials)
            .field("exec", &self.inner.exec)
            .finish()
    }
}

impl Client {
    /// Start building a client for the store at `site_url` (WordPress's home URL, for example
    /// `https://shop.example.com` or `https://example.com/shop`).
    pub fn builder(site_url: impl Into<String>, credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            site: site_url.into(),
            credentials,
            auth: AuthMode::Basic,
            namespace: DEFAULT_NAMESPACE.into(),
            rest_prefix: "wp-json".into(),
            attempt_timeout: None,
            connect_timeout: None,
            retry_policy: None,
            rate: RateChoice::Default,
            user_agent: None,
            allow_loopback_http: false,
            signing_rules: SigningRules::Rest,
            stamps: None,
        }
    }

    /// The store's home URL (always ending in `/`).
    pub fn site_url(&self) -> &Url {
        &self.inner.site
    }

    /// The REST base (`…/wp-json/wc/v3/`).
    pub fn api_base(&self) -> &Url {
        &self.inner.api_base
    }

    /// The redactor every error, log line and dead-letter reason of this client goes through:
    /// it knows WooCommerce's [`SECRET_NAMES`] and this client's consumer key and secret. Pass it
    /// to sync-core's `PipelineBuilder::redactor` so dead letters are masked the same way.
    pub fn redactor(&self) -> &Redactor {
        self.inner.exec.redactor()
    }

    /// The auth mode in use.
    pub fn auth_mode(&self) -> AuthMode {
        self.inner.auth
    }

    /// Orders, their notes and refunds.
    pub fn orders(&self) -> Orders {
        Orders::new(self.clone())
    }

    /// Products and variations.
    pub fn products(&self) -> Products {
        Products::new(self.clone())
    }

    /// Coupons.
    pub fn coupons(&self) -> Coupons {
        Coupons::new(self.clone())
    }

    /// Customers.
    pub fn customers(&self) -> Customers {
        Customers::new(self.clone())
    }

    /// WooCommerce Subscriptions (needs the plugin, version 3.1 or later, for `wc/v3`).
    pub fn subscriptions(&self) -> Subscriptions {
        Subscriptions::new(self.clone())
    }

    /// Webhook configurations.
    pub fn webhooks(&self) -> Webhooks {
        Webhooks::new(self.clone())
    }

    /// `GET` any route under the namespace and decode the JSON, for endpoints this crate does not
    /// model (`reports/sales`, `shipping/zones`, …). A query in `path` (`orders?status=processing`) is sent and
    /// signed like `query`; names PHP would rewrite (`a.b`, a repeated name, `x[` …) are refused
    /// with [`Error::InvalidInput`] (see [`crate::php_query`]).
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        let response = self
            .execute("raw.get", Method::GET, path, &raw_query(query), None, true)
            .await?;
        response
            .json::<T>()
            .map_err(|e| Error::decode::<T>("raw.get", e))
    }

    /// Send `body` as JSON with `method` to any route under the namespace, with `query`
    /// parameters, and decode the answer. Query rules as in [`Client::get_json`]. POST is treated
    /// as not idempotent (never re-sent after a timeout).
    pub async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: &B,
    ) -> Result<T, Error> {
        let idempotent = method.is_idempotent();
        self.call(
            "raw.send",
            method,
            path,
            &raw_query(query),
            Some(body),
            idempotent,
        )
        .await
    }

    pub(crate) fn endpoint(&self, path: &str) -> Result<Url, Error> {
        self.inner
            .api_base
            .join(path.trim_start_matches('/'))
            .map_err(|e| {
                Error::Config(format!(
                    "cannot build a URL for `{}`: {e}",
                    self.redactor().text(path)
                ))
            })
    }

    /// Send a request and decode a `T` from the answer.
    pub(crate) async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<T, Error> {
        let body = match body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| Error::InvalidInput {
                field: "body",
                message: e.to_string(),
            })?),
            None => None,
        };
        let response = self
            .execute(operation, method, path, query, body, idempotent)
            .await?;
        response
            .json::<T>()
            .map_err(|e| Error::decode::<T>(operation, e))
    }

    /// Send one request through the executor, authenticated per the configured mode. Runs the
    /// signing closure once per attempt, so OAuth nonces and timestamps are fresh on retries.
    pub(crate) async fn execute(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<Vec<u8>>,
        idempotent: bool,
    ) -> Result<HttpResponse, Error> {
        let (path, mut pairs) = split_path_query(path)?;
        pairs.extend(wire_pairs(query.params()));
        // What PHP would read differently from what was written is refused in every auth mode.
        PhpQuery::parse(&pairs).map_err(|e| Error::InvalidInput {
            field: "query",
            message: e.to_string(),
        })?;
        let url = self.endpoint(path)?;
        let inner = &self.inner;
        let base_uri = match url.path().strip_prefix(inner.site.path()) {
            Some(rest) => format!("{}{rest}", inner.signing_home),
            None => {
                return Err(Error::InvalidInput {
                    field: "path",
                    message: "the request path leaves the site's home URL".into(),
                });
            }
        };
        if let AuthMode::OAuth1(signature_method) = inner.auth {
            // Sign once up front, so an unsignable query fails before anything is sent.
            oauth1_pairs(
                inner.signing_rules,
                method.as_str(),
                &base_uri,
                &pairs,
                &inner.credentials,
                signature_method,
                &OAuthStamp::fresh(),
            )
            .map_err(|e| Error::InvalidInput {
                field: "query",
                message: e.to_string(),
            })?;
        }
        let meta = RequestMeta {
            operation: operation.into(),
            idempotent,
        };
        inner
            .exec
            .send(meta, |http| {
                let mut url = url.clone();
                let mut pairs = pairs.clone();
                match inner.auth {
                    AuthMode::Basic => {}
                    AuthMode::QueryString => {
                        pairs.push((
                            "consumer_key".into(),
                            inner.credentials.consumer_key().expose_secret().into(),
                        ));
                        pairs.push((
                            "consumer_secret".into(),
                            inner.credentials.consumer_secret().expose_secret().into(),
                        ));
                    }
                    AuthMode::OAuth1(signature_method) => {
                        let stamp = match &inner.stamps {
                            Some(source) => source.stamp(),
                            None => OAuthStamp::fresh(),
                        };
                        // Checked above: the same pairs always sign.
                        if let Ok(signed) = oauth1_pairs(
                            inner.signing_rules,
                            method.as_str(),
                            &base_uri,
                            &pairs,
                            &inner.credentials,
                            signature_method,
                            &stamp,
                        ) {
                            pairs = signed;
                        }
                    }
                }
                if !pairs.is_empty() {
                    url.query_pairs_mut().extend_pairs(pairs);
                }
                let mut request = http
                    .request(method.clone(), url)
                    .header(ACCEPT, "application/json");
                if inner.auth == AuthMode::Basic {
                    request = request.basic_auth(
                        inner.credentials.consumer_key().expose_secret(),
                        Some(inner.credentials.consumer_secret().expose_secret()),
                    );
                }
                if let Some(body) = &body {
                    request = request
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone());
                }
                request.build()
            })
            .await
            .map_err(Error::from_http)
    }
}

/// Escape-hatch query pairs, in the order given (the PHP check refuses repeats later).
fn raw_query(query: &[(&str, &str)]) -> Query {
    let mut q = Query::new();
    for (k, v) in query {
        q.push(k, v);
    }
    q
}
