//! [`Client`] and [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use sync_core::Redactor;
use sync_core::http::{
    ApiClient, ApiRequest, ClientOptions, ConfigError, HttpResponse, RateLimit, parse_base_url,
};
use sync_core::retry_after::DEFAULT_MAX_SERVER_WAIT;
use url::Url;

use crate::auth::ApiToken;
use crate::bulk_import::BulkImports;
use crate::classifier::DEFAULT_THROTTLE_WAIT;
use crate::contacts::Contacts;
use crate::error::{BulkThrottleWait, Error, Result};
use crate::field_cache::FieldCache;
use crate::fields::Fields;
use crate::lists::Lists;
use crate::rate_limit::{BULK_THROTTLE_WAIT, BulkLimits, account_key};
use crate::tag_cache::TagCache;
use crate::tags::Tags;
use crate::vendor::ActiveCampaignVendor;

/// The environment variable [`Client::from_env`] reads the API URL from.
pub const ENV_BASE_URL: &str = "ACTIVECAMPAIGN_BASE_URL";
/// The environment variable [`Client::from_env`] reads the API key from.
pub const ENV_API_TOKEN: &str = "ACTIVECAMPAIGN_API_TOKEN";

/// An ActiveCampaign API v3 client. Cheap to clone; clones share the connection pool and the
/// field cache. The account's rate budget and its tag name → id cache are shared by every
/// client of the account in the process, clones or not (see [`rate_limit`](crate::rate_limit)).
///
/// ```
/// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path, header}};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ac_client::Error> {
/// # let server = MockServer::start().await;
/// # Mock::given(method("GET")).and(path("/api/3/contacts/113")).and(header("Api-Token", "my-key"))
/// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
/// #         "contact": {"id": "113", "email": "ada@example.com"}})))
/// #     .mount(&server).await;
/// # let base_url = server.uri();
/// use ac_client::{ApiToken, Client};
/// use ac_client::sync_core::http::ClientOptions;
/// use std::time::Duration;
///
/// // The API URL from Settings → Developer, e.g. "https://<account>.api-us1.com".
/// let client = Client::builder(base_url)
///     .credentials(ApiToken::new("my-key"))
///     .options(ClientOptions::new().attempt_timeout(Duration::from_secs(60)))
///     .build()?;
/// let contact = client.contacts().get(113).await?;
/// assert_eq!(contact.contact.email, "ada@example.com");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    api: ApiClient<ActiveCampaignVendor>,
    bulk: BulkLimits,
    tags: Arc<TagCache>,
    fields: FieldCache,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("vendor", self.inner.api.vendor())
            .field("rate_limit", &self.rate_limit().map(|l| l.quota()))
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]: [`Client::builder`], then [`credentials`](Self::credentials),
/// optionally [`options`](Self::options) and the ActiveCampaign settings, then
/// [`build`](Self::build).
pub struct ClientBuilder {
    base_url: String,
    token: Option<ApiToken>,
    options: ClientOptions,
    account_key: Option<String>,
    throttle_wait: Duration,
    bulk_throttle_wait: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The base URL as given may carry credentials (user-info, a key in the query).
        let redactor = self
            .token
            .as_ref()
            .map_or_else(Redactor::new, ApiToken::redactor);
        f.debug_struct("ClientBuilder")
            .field("base_url", &redactor.url(&self.base_url))
            .field("token", &self.token)
            .field("options", &self.options)
            .field("account_key", &self.account_key)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key (Settings → Developer). Required.
    pub fn credentials(mut self, token: ApiToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Transport settings: timeouts, retry policy, rate limit, user agent, a caller's reqwest
    /// client, body cap, plain HTTP off loopback. Default [`ClientOptions::new`], with the
    /// account's 5 requests/second as the rate limit.
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Share the rate budget, the bulk importer's limits and the tag cache under this key
    /// instead of the one derived from the host. Use it when one account is reached through
    /// several hosts.
    pub fn account_key(mut self, key: impl Into<String>) -> Self {
        self.account_key = Some(key.into());
        self
    }

    /// The wait assumed for a 429 or 503 that names none (default 1 s: one rate window).
    pub fn throttle_wait(mut self, d: Duration) -> Self {
        self.throttle_wait = d;
        self
    }

    /// The wait assumed when the bulk importer answers "Rate limit exceeded." (its HTTP 400)
    /// without a `Retry-After` (default [`BULK_THROTTLE_WAIT`], one minute: its limits are
    /// per minute).
    pub fn bulk_throttle_wait(mut self, d: Duration) -> Self {
        self.bulk_throttle_wait = d;
        self
    }

    /// Build the client.
    ///
    /// # Errors
    /// [`Error::Config`] when there are no credentials, the token is blank or cannot go in a
    /// header, or the base URL is not a URL, carries user-info or a query, or is plain
    /// `http://` off loopback without [`ClientOptions::allow_plain_http`];
    /// [`Error::Http`] when the HTTP client cannot be built.
    pub fn build(self) -> Result<Client> {
        let token = self.token.ok_or_else(|| {
            ConfigError::new(
                "api_token",
                "no credentials: pass .credentials(ApiToken::new(..)) with the key from \
                 Settings → Developer",
            )
        })?;
        if token.is_blank() {
            return Err(ConfigError::new(
                "api_token",
                "the API token is empty: copy it from Settings → Developer",
            )
            .into());
        }
        token
            .header_value()
            .map_err(|message| ConfigError::new("api_token", message))?;
        let base = api_base_url(&self.base_url, &self.options, &token.redactor())?;
        let key = self.account_key.unwrap_or_else(|| account_key(&base));
        let bulk_waits = BulkThrottleWait {
            default: self.bulk_throttle_wait,
            max: self
                .options
                .max_server_wait_value()
                .unwrap_or(DEFAULT_MAX_SERVER_WAIT),
        };
        let vendor =
            ActiveCampaignVendor::new(base, token, key.clone(), self.throttle_wait, bulk_waits);
        let api = ApiClient::new(vendor, &self.options).map_err(Error::Http)?;
        Ok(Client {
            inner: Arc::new(Inner {
                api,
                bulk: BulkLimits::for_account(&key),
                tags: TagCache::shared(&key),
                fields: FieldCache::default(),
            }),
        })
    }
}

/// The account URL as given in Settings → Developer, with or without `/api/3`, checked by
/// sync-core's one base-URL rule (https; http only on loopback or when allowed) and ending in
/// `/api/3/`. Anything else in the path is kept (a proxy prefix). A refused URL is named
/// redacted (no user-info, no secret query values, never the token).
fn api_base_url(raw: &str, options: &ClientOptions, redactor: &Redactor) -> Result<Url> {
    let mut url = parse_base_url(raw, options, false).map_err(|e| {
        ConfigError::new(
            e.field,
            format!(
                "{} (given {:?}; the API URL is in Settings → Developer, e.g. \
                 https://<account>.api-us1.com)",
                e.message,
                redactor.url(raw.trim())
            ),
        )
    })?;
    let path = url.path().trim_end_matches('/').to_string();
    let path = if path.ends_with("/api/3") {
        format!("{path}/")
    } else {
        format!("{path}/api/3/")
    };
    url.set_path(&path);
    Ok(url)
}

impl Client {
    /// Start building a client for the account at `base_url` (the API URL from Settings →
    /// Developer, e.g. `https://<account>.api-us1.com`; `/api/3` is added when missing). See
    /// the [type's example](Client).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            token: None,
            options: ClientOptions::new(),
            account_key: None,
            throttle_wait: DEFAULT_THROTTLE_WAIT,
            bulk_throttle_wait: BULK_THROTTLE_WAIT,
        }
    }

    /// A client with default options from the environment: the API URL from
    /// `ACTIVECAMPAIGN_BASE_URL` ([`ENV_BASE_URL`]) and the key from
    /// `ACTIVECAMPAIGN_API_TOKEN` ([`ENV_API_TOKEN`]).
    ///
    /// ```
    /// use ac_client::Client;
    ///
    /// match Client::from_env() {
    ///     Ok(client) => println!("ActiveCampaign at {}", client.base_url()),
    ///     // A missing variable is named in the error.
    ///     Err(e) => assert!(e.to_string().contains("ACTIVECAMPAIGN_"), "{e}"),
    /// }
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming a variable that is not set, or as for
    /// [`ClientBuilder::build`].
    pub fn from_env() -> Result<Client> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any variable lookup.
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Client> {
        let var = |name: &str| lookup(name).ok_or_else(|| ConfigError::missing_env(name));
        let base_url = var(ENV_BASE_URL)?;
        let token = var(ENV_API_TOKEN)?;
        Client::builder(base_url)
            .credentials(ApiToken::new(token))
            .build()
    }

    /// The API base, ending in `/api/3/`.
    pub fn base_url(&self) -> &Url {
        self.inner.api.vendor().base_url()
    }

    /// The key this client's rate budget is shared under.
    pub fn account_key(&self) -> &str {
        self.inner.api.vendor().account_key()
    }

    /// The [`Redactor`] everything this client prints goes through: its errors, its logs and
    /// the sink's per-record reasons. It masks the API token and the names that carry it;
    /// register more with [`Redactor::add_value`] (clones share).
    pub fn redactor(&self) -> &Redactor {
        self.inner.api.redactor()
    }

    /// The account's shared rate limit (none with
    /// [`ClientOptions::no_rate_limit`]).
    pub fn rate_limit(&self) -> Option<&Arc<RateLimit>> {
        self.inner.api.rate_limit()
    }

    /// The shared sender with ActiveCampaign's rules, for requests this crate has no method
    /// for: build an [`ApiRequest`] with a path under `/api/3/` and send it.
    ///
    /// ```
    /// # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path}};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ac_client::Error> {
    /// # let server = MockServer::start().await;
    /// # Mock::given(method("GET")).and(path("/api/3/users/me"))
    /// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    /// #         "user": {"id": "1", "username": "admin"}})))
    /// #     .mount(&server).await;
    /// use ac_client::{ApiToken, Client};
    /// use ac_client::sync_core::http::ApiRequest;
    ///
    /// let client = Client::builder(server.uri()).credentials(ApiToken::new("my-key")).build()?;
    /// let me: serde_json::Value = client
    ///     .api()
    ///     .send(ApiRequest::get("users.me", "users/me"))
    ///     .await?;
    /// assert_eq!(me["user"]["username"], "admin");
    /// # Ok(()) }
    /// ```
    pub fn api(&self) -> &ApiClient<ActiveCampaignVendor> {
        &self.inner.api
    }

    /// Contacts: sync (upsert), get, update, delete, list.
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts::new(self)
    }

    /// Tags: find, create when missing (cached), add to and remove from contacts.
    pub fn tags(&self) -> Tags<'_> {
        Tags::new(self)
    }

    /// Custom fields: list, resolve by personalization tag or title, set values.
    pub fn fields(&self) -> Fields<'_> {
        Fields::new(self)
    }

    /// List memberships: subscribe and unsubscribe.
    pub fn lists(&self) -> Lists<'_> {
        Lists::new(self)
    }

    /// The bulk importer and its status endpoints.
    pub fn bulk_import(&self) -> BulkImports<'_> {
        BulkImports::new(self)
    }

    pub(crate) fn tag_cache(&self) -> &TagCache {
        &self.inner.tags
    }

    pub(crate) fn field_cache(&self) -> &FieldCache {
        &self.inner.fields
    }

    pub(crate) fn bulk_limits(&self) -> &BulkLimits {
        &self.inner.bulk
    }

    /// Send one operation and decode its answer.
    pub(crate) async fn send<T: DeserializeOwned>(&self, request: ApiRequest<T>) -> Result<T> {
        self.inner.api.send(request).await
    }

    /// Send one operation whose answer is not needed.
    pub(crate) async fn send_raw<T>(&self, request: &ApiRequest<T>) -> Result<HttpResponse> {
        self.inner.api.send_raw(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(raw: &str, options: &ClientOptions) -> Result<Url> {
        api_base_url(raw, options, &Redactor::new())
    }

    #[test]
    fn base_url_is_taken_whole_and_normalized() {
        let options = ClientOptions::new();
        for (raw, want) in [
            (
                "https://acme.api-us1.com",
                "https://acme.api-us1.com/api/3/",
            ),
            (
                "https://acme.api-us1.com/",
                "https://acme.api-us1.com/api/3/",
            ),
            (
                "https://acme.api-us1.com/api/3",
                "https://acme.api-us1.com/api/3/",
            ),
            (
                " https://acme.api-us1.com/api/3/ ",
                "https://acme.api-us1.com/api/3/",
            ),
            (
                "http://127.0.0.1:9/proxy",
                "http://127.0.0.1:9/proxy/api/3/",
            ),
        ] {
            assert_eq!(base(raw, &options).unwrap().as_str(), want, "{raw}");
        }
        for bad in [
            "acme.api-us1.com",
            "ftp://acme.test",
            "https://u:p@acme.test",
            // A query is refused, not dropped: it may be a misplaced key.
            "https://acme.activehosted.com/api/3/?x=1",
            "",
        ] {
            let err = base(bad, &options).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err}");
        }
    }

    /// The token must not cross the network in clear text: plain http:// only on loopback,
    /// unless the user opts in.
    #[test]
    fn plain_http_is_refused_off_loopback() {
        let options = ClientOptions::new();
        let err = base("http://acme.api-us1.com", &options).unwrap_err();
        let Error::Config(config) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(config.field, "base_url");
        assert!(config.message.contains("clear text"), "{err}");
        let built = Client::builder("http://acme.api-us1.com")
            .credentials(ApiToken::new("a-real-looking-key"))
            .build();
        assert!(matches!(built, Err(Error::Config(_))), "{built:?}");

        for loopback in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:80",
        ] {
            assert!(base(loopback, &options).is_ok(), "{loopback}");
        }
        let allowed = ClientOptions::new().allow_plain_http(true);
        assert_eq!(
            base("http://acme.api-us1.com", &allowed).unwrap().as_str(),
            "http://acme.api-us1.com/api/3/"
        );
    }

    #[test]
    fn blank_token_is_refused() {
        let err = Client::builder("https://acme.api-us1.com")
            .credentials(ApiToken::new(" "))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("Settings → Developer"), "{err}");
        let err = Client::builder("https://acme.api-us1.com")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("credentials"), "{err}");
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        let vars = |set: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                set.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let err = Client::from_lookup(vars(&[(
            "ACTIVECAMPAIGN_BASE_URL",
            "https://acme.api-us1.com",
        )]))
        .unwrap_err();
        let Error::Config(config) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(config.field, "ACTIVECAMPAIGN_API_TOKEN");
        let err = Client::from_lookup(vars(&[])).unwrap_err();
        assert!(err.to_string().contains("ACTIVECAMPAIGN_BASE_URL"), "{err}");
        let client = Client::from_lookup(vars(&[
            ("ACTIVECAMPAIGN_BASE_URL", "https://acme.api-us1.com"),
            ("ACTIVECAMPAIGN_API_TOKEN", "4f2a9c1be07d5a3f8e6b"),
        ]))
        .unwrap();
        assert_eq!(
            client.base_url().as_str(),
            "https://acme.api-us1.com/api/3/"
        );
    }
}
