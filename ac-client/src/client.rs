//! [`Client`] and [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sync_core::Redactor;
use sync_core::http::reqwest::{Method, header};
use sync_core::http::{
    HttpExecutor, HttpResponse, RateLimit, RateQuota, RequestMeta, RequestSummary,
};
use sync_core::retry::RetryPolicy;
use sync_core::retry_after::DEFAULT_MAX_SERVER_WAIT;
use url::Url;

use crate::auth::{API_TOKEN_HEADER, ApiToken};
use crate::bulk_import::BulkImports;
use crate::classifier::{ActiveCampaignClassifier, DEFAULT_THROTTLE_WAIT};
use crate::contacts::Contacts;
use crate::error::{ApiErrorBody, Error, Result, ThrottleWait};
use crate::fields::{FieldCache, Fields};
use crate::lists::Lists;
use crate::rate_limit::{
    BULK_THROTTLE_WAIT, BulkLimits, account_key, account_limit, default_quota,
};
use crate::tags::{TagCache, Tags};

/// The executor's service name, in spans and errors.
pub(crate) const SERVICE: &str = "activecampaign";

/// An ActiveCampaign API v3 client. Cheap to clone; clones share the connection pool and the
/// field cache. The account's rate budget and its tag name → id cache are shared by every
/// client of the account in the process, clones or not.
///
/// Every client of one account in this process — clones or separately built — shares one
/// budget of 5 requests per second (see [`rate_limit`](crate::rate_limit)).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    base: Url,
    token: ApiToken,
    exec: HttpExecutor,
    account_key: String,
    bulk: BulkLimits,
    throttle_wait: ThrottleWait,
    tags: Arc<TagCache>,
    fields: FieldCache,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("account_key", &self.inner.account_key)
            .field("token", &self.inner.token)
            .field(
                "rate_limit",
                &self.inner.exec.rate_limit().map(|l| l.quota()),
            )
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    token: ApiToken,
    account_key: Option<String>,
    quota: RateQuota,
    attempt_timeout: Duration,
    retry_policy: Option<Arc<dyn RetryPolicy>>,
    max_server_wait: Option<Duration>,
    throttle_wait: Duration,
    bulk_throttle_wait: Duration,
    user_agent: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The base URL as given may carry credentials (user-info, a key in the query).
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.token.redactor().url(&self.base_url))
            .field("token", &self.token)
            .field("account_key", &self.account_key)
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Share the rate budget and the tag cache under this key instead of the one derived from
    /// the host. Use it when one account is reached through several hosts.
    pub fn account_key(mut self, key: impl Into<String>) -> Self {
        self.account_key = Some(key.into());
        self
    }

    /// The account's quota (default [`rate_limit::default_quota`](crate::rate_limit::default_quota): 5 per
    /// 1.03 s). The first client of an account in the process sets it for all of them.
    pub fn rate_quota(mut self, quota: RateQuota) -> Self {
        self.quota = quota;
        self
    }

    /// Per-attempt timeout (default 30 s; bulk imports of 250 contacts can be slow to answer).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }

    /// The retry policy (default: sync-core's exponential backoff, 6 attempts, 5 minutes).
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.retry_policy = Some(Arc::new(policy));
        self
    }

    /// The longest `Retry-After` honoured (default 15 minutes).
    pub fn max_server_wait(mut self, d: Duration) -> Self {
        self.max_server_wait = Some(d);
        self
    }

    /// The wait assumed for a 429 or 503 that names none (default 1 s).
    pub fn throttle_wait(mut self, d: Duration) -> Self {
        self.throttle_wait = d;
        self
    }

    /// The wait assumed when the bulk importer answers "Rate limit exceeded." (its HTTP 400)
    /// without a `Retry-After` (default [`BULK_THROTTLE_WAIT`], one minute: its limits are
    /// per minute).
    pub fn bulk_throttle_wait(mut self, d: Duration) -> Self {
        self.bulk_throttle_wait = d;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Build the client.
    ///
    /// # Errors
    /// [`Error::Config`] when the base URL is not an absolute http(s) URL, or the token is blank
    /// or not a valid header value.
    pub fn build(self) -> Result<Client> {
        // One redactor for everything this client prints: the executor's errors and logs, our
        // own errors, and the sink's per-record reasons.
        let redactor = self.token.redactor();
        let base = normalize_base_url(&self.base_url, &redactor)?;
        if self.token.is_blank() {
            return Err(Error::Config(
                "the API token is empty: copy it from Settings → Developer".into(),
            ));
        }
        self.token.header_value().map_err(Error::Config)?;
        let key = self.account_key.unwrap_or_else(|| account_key(&base));
        let limit: Arc<RateLimit> = account_limit(&key, self.quota);
        let max_server_wait = self.max_server_wait.unwrap_or(DEFAULT_MAX_SERVER_WAIT);
        let classifier = ActiveCampaignClassifier::with_throttle_wait(self.throttle_wait)
            .max_wait(max_server_wait)
            .pausing(limit.clone());
        let mut exec = HttpExecutor::builder(SERVICE)
            .attempt_timeout(self.attempt_timeout)
            .classifier(classifier)
            .rate_limit(limit)
            .max_server_wait(max_server_wait)
            .redactor(redactor);
        if let Some(policy) = self.retry_policy {
            exec = exec.retry_policy_arc(policy);
        }
        if let Some(ua) = self.user_agent {
            exec = exec.user_agent(ua);
        }
        let exec = exec.build().map_err(|e| Error::Config(e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                bulk: BulkLimits::for_account(&key),
                throttle_wait: ThrottleWait {
                    bulk: self.bulk_throttle_wait,
                    max: max_server_wait,
                },
                base,
                token: self.token,
                exec,
                tags: TagCache::shared(&key),
                account_key: key,
                fields: FieldCache::default(),
            }),
        })
    }
}

/// Accepts the account URL as given in Settings → Developer, with or without `/api/3`, and
/// returns it ending in `/api/3/`. Anything else in the path is kept (a proxy prefix).
/// A refused URL is shown redacted (no user-info, no secret query values, never the token).
fn normalize_base_url(raw: &str, redactor: &Redactor) -> Result<Url> {
    let shown = || redactor.url(raw.trim());
    let mut url = Url::parse(raw.trim()).map_err(|e| {
        Error::Config(format!(
            "base URL {:?} is not a URL ({e}); use the API URL from Settings → Developer, \
             e.g. https://<account>.api-us1.com",
            shown()
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL {:?} must be an http(s) URL with a host, e.g. https://<account>.api-us1.com",
            shown()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "the base URL must not carry credentials; pass the API token separately".into(),
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_string();
    let path = if path.ends_with("/api/3") {
        format!("{path}/")
    } else {
        format!("{path}/api/3/")
    };
    url.set_path(&path);
    Ok(url)
}

/// A request this crate sends: the operation name, idempotency, method, path under `/api/3/`,
/// query and JSON body.
#[derive(Clone)]
pub(crate) struct Call {
    pub(crate) operation: &'static str,
    pub(crate) idempotent: bool,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Call {
    pub(crate) fn get(operation: &'static str, path: impl Into<String>) -> Call {
        Call {
            operation,
            idempotent: true,
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn delete(operation: &'static str, path: impl Into<String>) -> Call {
        Call {
            method: Method::DELETE,
            ..Call::get(operation, path)
        }
    }

    /// A JSON write. `idempotent` says whether repeating it after a lost answer is harmless
    /// (`/contact/sync` is an upsert by email; `POST /contacts` is not).
    pub(crate) fn write(
        operation: &'static str,
        method: Method,
        path: impl Into<String>,
        idempotent: bool,
        body: &impl Serialize,
    ) -> Result<Call> {
        let body = serde_json::to_vec(body).map_err(|e| Error::InvalidInput {
            field: "body",
            message: format!("could not encode the request body: {e}"),
        })?;
        Ok(Call {
            operation,
            idempotent,
            method,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        })
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl ToString) -> Call {
        self.query.push((key, value.to_string()));
        self
    }
}

impl Client {
    /// Start building a client for the account at `base_url` (the API URL from Settings →
    /// Developer, e.g. `https://<account>.api-us1.com`; `/api/3` is added when missing).
    pub fn builder(base_url: impl Into<String>, token: impl Into<ApiToken>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            token: token.into(),
            account_key: None,
            quota: default_quota(),
            attempt_timeout: Duration::from_secs(30),
            retry_policy: None,
            max_server_wait: None,
            throttle_wait: DEFAULT_THROTTLE_WAIT,
            bulk_throttle_wait: BULK_THROTTLE_WAIT,
            user_agent: None,
        }
    }

    /// A client with default settings.
    ///
    /// # Errors
    /// See [`ClientBuilder::build`].
    pub fn new(base_url: impl Into<String>, token: impl Into<ApiToken>) -> Result<Client> {
        Client::builder(base_url, token).build()
    }

    /// The API base, ending in `/api/3/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The key this client's rate budget is shared under.
    pub fn account_key(&self) -> &str {
        &self.inner.account_key
    }

    /// The [`Redactor`] everything this client prints goes through: its errors, its logs and
    /// the sink's per-record reasons. It masks the API token and the names that carry it;
    /// register more with [`Redactor::add_value`] (clones share).
    pub fn redactor(&self) -> &Redactor {
        self.inner.exec.redactor()
    }

    /// The account's shared rate limit.
    pub fn rate_limit(&self) -> Option<&Arc<RateLimit>> {
        self.inner.exec.rate_limit()
    }

    /// Contacts: sync (upsert), get, update, delete, list.
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts::new(self)
    }

    /// Tags: find, create when missing (cached), add to and remove from contacts.
    pub fn tags(&self) -> Tags<'_> {
        Tags::new(self)
    }

    /// Custom fields: list, resolve by personalization tag or title, set values.
    pub fn fields(&self) -> Fields<'_> {
        Fields::new(self)
    }

    /// List memberships: subscribe and unsubscribe.
    pub fn lists(&self) -> Lists<'_> {
        Lists::new(self)
    }

    /// The bulk importer and its status endpoints.
    pub fn bulk_import(&self) -> BulkImports<'_> {
        BulkImports::new(self)
    }

    pub(crate) fn tag_cache(&self) -> &TagCache {
        &self.inner.tags
    }

    pub(crate) fn field_cache(&self) -> &FieldCache {
        &self.inner.fields
    }

    pub(crate) fn bulk_limits(&self) -> &BulkLimits {
        &self.inner.bulk
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.inner.base.join(path).map_err(|e| Error::InvalidInput {
            field: "path",
            message: format!("{path:?} does not form a URL: {e}"),
        })
    }

    /// Send a call through the shared executor (rate limit, retries, spans) and return the raw
    /// 2xx response. A 2xx whose body reports failure (`"succeeded":0`) is an error.
    pub(crate) async fn send(&self, call: Call) -> Result<HttpResponse> {
        let url = self.url(&call.path)?;
        let header_value = self.inner.token.header_value().map_err(Error::Config)?;
        let meta = if call.idempotent {
            RequestMeta::idempotent(call.operation)
        } else {
            RequestMeta::non_idempotent(call.operation)
        };
        let Call {
            operation,
            method,
            query,
            body,
            ..
        } = call;
        let response = self
            .inner
            .exec
            .send(meta, |http| {
                let mut request = http
                    .request(method.clone(), url.clone())
                    .header(API_TOKEN_HEADER, header_value.clone())
                    .header(header::ACCEPT, "application/json");
                if !query.is_empty() {
                    request = request.query(&query);
                }
                if let Some(body) = &body {
                    request = request
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(body.clone());
                }
                request.build()
            })
            .await
            .map_err(|e| Error::from_http(e, self.inner.throttle_wait, self.redactor()))?;
        if let Some(body) = ApiErrorBody::from_success_body(&response.body, self.redactor()) {
            let mut full = url.clone();
            if !query.is_empty() {
                full.query_pairs_mut().extend_pairs(query.iter());
            }
            let request = RequestSummary {
                service: SERVICE.into(),
                operation: operation.into(),
                method,
                url: self.redactor().url(full.as_str()),
                attempts: 1,
            };
            return Err(Error::from_failed_success(request, &response, body));
        }
        Ok(response)
    }

    /// Send a call and decode its JSON answer.
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let operation = call.operation;
        let response = self.send(call).await?;
        response.json::<T>().map_err(|mut source| {
            // serde quotes the value it refused, which may be anything the server sent.
            source.message = self.redactor().text(&source.message);
            source.path = self.redactor().text(&source.path);
            Error::Decode { operation, source }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_taken_whole_and_normalized() {
        for (raw, want) in [
            (
                "https://acme.api-us1.com",
                "https://acme.api-us1.com/api/3/",
            ),
            (
                "https://acme.api-us1.com/",
                "https://acme.api-us1.com/api/3/",
            ),
            (
                "https://acme.api-us1.com/api/3",
                "https://acme.api-us1.com/api/3/",
            ),
            (
                " https://acme.api-us1.com/api/3/ ",
                "https://acme.api-us1.com/api/3/",
            ),
            (
                "http://127.0.0.1:9/proxy",
                "http://127.0.0.1:9/proxy/api/3/",
            ),
            (
                "https://acme.activehosted.com/api/3/?x=1",
                "https://acme.activehosted.com/api/3/",
            ),
        ] {
            assert_eq!(
                normalize_base_url(raw, &Redactor::new()).unwrap().as_str(),
                want,
                "{raw}"
            );
        }
        for bad in [
            "acme.api-us1.com",
            "ftp://acme.test",
            "https://u:p@acme.test",
            "",
        ] {
            let err = normalize_base_url(bad, &Redactor::new()).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn blank_token_is_refused() {
        let err = Client::new("https://acme.api-us1.com", " ").unwrap_err();
        assert!(err.to_string().contains("Settings → Developer"), "{err}");
    }
}
