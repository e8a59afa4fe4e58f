//! [`HttpExecutor`]: the one retrying sender every client crate uses.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use reqwest::{Client, Method, Request, StatusCode};
use tokio::time::Instant;
use tracing::Instrument;

use super::error::{BuildError, HttpError, RequestSummary, TransportKind};
use super::rate_limit::RateLimit;
use super::response::{HttpResponse, ResponseClassifier, StatusClassifier};
use crate::redact::Redactor;
use crate::retry::{ExponentialBackoff, RetryDecision, RetryPolicy, RetryState};
use crate::retry_after::DEFAULT_MAX_SERVER_WAIT;
use crate::verdict::{Classify, Verdict};

/// Statuses that say the server did not act on the request: safe to resend even when the
/// request is not idempotent. A 500, 502 or 504 may come after the work was done. (A vendor
/// classifier's `RateLimited`, e.g. a throttling code in a 400 body, counts as not acted on too.)
fn unprocessed(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 503)
}

/// `verdict` with its server wait no longer than `max`.
fn clamp_wait(verdict: Verdict, max: Duration) -> Verdict {
    match verdict {
        Verdict::Retry { after } => Verdict::Retry {
            after: after.map(|a| a.min(max)),
        },
        Verdict::RateLimited { after } => Verdict::RateLimited {
            after: after.map(|a| a.min(max)),
        },
        other => other,
    }
}

/// The default [`HttpExecutorBuilder::max_response_bytes`]: far above any page of JSON a vendor
/// sends, far below what would hurt the process.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// What the executor needs to know about a request beyond the request itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMeta {
    /// A stable operation name for spans and errors (`orders.list`).
    pub operation: Cow<'static, str>,
    /// Whether sending the request twice has the same effect as sending it once. Only such
    /// requests are retried after a timeout, a broken connection, or a 500, 502 or 504
    /// (AIP-194): a non-idempotent request that may have been processed is not sent again.
    /// 408, 425, 429 and 503 are resent either way, because they say the server did not act.
    pub idempotent: bool,
}

impl RequestMeta {
    /// A request that is safe to repeat (GET, PUT, DELETE, or a POST carrying an idempotency key).
    pub fn idempotent(operation: impl Into<Cow<'static, str>>) -> Self {
        RequestMeta {
            operation: operation.into(),
            idempotent: true,
        }
    }

    /// A request that must not be repeated once it may have reached the server.
    pub fn non_idempotent(operation: impl Into<Cow<'static, str>>) -> Self {
        RequestMeta {
            operation: operation.into(),
            idempotent: false,
        }
    }

    /// Idempotency from the method: GET, HEAD, OPTIONS, PUT and DELETE are idempotent.
    pub fn for_method(operation: impl Into<Cow<'static, str>>, method: &Method) -> Self {
        RequestMeta {
            operation: operation.into(),
            idempotent: method.is_idempotent(),
        }
    }
}

/// Builds an [`HttpExecutor`].
#[derive(Debug)]
pub struct HttpExecutorBuilder {
    service: String,
    attempt_timeout: Duration,
    connect_timeout: Duration,
    policy: Arc<dyn RetryPolicy>,
    classifier: Arc<dyn ResponseClassifier>,
    rate_limit: Option<Arc<RateLimit>>,
    max_server_wait: Duration,
    secret_query_keys: Vec<String>,
    redactor: Redactor,
    max_response_bytes: usize,
    user_agent: String,
    client: Option<Client>,
}

impl HttpExecutorBuilder {
    /// Per-attempt timeout, covering the whole exchange including reading the body
    /// (default 30 s).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }
    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// The retry policy (default [`ExponentialBackoff::default`]).
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.policy = Arc::new(policy);
        self
    }
    /// The retry policy, shared.
    pub fn retry_policy_arc(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
        self.policy = policy;
        self
    }
    /// How responses are classified (default [`StatusClassifier`]).
    pub fn classifier(mut self, classifier: impl ResponseClassifier + 'static) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }
    /// How responses are classified, shared.
    pub fn classifier_arc(mut self, classifier: Arc<dyn ResponseClassifier>) -> Self {
        self.classifier = classifier;
        self
    }
    /// A rate limit every attempt must pass (see [`RateLimit::shared`]).
    pub fn rate_limit(mut self, limit: Arc<RateLimit>) -> Self {
        self.rate_limit = Some(limit);
        self
    }
    /// The longest server wait honoured; longer `Retry-After` values are clamped (default 15 min).
    pub fn max_server_wait(mut self, d: Duration) -> Self {
        self.max_server_wait = d;
        self
    }
    /// Extra query keys whose values are credentials (redacted in errors and logs): registers
    /// the name on the executor's [`Redactor`] (see [`redactor`](Self::redactor)).
    pub fn secret_query_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        self.redactor.add_name(&key);
        self.secret_query_keys.push(key);
        self
    }
    /// The [`Redactor`] every URL, redirect `Location`, body excerpt, error and log line of
    /// this executor goes through (default [`Redactor::new`]: generic names only). Register the
    /// client's secret names and the secret values it holds on it; keep a clone to add values
    /// issued later (every clone shares them). Names given to
    /// [`secret_query_key`](Self::secret_query_key) are registered on it too, whatever the order.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        for key in &self.secret_query_keys {
            redactor.add_name(key);
        }
        self.redactor = redactor;
        self
    }
    /// The largest response body read (default [`DEFAULT_MAX_RESPONSE_BYTES`], 32 MiB). A
    /// larger body is abandoned after the limit, and the request fails with
    /// [`HttpError::BodyTooLarge`], which is permanent: a retry would get the same body.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }
    /// The `User-Agent` header (default `commerce-sync/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// Use this reqwest client instead of building one (timeouts set here still apply per attempt).
    pub fn reqwest_client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Build the executor.
    pub fn build(self) -> Result<HttpExecutor, HttpError> {
        let client = match self.client {
            Some(c) => c,
            None => Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                // Redirects are followed by hand where a vendor needs it: a silent redirect can
                // turn a POST into a GET and drop the body.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| HttpError::Build {
                    service: self.service.clone(),
                    operation: "client.build".into(),
                    message: self.redactor.text(&e.without_url().to_string()),
                })?,
        };
        Ok(HttpExecutor {
            inner: Arc::new(Inner {
                service: self.service,
                client,
                attempt_timeout: self.attempt_timeout,
                policy: self.policy,
                classifier: self.classifier,
                rate_limit: self.rate_limit,
                max_server_wait: self.max_server_wait,
                redactor: self.redactor,
                max_response_bytes: self.max_response_bytes,
            }),
        })
    }
}

struct Inner {
    service: String,
    client: Client,
    attempt_timeout: Duration,
    policy: Arc<dyn RetryPolicy>,
    classifier: Arc<dyn ResponseClassifier>,
    rate_limit: Option<Arc<RateLimit>>,
    max_server_wait: Duration,
    redactor: Redactor,
    max_response_bytes: usize,
}

/// What one attempt ended with, short of a response.
enum AttemptError {
    /// Below HTTP: the underlying error has its URL removed.
    Transport(TransportKind, Option<reqwest::Error>),
    /// The body passed the size limit.
    TooLarge(StatusCode),
}

/// Sends requests with a per-attempt timeout, a shared rate limit, retries by [`Verdict`] and
/// tracing spans; returns errors that never carry credentials. Cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), sync_core::http::HttpError> {
/// use sync_core::http::{HttpExecutor, RateLimit, RateQuota, RequestMeta};
///
/// let exec = HttpExecutor::builder("example")
///     .rate_limit(RateLimit::shared("example:acct-1", RateQuota::per_second(5)))
///     .build()?;
/// let response = exec
///     .send(RequestMeta::idempotent("things.list"), |http| {
///         http.get("https://api.example.test/things").query(&[("page", 1)]).build()
///     })
///     .await?;
/// assert!(response.status.is_success());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpExecutor {
    inner: Arc<Inner>,
}

impl fmt::Debug for HttpExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpExecutor")
            .field("service", &self.inner.service)
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("policy", &self.inner.policy)
            .field("classifier", &self.inner.classifier)
            .field("rate_limit", &self.inner.rate_limit)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("redactor", &self.inner.redactor)
            .finish_non_exhaustive()
    }
}

impl HttpExecutor {
    /// Start building an executor named `service` (used in spans and errors).
    pub fn builder(service: impl Into<String>) -> HttpExecutorBuilder {
        HttpExecutorBuilder {
            service: service.into(),
            attempt_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            policy: Arc::new(ExponentialBackoff::default()),
            classifier: Arc::new(StatusClassifier),
            rate_limit: None,
            max_server_wait: DEFAULT_MAX_SERVER_WAIT,
            secret_query_keys: Vec::new(),
            redactor: Redactor::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: concat!("commerce-sync/", env!("CARGO_PKG_VERSION")).into(),
            client: None,
        }
    }

    /// The service name.
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// The underlying reqwest client, for building requests.
    pub fn http(&self) -> &Client {
        &self.inner.client
    }

    /// The rate limit, if any.
    pub fn rate_limit(&self) -> Option<&Arc<RateLimit>> {
        self.inner.rate_limit.as_ref()
    }

    /// The redactor this executor's errors, responses and logs go through. Clients print
    /// their own errors (vendor messages, builder errors) through it too, and add secret
    /// values issued at run time with [`Redactor::add_value`].
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// The largest response body this executor reads.
    pub fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }

    /// Send a request built by `build`, retrying per the policy. `build` runs once per attempt,
    /// so signatures with nonces and timestamps are fresh each time.
    ///
    /// `build` may fail with a [`reqwest::Error`] (an invalid header) or a [`BuildError`] of the
    /// caller's (a credential that cannot be put in a header): either ends the send with
    /// [`HttpError::Build`], redacted.
    pub async fn send<F, E>(
        &self,
        meta: RequestMeta,
        mut build: F,
    ) -> Result<HttpResponse, HttpError>
    where
        F: FnMut(&Client) -> Result<Request, E>,
        E: Into<BuildError>,
    {
        let request_id = format!("{:016x}", fastrand::u64(..));
        let span = tracing::debug_span!(
            "http_request",
            service = %self.inner.service,
            operation = %meta.operation,
            request_id = %request_id,
        );
        self.send_inner(&meta, &mut build).instrument(span).await
    }

    async fn send_inner<F, E>(
        &self,
        meta: &RequestMeta,
        build: &mut F,
    ) -> Result<HttpResponse, HttpError>
    where
        F: FnMut(&Client) -> Result<Request, E>,
        E: Into<BuildError>,
    {
        let inner = &self.inner;
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            let request = build(&inner.client).map_err(|e| HttpError::Build {
                service: inner.service.clone(),
                operation: meta.operation.to_string(),
                message: inner.redactor.text(&e.into().message),
            })?;
            let method = request.method().clone();
            let url = inner.redactor.url(request.url().as_str());
            let summary = |attempts| {
                Box::new(RequestSummary {
                    service: inner.service.clone(),
                    operation: meta.operation.to_string(),
                    method: method.clone(),
                    url: url.clone(),
                    attempts,
                })
            };
            if let Some(limit) = &inner.rate_limit {
                limit.acquire().await;
            }
            attempts += 1;
            tracing::debug!(attempt = attempts, %method, url = %url, "sending");

            let outcome = self.attempt(request).await;
            let (verdict, error) = match outcome {
                Ok(response) => {
                    let wait = response.retry_after(inner.max_server_wait);
                    // A vendor's own wait (a header in minutes, a body field) is clamped like
                    // Retry-After: no server holds the client longer than the user allows.
                    let verdict = clamp_wait(
                        inner.classifier.classify(&response, wait),
                        inner.max_server_wait,
                    );
                    if verdict == Verdict::Success {
                        tracing::debug!(status = response.status.as_u16(), attempts, "done");
                        return Ok(response);
                    }
                    if let (Some(limit), Some(wait)) = (&inner.rate_limit, verdict.after()) {
                        limit.pause_for(wait);
                    }
                    // The error keeps the server's verdict (a later run may retry); this loop
                    // only resends what cannot have been processed, unless it is idempotent.
                    let refused = matches!(verdict, Verdict::RateLimited { .. });
                    let resend =
                        if meta.idempotent || refused || unprocessed(response.status.as_u16()) {
                            verdict
                        } else {
                            Verdict::Permanent(crate::verdict::PermanentKind::Server)
                        };
                    let error = HttpError::Status {
                        request: summary(attempts),
                        response: Box::new(response),
                        verdict,
                    };
                    (resend, error)
                }
                Err(AttemptError::TooLarge(status)) => {
                    let error = HttpError::BodyTooLarge {
                        request: summary(attempts),
                        status,
                        limit: inner.max_response_bytes,
                    };
                    (error.verdict(), error)
                }
                Err(AttemptError::Transport(kind, source)) => {
                    // Only a request that never left, or one that is safe to repeat, is sent again.
                    let verdict = if kind == TransportKind::Connect || meta.idempotent {
                        Verdict::Retry { after: None }
                    } else {
                        Verdict::Permanent(crate::verdict::PermanentKind::Server)
                    };
                    let error = HttpError::Transport {
                        request: summary(attempts),
                        kind,
                        source,
                    };
                    (verdict, error)
                }
            };
            let state = RetryState {
                attempts,
                elapsed: started.elapsed(),
            };
            match inner.policy.decide(&verdict, state) {
                // The error's Display is redacted already; the second pass is the log's own
                // guarantee, whatever the error holds.
                RetryDecision::RetryAfter(wait) => {
                    let error = inner.redactor.text(&error.to_string());
                    tracing::info!(%error, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
                RetryDecision::GiveUp(reason) => {
                    let shown = inner.redactor.text(&error.to_string());
                    tracing::warn!(error = %shown, %reason, "giving up");
                    return Err(error);
                }
            }
        }
    }

    /// One attempt: send and read the body, up to the size limit, within the per-attempt
    /// timeout.
    async fn attempt(&self, request: Request) -> Result<HttpResponse, AttemptError> {
        let limit = self.inner.max_response_bytes;
        let exchange = async {
            let mut response = self.inner.client.execute(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            // A declared length over the limit fails before reading anything.
            if response
                .content_length()
                .is_some_and(|len| len > limit as u64)
            {
                return Ok(Err(status));
            }
            let expected = response.content_length().unwrap_or(0) as usize;
            let mut body = BytesMut::with_capacity(expected.min(limit).min(1 << 20));
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > limit {
                    // Dropping the response closes the connection: the rest is never read.
                    return Ok(Err(status));
                }
                body.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>(Ok(HttpResponse::new(status, headers, body.freeze())
                .with_redactor(self.inner.redactor.clone())))
        };
        match tokio::time::timeout(self.inner.attempt_timeout, exchange).await {
            Err(_elapsed) => Err(AttemptError::Transport(TransportKind::Timeout, None)),
            Ok(Ok(Ok(response))) => Ok(response),
            Ok(Ok(Err(status))) => Err(AttemptError::TooLarge(status)),
            Ok(Err(e)) => {
                let kind = if e.is_connect() {
                    TransportKind::Connect
                } else if e.is_timeout() {
                    TransportKind::Timeout
                } else {
                    TransportKind::Other
                };
                Err(AttemptError::Transport(kind, Some(e.without_url())))
            }
        }
    }
}
