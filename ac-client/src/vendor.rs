//! [`ActiveCampaignVendor`]: what ActiveCampaign adds to sync-core's shared sender — the
//! `/api/3/` URL rule, the `Api-Token` header, the classifier for its throttling answers, the
//! account's 5 requests/second, failures reported in 2xx bodies, and the secret names to mask.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sync_core::Redactor;
use sync_core::http::reqwest;
use sync_core::http::{
    BuildError, HttpError, HttpResponse, RateLimit, RateQuota, RequestSummary, ResponseClassifier,
    Vendor,
};
use url::Url;

use crate::auth::{API_TOKEN_HEADER, ApiToken};
use crate::classifier::ActiveCampaignClassifier;
use crate::error::{BulkThrottleWait, Error};
use crate::error_body::ApiErrorBody;
use crate::rate_limit::default_quota;

/// The service name in spans, errors and rate-limit keys.
pub const SERVICE: &str = "activecampaign";

/// ActiveCampaign API v3 as a sync-core [`Vendor`]. A [`Client`](crate::Client) builds one;
/// reach it with [`Client::api`](crate::Client::api) to send requests this crate has no method
/// for.
pub struct ActiveCampaignVendor {
    base: Url,
    token: ApiToken,
    account_key: String,
    throttle_wait: Duration,
    bulk_waits: BulkThrottleWait,
}

impl fmt::Debug for ActiveCampaignVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveCampaignVendor")
            .field("base_url", &self.base.as_str())
            .field("account_key", &self.account_key)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl ActiveCampaignVendor {
    /// A vendor for the account at `base` (ending in `/api/3/`), sharing its budget and caches
    /// under `account_key`; `throttle_wait` is assumed for a 429 or 503 that names no wait.
    pub(crate) fn new(
        base: Url,
        token: ApiToken,
        account_key: String,
        throttle_wait: Duration,
        bulk_waits: BulkThrottleWait,
    ) -> Self {
        ActiveCampaignVendor {
            base,
            token,
            account_key,
            throttle_wait,
            bulk_waits,
        }
    }

    /// The API base, ending in `/api/3/`.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The key this account's rate budget, bulk limits and tag cache are shared under.
    pub fn account_key(&self) -> &str {
        &self.account_key
    }
}

impl Vendor for ActiveCampaignVendor {
    type Error = Error;

    fn service(&self) -> &'static str {
        SERVICE
    }

    /// Paths are relative to `…/api/3/`; one starting with `/` would leave it, so it is refused.
    fn url(&self, path: &str) -> Result<Url, Error> {
        let invalid = |message: String| Error::InvalidInput {
            field: "path",
            message,
        };
        if path.starts_with('/') {
            return Err(invalid(format!(
                "{path:?} must be relative to the API base (…/api/3/)"
            )));
        }
        self.base
            .join(path)
            .map_err(|e| invalid(format!("{path:?} does not form a URL: {e}")))
    }

    fn authorize(&self, request: &mut reqwest::Request) -> Result<(), BuildError> {
        let value = self.token.header_value().map_err(BuildError::new)?;
        request.headers_mut().insert(API_TOKEN_HEADER, value);
        Ok(())
    }

    fn register_secrets(&self, redactor: &Redactor) {
        self.token.register(redactor);
    }

    /// Plain-text 429s and 503s carry a wait; `RateLimit-Remaining: 0` pauses `limit` until
    /// the reset (see [`classifier`](crate::classifier)).
    fn classifier(
        &self,
        limit: Option<&Arc<RateLimit>>,
        max_server_wait: Duration,
    ) -> Arc<dyn ResponseClassifier> {
        let mut classifier = ActiveCampaignClassifier::with_throttle_wait(self.throttle_wait)
            .max_wait(max_server_wait);
        if let Some(limit) = limit {
            classifier = classifier.pausing(limit.clone());
        }
        Arc::new(classifier)
    }

    /// 5 requests per 1.03 s: see [`rate_limit`](crate::rate_limit) for the margin.
    fn default_rate_quota(&self) -> Option<RateQuota> {
        Some(default_quota())
    }

    /// One budget per account (the API host, or the builder's
    /// [`account_key`](crate::ClientBuilder::account_key)), whatever the key or client.
    fn rate_key(&self) -> String {
        self.account_key.clone()
    }

    /// `"succeeded": 0` (or `"success": 0`) in a 2xx body is a refusal.
    fn check_success(
        &self,
        request: &RequestSummary,
        response: &HttpResponse,
    ) -> Result<(), Error> {
        match ApiErrorBody::from_success_body(&response.body, response.redactor()) {
            None => Ok(()),
            Some(body) => Err(Error::from_failed_success(request.clone(), response, body)),
        }
    }

    fn http_error(&self, error: HttpError) -> Error {
        Error::from_http(error, self.bulk_waits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vendor() -> ActiveCampaignVendor {
        ActiveCampaignVendor::new(
            Url::parse("https://acme.api-us1.com/api/3/").unwrap(),
            ApiToken::new("4f2a9c1be07d5a3f8e6b"),
            "activecampaign:acme.api-us1.com".into(),
            Duration::from_secs(1),
            BulkThrottleWait {
                default: Duration::from_secs(60),
                max: Duration::from_secs(900),
            },
        )
    }

    #[test]
    fn paths_stay_under_api_3() {
        let v = vendor();
        assert_eq!(
            v.url("contacts/113").unwrap().as_str(),
            "https://acme.api-us1.com/api/3/contacts/113"
        );
        // A leading slash would replace `/api/3/`.
        assert!(matches!(
            v.url("/admin/api.php"),
            Err(Error::InvalidInput { field: "path", .. })
        ));
    }

    #[test]
    fn every_attempt_carries_the_token_as_a_sensitive_header() {
        let v = vendor();
        let mut request = reqwest::Request::new(reqwest::Method::GET, v.url("contacts/1").unwrap());
        v.authorize(&mut request).unwrap();
        let sent = &request.headers()["api-token"];
        assert_eq!(sent, "4f2a9c1be07d5a3f8e6b");
        assert!(sent.is_sensitive());
        let redactor = Redactor::new();
        v.register_secrets(&redactor);
        let shown = redactor.text("echo: Api-Token: 4f2a9c1be07d5a3f8e6b");
        assert!(!shown.contains("4f2a9c1be07d5a3f8e6b"), "{shown}");
    }
}
