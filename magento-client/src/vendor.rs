//! [`MagentoVendor`]: Magento's part of the shared client kit — URL rules, per-attempt
//! authorization, secret names and values, and how failures become [`Error`]s.
//!
//! Every operation of this crate is an [`ApiRequest`](sync_core::http::ApiRequest) whose path
//! names a route under `V1/`, sent by [`ApiClient::send`]:
//!
//! * a path like `orders` is **scoped** to the client's store code: `/rest/<code>/V1/orders`
//!   (or `/rest/V1/orders` without one);
//! * a path starting with `V1/` (`V1/store/storeViews`, the admin login) is sent **unscoped**,
//!   to `/rest/V1/…`.
//!
//! Authorization per attempt: OAuth 1.0a signed over the request as sent (method, final URL
//! and query, form body; a fresh nonce and timestamp every attempt), the integration token as
//! Bearer, or the admin token (logged in for in [`Vendor::prepare`], renewed before expiry,
//! dropped after a 401 by [`Vendor::unauthorized`] so the request is sent once more).

use std::fmt;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use sync_core::Redactor;
use sync_core::http::reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use sync_core::http::reqwest::{Request, Url};
use sync_core::http::{ApiClient, BuildError, HttpError, REDACTED, Vendor};
use sync_core::oauth1::OAuthStamp;

use crate::admin_token::AdminSession;
use crate::credentials::OAuth1Credentials;
use crate::error::{Error, parsed_error};
use crate::oauth1::spaces_as_percent20;

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
    "admin_token",
];

/// How requests are authorized.
pub(crate) enum Authorization {
    OAuth1(OAuth1Credentials),
    Bearer(SecretString),
    Admin(Box<AdminSession>),
}

/// Magento 2's REST API for the client kit: one per [`Client`](crate::Client), reachable with
/// [`Client::api`](crate::Client::api) to send requests this crate does not wrap.
pub struct MagentoVendor {
    base: Url,
    store_code: Option<String>,
    auth: Authorization,
}

impl fmt::Debug for MagentoVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            Authorization::OAuth1(c) => format!("{c:?}"),
            Authorization::Bearer(_) => format!("IntegrationBearer({REDACTED})"),
            Authorization::Admin(session) => format!("{:?}", session.credentials()),
        };
        f.debug_struct("MagentoVendor")
            .field("base_url", &self.base.as_str())
            .field("store_code", &self.store_code)
            .field("auth", &format_args!("{auth}"))
            .finish()
    }
}

/// `<base>/rest[/<store code>]/V1/<route>`: paths starting with `V1/` are unscoped.
pub(crate) fn rest_url(base: &Url, store_code: Option<&str>, path: &str) -> Result<Url, Error> {
    let url = match (path.strip_prefix("V1/"), store_code) {
        (Some(route), _) => format!("rest/V1/{route}"),
        (None, Some(code)) => format!("rest/{code}/V1/{path}"),
        (None, None) => format!("rest/V1/{path}"),
    };
    base.join(&url)
        .map_err(|e| Error::config("path", format!("{path:?} does not join the base URL: {e}")))
}

/// The rate-limit key: one installation (base URL), not one host.
pub(crate) fn rate_key(base: &Url) -> String {
    format!("magento:{base}")
}

impl MagentoVendor {
    pub(crate) fn new(base: Url, store_code: Option<String>, auth: Authorization) -> Self {
        MagentoVendor {
            base,
            store_code,
            auth,
        }
    }

    /// The base URL (always ending in `/`).
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The store code scoped requests go to, if any.
    pub fn store_code(&self) -> Option<&str> {
        self.store_code.as_deref()
    }
}

/// The form body of a request sent as `application/x-www-form-urlencoded`, which OAuth 1.0a
/// signs.
fn form_body(request: &Request) -> Option<&str> {
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    request
        .body()
        .and_then(|b| b.as_bytes())
        .and_then(|b| std::str::from_utf8(b).ok())
}

fn bearer(token: &SecretString) -> Result<HeaderValue, BuildError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .map_err(|_| BuildError::new("the token is not a valid header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

#[async_trait]
impl Vendor for MagentoVendor {
    type Error = Error;

    fn service(&self) -> &'static str {
        "magento"
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        rest_url(&self.base, self.store_code.as_deref(), path)
    }

    fn authorize(&self, request: &mut Request) -> Result<(), BuildError> {
        // Magento's OAuth verifier reads a literal `+` in the query as `+` (rawurldecode) but
        // its request parser as a space: send spaces as `%20`, which both read alike (in every
        // mode, so one query string is what every mode sends).
        spaces_as_percent20(request.url_mut());
        let value = match &self.auth {
            Authorization::OAuth1(creds) => {
                let header = creds
                    .header_for(
                        request.method().as_str(),
                        request.url(),
                        form_body(request),
                        &OAuthStamp::fresh(),
                    )
                    .map_err(|e| BuildError::new(e.to_string()))?;
                let mut value = HeaderValue::from_str(&header)
                    .map_err(|_| BuildError::new("the OAuth header is not a valid header"))?;
                value.set_sensitive(true);
                value
            }
            Authorization::Bearer(token) => bearer(token)?,
            Authorization::Admin(session) => {
                let token = session.current_token().ok_or_else(|| {
                    BuildError::new("no admin token: the admin login did not succeed")
                })?;
                bearer(&token)?
            }
        };
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    async fn prepare(&self, _client: &ApiClient<Self>) -> Result<(), Error> {
        match &self.auth {
            Authorization::Admin(session) => session.ensure_token().await,
            _ => Ok(()),
        }
    }

    async fn unauthorized(&self) -> bool {
        match &self.auth {
            Authorization::Admin(session) => session.forget(),
            // Static credentials: a second attempt would be refused the same way.
            _ => false,
        }
    }

    fn default_attempt_timeout(&self) -> Option<std::time::Duration> {
        Some(crate::client::DEFAULT_ATTEMPT_TIMEOUT)
    }

    fn register_secrets(&self, redactor: &Redactor) {
        for name in SECRET_NAMES {
            redactor.add_name(name);
        }
        match &self.auth {
            Authorization::OAuth1(creds) => {
                for value in creds.secret_values() {
                    redactor.add_value(value);
                }
            }
            Authorization::Bearer(token) => redactor.add_value(token.expose_secret()),
            // The token issued at run time is added when it arrives (admin_token.rs).
            Authorization::Admin(session) => {
                redactor.add_value(session.credentials().password().expose_secret())
            }
        }
    }

    fn rate_key(&self) -> String {
        rate_key(&self.base)
    }

    fn http_error(&self, error: HttpError) -> Error {
        let bearer_refused = matches!(self.auth, Authorization::Bearer(_))
            && error.response().is_some_and(|r| r.status.as_u16() == 401);
        match error {
            HttpError::Status {
                request, response, ..
            } if bearer_refused => {
                let (body, message) = parsed_error(&response);
                Error::BearerRefused {
                    request,
                    message,
                    body: body.map(Box::new),
                }
            }
            other => Error::from_http(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_and_unscoped_routes() {
        let base = Url::parse("https://shop.example/magento/").unwrap();
        let url = |code, path| rest_url(&base, code, path).unwrap().to_string();
        assert_eq!(
            url(Some("de"), "orders"),
            "https://shop.example/magento/rest/de/V1/orders"
        );
        assert_eq!(
            url(None, "orders/3"),
            "https://shop.example/magento/rest/V1/orders/3"
        );
        assert_eq!(
            url(Some("de"), "V1/store/storeViews"),
            "https://shop.example/magento/rest/V1/store/storeViews"
        );
    }
}
