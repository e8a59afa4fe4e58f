//! [`ApplicationClient`] and [`PlatformClient`], their builders, and `from_env`.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;
use sync_core::Redactor;
use sync_core::http::{ApiClient, ApiRequest, ClientOptions, ConfigError, parse_base_url};
use url::Url;

use crate::auth::{ApplicationToken, PlatformToken};
use crate::error::Error;
use crate::secrets::redactor_with_names;
use crate::vendor::ChatwootVendor;

/// `CHATWOOT_BASE_URL`: the installation's root (`https://app.chatwoot.com`).
pub const ENV_BASE_URL: &str = "CHATWOOT_BASE_URL";
/// `CHATWOOT_ACCOUNT_ID`: the Application API's account (from `/app/accounts/<id>/…`).
pub const ENV_ACCOUNT_ID: &str = "CHATWOOT_ACCOUNT_ID";
/// `CHATWOOT_API_ACCESS_TOKEN`: a user's or agent bot's access token (Application API).
pub const ENV_API_ACCESS_TOKEN: &str = "CHATWOOT_API_ACCESS_TOKEN";
/// `CHATWOOT_PLATFORM_TOKEN`: a Platform App's token (Platform API).
pub const ENV_PLATFORM_TOKEN: &str = "CHATWOOT_PLATFORM_TOKEN";

/// The Application API client under the name every commerce-sync client uses
/// (`Client::builder(base_url).credentials(..)`).
pub type Client = ApplicationClient;

/// Read `name` through `lookup`, or say that it is missing.
fn required(lookup: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<String, Error> {
    lookup(name)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| Error::Config(ConfigError::missing_env(name)))
}

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A base URL as `Debug` shows it: without query or fragment (a pasted token would be
/// there), through the redactor (which masks user-info and the token).
fn shown_base_url(raw: &str, redactor: &Redactor) -> String {
    let without_query = raw.split(['?', '#']).next().unwrap_or_default();
    redactor.url(without_query)
}

/// Chatwoot's secret names and the token, as given and as sent (trimmed).
fn token_redactor(token: &str) -> Redactor {
    redactor_with_names()
        .secret_value(token)
        .secret_value(token.trim())
}

/// What both clients share: the kit's sender with Chatwoot's vendor rules.
#[derive(Clone)]
pub(crate) struct Sender {
    pub(crate) inner: ApiClient<ChatwootVendor>,
}

impl Sender {
    fn new(vendor: ChatwootVendor, options: &ClientOptions) -> Result<Sender, Error> {
        Ok(Sender {
            inner: ApiClient::new(vendor, options).map_err(Error::Http)?,
        })
    }

    /// Send and decode the JSON answer.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        request: ApiRequest<T>,
    ) -> Result<T, Error> {
        self.inner.send(request).await
    }

    /// Send, and decode either `{"payload": T}` or a bare `T` (some endpoints changed envelope
    /// across Chatwoot versions).
    pub(crate) async fn send_unwrapped<T: DeserializeOwned>(
        &self,
        request: ApiRequest<Value>,
    ) -> Result<T, Error> {
        let operation = request.operation().to_owned();
        let value = self.inner.send(request).await?;
        crate::envelope::payload_or_bare(&self.inner, &operation, value)
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        self.inner.redactor()
    }

    fn base(&self) -> &Url {
        self.inner.vendor().base()
    }
}

/// Builds an [`ApplicationClient`]: `ApplicationClient::builder(base_url)`, then
/// [`account_id`](Self::account_id), [`credentials`](Self::credentials) and optionally
/// [`options`](Self::options).
pub struct ApplicationClientBuilder {
    base_url: String,
    account_id: Option<u64>,
    token: Option<ApplicationToken>,
    options: ClientOptions,
}

impl fmt::Debug for ApplicationClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redactor = token_redactor(self.token.as_ref().map_or("", |t| t.expose_secret()));
        f.debug_struct("ApplicationClientBuilder")
            .field("base_url", &shown_base_url(&self.base_url, &redactor))
            .field("account_id", &self.account_id)
            .field("token", &self.token)
            .field("options", &self.options)
            .finish()
    }
}

impl ApplicationClientBuilder {
    /// The account to work in: the number in the dashboard's URL (`/app/accounts/<id>/…`).
    pub fn account_id(mut self, account_id: u64) -> Self {
        self.account_id = Some(account_id);
        self
    }

    /// The token: a user's access token (Profile settings → Access Token) or an agent bot's.
    pub fn credentials(mut self, token: ApplicationToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Transport settings: timeouts, retry policy, rate limit, user agent, a `reqwest::Client`,
    /// body cap, plain HTTP off loopback. By default every client of one installation (same
    /// origin) in this process shares a limit of
    /// [`DEFAULT_REQUESTS_PER_SECOND`](crate::DEFAULT_REQUESTS_PER_SECOND) with bursts of 10;
    /// Chatwoot's own `429` carries no `Retry-After`, so a throttled request backs off by the
    /// retry policy (exponential, with jitter).
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Build the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a malformed base URL, plain `http://` off loopback (unless
    /// [`ClientOptions::allow_plain_http`]), a missing or zero account id, or a missing or
    /// malformed token. No message repeats the URL or the token.
    pub fn build(self) -> Result<ApplicationClient, Error> {
        let account_id = match self.account_id {
            Some(0) => {
                return Err(ConfigError::new(
                    "account_id",
                    "account ids start at 1; take it from the dashboard URL (/app/accounts/<id>/…)",
                )
                .into());
            }
            Some(id) => id,
            None => {
                return Err(ConfigError::new(
                    "account_id",
                    "not set: call .account_id(..) with the number from the dashboard URL \
                     (/app/accounts/<id>/…)",
                )
                .into());
            }
        };
        let token = self.token.ok_or_else(|| {
            ConfigError::new(
                "credentials",
                "no token: call .credentials(ApplicationToken::new(..)) with a user's access \
                 token (Profile settings → Access Token)",
            )
        })?;
        let base = parse_base_url(&self.base_url, &self.options, false)?;
        let vendor = ChatwootVendor::application(base, account_id, token.expose_secret())?;
        Ok(ApplicationClient {
            sender: Sender::new(vendor, &self.options)?,
            account_id,
        })
    }
}

/// A client for Chatwoot's Application API (`/api/v1/accounts/{account_id}/…`), authenticated
/// with an [`ApplicationToken`] (a user's or agent bot's access token). Cheap to clone.
///
/// Resources hang off it: [`contacts`](Self::contacts),
/// [`contact_inboxes`](Self::contact_inboxes), [`conversations`](Self::conversations),
/// [`messages`](Self::messages), [`inboxes`](Self::inboxes),
/// [`labels`](Self::labels) and [`custom_attributes`](Self::custom_attributes).
///
/// ```
/// use chatwoot_client::{ApplicationClient, ApplicationToken};
/// use sync_core::http::ClientOptions;
/// use std::time::Duration;
///
/// let client = ApplicationClient::builder("https://chat.example.com")
///     .account_id(1)
///     .credentials(ApplicationToken::new("user-access-token"))
///     .options(ClientOptions::new().attempt_timeout(Duration::from_secs(20)))
///     .build()?;
/// assert_eq!(client.account_id(), 1);
///
/// // Plain HTTP would send the token in clear text: refused off loopback.
/// let refused = ApplicationClient::builder("http://chat.example.com")
///     .account_id(1)
///     .credentials(ApplicationToken::new("user-access-token"))
///     .build();
/// assert!(refused.is_err());
/// # Ok::<(), chatwoot_client::Error>(())
/// ```
#[derive(Clone)]
pub struct ApplicationClient {
    pub(crate) sender: Sender,
    account_id: u64,
}

impl fmt::Debug for ApplicationClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationClient")
            .field(
                "base_url",
                &self.sender.redactor().url(self.sender.base().as_str()),
            )
            .field("account_id", &self.account_id)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl ApplicationClient {
    /// Start building a client for the installation at `base_url`
    /// (`https://app.chatwoot.com` or your self-hosted root).
    pub fn builder(base_url: impl Into<String>) -> ApplicationClientBuilder {
        ApplicationClientBuilder {
            base_url: base_url.into(),
            account_id: None,
            token: None,
            options: ClientOptions::default(),
        }
    }

    /// A builder filled from the environment: `CHATWOOT_BASE_URL`, `CHATWOOT_ACCOUNT_ID` and
    /// `CHATWOOT_API_ACCESS_TOKEN`. Add [`options`](ApplicationClientBuilder::options), then
    /// build.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing, or an account id that is not a
    /// number.
    pub fn builder_from_env() -> Result<ApplicationClientBuilder, Error> {
        Self::builder_from_lookup(&env_lookup)
    }

    /// A client from the environment (see [`builder_from_env`](Self::builder_from_env)).
    ///
    /// ```no_run
    /// // CHATWOOT_BASE_URL=https://app.chatwoot.com CHATWOOT_ACCOUNT_ID=1
    /// // CHATWOOT_API_ACCESS_TOKEN=… (Profile settings → Access Token)
    /// let client = chatwoot_client::ApplicationClient::from_env()?;
    /// # Ok::<(), chatwoot_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`builder_from_env`](Self::builder_from_env) and
    /// [`build`](ApplicationClientBuilder::build).
    pub fn from_env() -> Result<ApplicationClient, Error> {
        Self::builder_from_env()?.build()
    }

    fn builder_from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ApplicationClientBuilder, Error> {
        let base_url = required(lookup, ENV_BASE_URL)?;
        let account_id = required(lookup, ENV_ACCOUNT_ID)?
            .trim()
            .parse::<u64>()
            .map_err(|_| {
                ConfigError::new(
                    ENV_ACCOUNT_ID,
                    "not a number; take it from the dashboard URL (/app/accounts/<id>/…)",
                )
            })?;
        let token = required(lookup, ENV_API_ACCESS_TOKEN)?;
        Ok(Self::builder(base_url)
            .account_id(account_id)
            .credentials(ApplicationToken::new(token)))
    }

    /// The account this client works in.
    pub fn account_id(&self) -> u64 {
        self.account_id
    }

    /// The installation's base URL.
    pub fn base_url(&self) -> &Url {
        self.sender.base()
    }

    /// The kit's sender with Chatwoot's rules: send an [`ApiRequest`] for an endpoint this
    /// crate has no method for (paths are relative to `/api/v1/accounts/{account_id}/`).
    pub fn api(&self) -> &ApiClient<ChatwootVendor> {
        &self.sender.inner
    }

    /// The redactor everything this client prints goes through: Chatwoot's secret names and
    /// the tokens it holds. Pass it to [`Ack::from_error`](sync_core::Ack::from_error).
    pub fn redactor(&self) -> &Redactor {
        self.sender.redactor()
    }
}

/// Builds a [`PlatformClient`]: `PlatformClient::builder(base_url)`, then
/// [`credentials`](Self::credentials) and optionally [`options`](Self::options).
pub struct PlatformClientBuilder {
    base_url: String,
    token: Option<PlatformToken>,
    options: ClientOptions,
}

impl fmt::Debug for PlatformClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redactor = token_redactor(self.token.as_ref().map_or("", |t| t.expose_secret()));
        f.debug_struct("PlatformClientBuilder")
            .field("base_url", &shown_base_url(&self.base_url, &redactor))
            .field("token", &self.token)
            .field("options", &self.options)
            .finish()
    }
}

impl PlatformClientBuilder {
    /// The Platform App's token (Super Admin → Platform Apps).
    pub fn credentials(mut self, token: PlatformToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Transport settings, as for [`ApplicationClientBuilder::options`].
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Build the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a malformed base URL, plain `http://` off loopback (unless
    /// [`ClientOptions::allow_plain_http`]), or a missing or malformed token.
    pub fn build(self) -> Result<PlatformClient, Error> {
        let token = self.token.ok_or_else(|| {
            ConfigError::new(
                "credentials",
                "no token: call .credentials(PlatformToken::new(..)) with a Platform App's \
                 token (Super Admin → Platform Apps)",
            )
        })?;
        let base = parse_base_url(&self.base_url, &self.options, false)?;
        let vendor = ChatwootVendor::platform(base, token.expose_secret())?;
        Ok(PlatformClient {
            sender: Sender::new(vendor, &self.options)?,
        })
    }
}

/// A client for Chatwoot's Platform API (`/platform/api/v1/…`): provisioning accounts, users,
/// account users and agent bots, authenticated with a [`PlatformToken`]. Cheap to clone.
///
/// A Platform App may only manage what it created or was granted; Chatwoot has no endpoint to
/// list every account.
///
/// ```
/// use chatwoot_client::{PlatformClient, PlatformToken};
///
/// let platform = PlatformClient::builder("https://chat.example.com")
///     .credentials(PlatformToken::new("platform-app-token"))
///     .build()?;
/// assert_eq!(platform.base_url().as_str(), "https://chat.example.com/");
/// # Ok::<(), chatwoot_client::Error>(())
/// ```
#[derive(Clone)]
pub struct PlatformClient {
    pub(crate) sender: Sender,
}

impl fmt::Debug for PlatformClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformClient")
            .field(
                "base_url",
                &self.sender.redactor().url(self.sender.base().as_str()),
            )
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl PlatformClient {
    /// Start building a client for the installation at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> PlatformClientBuilder {
        PlatformClientBuilder {
            base_url: base_url.into(),
            token: None,
            options: ClientOptions::default(),
        }
    }

    /// A builder filled from the environment: `CHATWOOT_BASE_URL` and
    /// `CHATWOOT_PLATFORM_TOKEN`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing.
    pub fn builder_from_env() -> Result<PlatformClientBuilder, Error> {
        Self::builder_from_lookup(&env_lookup)
    }

    /// A client from the environment (see [`builder_from_env`](Self::builder_from_env)).
    ///
    /// ```no_run
    /// // CHATWOOT_BASE_URL=https://chat.example.com CHATWOOT_PLATFORM_TOKEN=…
    /// let platform = chatwoot_client::PlatformClient::from_env()?;
    /// # Ok::<(), chatwoot_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`builder_from_env`](Self::builder_from_env) and
    /// [`build`](PlatformClientBuilder::build).
    pub fn from_env() -> Result<PlatformClient, Error> {
        Self::builder_from_env()?.build()
    }

    fn builder_from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<PlatformClientBuilder, Error> {
        let base_url = required(lookup, ENV_BASE_URL)?;
        let token = required(lookup, ENV_PLATFORM_TOKEN)?;
        Ok(Self::builder(base_url).credentials(PlatformToken::new(token)))
    }

    /// The installation's base URL.
    pub fn base_url(&self) -> &Url {
        self.sender.base()
    }

    /// The kit's sender with Chatwoot's rules (paths relative to `/platform/api/v1/`).
    pub fn api(&self) -> &ApiClient<ChatwootVendor> {
        &self.sender.inner
    }

    /// The redactor everything this client prints goes through, including tokens and login
    /// links it was handed at run time.
    pub fn redactor(&self) -> &Redactor {
        self.sender.redactor()
    }
}

/// `ApiRequest::json` with this crate's error: a body that cannot be encoded is an
/// [`Error::InvalidInput`].
pub(crate) trait JsonBody: Sized {
    /// Send `body` as JSON.
    fn json_body(self, body: &impl serde::Serialize) -> Result<Self, Error>;
}

impl<T> JsonBody for ApiRequest<T> {
    fn json_body(self, body: &impl serde::Serialize) -> Result<Self, Error> {
        self.json(body).map_err(|e| Error::InvalidInput {
            field: "body",
            message: format!("could not serialize the request body: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use sync_core::http::ClientError;

    use super::*;

    fn app(base: &str) -> ApplicationClientBuilder {
        ApplicationClient::builder(base)
            .account_id(1)
            .credentials(ApplicationToken::new("tok-0123456789"))
    }

    #[test]
    fn base_url_gets_a_trailing_slash_and_keeps_sub_paths() {
        let client = app("https://x.test/chatwoot").build().unwrap();
        assert_eq!(client.base_url().as_str(), "https://x.test/chatwoot/");
        assert!(app("ftp://x.test").build().is_err());
        assert!(app("https://u:p@x.test").build().is_err());
        assert!(app("not a url").build().is_err());
    }

    #[test]
    fn account_zero_or_none_is_refused() {
        let err = app("https://x.test").account_id(0).build().unwrap_err();
        assert!(err.to_string().contains("account_id"), "{err}");
        let err = ApplicationClient::builder("https://x.test")
            .credentials(ApplicationToken::new("tok-0123456789"))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("account_id"), "{err}");
    }

    /// The bug this fixes: `http://` to any host was accepted, sending the token in clear.
    #[test]
    fn plain_http_is_refused_off_loopback_unless_allowed() {
        let err = app("http://chat.example.com").build().unwrap_err();
        assert!(
            matches!(&err, Error::Config(c) if c.field == "base_url"),
            "{err:?}"
        );
        assert_eq!(err.kind(), sync_core::http::ErrorKind::Config);
        let err = PlatformClient::builder("http://chat.example.com")
            .credentials(PlatformToken::new("tok-0123456789"))
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config(c) if c.field == "base_url"),
            "{err:?}"
        );
        // Loopback (local fakes, a sidecar) and an explicit opt-in still work.
        assert!(app("http://127.0.0.1:3000").build().is_ok());
        assert!(
            app("http://chat.internal")
                .options(ClientOptions::new().allow_plain_http(true))
                .build()
                .is_ok()
        );
    }

    #[test]
    fn from_env_names_each_missing_variable() {
        let vars: HashMap<&str, &str> = HashMap::from([
            (ENV_BASE_URL, "https://chat.example.com"),
            (ENV_ACCOUNT_ID, "7"),
            (ENV_API_ACCESS_TOKEN, "tok-0123456789"),
            (ENV_PLATFORM_TOKEN, "ptok-0123456789"),
        ]);
        let all = |name: &str| vars.get(name).map(|v| v.to_string());
        let client = ApplicationClient::builder_from_lookup(&all)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.account_id(), 7);
        assert!(
            PlatformClient::builder_from_lookup(&all)
                .unwrap()
                .build()
                .is_ok()
        );

        for missing in [ENV_BASE_URL, ENV_ACCOUNT_ID, ENV_API_ACCESS_TOKEN] {
            let without = |name: &str| (name != missing).then(|| all(name)).flatten();
            let err = ApplicationClient::builder_from_lookup(&without).unwrap_err();
            assert!(
                matches!(&err, Error::Config(c) if c.field == missing),
                "{err:?}"
            );
        }
        let without = |name: &str| (name != ENV_PLATFORM_TOKEN).then(|| all(name)).flatten();
        let err = PlatformClient::builder_from_lookup(&without).unwrap_err();
        assert!(matches!(&err, Error::Config(c) if c.field == ENV_PLATFORM_TOKEN));

        let bad_id = |name: &str| {
            if name == ENV_ACCOUNT_ID {
                Some("one".into())
            } else {
                all(name)
            }
        };
        let err = ApplicationClient::builder_from_lookup(&bad_id).unwrap_err();
        assert!(err.to_string().contains("not a number"), "{err}");
    }
}
