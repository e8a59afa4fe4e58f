//! [`Client`] and [`ClientBuilder`]: Graph API base URL and version, credentials, timeouts,
//! retries and rate limits, on top of sync-core's shared HTTP executor.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use sync_core::http::reqwest::Method;
use sync_core::http::{HttpExecutor, RateLimit, RateQuota, RequestMeta};
use sync_core::retry::ExponentialBackoff;
use sync_core::retry_after::DEFAULT_MAX_SERVER_WAIT;
use sync_core::{Redactor, RetryPolicy};
use url::Url;

use crate::audiences::{AdAccount, AudienceRef};
use crate::auth::Credentials;
use crate::base_url;
use crate::error::Error;
use crate::replace_resend::ReplaceDeadlinePolicy;
use crate::throttle::GraphClassifier;

/// The Graph API version used unless [`ClientBuilder::graph_version`] says otherwise.
pub const DEFAULT_GRAPH_VERSION: &str = "v25.0";
/// Meta's Graph API host.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com/";
/// How long after its first batch Meta keeps a replace session open.
pub const REPLACE_SESSION_LIMIT: Duration = Duration::from_secs(90 * 60);

/// Builds a [`Client`].
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: String,
    version: String,
    attempt_timeout: Duration,
    retry_policy: Option<Arc<dyn RetryPolicy>>,
    rate_limit: Option<Arc<RateLimit>>,
    max_server_wait: Duration,
    replace_window: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The base URL is not checked yet: show it without user-info or query.
        let redactor = self
            .credentials
            .as_ref()
            .map(Credentials::redactor)
            .unwrap_or_default();
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &base_url::shown_raw(&self.base_url, &redactor))
            .field("version", &redactor.text(&self.version))
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The access token and optional app secret (required).
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(c);
        self
    }

    /// The Graph API version, `vNN.N` (default [`DEFAULT_GRAPH_VERSION`]).
    pub fn graph_version(mut self, v: impl Into<String>) -> Self {
        self.version = v.into();
        self
    }

    /// Another host, for a proxy or a local test server (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time limit of one attempt (default 120 s: a 10,000-row batch is several megabytes).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }

    /// The retry policy (default: sync-core's exponential backoff with full jitter).
    pub fn retry_policy(mut self, p: impl RetryPolicy + 'static) -> Self {
        self.retry_policy = Some(Arc::new(p));
        self
    }

    /// A client-side rate limit, shared by every client with the same key (default: 10 calls
    /// per second per access token is left to Meta's own throttling, so none).
    pub fn rate_limit(mut self, key: impl Into<String>, quota: RateQuota) -> Self {
        self.rate_limit = Some(RateLimit::shared(key, quota));
        self
    }

    /// The longest wait honoured from Meta's throttling headers (default 15 minutes). Longer
    /// announced waits are clamped.
    pub fn max_server_wait(mut self, d: Duration) -> Self {
        self.max_server_wait = d;
        self
    }

    /// Our own deadline for the batches of a replace session, counted from the first batch
    /// (default 88 minutes: Meta closes the session after 90 and discards later batches; the
    /// margin leaves room for the last request). Never more than 90 minutes.
    pub fn replace_window(mut self, d: Duration) -> Self {
        self.replace_window = d.min(REPLACE_SESSION_LIMIT);
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config(
                "no credentials: call ClientBuilder::credentials with an access token".into(),
            )
        })?;
        // Every error and log line of this client goes through it. `payload` is no credential,
        // but a removal's URL holds up to 32 KiB of hashed personal data in it, which has no
        // place in a log line, an error or a dead-letter reason.
        let redactor = credentials.redactor().secret_name("payload");
        let v = self.version.trim_start_matches('/').trim_end_matches('/');
        let valid_version = v
            .strip_prefix('v')
            .and_then(|n| n.split_once('.'))
            .is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            });
        if !valid_version {
            return Err(Error::Config(redactor.text(&format!(
                "Graph API version `{}` is not of the form vNN.N (e.g. {DEFAULT_GRAPH_VERSION})",
                self.version
            ))));
        }
        let mut base = base_url::parse(&self.base_url, &redactor)?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let base = base
            .join(&format!("{v}/"))
            .map_err(|e| Error::Config(format!("base URL: {e}")))?;
        let mut exec = HttpExecutor::builder("meta-graph")
            .attempt_timeout(self.attempt_timeout)
            .max_server_wait(self.max_server_wait)
            .classifier(GraphClassifier::new(self.max_server_wait))
            .redactor(redactor.clone());
        // A replace batch is resent only while Meta's replace session still takes it.
        let policy = self
            .retry_policy
            .unwrap_or_else(|| Arc::new(ExponentialBackoff::default()));
        exec = exec.retry_policy_arc(Arc::new(ReplaceDeadlinePolicy::new(policy)));
        if let Some(r) = self.rate_limit {
            exec = exec.rate_limit(r);
        }
        let exec = exec
            .build()
            .map_err(|e| Error::Config(redactor.text(&format!("HTTP client: {e}"))))?;
        Ok(Client {
            inner: Arc::new(Inner {
                exec,
                base,
                credentials,
                replace_window: self.replace_window,
            }),
        })
    }
}

/// A request body, already encoded.
pub(crate) enum Body {
    /// A JSON document.
    Json(String),
}

struct Inner {
    exec: HttpExecutor,
    base: Url,
    credentials: Credentials,
    replace_window: Duration,
}

/// A Meta Marketing API client for customer-file Custom Audiences. Cheap to clone.
///
/// ```
/// use fb_audience::{Client, Credentials};
///
/// let client = Client::builder()
///     .credentials(Credentials::new("EAAB…".to_string()).with_app_secret("app-secret".to_string()))
///     .graph_version("v26.0")
///     .build()?;
/// assert!(!format!("{client:?}").contains("app-secret"));
/// # Ok::<(), fb_audience::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &base_url::shown(&self.inner.base, self.redactor()))
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults described on each setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            credentials: None,
            base_url: DEFAULT_BASE_URL.into(),
            version: DEFAULT_GRAPH_VERSION.into(),
            attempt_timeout: Duration::from_secs(120),
            retry_policy: None,
            rate_limit: None,
            max_server_wait: DEFAULT_MAX_SERVER_WAIT,
            replace_window: REPLACE_SESSION_LIMIT - Duration::from_secs(120),
        }
    }

    /// An ad account, by id with or without the `act_` prefix.
    pub fn ad_account(&self, id: impl AsRef<str>) -> AdAccount {
        AdAccount::new(self.clone(), id.as_ref())
    }

    /// An existing audience, by id.
    pub fn audience(&self, id: impl Into<String>) -> AudienceRef {
        AudienceRef::new(self.clone(), id.into())
    }

    /// The redactor every error, log line and sink reason of this client goes through: Graph's
    /// secret names and this client's token, app secret and `appsecret_proof`. Give it to
    /// sync-core's `PipelineBuilder::redactor` so dead letters are masked the same way.
    pub fn redactor(&self) -> &Redactor {
        self.inner.exec.redactor()
    }

    pub(crate) fn replace_window(&self) -> Duration {
        self.inner.replace_window
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        self.inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::Config(self.redactor().text(&format!("path `{path}`: {e}"))))
    }

    /// The length of the URL a call to `path` with `query` (and the credentials) has.
    pub(crate) fn url_len(&self, path: &str, query: &[(&str, &str)]) -> Result<usize, Error> {
        let mut url = self.url(path)?;
        url.query_pairs_mut()
            .extend_pairs(query)
            .extend_pairs(self.inner.credentials.query_pairs());
        Ok(url.as_str().len())
    }

    /// Sends one call and decodes the JSON answer.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Body>,
        idempotent: bool,
    ) -> Result<T, Error> {
        let url = self.url(path)?;
        let auth = self.inner.credentials.query_pairs();
        let meta = if idempotent {
            RequestMeta::idempotent(operation)
        } else {
            RequestMeta::non_idempotent(operation)
        };
        let response = self
            .inner
            .exec
            .send(meta, |http| {
                let mut req = http
                    .request(method.clone(), url.clone())
                    .query(query)
                    .query(&auth);
                if let Some(Body::Json(json)) = &body {
                    req = req
                        .header("content-type", "application/json")
                        .body(json.clone());
                }
                req.build()
            })
            .await
            .map_err(|e| Error::from_http(operation, e, self.redactor()))?;
        // A decode message can quote the body: it goes through the redactor too.
        response.json::<T>().map_err(|e| Error::Decode {
            operation: operation.to_string(),
            path: self.redactor().text(&e.path),
            message: self.redactor().text(&e.message),
        })
    }
}
