//! [`ChatwootVendor`]: Chatwoot's part of sync-core's client kit — where paths go, how a
//! request carries its token, which names and values are secret, and how failures become
//! this crate's [`Error`].
//!
//! Both Chatwoot APIs read the token from the same `api_access_token` header; what differs is
//! the route prefix and which token kind the server accepts. So one vendor type serves both,
//! holding its [`ApiKind`] (and, for the Application API, the account id): an
//! [`ApplicationClient`](crate::ApplicationClient) and a
//! [`PlatformClient`](crate::PlatformClient) each own one.

use std::fmt;

use sync_core::Redactor;
use sync_core::http::reqwest::header::HeaderValue;
use sync_core::http::{BuildError, ConfigError, HttpError, RateQuota, Vendor};
use url::Url;

use crate::auth::{ACCESS_TOKEN_HEADER, ApiKind};
use crate::error::Error;
use crate::secrets::SECRET_NAMES;

/// Requests per second allowed by default, shared by every client of one Chatwoot installation
/// in this process. Self-hosted Chatwoot throttles at 3000 requests per minute per IP (50/s);
/// this stays under it with room for other callers.
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 40;

/// Chatwoot's rules for sync-core's [`ApiClient`](sync_core::http::ApiClient): one per client.
///
/// Request paths are relative to the API's root: `contacts/42` becomes
/// `{base}/api/v1/accounts/{account_id}/contacts/42` for the Application API and
/// `accounts/8` becomes `{base}/platform/api/v1/accounts/8` for the Platform API.
pub struct ChatwootVendor {
    api: ApiKind,
    base: Url,
    /// The route prefix under `base` (`api/v1/accounts/1/`, `platform/api/v1/`).
    prefix: String,
    /// The token as sent: trimmed, marked sensitive.
    token: HeaderValue,
    /// The token as given (untrimmed), registered as a secret value too.
    token_raw: secrecy::SecretString,
}

impl fmt::Debug for ChatwootVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatwootVendor")
            .field("api", &self.api)
            .field("base", &self.base.as_str())
            .field("prefix", &self.prefix)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl ChatwootVendor {
    /// The Application API of account `account_id` at `base`, called with `token`.
    ///
    /// # Errors
    /// [`Error::Config`] when the token cannot go in an HTTP header.
    pub fn application(base: Url, account_id: u64, token: &str) -> Result<Self, Error> {
        Self::new(
            ApiKind::Application,
            base,
            format!("api/v1/accounts/{account_id}/"),
            token,
        )
    }

    /// The Platform API at `base`, called with a Platform App's `token`.
    ///
    /// # Errors
    /// [`Error::Config`] when the token cannot go in an HTTP header.
    pub fn platform(base: Url, token: &str) -> Result<Self, Error> {
        Self::new(ApiKind::Platform, base, "platform/api/v1/".into(), token)
    }

    fn new(api: ApiKind, base: Url, prefix: String, token: &str) -> Result<Self, Error> {
        let field = match api {
            ApiKind::Application => "ApplicationToken",
            ApiKind::Platform => "PlatformToken",
        };
        if token.trim().is_empty() {
            return Err(Error::Config(ConfigError::new(field, "the token is empty")));
        }
        let mut header = HeaderValue::from_str(token.trim()).map_err(|_| {
            Error::Config(ConfigError::new(
                field,
                "the token contains characters that cannot go in an HTTP header (copy it again \
                 without line breaks or quotes)",
            ))
        })?;
        header.set_sensitive(true);
        Ok(ChatwootVendor {
            api,
            base,
            prefix,
            token: header,
            token_raw: token.into(),
        })
    }

    /// Which API this vendor talks to.
    pub fn api(&self) -> ApiKind {
        self.api
    }

    /// The installation's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }
}

impl Vendor for ChatwootVendor {
    type Error = Error;

    fn service(&self) -> &'static str {
        "chatwoot"
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        let full = format!("{}{}", self.prefix, path.trim_start_matches('/'));
        self.base.join(&full).map_err(|e| Error::InvalidInput {
            field: "path",
            message: format!("`{path}` is not a valid path: {e}"),
        })
    }

    fn authorize(&self, request: &mut sync_core::http::reqwest::Request) -> Result<(), BuildError> {
        request
            .headers_mut()
            .insert(ACCESS_TOKEN_HEADER, self.token.clone());
        Ok(())
    }

    fn register_secrets(&self, redactor: &Redactor) {
        use secrecy::ExposeSecret;
        for name in SECRET_NAMES {
            redactor.add_name(name);
        }
        let raw = self.token_raw.expose_secret();
        redactor.add_value(raw);
        redactor.add_value(raw.trim());
    }

    fn default_rate_quota(&self) -> Option<RateQuota> {
        Some(RateQuota::per_second(DEFAULT_REQUESTS_PER_SECOND).with_burst(10))
    }

    /// Per installation (scheme, host and port): both APIs of one server share its limit.
    fn rate_key(&self) -> String {
        format!("chatwoot:{}", self.base.origin().ascii_serialization())
    }

    fn http_error(&self, error: HttpError) -> Error {
        Error::from_http(self.api, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://chat.example.com/support/").unwrap()
    }

    #[test]
    fn paths_go_under_each_apis_prefix_and_keep_a_sub_path_install() {
        let app = ChatwootVendor::application(base(), 3, "t0ken-value").unwrap();
        assert_eq!(
            app.url("contacts/42").unwrap().as_str(),
            "https://chat.example.com/support/api/v1/accounts/3/contacts/42"
        );
        let platform = ChatwootVendor::platform(base(), "t0ken-value").unwrap();
        assert_eq!(
            platform.url("accounts/8").unwrap().as_str(),
            "https://chat.example.com/support/platform/api/v1/accounts/8"
        );
    }

    #[test]
    fn the_token_goes_in_the_header_marked_sensitive() {
        let vendor = ChatwootVendor::application(base(), 1, " tok-123456 ").unwrap();
        let mut request = sync_core::http::reqwest::Request::new(
            sync_core::http::reqwest::Method::GET,
            vendor.url("contacts").unwrap(),
        );
        vendor.authorize(&mut request).unwrap();
        let header = request.headers().get(ACCESS_TOKEN_HEADER).unwrap();
        assert_eq!(header, "tok-123456");
        assert!(header.is_sensitive());
        assert!(!format!("{vendor:?}").contains("tok-123456"));
    }

    #[test]
    fn a_token_with_a_line_break_is_a_config_error_that_does_not_show_it() {
        let err = ChatwootVendor::application(base(), 1, "abc\ndef").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ApplicationToken"), "{text}");
        assert!(!text.contains("abc"), "{text}");
        assert!(matches!(err, Error::Config(_)));
    }
}
