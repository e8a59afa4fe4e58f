//! [`Client`] and [`ClientBuilder`]: base URL, credentials, timeouts, retries, rate limit.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use sync_core::http::is_loopback;

use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use sync_core::http::reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use sync_core::http::reqwest::{Method, Url};
use sync_core::http::{
    HttpError, HttpExecutor, HttpResponse, RateLimit, RateQuota, RequestMeta, decode_json,
};
use sync_core::{Redactor, RetryPolicy};

use crate::auth::{AdminCredentials, Auth, OAuth1Credentials, OAuthParams, TokenCache};
use crate::error::{Error, parsed_error};
use crate::orders::Orders;
use crate::search::{DEFAULT_PAGE_SIZE, MAGENTO_MAX_PAGE_SIZE_WITH_INPUT_LIMITS};
use crate::stores::Stores;

/// Builds a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    auth: Option<Auth>,
    store_code: Option<String>,
    attempt_timeout: Duration,
    connect_timeout: Option<Duration>,
    retry_policy: Option<Arc<dyn RetryPolicy>>,
    rate_limit: Option<Arc<RateLimit>>,
    rate_quota: Option<RateQuota>,
    page_size: u32,
    user_agent: Option<String>,
    max_server_wait: Option<Duration>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Userinfo, query and fragment can carry credentials: show what errors show, through
        // the redactor the client will use (it knows the secret values `auth` holds).
        let shown = shown_base_url(self.base_url.trim());
        let shown = match &self.auth {
            Some(auth) => redactor_for(auth).text(&shown),
            None => Redactor::new()
                .secret_names(SECRET_NAMES.iter().copied())
                .text(&shown),
        };
        f.debug_struct("ClientBuilder")
            .field("base_url", &format_args!("{shown}"))
            .field("auth", &self.auth)
            .field("store_code", &self.store_code)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Credentials (required). See [`Auth`] for the three modes.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Send order requests to `/rest/<code>/V1/…` instead of `/rest/V1/…`.
    ///
    /// This sets the *scope* of the request (labels, prices), **not** a filter: Magento returns
    /// the orders of every store whatever the code. Filter orders by `store_id`
    /// ([`OrderFeed::store`](crate::OrderFeed::store)).
    pub fn store_code(mut self, code: impl Into<String>) -> Self {
        self.store_code = Some(code.into());
        self
    }

    /// Per-attempt timeout, including reading the body (default 60 s: order pages are large).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The retry policy (default: sync-core's exponential backoff with full jitter).
    /// 408, 425, 429 and 5xx are retried; `Retry-After` is honoured.
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.retry_policy = Some(Arc::new(policy));
        self
    }

    /// Limit requests to `quota`, shared by every client of the same base URL in this process.
    /// Magento core has no REST rate limiter, but hosts and WAFs (Fastly on Adobe Cloud) do.
    pub fn rate_limit(mut self, quota: RateQuota) -> Self {
        self.rate_quota = Some(quota);
        self
    }

    /// Use an existing shared rate limit.
    pub fn shared_rate_limit(mut self, limit: Arc<RateLimit>) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Default page size for streams and sync sources (default 100, at most 300 when the
    /// store enables web API input limits).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// The longest `Retry-After` honoured (longer waits are clamped; default 15 min).
    pub fn max_server_wait(mut self, wait: Duration) -> Self {
        self.max_server_wait = Some(wait);
        self
    }

    /// Build the client.
    pub fn build(self) -> Result<Client, Error> {
        let auth = self.auth.ok_or_else(|| {
            Error::Config(
                "no credentials: call .auth(Auth::oauth1(..)), .auth(Auth::integration_bearer(..)) \
                 or .auth(Auth::admin(..))"
                    .into(),
            )
        })?;
        let redactor = redactor_for(&auth);
        let base = parse_base_url(&self.base_url, Some(&auth)).map_err(|e| match e {
            Error::Config(text) => Error::Config(redactor.text(&text)),
            other => other,
        })?;
        auth.check()?;
        if let Some(code) = &self.store_code
            && (code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return Err(Error::Config(format!(
                "store code {code:?} is not a Magento store code (letters, digits and _)"
            )));
        }
        if self.page_size == 0 {
            return Err(Error::Config("page size must be at least 1".into()));
        }
        if self.page_size > MAGENTO_MAX_PAGE_SIZE_WITH_INPUT_LIMITS {
            tracing::warn!(
                page_size = self.page_size,
                "page size above 300: stores with web API input limits enabled answer 400"
            );
        }

        let mut exec = HttpExecutor::builder("magento")
            .attempt_timeout(self.attempt_timeout)
            .redactor(redactor);
        if let Some(t) = self.connect_timeout {
            exec = exec.connect_timeout(t);
        }
        if let Some(policy) = self.retry_policy {
            exec = exec.retry_policy_arc(policy);
        }
        let limit = match (self.rate_limit, self.rate_quota) {
            (Some(limit), _) => Some(limit),
            (None, Some(quota)) => Some(RateLimit::shared(format!("magento:{base}"), quota)),
            (None, None) => None,
        };
        if let Some(limit) = limit {
            exec = exec.rate_limit(limit);
        }
        if let Some(ua) = self.user_agent {
            exec = exec.user_agent(ua);
        }
        if let Some(wait) = self.max_server_wait {
            exec = exec.max_server_wait(wait);
        }
        let exec = exec.build().map_err(Error::Http)?;

        let auth = match auth {
            Auth::OAuth1(c) => AuthState::OAuth1(c),
            Auth::IntegrationBearer(t) => AuthState::Bearer(t),
            Auth::Admin(a) => AuthState::Admin {
                creds: a,
                cache: TokenCache::new(),
            },
        };
        Ok(Client {
            inner: Arc::new(Inner {
                base,
                store_code: self.store_code,
                exec,
                auth,
                page_size: self.page_size,
            }),
        })
    }
}

/// The names under which Magento requests and answers carry credentials (OAuth 1.0a header and
/// form fields, the admin login's JSON), on top of sync-core's generic names.
pub const SECRET_NAMES: &[&str] = &[
    "oauth_consumer_key",
    "oauth_consumer_secret",
    "oauth_token",
    "oauth_token_secret",
    "oauth_signature",
    "oauth_verifier",
    "consumer_key",
    "consumer_secret",
    "access_token_secret",
    "password",
    "integration_token",
];

/// A redactor that knows Magento's secret names and every secret value `auth` holds.
fn redactor_for(auth: &Auth) -> Redactor {
    let redactor = Redactor::new().secret_names(SECRET_NAMES.iter().copied());
    match auth {
        Auth::OAuth1(creds) => creds
            .secret_values()
            .into_iter()
            .for_each(|v| redactor.add_value(v)),
        Auth::IntegrationBearer(token) => redactor.add_value(token.expose_secret()),
        Auth::Admin(admin) => redactor.add_value(admin.password().expose_secret()),
    }
    redactor
}

/// A base URL as error messages show it: scheme, host, port and path only (userinfo, query and
/// fragment can carry credentials), or nothing when it does not parse.
fn shown_base_url(raw: &str) -> String {
    match Url::parse(raw) {
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

/// What an auth mode sends as it is on every request (or login), so plain HTTP would expose it.
/// OAuth 1.0a sends only a signature; its secrets never cross the wire.
fn credential_sent_in_clear(auth: &Auth) -> Option<&'static str> {
    match auth {
        Auth::IntegrationBearer(_) => Some("integration access token (Bearer)"),
        Auth::Admin(_) => Some("admin password (and the admin token issued for it)"),
        Auth::OAuth1(_) => None,
    }
}

/// Parse and normalise the base URL; `auth` (when known) decides whether plain HTTP is allowed.
fn parse_base_url(raw: &str, auth: Option<&Auth>) -> Result<Url, Error> {
    let trimmed = raw.trim();
    let shown = shown_base_url(trimmed);
    let mut url = Url::parse(trimmed).map_err(|e| {
        Error::Config(format!(
            "base URL {shown} is not a URL ({e}); use the shop's root, e.g. https://shop.example.com"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL {shown} must be an http(s) URL with a host"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL {shown} must not have a query or fragment (they are not repeated here: \
             they can carry credentials; pass credentials with .auth())"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "base URL must not contain a user name or password; pass credentials with .auth()"
                .into(),
        ));
    }
    if let Some(credential) = auth.and_then(credential_sent_in_clear)
        && url.scheme() == "http"
        && !is_loopback(&url)
    {
        return Err(Error::Config(format!(
            "base URL {shown} is plain http://: the {credential} would cross the network \
             unencrypted. Use https:// (plain http is accepted only for loopback hosts: \
             127.0.0.0/8, ::1, localhost)"
        )));
    }
    // Accept ".../rest" or ".../rest/V1" pasted from API docs: the client adds those itself.
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

enum AuthState {
    OAuth1(OAuth1Credentials),
    Bearer(SecretString),
    Admin {
        creds: AdminCredentials,
        cache: TokenCache,
    },
}

struct Inner {
    base: Url,
    store_code: Option<String>,
    exec: HttpExecutor,
    auth: AuthState,
    page_size: u32,
}

/// A Magento 2 REST client. Cheap to clone; clones share connections, the rate limit and the
/// admin token.
///
/// ```
/// use magento_client::{Auth, Client};
///
/// let client = Client::builder("https://shop.example.com")
///     .auth(Auth::oauth1("consumer-key", "consumer-secret", "access-token", "token-secret"))
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://shop.example.com/");
/// // Debug output never shows a credential.
/// assert!(!format!("{client:?}").contains("consumer-secret"));
/// # Ok::<(), magento_client::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.inner.auth {
            AuthState::OAuth1(c) => format!("{:?}", Auth::OAuth1(c.clone())),
            AuthState::Bearer(_) => format!("IntegrationBearer({})", sync_core::http::REDACTED),
            AuthState::Admin { creds, .. } => format!("{:?}", Auth::Admin(creds.clone())),
        };
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("store_code", &self.inner.store_code)
            .field("auth", &auth)
            .field("page_size", &self.inner.page_size)
            .finish_non_exhaustive()
    }
}

/// One API call.
pub(crate) struct ApiCall {
    pub operation: &'static str,
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    /// The body is `application/x-www-form-urlencoded` (else JSON).
    pub form: bool,
    pub idempotent: bool,
}

impl ApiCall {
    /// The body when it is a form, which OAuth 1.0a signs.
    pub(crate) fn form_body(&self) -> Option<&str> {
        match (&self.body, self.form) {
            (Some(body), true) => std::str::from_utf8(body).ok(),
            _ => None,
        }
    }

    /// The OAuth 1.0a `Authorization` header for this call, with a fresh nonce and timestamp.
    pub(crate) fn oauth1_header(&self, creds: &OAuth1Credentials) -> Result<String, Error> {
        crate::auth::oauth1_authorization(
            creds,
            &self.method,
            &self.url,
            self.form_body(),
            &OAuthParams::fresh(),
        )
    }
}

impl Client {
    /// Start building a client for the shop at `base_url` (the storefront root, e.g.
    /// `https://shop.example.com`, or `https://shop.example.com/index.php` when URL rewrites are
    /// off; a pasted `…/rest/V1` suffix is removed).
    ///
    /// With [`Auth::integration_bearer`] or [`Auth::admin`] the URL must be `https://`, except
    /// for loopback hosts (`127.0.0.0/8`, `::1`, `localhost`: local mocks, a TLS-terminating
    /// sidecar); [`ClientBuilder::build`] refuses plain HTTP elsewhere, because the token or
    /// password would cross the network in clear text. OAuth 1.0a sends only signatures.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            auth: None,
            store_code: None,
            attempt_timeout: Duration::from_secs(60),
            connect_timeout: None,
            retry_policy: None,
            rate_limit: None,
            rate_quota: None,
            page_size: DEFAULT_PAGE_SIZE,
            user_agent: None,
            max_server_wait: None,
        }
    }

    /// The base URL (always ending in `/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The host, for stream keys and logs.
    pub fn host(&self) -> &str {
        self.inner.base.host_str().unwrap_or_default()
    }

    /// The store code requests are scoped to, if any.
    pub fn store_code(&self) -> Option<&str> {
        self.inner.store_code.as_deref()
    }

    /// The default page size.
    pub fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    /// The redactor every error, log line and sink reason of this client goes through: it
    /// knows Magento's secret names ([`SECRET_NAMES`]) and the credentials this client holds,
    /// including an admin token once issued. Pass it to a [`Pipeline`](sync_core::Pipeline)
    /// and to [`CustomerSink`](crate::sync::CustomerSink).
    pub fn redactor(&self) -> &Redactor {
        self.inner.exec.redactor()
    }

    /// The shared HTTP executor (retries, rate limit, tracing).
    pub fn executor(&self) -> &HttpExecutor {
        &self.inner.exec
    }

    /// Orders: search, get, get by increment id, paging streams.
    pub fn orders(&self) -> Orders {
        Orders::new(self.clone())
    }

    /// Store views, store groups, websites, store configs, matching a domain to a store.
    pub fn stores(&self) -> Stores {
        Stores::new(self.clone())
    }

    /// `<base>/rest[/<store code>]/V1/<path>`; `scoped` adds the configured store code.
    pub(crate) fn rest_url(&self, path: &str, scoped: bool) -> Url {
        let prefix = match (&self.inner.store_code, scoped) {
            (Some(code), true) => format!("rest/{code}/V1/"),
            _ => "rest/V1/".to_string(),
        };
        self.inner
            .base
            .join(&format!("{prefix}{path}"))
            .expect("a relative path joins onto an http(s) base URL")
    }

    /// GET `url` with `query` and decode JSON.
    pub(crate) async fn fetch_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        mut url: Url,
        query: &[(String, String)],
    ) -> Result<T, Error> {
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        let response = self
            .call(ApiCall {
                operation,
                method: Method::GET,
                url,
                body: None,
                form: false,
                idempotent: true,
            })
            .await?;
        response
            .json()
            .map_err(|e| Error::decode(operation, e, &response))
    }

    /// Send a call with authentication. An admin token refused with 401 is renewed once.
    pub(crate) async fn call(&self, mut call: ApiCall) -> Result<HttpResponse, Error> {
        // Magento's OAuth verifier reads a literal `+` in the query as `+` (rawurldecode) but
        // its request parser as a space: send spaces as `%20`, which both read alike.
        crate::oauth1::spaces_as_percent20(&mut call.url);
        // Refuse what Magento cannot verify before anything is sent: a method its REST API
        // does not route, a form body its verifier would read differently.
        crate::oauth1::checked_method(call.method.as_str())?;
        if let AuthState::OAuth1(creds) = &self.inner.auth {
            call.oauth1_header(creds)?;
        }
        let meta = if call.idempotent {
            RequestMeta::idempotent(call.operation)
        } else {
            RequestMeta::non_idempotent(call.operation)
        };
        let mut renewed = false;
        loop {
            let (static_header, serial) = match &self.inner.auth {
                AuthState::Bearer(token) => (
                    Some(SecretString::from(format!(
                        "Bearer {}",
                        token.expose_secret()
                    ))),
                    None,
                ),
                AuthState::Admin { creds, cache } => {
                    let (token, serial) = cache
                        .get(creds.renew_after(), || self.admin_login(creds))
                        .await?;
                    (
                        Some(SecretString::from(format!(
                            "Bearer {}",
                            token.expose_secret()
                        ))),
                        Some(serial),
                    )
                }
                AuthState::OAuth1(_) => (None, None),
            };
            let result = self
                .inner
                .exec
                .send(meta.clone(), |http| {
                    let header = match (&static_header, &self.inner.auth) {
                        (Some(h), _) => h.expose_secret().to_string(),
                        (None, AuthState::OAuth1(creds)) => {
                            call.oauth1_header(creds)
                                // Checked before sending (the top of `call`): never signed wrongly.
                                .unwrap_or_default()
                        }
                        (None, _) => String::new(),
                    };
                    build_request(http, &call, &header)
                })
                .await;
            match result {
                Ok(response) => return Ok(response),
                Err(HttpError::Status {
                    request,
                    response,
                    verdict,
                }) if response.status.as_u16() == 401 => match &self.inner.auth {
                    AuthState::Admin { cache, .. } if !renewed => {
                        tracing::info!(
                            operation = call.operation,
                            "admin token refused (expired or revoked): logging in again"
                        );
                        if let Some(serial) = serial {
                            cache.invalidate(serial).await;
                        }
                        renewed = true;
                    }
                    AuthState::Bearer(_) => {
                        let (body, message) = parsed_error(&response);
                        return Err(Error::BearerRefused {
                            request,
                            message,
                            body: body.map(Box::new),
                        });
                    }
                    _ => {
                        return Err(Error::from_http(HttpError::Status {
                            request,
                            response,
                            verdict,
                        }));
                    }
                },
                Err(other) => return Err(Error::from_http(other)),
            }
        }
    }

    /// `POST /V1/integration/admin/token` → a JSON string token.
    async fn admin_login(&self, creds: &AdminCredentials) -> Result<SecretString, Error> {
        const OPERATION: &str = "integration.admin_token";
        let url = self.rest_url("integration/admin/token", false);
        let result = self
            .inner
            .exec
            // Logging in twice only creates two tokens: safe to repeat after a timeout.
            .send(RequestMeta::idempotent(OPERATION), |http| {
                let body = serde_json::json!({
                    "username": creds.username(),
                    "password": creds.password().expose_secret(),
                });
                http.post(url.clone())
                    .header(ACCEPT, "application/json")
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.to_string())
                    .build()
            })
            .await;
        let response = match result {
            Ok(response) => response,
            Err(HttpError::Status { response, .. })
                if matches!(response.status.as_u16(), 400 | 401 | 403) =>
            {
                // A refused login can echo the request, password included: masked here.
                let (body, message) = parsed_error(&response);
                let template = body.as_ref().map(|b| b.template()).unwrap_or_default();
                let lower = template.to_ascii_lowercase();
                if lower.contains("2fa") || lower.contains("two-factor") {
                    let providers = body
                        .as_ref()
                        .and_then(|b| b.parameters.get("active_providers"))
                        .and_then(|v| v.as_array())
                        .map(|a| {
                            a.iter()
                                .filter_map(|p| p.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    return Err(Error::AdminTwoFactorRequired {
                        username: creds.username().to_string(),
                        providers,
                    });
                }
                return Err(Error::AdminLoginRejected {
                    username: creds.username().to_string(),
                    status: response.status.as_u16(),
                    message,
                });
            }
            Err(other) => return Err(Error::from_http(other)),
        };
        // No body excerpt, and not the decoder's message either (it can quote the value): this
        // body is the admin token, and errors end up in logs and dead letters.
        let token: String = decode_json(&response.body).map_err(|e| Error::Decode {
            operation: OPERATION.into(),
            path: e.path,
            message: "expected the admin token as a JSON string".into(),
            excerpt: "[withheld: this response carries the admin token]".into(),
        })?;
        let token = token.trim().to_string();
        if token.is_empty() || HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            return Err(Error::Decode {
                operation: OPERATION.into(),
                path: ".".into(),
                message: "the admin token is empty or not a valid header value".into(),
                excerpt: String::new(),
            });
        }
        // From now on the token is masked wherever it appears: errors, logs, dead letters.
        self.inner.exec.redactor().add_value(&token);
        tracing::debug!(username = creds.username(), "admin token issued");
        Ok(SecretString::from(token))
    }
}

fn build_request(
    http: &sync_core::http::reqwest::Client,
    call: &ApiCall,
    authorization: &str,
) -> Result<sync_core::http::reqwest::Request, sync_core::http::reqwest::Error> {
    let mut builder = http
        .request(call.method.clone(), call.url.clone())
        .header(ACCEPT, "application/json");
    if !authorization.is_empty() {
        match HeaderValue::from_str(authorization) {
            Ok(mut value) => {
                value.set_sensitive(true);
                builder = builder.header(AUTHORIZATION, value);
            }
            // Checked when the client was built; reqwest reports it as a build error otherwise.
            Err(_) => builder = builder.header(AUTHORIZATION, authorization),
        }
    }
    if let Some(body) = &call.body {
        let content_type = if call.form {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        builder = builder
            .header(CONTENT_TYPE, content_type)
            .body(body.clone());
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        let p = |s| parse_base_url(s, None).map(|u| u.to_string());
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
    fn plain_http_is_refused_for_bearer_and_admin_except_on_loopback() {
        let bearer = Auth::integration_bearer("tok-123");
        let admin = Auth::admin("sync-bot", "pa55-w0rd");
        for (auth, credential) in [
            (&bearer, "integration access token"),
            (&admin, "admin password"),
        ] {
            for url in [
                "http://shop.example",
                "http://10.0.0.5:8080/",
                "http://[2001:db8::1]/",
            ] {
                let err = parse_base_url(url, Some(auth)).unwrap_err();
                let text = err.to_string();
                assert!(text.contains(credential), "{text}");
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
                assert!(parse_base_url(url, Some(auth)).is_ok(), "{url}");
            }
        }
        // OAuth 1.0a sends a signature, never its secrets.
        let oauth = Auth::oauth1("ck", "cs", "at", "ats");
        assert!(parse_base_url("http://shop.example", Some(&oauth)).is_ok());
        // Not loopback, only looks like it.
        assert!(parse_base_url("http://localhost.evil.example/", Some(&bearer)).is_err());
        assert!(parse_base_url("http://app.localhost/", Some(&bearer)).is_err());
        assert!(parse_base_url("http://128.0.0.1/", Some(&bearer)).is_err());
        // Through the builder too.
        let err = Client::builder("http://shop.example")
            .auth(Auth::integration_bearer("tok-123"))
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    }

    #[test]
    fn rest_urls() {
        let c = Client::builder("https://shop.example/")
            .auth(Auth::integration_bearer("t"))
            .store_code("de")
            .build()
            .unwrap();
        assert_eq!(
            c.rest_url("orders", true).as_str(),
            "https://shop.example/rest/de/V1/orders"
        );
        assert_eq!(
            c.rest_url("store/storeViews", false).as_str(),
            "https://shop.example/rest/V1/store/storeViews"
        );
        assert!(
            Client::builder("https://shop.example/")
                .auth(Auth::integration_bearer("t"))
                .store_code("de/../x")
                .build()
                .is_err()
        );
        assert!(Client::builder("https://shop.example/").build().is_err());
    }
}
