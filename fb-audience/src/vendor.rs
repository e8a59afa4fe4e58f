//! [`GraphVendor`]: Meta's Graph API plugged into sync-core's client kit — the versioned base
//! URL, `access_token` and `appsecret_proof` on every attempt, Graph's classifier and secret
//! names, and how the kit's failures become this crate's [`Error`].

use std::sync::Arc;
use std::time::Duration;

use sync_core::Redactor;
use sync_core::http::reqwest;
use sync_core::http::{BuildError, HttpError, RateLimit, ResponseClassifier, Vendor};
use sync_core::retry::RetryPolicy;
use url::Url;

use crate::auth::Credentials;
use crate::client::DEFAULT_ATTEMPT_TIMEOUT;
use crate::error::Error;
use crate::replace_resend::ReplaceDeadlinePolicy;
use crate::throttle::GraphClassifier;

/// The Graph API as the kit's [`Vendor`]. One per [`Client`](crate::Client).
#[derive(Debug)]
pub(crate) struct GraphVendor {
    /// Host and Graph version, e.g. `https://graph.facebook.com/v25.0/`.
    base: Url,
    credentials: Credentials,
    /// The ad account the client was built for, if any: it keys the shared rate limit.
    ad_account: Option<String>,
}

impl GraphVendor {
    pub(crate) fn new(base: Url, credentials: Credentials, ad_account: Option<String>) -> Self {
        GraphVendor {
            base,
            credentials,
            ad_account,
        }
    }

    /// The base URL with the Graph version (`https://graph.facebook.com/v25.0/`).
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The length of the URL a call to `path` with `query` has once authorized: how a removal
    /// (whose rows travel in the query string) knows how many rows fit.
    pub(crate) fn url_len(&self, path: &str, query: &[(&str, &str)]) -> Result<usize, Error> {
        let mut url = self.url(path)?;
        url.query_pairs_mut()
            .extend_pairs(query)
            .extend_pairs(self.credentials.query_pairs());
        Ok(url.as_str().len())
    }
}

impl Vendor for GraphVendor {
    type Error = Error;

    fn service(&self) -> &'static str {
        "meta-graph"
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        // Paths are ids and edges (`act_1/customaudiences`), relative to the versioned base.
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::config("path", format!("`{path}` does not join the base URL: {e}")))
    }

    fn authorize(&self, request: &mut reqwest::Request) -> Result<(), BuildError> {
        // Graph reads the token from the query on every method (a DELETE has no body), and
        // `appsecret_proof` beside it; appended last, after the operation's own parameters.
        request
            .url_mut()
            .query_pairs_mut()
            .extend_pairs(self.credentials.query_pairs());
        Ok(())
    }

    fn register_secrets(&self, redactor: &Redactor) {
        self.credentials.register_secrets(redactor);
        // No credential, but a removal's URL holds up to 32 KiB of hashed personal data in
        // `payload`, which has no place in a log line, an error or a dead-letter reason.
        redactor.add_name("payload");
    }

    fn classifier(
        &self,
        _limit: Option<&Arc<RateLimit>>,
        max_server_wait: Duration,
    ) -> Arc<dyn ResponseClassifier> {
        Arc::new(GraphClassifier::new(max_server_wait))
    }

    fn wrap_retry_policy(&self, policy: Arc<dyn RetryPolicy>) -> Arc<dyn RetryPolicy> {
        // A replace batch is resent only while Meta's replace session still takes it.
        Arc::new(ReplaceDeadlinePolicy::new(policy))
    }

    fn default_attempt_timeout(&self) -> Option<Duration> {
        Some(DEFAULT_ATTEMPT_TIMEOUT)
    }

    fn rate_key(&self) -> String {
        // Meta meters per app and per ad account; a host alone would pace unrelated accounts.
        let host = self.base.host_str().unwrap_or_default();
        match &self.ad_account {
            Some(account) => format!("meta-graph:{host}:{account}"),
            None => format!("meta-graph:{host}"),
        }
    }

    fn http_error(&self, error: HttpError) -> Error {
        Error::from_http(error)
    }
}
