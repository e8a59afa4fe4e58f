//! [`WooVendor`]: WooCommerce plugged into sync-core's client kit — where paths go
//! (`<site>/wp-json/wc/v3/<path>`), how each attempt is authenticated (Basic, query-string keys,
//! or OAuth 1.0a signed over the request as sent), how answers are classified
//! ([`WooClassifier`]), which secrets are masked, and how failures become [`Error`]s.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::ExposeSecret;
use sync_core::http::reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use sync_core::http::reqwest::{self, Url};
use sync_core::http::{
    BuildError, HttpError, HttpResponse, RateLimit, RateQuota, ResponseClassifier, Vendor,
};
use sync_core::retry_after::{DEFAULT_MAX_SERVER_WAIT, parse_retry_after};
use sync_core::{Redactor, Verdict};

use crate::auth::{
    AuthMode, Credentials, OAuthStamp, OAuthStampSource, SigningRules, oauth_params,
};
use crate::error::{ApiError, Error};
use crate::php_query::PhpQuery;

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

/// The default request budget per store: WordPress sites are often small, and WooCommerce itself
/// has no rate limiter, so the host's firewall is what answers when a client is too eager.
/// Change it with [`ClientOptions::rate_quota`](sync_core::http::ClientOptions::rate_quota).
pub const DEFAULT_RATE: u32 = 5;

/// WooCommerce's part of a [`Client`](crate::Client): the store's URLs, the credentials and
/// how they are put on each attempt. Built by [`ClientBuilder::build`](crate::ClientBuilder::build);
/// reach it through [`Client::api`](crate::Client::api).
pub struct WooVendor {
    pub(crate) site: Url,
    pub(crate) api_base: Url,
    pub(crate) credentials: Credentials,
    pub(crate) auth: AuthMode,
    /// The home URL as WordPress signs it (host case kept).
    pub(crate) signing_home: String,
    pub(crate) signing_rules: SigningRules,
    pub(crate) stamps: Option<Arc<dyn OAuthStampSource>>,
}

impl fmt::Debug for WooVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WooVendor")
            .field("site", &self.site.as_str())
            .field("api_base", &self.api_base.as_str())
            .field("auth", &self.auth)
            .field("credentials", &self.credentials)
            .field("signing_rules", &self.signing_rules)
            .finish_non_exhaustive()
    }
}

impl WooVendor {
    /// The OAuth base URI of `url`: WordPress's home URL as configured plus the path under it.
    fn base_uri(&self, url: &Url) -> Result<String, BuildError> {
        match url.path().strip_prefix(self.site.path()) {
            Some(rest) => Ok(format!("{}{rest}", self.signing_home)),
            None => Err(BuildError::new(
                "the request path leaves the site's home URL",
            )),
        }
    }

    /// What PHP reads into `$_GET` and `$_POST` for this request: the query, then the fields of
    /// a form body (WooCommerce signs `array_merge($_GET, $_POST)`; JSON bodies are not signed).
    fn php_params(request: &reqwest::Request) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = request.url().query_pairs().into_owned().collect();
        let is_form = request.headers().get(CONTENT_TYPE).is_some_and(|v| {
            v.as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        });
        if is_form && let Some(body) = request.body().and_then(|b| b.as_bytes()) {
            params.extend(url::form_urlencoded::parse(body).into_owned());
        }
        params
    }
}

#[async_trait::async_trait]
impl Vendor for WooVendor {
    type Error = Error;

    fn service(&self) -> &'static str {
        "woocommerce"
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        self.api_base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::InvalidInput {
                field: "path",
                message: format!("cannot build a URL under the API base: {e}"),
            })
    }

    fn authorize(&self, request: &mut reqwest::Request) -> Result<(), BuildError> {
        let params = Self::php_params(request);
        // What PHP would read differently from what was written is refused in every mode.
        PhpQuery::parse(&params).map_err(|e| BuildError::new(e.to_string()))?;
        match self.auth {
            AuthMode::Basic => {
                let mut value =
                    HeaderValue::try_from(format!("Basic {}", self.credentials.basic_credential()))
                        .map_err(|_| {
                            BuildError::new("the consumer key or secret holds a line break")
                        })?;
                value.set_sensitive(true);
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            AuthMode::QueryString => {
                request
                    .url_mut()
                    .query_pairs_mut()
                    .append_pair(
                        "consumer_key",
                        self.credentials.consumer_key().expose_secret(),
                    )
                    .append_pair(
                        "consumer_secret",
                        self.credentials.consumer_secret().expose_secret(),
                    );
            }
            AuthMode::OAuth1(signature_method) => {
                // Fresh for every attempt: WooCommerce refuses a nonce it has seen.
                let stamp = match &self.stamps {
                    Some(source) => source.stamp(),
                    None => OAuthStamp::fresh(),
                };
                let base_uri = self.base_uri(request.url())?;
                let oauth = oauth_params(
                    self.signing_rules,
                    request.method().as_str(),
                    &base_uri,
                    &params,
                    &self.credentials,
                    signature_method,
                    &stamp,
                )
                .map_err(|e| BuildError::new(e.to_string()))?;
                request.url_mut().query_pairs_mut().extend_pairs(oauth);
            }
        }
        Ok(())
    }

    fn register_secrets(&self, redactor: &Redactor) {
        for name in SECRET_NAMES {
            redactor.add_name(name);
        }
        redactor.add_value(self.credentials.consumer_key().expose_secret());
        redactor.add_value(self.credentials.consumer_secret().expose_secret());
        // What `Authorization: Basic` carries: a server echoing the header value shows this.
        redactor.add_value(&self.credentials.basic_credential());
    }

    fn classifier(
        &self,
        _limit: Option<&Arc<RateLimit>>,
        max_server_wait: Duration,
    ) -> Arc<dyn ResponseClassifier> {
        Arc::new(WooClassifier::new(max_server_wait))
    }

    fn default_user_agent(&self) -> Option<String> {
        Some(concat!("woo-client/", env!("CARGO_PKG_VERSION"), " (commerce-sync)").into())
    }

    fn default_rate_quota(&self) -> Option<RateQuota> {
        Some(RateQuota::per_second(DEFAULT_RATE).with_burst(DEFAULT_RATE))
    }

    /// Every client built for the same site URL shares one budget.
    fn rate_key(&self) -> String {
        format!("woocommerce:{}", self.site)
    }

    fn http_error(&self, error: HttpError) -> Error {
        Error::from_http(error)
    }
}

/// Classifies WooCommerce responses: the shared status rules, plus the cases where the body says
/// more than the status.
#[derive(Debug, Clone, Copy)]
pub struct WooClassifier {
    max_server_wait: Duration,
}

impl WooClassifier {
    /// A classifier honouring server waits up to `max_server_wait`.
    pub fn new(max_server_wait: Duration) -> Self {
        WooClassifier { max_server_wait }
    }
}

impl Default for WooClassifier {
    fn default() -> Self {
        WooClassifier::new(DEFAULT_MAX_SERVER_WAIT)
    }
}

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
                    response
                        .header("ratelimit-retry-after")
                        .and_then(|v| parse_retry_after(v, SystemTime::now(), self.max_server_wait))
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
