//! [`Vendor`]: the one trait a client crate implements to plug its API into the kit.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use url::Url;

use super::api_client::ApiClient;
use super::client_error::FromKitFailure;
use super::error::{BuildError, HttpError, RequestSummary};
use super::rate_limit::{RateLimit, RateQuota};
use super::request::ApiRequest;
use super::response::{HttpResponse, ResponseClassifier, StatusClassifier};
use crate::redact::Redactor;
use crate::retry::RetryPolicy;

/// What a vendor adds to the shared sender: where paths go, how each attempt is authorized,
/// how answers are classified, which secrets to mask, and how failures become the crate's
/// error type. One implementation per client crate, in that crate; sync-core keeps no
/// vendor's names.
///
/// The required part is small — a URL rule, an authorization, and one error
/// conversion; everything else has a default that fits a plain JSON REST API. See the
/// [module docs](super) for a whole vendor in a few lines.
#[async_trait]
pub trait Vendor: Send + Sync + std::fmt::Debug + 'static {
    /// The crate's error type.
    type Error: std::error::Error + FromKitFailure + Send + Sync + 'static;

    /// The name used in spans, errors and rate-limit keys (`woocommerce`).
    fn service(&self) -> &'static str;

    /// The URL of `path` (as an [`ApiRequest`](super::ApiRequest) gives it) under this
    /// client's base URL: the vendor's URL rules (`/wp-json/wc/v3/`, a Magento store code,
    /// a Graph version) live here.
    fn url(&self, path: &str) -> Result<Url, Self::Error>;

    /// Put credentials on one attempt. Runs again for every attempt, so OAuth 1.0a nonces and
    /// timestamps are fresh; it sees the whole request (method, URL with query, form body).
    fn authorize(&self, request: &mut reqwest::Request) -> Result<(), BuildError>;

    /// Refuse a request before anything is sent (an argument the server would silently
    /// rewrite, say), with the crate's error (default: every request passes).
    fn check_request<T>(&self, request: &ApiRequest<T>) -> Result<(), Self::Error>
    where
        Self: Sized,
    {
        let _ = request;
        Ok(())
    }

    /// Make credentials ready before a send: log in for a token, refresh one that is about to
    /// expire (default: nothing to do). It may send requests itself through `client`.
    async fn prepare(&self, client: &ApiClient<Self>) -> Result<(), Self::Error>
    where
        Self: Sized,
    {
        let _ = client;
        Ok(())
    }

    /// After a 401: forget a cached credential and answer `true` to send the request once more
    /// with a fresh one (default `false`).
    async fn unauthorized(&self) -> bool {
        false
    }

    /// Register the names that carry this vendor's credentials and the secret values this
    /// client holds on the client's [`Redactor`]: every URL, body excerpt, error and log line
    /// goes through it.
    fn register_secrets(&self, redactor: &Redactor);

    /// How answers are classified into [`Verdict`](crate::Verdict)s (default: by status, with
    /// `Retry-After`). Vendors whose throttling lives in the body (Meta's codes, AC's bulk 400)
    /// return their own. `limit` is the client's rate limit, for classifiers that pause it when
    /// a 2xx says the budget is spent (`RateLimit-Remaining: 0`); `max_server_wait` is the
    /// longest wait to honour (the executor clamps every verdict's `after` to it as well).
    fn classifier(
        &self,
        limit: Option<&Arc<RateLimit>>,
        max_server_wait: Duration,
    ) -> Arc<dyn ResponseClassifier> {
        let _ = (limit, max_server_wait);
        Arc::new(StatusClassifier)
    }

    /// The retry policy when the user sets none (default: the executor's,
    /// [`ExponentialBackoff::default`](crate::ExponentialBackoff::default)).
    fn default_retry_policy(&self) -> Option<Arc<dyn RetryPolicy>> {
        None
    }

    /// Wrap whichever retry policy applies (the user's or the default) with a vendor rule, e.g.
    /// "never resend a batch once the server's session window has closed" (default: as is).
    fn wrap_retry_policy(&self, policy: Arc<dyn RetryPolicy>) -> Arc<dyn RetryPolicy> {
        policy
    }

    /// The per-attempt timeout when the user sets none (default 30 s; large uploads want more).
    fn default_attempt_timeout(&self) -> Option<Duration> {
        None
    }

    /// The `User-Agent` when the user sets none (default `commerce-sync/<version>`).
    fn default_user_agent(&self) -> Option<String> {
        None
    }

    /// The documented request limit, applied unless the user sets another (default none).
    fn default_rate_quota(&self) -> Option<RateQuota> {
        None
    }

    /// The key under which one account's clients share a rate limit (default: the service
    /// and the base URL's host).
    fn rate_key(&self) -> String {
        let host = self
            .url("")
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        format!("{}:{host}", self.service())
    }

    /// The longest server wait honoured when the user sets none (default 15 minutes).
    fn default_max_server_wait(&self) -> Option<Duration> {
        None
    }

    /// A 2xx whose body reports a failure (ActiveCampaign's `"succeeded": 0`) as the crate's
    /// error (default: every 2xx is a success). `request` says where it went (URL redacted).
    fn check_success(
        &self,
        request: &RequestSummary,
        response: &HttpResponse,
    ) -> Result<(), Self::Error> {
        let _ = (request, response);
        Ok(())
    }

    /// A failed exchange as the crate's error: parse the vendor's error body from
    /// [`HttpError::response`] and keep the status and request summary.
    fn http_error(&self, error: HttpError) -> Self::Error;
}
