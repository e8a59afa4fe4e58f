//! [`ApplicationClient`] and [`PlatformClient`], their builders, and the transport they share.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sync_core::http::reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use sync_core::http::reqwest::{Client, Method};
use sync_core::http::{HttpExecutor, HttpResponse, RateLimit, RateQuota, RequestMeta};
use sync_core::{Redactor, RetryPolicy};
use url::Url;

use crate::auth::{ACCESS_TOKEN_HEADER, ApiKind, ApplicationToken, PlatformToken};
use crate::error::Error;
use crate::secrets::redactor_with_names;

/// Requests per second allowed by default, shared by every client of one Chatwoot installation
/// in this process. Self-hosted Chatwoot throttles at 3000 requests per minute per IP (50/s);
/// this stays under it with room for other callers.
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 40;

/// One request, described once and rebuilt per attempt by the executor.
pub(crate) struct Call {
    operation: &'static str,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    idempotent: bool,
}

impl Call {
    pub(crate) fn get(operation: &'static str, path: String) -> Call {
        Call {
            operation,
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            idempotent: true,
        }
    }

    pub(crate) fn delete(operation: &'static str, path: String) -> Call {
        Call {
            method: Method::DELETE,
            ..Call::get(operation, path)
        }
    }

    /// A POST that creates or changes something: not repeated after a timeout.
    pub(crate) fn post(operation: &'static str, path: String) -> Call {
        Call {
            method: Method::POST,
            idempotent: false,
            ..Call::get(operation, path)
        }
    }

    /// A POST that only reads (filters): safe to repeat.
    pub(crate) fn post_read(operation: &'static str, path: String) -> Call {
        Call {
            method: Method::POST,
            ..Call::get(operation, path)
        }
    }

    pub(crate) fn put(operation: &'static str, path: String) -> Call {
        Call {
            method: Method::PUT,
            ..Call::get(operation, path)
        }
    }

    pub(crate) fn patch(operation: &'static str, path: String) -> Call {
        Call {
            method: Method::PATCH,
            // A PATCH that sets fields to given values is safe to repeat.
            ..Call::get(operation, path)
        }
    }

    pub(crate) fn query(mut self, key: impl Into<String>, value: impl ToString) -> Call {
        self.query.push((key.into(), value.to_string()));
        self
    }

    pub(crate) fn query_opt(self, key: &str, value: Option<impl ToString>) -> Call {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Call, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidInput {
            field: "body",
            message: format!("could not serialize the request body: {e}"),
        })?;
        self.body = Some(bytes);
        Ok(self)
    }
}

/// The HTTP side both clients share: base URL, token header, executor.
pub(crate) struct Transport {
    api: ApiKind,
    base: Url,
    token: HeaderValue,
    exec: HttpExecutor,
}

impl Transport {
    pub(crate) async fn send(&self, call: Call) -> Result<HttpResponse, Error> {
        let url = self
            .base
            .join(&call.path)
            .map_err(|e| Error::InvalidInput {
                field: "path",
                message: self
                    .redactor()
                    .text(&format!("`{}` is not a valid path: {e}", call.path)),
            })?;
        let meta = if call.idempotent {
            RequestMeta::idempotent(call.operation)
        } else {
            RequestMeta::non_idempotent(call.operation)
        };
        let token = &self.token;
        let result = self
            .exec
            .send(meta, |http| {
                let mut req = http
                    .request(call.method.clone(), url.clone())
                    .header(ACCESS_TOKEN_HEADER, token.clone())
                    .header(ACCEPT, "application/json");
                if !call.query.is_empty() {
                    req = req.query(&call.query);
                }
                if let Some(body) = &call.body {
                    req = req
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone());
                }
                req.build()
            })
            .await;
        result.map_err(|e| Error::from_http(self.api, e, self.exec.redactor()))
    }

    /// The redactor this client's errors, logs and sink reasons go through: Chatwoot's secret
    /// names plus the token values the client holds.
    pub(crate) fn redactor(&self) -> &Redactor {
        self.exec.redactor()
    }

    /// Send and decode the JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let operation = call.operation;
        let response = self.send(call).await?;
        decode(operation, &response)
    }

    /// Send and ignore the body (DELETE and other empty answers).
    pub(crate) async fn empty(&self, call: Call) -> Result<(), Error> {
        self.send(call).await.map(|_| ())
    }
}

pub(crate) fn decode<T: DeserializeOwned>(
    operation: &'static str,
    response: &HttpResponse,
) -> Result<T, Error> {
    response.json::<T>().map_err(|e| Error::Decode {
        operation: operation.to_string(),
        path: e.path,
        message: e.message,
        // Redacted: inbox, user and bot bodies carry credentials.
        excerpt: response.redactor().excerpt(&response.body, 200),
    })
}

/// Settings both builders share.
struct Options {
    attempt_timeout: Duration,
    retry_policy: Option<Arc<dyn RetryPolicy>>,
    rate_limit: RateLimitChoice,
    user_agent: Option<String>,
    reqwest_client: Option<Client>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("attempt_timeout", &self.attempt_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
enum RateLimitChoice {
    Default,
    Custom(Arc<RateLimit>),
    Off,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            attempt_timeout: Duration::from_secs(30),
            retry_policy: None,
            rate_limit: RateLimitChoice::Default,
            user_agent: None,
            reqwest_client: None,
        }
    }
}

/// The base URL, or an error that never echoes it raw: user-info and the query (where a
/// pasted token would be) are left out, and the rest goes through the redactor.
fn parse_base_url(raw: &str, redactor: &Redactor) -> Result<Url, Error> {
    let shown = || shown_base_url(raw, redactor);
    let mut url = Url::parse(raw.trim()).map_err(|e| Error::InvalidConfig {
        field: "base_url",
        message: format!(
            "`{}` is not a URL ({e}); give the installation's root, e.g. https://app.chatwoot.com",
            shown()
        ),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::InvalidConfig {
            field: "base_url",
            message: format!(
                "`{}` must start with https:// (or http:// for a local server)",
                shown()
            ),
        });
    }
    if url.username() != "" || url.password().is_some() || url.query().is_some() {
        return Err(Error::InvalidConfig {
            field: "base_url",
            message: "give the base URL without user, password or query; the token is set \
                      separately"
                .into(),
        });
    }
    // Paths are joined onto the base, so it must end with a slash (a sub-path install keeps
    // its prefix).
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Chatwoot's secret names and the token, as given and as sent (trimmed).
fn token_redactor(token: &str) -> Redactor {
    redactor_with_names()
        .secret_value(token)
        .secret_value(token.trim())
}

/// A base URL as errors and `Debug` show it: without query or fragment, through the redactor
/// (which masks user-info and the token).
fn shown_base_url(raw: &str, redactor: &Redactor) -> String {
    redactor.url(&without_query(raw))
}

/// Everything before `?` or `#`: a query may hold a pasted token, so it is never shown.
fn without_query(raw: &str) -> String {
    raw.split(['?', '#']).next().unwrap_or_default().to_string()
}

fn build_transport(
    api: ApiKind,
    base_url: &str,
    token: HeaderValue,
    redactor: Redactor,
    options: Options,
) -> Result<Transport, Error> {
    let base = parse_base_url(base_url, &redactor)?;
    let mut builder = HttpExecutor::builder("chatwoot")
        .attempt_timeout(options.attempt_timeout)
        .redactor(redactor);
    if let Some(policy) = options.retry_policy {
        builder = builder.retry_policy_arc(policy);
    }
    match options.rate_limit {
        RateLimitChoice::Default => {
            let key = format!("chatwoot:{}", base.origin().ascii_serialization());
            builder = builder.rate_limit(RateLimit::shared(
                key,
                RateQuota::per_second(DEFAULT_REQUESTS_PER_SECOND).with_burst(10),
            ));
        }
        RateLimitChoice::Custom(limit) => builder = builder.rate_limit(limit),
        RateLimitChoice::Off => {}
    }
    if let Some(ua) = options.user_agent {
        builder = builder.user_agent(ua);
    }
    if let Some(client) = options.reqwest_client {
        builder = builder.reqwest_client(client);
    }
    // The executor prints its build errors through the redactor it was given.
    let exec = builder.build().map_err(Error::Http)?;
    Ok(Transport {
        api,
        base,
        token,
        exec,
    })
}

macro_rules! builder_options {
    () => {
        /// Per-attempt timeout, including reading the body (default 30 s).
        pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
            self.options.attempt_timeout = timeout;
            self
        }

        /// The retry policy (default: sync-core's exponential backoff with full jitter,
        /// 6 attempts, 5 minutes).
        pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
            self.options.retry_policy = Some(Arc::new(policy));
            self
        }

        /// Share a rate limit, e.g. one [`RateLimit::shared`] per installation across services.
        ///
        /// By default every client of one installation (same origin) in this process shares a
        /// limit of [`DEFAULT_REQUESTS_PER_SECOND`] with bursts of 10. Chatwoot's own `429`
        /// (rack-attack's `Retry later`) carries no `Retry-After`, so each throttled request
        /// backs off by the [retry policy](Self::retry_policy) (exponential, with jitter); only a
        /// `Retry-After` sent by a proxy in front pauses all clients sharing the limit.
        pub fn rate_limit(mut self, limit: Arc<RateLimit>) -> Self {
            self.options.rate_limit = RateLimitChoice::Custom(limit);
            self
        }

        /// Send without a client-side rate limit (the server's 429s are still honoured).
        pub fn no_rate_limit(mut self) -> Self {
            self.options.rate_limit = RateLimitChoice::Off;
            self
        }

        /// The `User-Agent` header (default `commerce-sync/<version>`).
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.options.user_agent = Some(user_agent.into());
            self
        }

        /// Use this reqwest client (proxies, extra root certificates). Timeouts set here still
        /// apply per attempt.
        pub fn reqwest_client(mut self, client: Client) -> Self {
            self.options.reqwest_client = Some(client);
            self
        }
    };
}

/// Builds an [`ApplicationClient`].
pub struct ApplicationClientBuilder {
    base_url: String,
    account_id: u64,
    token: ApplicationToken,
    options: Options,
}

impl fmt::Debug for ApplicationClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redactor = token_redactor(self.token.expose_secret());
        f.debug_struct("ApplicationClientBuilder")
            .field("base_url", &shown_base_url(&self.base_url, &redactor))
            .field("account_id", &self.account_id)
            .field("token", &self.token)
            .field("options", &self.options)
            .finish()
    }
}

impl ApplicationClientBuilder {
    builder_options!();

    /// Build the client. Fails on a malformed base URL or token.
    pub fn build(self) -> Result<ApplicationClient, Error> {
        if self.account_id == 0 {
            return Err(Error::InvalidConfig {
                field: "account_id",
                message: "account ids start at 1; take it from the dashboard URL \
                          (/app/accounts/<id>/…)"
                    .into(),
            });
        }
        let token = self.token.header_value()?;
        let redactor = token_redactor(self.token.expose_secret());
        let transport = build_transport(
            ApiKind::Application,
            &self.base_url,
            token,
            redactor,
            self.options,
        )?;
        Ok(ApplicationClient {
            transport: Arc::new(transport),
            account_id: self.account_id,
        })
    }
}

/// A client for Chatwoot's Application API (`/api/v1/accounts/{account_id}/…`), authenticated
/// with an [`ApplicationToken`] (a user's or agent bot's access token). Cheap to clone.
///
/// Resources hang off it: [`contacts`](Self::contacts),
/// [`contact_inboxes`](Self::contact_inboxes), [`conversations`](Self::conversations),
/// [`messages`](Self::messages), [`inboxes`](Self::inboxes) and
/// [`custom_attributes`](Self::custom_attributes).
#[derive(Clone)]
pub struct ApplicationClient {
    pub(crate) transport: Arc<Transport>,
    account_id: u64,
}

impl fmt::Debug for ApplicationClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationClient")
            .field(
                "base_url",
                &self.transport.redactor().url(self.transport.base.as_str()),
            )
            .field("account_id", &self.account_id)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl ApplicationClient {
    /// Start building a client for `account_id` on the installation at `base_url`
    /// (`https://app.chatwoot.com` or your self-hosted root).
    pub fn builder(
        base_url: impl Into<String>,
        account_id: u64,
        token: ApplicationToken,
    ) -> ApplicationClientBuilder {
        ApplicationClientBuilder {
            base_url: base_url.into(),
            account_id,
            token,
            options: Options::default(),
        }
    }

    /// The account this client works in.
    pub fn account_id(&self) -> u64 {
        self.account_id
    }

    /// The installation's base URL.
    pub fn base_url(&self) -> &Url {
        &self.transport.base
    }

    /// `api/v1/accounts/{id}/{rest}`.
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("api/v1/accounts/{}/{rest}", self.account_id)
    }
}

/// Builds a [`PlatformClient`].
pub struct PlatformClientBuilder {
    base_url: String,
    token: PlatformToken,
    options: Options,
}

impl fmt::Debug for PlatformClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redactor = token_redactor(self.token.expose_secret());
        f.debug_struct("PlatformClientBuilder")
            .field("base_url", &shown_base_url(&self.base_url, &redactor))
            .field("token", &self.token)
            .field("options", &self.options)
            .finish()
    }
}

impl PlatformClientBuilder {
    builder_options!();

    /// Build the client. Fails on a malformed base URL or token.
    pub fn build(self) -> Result<PlatformClient, Error> {
        let token = self.token.header_value()?;
        let redactor = token_redactor(self.token.expose_secret());
        let transport = build_transport(
            ApiKind::Platform,
            &self.base_url,
            token,
            redactor,
            self.options,
        )?;
        Ok(PlatformClient {
            transport: Arc::new(transport),
        })
    }
}

/// A client for Chatwoot's Platform API (`/platform/api/v1/…`): provisioning accounts, users,
/// account users and agent bots, authenticated with a [`PlatformToken`]. Cheap to clone.
///
/// A Platform App may only manage what it created or was granted; Chatwoot has no endpoint to
/// list every account.
#[derive(Clone)]
pub struct PlatformClient {
    pub(crate) transport: Arc<Transport>,
}

impl fmt::Debug for PlatformClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformClient")
            .field(
                "base_url",
                &self.transport.redactor().url(self.transport.base.as_str()),
            )
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl PlatformClient {
    /// Start building a client for the installation at `base_url`.
    pub fn builder(base_url: impl Into<String>, token: PlatformToken) -> PlatformClientBuilder {
        PlatformClientBuilder {
            base_url: base_url.into(),
            token,
            options: Options::default(),
        }
    }

    /// The installation's base URL.
    pub fn base_url(&self) -> &Url {
        &self.transport.base
    }

    /// `platform/api/v1/{rest}`.
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("platform/api/v1/{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_gets_a_trailing_slash_and_keeps_sub_paths() {
        assert_eq!(
            parse_base_url("https://x.test", &Redactor::new())
                .unwrap()
                .as_str(),
            "https://x.test/"
        );
        let sub = parse_base_url("https://x.test/chatwoot", &Redactor::new()).unwrap();
        assert_eq!(
            sub.join("api/v1/accounts/1/contacts").unwrap().as_str(),
            "https://x.test/chatwoot/api/v1/accounts/1/contacts"
        );
        assert!(parse_base_url("ftp://x.test", &Redactor::new()).is_err());
        assert!(parse_base_url("https://u:p@x.test", &Redactor::new()).is_err());
        assert!(parse_base_url("not a url", &Redactor::new()).is_err());
    }

    #[test]
    fn account_zero_is_refused() {
        let err = ApplicationClient::builder("https://x.test", 0, ApplicationToken::new("t"))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("account_id"), "{err}");
    }
}
