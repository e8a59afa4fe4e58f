//! The admin token: logged in for with `POST /V1/integration/admin/token`, cached, renewed
//! before it expires, and dropped after a 401.
//!
//! The login goes through its own small [`ApiClient`] ([`AdminLoginVendor`]: same base URL,
//! options and redactor, no authorization), because the main vendor's `prepare` runs before
//! every send — a login sent through the main client would wait for itself.

use std::fmt;
use std::sync::RwLock;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use sync_core::Redactor;
use sync_core::http::reqwest::Url;
use sync_core::http::reqwest::header::HeaderValue;
use sync_core::http::{ApiClient, ApiRequest, BuildError, DecodeError, HttpError, decode_json};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::credentials::AdminCredentials;
use crate::error::{Error, parsed_error};
use crate::vendor::{SECRET_NAMES, rate_key, rest_url};

/// The login's operation name, in spans and errors.
pub(crate) const LOGIN_OPERATION: &str = "integration.admin_token";

/// An admin token and when it was issued.
struct IssuedToken {
    token: SecretString,
    issued: Instant,
    /// Magento refused it: the next `ensure_token` logs in again. Until then requests still
    /// carry it (a request mid-retry must not fail for want of a token).
    refused: bool,
    /// It was issued because the one before was refused. Refused too, the refusal is about
    /// the user's rights (Magento answers 401 for a missing ACL resource as for a revoked
    /// token), and another login would only leave one more token row behind.
    replaces_refused: bool,
}

/// How soon after replacing a refused token a second refusal means missing rights.
const RIGHTS_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// An admin login's token: one login at a time, renewed before expiry, dropped after a 401.
pub(crate) struct AdminSession {
    credentials: AdminCredentials,
    login: ApiClient<AdminLoginVendor>,
    /// Held while logging in, so concurrent callers share one login.
    logging_in: Mutex<()>,
    /// Read synchronously by `authorize` on every attempt.
    current: RwLock<Option<IssuedToken>>,
}

impl fmt::Debug for AdminSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminSession")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl AdminSession {
    pub(crate) fn new(credentials: AdminCredentials, login: ApiClient<AdminLoginVendor>) -> Self {
        AdminSession {
            credentials,
            login,
            logging_in: Mutex::new(()),
            current: RwLock::new(None),
        }
    }

    pub(crate) fn credentials(&self) -> &AdminCredentials {
        &self.credentials
    }

    /// The token in use, if one was issued and is not due for renewal.
    pub(crate) fn fresh_token(&self) -> Option<SecretString> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|t| !t.refused && t.issued.elapsed() < self.credentials.renew_after())
            .map(|t| t.token.clone())
    }

    /// The token to send now: the latest issued, even when it is due for renewal or was
    /// refused (the next send's `ensure_token` replaces it).
    pub(crate) fn current_token(&self) -> Option<SecretString> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current.as_ref().map(|t| t.token.clone())
    }

    /// Make sure a fresh token is cached, logging in when there is none or it is due for
    /// renewal. Concurrent callers wait for one login rather than each logging in.
    pub(crate) async fn ensure_token(&self) -> Result<(), Error> {
        if self.fresh_token().is_some() {
            return Ok(());
        }
        let _login = self.logging_in.lock().await;
        if self.fresh_token().is_some() {
            return Ok(()); // Another caller logged in while this one waited.
        }
        if self.current_is_set() {
            tracing::info!("admin token is due for renewal: logging in again");
        }
        let replaces_refused = self
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|t| t.refused);
        let issued = Instant::now();
        let token = self.log_in().await?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(IssuedToken {
            token,
            issued,
            refused: false,
            replaces_refused,
        });
        Ok(())
    }

    fn current_is_set(&self) -> bool {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Magento refused the token: mark it so the next send logs in again, and answer `true`
    /// (resend once). A token that replaced a refused one and is refused within a minute was
    /// refused for the user's rights: answer `false`, no further login.
    pub(crate) fn forget(&self) -> bool {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        match current.as_mut() {
            // Refused again within a minute of replacing a refused token: the rights, not the
            // token. Later, it is an ordinary expiry or revocation again.
            Some(t) if t.replaces_refused && t.issued.elapsed() < RIGHTS_WINDOW => false,
            Some(t) => {
                tracing::info!("admin token refused (expired or revoked): logging in again");
                t.refused = true;
                true
            }
            None => true,
        }
    }

    /// `POST /V1/integration/admin/token` → a JSON string token, masked from then on by the
    /// shared redactor.
    async fn log_in(&self) -> Result<SecretString, Error> {
        let body = serde_json::json!({
            "username": self.credentials.username(),
            "password": self.credentials.password().expose_secret(),
        });
        let request = ApiRequest::<()>::post(LOGIN_OPERATION, "V1/integration/admin/token")
            .json(&body)
            .map_err(|e| Error::config("admin credentials", e.to_string()))?
            // Logging in twice only creates two tokens: safe to repeat after a timeout.
            .idempotent(true);
        let response = self.login.send_raw(&request).await?;
        // Not the decoder's message (it can quote the value) and no excerpt: this body is the
        // admin token, and errors end up in logs and dead letters.
        let withheld = |path: String| Error::Decode {
            operation: LOGIN_OPERATION.into(),
            source: DecodeError {
                path,
                message: "expected the admin token as a JSON string (body withheld: it carries \
                          the admin token)"
                    .into(),
            },
        };
        let token: String = decode_json(&response.body).map_err(|e| withheld(e.path))?;
        let token = token.trim().to_string();
        if token.is_empty() || HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            return Err(withheld(".".into()));
        }
        self.login.redactor().add_value(&token);
        tracing::debug!(username = self.credentials.username(), "admin token issued");
        Ok(SecretString::from(token))
    }
}

/// The vendor of the admin login request: Magento's URL rules, no authorization, and login
/// refusals as [`Error::AdminLoginRejected`] / [`Error::AdminTwoFactorRequired`].
#[derive(Debug)]
pub(crate) struct AdminLoginVendor {
    pub(crate) base: Url,
    pub(crate) username: String,
}

#[async_trait]
impl sync_core::http::Vendor for AdminLoginVendor {
    type Error = Error;

    fn service(&self) -> &'static str {
        "magento"
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        rest_url(&self.base, None, path)
    }

    fn authorize(
        &self,
        _request: &mut sync_core::http::reqwest::Request,
    ) -> Result<(), BuildError> {
        Ok(()) // The login carries the credentials in its body.
    }

    fn register_secrets(&self, redactor: &Redactor) {
        for name in SECRET_NAMES {
            redactor.add_name(name);
        }
    }

    /// The main client's key: logins count against the same limit as every other request.
    fn rate_key(&self) -> String {
        rate_key(&self.base)
    }

    fn http_error(&self, error: HttpError) -> Error {
        let refused = error
            .response()
            .is_some_and(|r| matches!(r.status.as_u16(), 400 | 401 | 403));
        if !refused {
            return Error::from_http(error);
        }
        let Some(response) = error.response() else {
            return Error::from_http(error);
        };
        // A refused login can echo the request, password included: masked by `parsed_error`.
        let (body, message) = parsed_error(response);
        let template = body.as_ref().map(|b| b.template()).unwrap_or_default();
        let lower = template.to_ascii_lowercase();
        if lower.contains("2fa") || lower.contains("two-factor") {
            let providers = body
                .as_ref()
                .and_then(|b| b.parameters.get("active_providers"))
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            return Error::AdminTwoFactorRequired {
                username: self.username.clone(),
                providers,
            };
        }
        Error::AdminLoginRejected {
            username: self.username.clone(),
            status: response.status.as_u16(),
            message,
        }
    }
}
