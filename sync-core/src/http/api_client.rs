//! [`ApiClient`]: the one `send` every client crate's operations go through.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::de::DeserializeOwned;

use super::error::{BuildError, HttpError, RequestSummary};
use super::executor::{HttpExecutor, RequestMeta};
use super::options::{ClientOptions, RateSetting};
use super::rate_limit::RateLimit;
use super::request::{ApiRequest, RequestBody};
use super::response::{HttpResponse, decode_json};
use super::vendor::Vendor;
use crate::redact::Redactor;
use crate::retry::ExponentialBackoff;
use crate::retry_after::DEFAULT_MAX_SERVER_WAIT;

/// The per-attempt timeout when neither the user nor the vendor sets one.
const DEFAULT_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A vendor's API behind the shared sender: executor (per-attempt timeout, retries by
/// [`Verdict`](crate::Verdict), rate limit, body cap, redaction) plus the vendor's rules.
/// Each client crate's `Client` holds one; cheap to clone.
pub struct ApiClient<V> {
    vendor: Arc<V>,
    exec: HttpExecutor,
}

impl<V> Clone for ApiClient<V> {
    fn clone(&self) -> Self {
        ApiClient {
            vendor: self.vendor.clone(),
            exec: self.exec.clone(),
        }
    }
}

impl<V: fmt::Debug> fmt::Debug for ApiClient<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The vendor's Debug must not print secrets (they are `SecretString`s).
        f.debug_struct("ApiClient")
            .field("vendor", &self.vendor)
            .field("exec", &self.exec)
            .finish()
    }
}

impl<V: Vendor> ApiClient<V> {
    /// Build the sender for `vendor` with `options`: the vendor's classifier, secrets and
    /// defaults (retry policy, rate quota, attempt timeout, server wait, user agent) wherever
    /// the options set nothing.
    ///
    /// # Errors
    /// [`HttpError::Build`] when the reqwest client cannot be built (TLS backend).
    pub fn new(vendor: V, options: &ClientOptions) -> Result<Self, HttpError> {
        Self::with_redactor(vendor, options, Redactor::new())
    }

    /// [`new`](Self::new), printing through `redactor` (keep a clone to register secret values
    /// issued later; every clone shares them).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_redactor(
        vendor: V,
        options: &ClientOptions,
        redactor: Redactor,
    ) -> Result<Self, HttpError> {
        vendor.register_secrets(&redactor);
        let max_server_wait = options
            .max_server_wait
            .or_else(|| vendor.default_max_server_wait())
            .unwrap_or(DEFAULT_MAX_SERVER_WAIT);
        let limit = match &options.rate {
            RateSetting::VendorDefault => vendor
                .default_rate_quota()
                .map(|quota| RateLimit::shared(vendor.rate_key(), quota)),
            RateSetting::Quota(quota) => Some(RateLimit::shared(vendor.rate_key(), *quota)),
            RateSetting::Shared(limit) => Some(limit.clone()),
            RateSetting::Off => None,
        };
        let policy = options
            .retry_policy
            .clone()
            .or_else(|| vendor.default_retry_policy())
            .unwrap_or_else(|| Arc::new(ExponentialBackoff::default()));
        let mut builder = HttpExecutor::builder(vendor.service())
            .attempt_timeout(
                options
                    .attempt_timeout
                    .or_else(|| vendor.default_attempt_timeout())
                    .unwrap_or(DEFAULT_ATTEMPT_TIMEOUT),
            )
            .connect_timeout(options.connect_timeout)
            .max_response_bytes(options.max_response_bytes)
            .max_server_wait(max_server_wait)
            .retry_policy_arc(vendor.wrap_retry_policy(policy))
            .classifier_arc(vendor.classifier(limit.as_ref(), max_server_wait))
            .redactor(redactor);
        if let Some(limit) = limit {
            builder = builder.rate_limit(limit);
        }
        if let Some(ua) = options
            .user_agent
            .clone()
            .or_else(|| vendor.default_user_agent())
        {
            builder = builder.user_agent(ua);
        }
        if let Some(client) = &options.reqwest_client {
            builder = builder.reqwest_client(client.clone());
        }
        Ok(ApiClient {
            vendor: Arc::new(vendor),
            exec: builder.build()?,
        })
    }

    /// The vendor part.
    pub fn vendor(&self) -> &V {
        &self.vendor
    }

    /// The shared executor underneath.
    pub fn executor(&self) -> &HttpExecutor {
        &self.exec
    }

    /// The redactor everything this client prints goes through.
    pub fn redactor(&self) -> &Redactor {
        self.exec.redactor()
    }

    /// The rate limit every attempt passes, if any.
    pub fn rate_limit(&self) -> Option<&Arc<RateLimit>> {
        self.exec.rate_limit()
    }

    /// Send `request` and decode its JSON answer into `T`. An empty body (204) decodes as
    /// JSON `null`, so `()`, `Option<_>` and [`serde::de::IgnoredAny`] fit operations that
    /// answer nothing.
    ///
    /// # Errors
    /// The vendor's error type: a refused or failed exchange ([`Vendor::http_error`]), a 2xx
    /// reporting failure ([`Vendor::check_success`]) or a body of another shape
    /// ([`FromKitFailure::decode`](super::FromKitFailure::decode)).
    pub async fn send<T: DeserializeOwned>(&self, request: ApiRequest<T>) -> Result<T, V::Error> {
        let response = self.send_raw(&request).await?;
        self.decode(request.operation(), &response)
    }

    /// Decode a response as [`send`](Self::send) does.
    ///
    /// # Errors
    /// [`FromKitFailure::decode`](super::FromKitFailure::decode), with the JSON path and a redacted message.
    pub fn decode<T: DeserializeOwned>(
        &self,
        operation: &str,
        response: &HttpResponse,
    ) -> Result<T, V::Error> {
        let body: &[u8] = if response.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &response.body
        };
        decode_json(body).map_err(|mut e| {
            // serde quotes the refused value, which may be anything the server sent.
            e.message = self.redactor().text(&e.message);
            e.path = self.redactor().text(&e.path);
            <V::Error as super::FromKitFailure>::decode(operation, e)
        })
    }

    /// Send `request` and return the whole 2xx response (headers included: paging totals,
    /// `Location`).
    ///
    /// # Errors
    /// As [`send`](Self::send), without the decoding.
    pub async fn send_raw<T>(&self, request: &ApiRequest<T>) -> Result<HttpResponse, V::Error> {
        self.vendor.check_request(request)?;
        self.vendor.prepare(self).await?;
        let url = self.vendor.url(request.path())?;
        let meta = RequestMeta {
            operation: request.operation().to_owned().into(),
            idempotent: request.is_idempotent(),
        };
        let mut sent = self
            .exec
            .send(meta.clone(), |http| self.build(http, &url, request))
            .await;
        if is_unauthorized(&sent) && self.vendor.unauthorized().await {
            self.vendor.prepare(self).await?;
            sent = self
                .exec
                .send(meta, |http| self.build(http, &url, request))
                .await;
        }
        let response = sent.map_err(|e| self.vendor.http_error(e))?;
        self.vendor
            .check_success(&self.summary(&url, request), &response)?;
        Ok(response)
    }

    /// Where `request` went, for errors built outside the executor: URL with its query,
    /// redacted.
    fn summary<T>(&self, url: &url::Url, request: &ApiRequest<T>) -> RequestSummary {
        let mut full = url.clone();
        if !request.query_list().is_empty() {
            full.query_pairs_mut()
                .extend_pairs(request.query_list().iter().map(|(k, v)| (k.as_ref(), v)));
        }
        RequestSummary {
            service: self.exec.service().to_owned(),
            operation: request.operation().to_owned(),
            method: request.method().clone(),
            url: self.redactor().url(full.as_str()),
            attempts: 1,
        }
    }

    /// One attempt's request: method, URL, query, headers, body, then the vendor's
    /// authorization (last, so a signature covers everything).
    fn build<T>(
        &self,
        http: &reqwest::Client,
        url: &url::Url,
        request: &ApiRequest<T>,
    ) -> Result<reqwest::Request, BuildError> {
        let mut builder = http
            .request(request.method().clone(), url.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if !request.query_list().is_empty() {
            builder = builder.query(request.query_list());
        }
        for (name, value) in request.headers() {
            builder = builder.header(name, value);
        }
        builder = match request.body() {
            RequestBody::Empty => builder,
            RequestBody::Json(bytes) => builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(bytes.clone()),
            RequestBody::Form(pairs) => builder.form(pairs),
        };
        let mut built = builder.build()?;
        self.vendor.authorize(&mut built)?;
        Ok(built)
    }
}

fn is_unauthorized(sent: &Result<HttpResponse, HttpError>) -> bool {
    matches!(sent, Err(e) if e.response().is_some_and(|r| r.status.as_u16() == 401))
}
