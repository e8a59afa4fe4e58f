//! [`Client`] and [`ClientBuilder`]: the Graph API base URL and version, credentials, the
//! shared transport options ([`ClientOptions`]) and [`Client::from_env`].

use std::fmt;
use std::time::Duration;

use sync_core::Redactor;
use sync_core::http::{ApiClient, ClientOptions, ConfigError, parse_base_url};

use crate::audiences::{AdAccount, AudienceRef};
use crate::auth::Credentials;
use crate::base_url;
use crate::error::Error;
use crate::vendor::GraphVendor;

/// The Graph API version used unless [`ClientBuilder::graph_version`] says otherwise.
pub const DEFAULT_GRAPH_VERSION: &str = "v25.0";
/// Meta's Graph API host; the version is added after it.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com/";
/// How long after its first batch Meta keeps a replace session open.
pub const REPLACE_SESSION_LIMIT: Duration = Duration::from_secs(90 * 60);
/// The per-attempt timeout unless [`ClientOptions::attempt_timeout`] sets another: a
/// 10,000-row batch is several megabytes.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);

/// The environment variables [`Client::from_env`] reads.
pub mod env_vars {
    /// The access token (a system-user token for server-to-server use). Required.
    pub const ACCESS_TOKEN: &str = "META_ACCESS_TOKEN";
    /// The app secret that signs every call with `appsecret_proof`. Required.
    pub const APP_SECRET: &str = "META_APP_SECRET";
    /// The ad account, with or without `act_` ([`Client::default_ad_account`](crate::Client::default_ad_account)). Required.
    pub const AD_ACCOUNT_ID: &str = "META_AD_ACCOUNT_ID";
    /// Another Graph host (a proxy, the sandbox), without the version. Optional.
    pub const GRAPH_URL: &str = "META_GRAPH_URL";
    /// The Graph API version, `vNN.N`. Optional.
    pub const GRAPH_VERSION: &str = "META_GRAPH_VERSION";
}

/// Builds a [`Client`]: credentials (required), then optionally another host, a Graph version,
/// the transport [`ClientOptions`] and the replace window.
///
/// ```
/// use std::time::Duration;
/// use fb_audience::{Client, Credentials};
/// use fb_audience::sync_core::http::{ClientOptions, RateQuota};
///
/// let client = Client::builder()
///     .credentials(Credentials::new("EAAB…").with_app_secret("app-secret"))
///     .graph_version("v25.0")
///     .ad_account("act_1234")
///     .options(
///         ClientOptions::new()
///             .attempt_timeout(Duration::from_secs(120))
///             .rate_quota(RateQuota::per_second(5)),
///     )
///     .build()?;
/// assert_eq!(client.default_ad_account().unwrap().id(), "act_1234");
/// # Ok::<(), fb_audience::Error>(())
/// ```
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: String,
    version: String,
    options: ClientOptions,
    replace_window: Duration,
    ad_account: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The base URL is not checked yet: show it without user-info or query.
        let redactor = self
            .credentials
            .as_ref()
            .map(Credentials::redactor)
            .unwrap_or_default();
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &base_url::shown_raw(&self.base_url, &redactor))
            .field("version", &redactor.text(&self.version))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The access token and optional app secret (required).
    pub fn credentials(mut self, c: Credentials) -> Self {
        self.credentials = Some(c);
        self
    }

    /// The Graph API version, `vNN.N` (default [`DEFAULT_GRAPH_VERSION`]).
    pub fn graph_version(mut self, v: impl Into<String>) -> Self {
        self.version = v.into();
        self
    }

    /// Another host, for a proxy or a local test server (default [`DEFAULT_BASE_URL`]); the
    /// Graph version is added after it. `https://` only; `http://` on loopback, or with
    /// [`ClientOptions::allow_plain_http`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Transport settings: timeouts (per attempt [`DEFAULT_ATTEMPT_TIMEOUT`], 120 s, unless set
    /// here), retry policy, rate limit, longest server wait, user agent, a reqwest client,
    /// response cap, plain HTTP. Whatever retry policy applies, a replace batch is never resent
    /// after its session's window.
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// The ad account this client works for, with or without `act_`
    /// ([`Client::default_ad_account`]); it also keys the shared rate limit.
    pub fn ad_account(mut self, id: impl AsRef<str>) -> Self {
        self.ad_account = Some(ad_account_id(id.as_ref()));
        self
    }

    /// Our own deadline for the batches of a replace session, counted from the first batch
    /// (default 88 minutes: Meta closes the session after 90 and discards later batches; the
    /// margin leaves room for the last request). Never more than 90 minutes.
    pub fn replace_window(mut self, d: Duration) -> Self {
        self.replace_window = d.min(REPLACE_SESSION_LIMIT);
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`Error::Config`] without credentials, with a Graph version not of the form `vNN.N`, or
    /// with a base URL that is not `https://` (plain HTTP off loopback), carries user-info, a
    /// query or a fragment.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::config(
                "credentials",
                "no credentials: call ClientBuilder::credentials with an access token",
            )
        })?;
        let redactor = credentials.redactor();
        let version = self.version.trim_start_matches('/').trim_end_matches('/');
        if !is_graph_version(version) {
            return Err(Error::config(
                "graph_version",
                redactor.text(&format!(
                    "`{}` is not of the form vNN.N (e.g. {DEFAULT_GRAPH_VERSION})",
                    self.version
                )),
            ));
        }
        let host = parse_base_url(&self.base_url, &self.options, false).map_err(|e| {
            // Name the URL as scheme://host/path only: user-info and query may be credentials.
            let shown = base_url::shown_raw(&self.base_url, &redactor);
            ConfigError::new(e.field, format!("{} (base URL `{shown}`)", e.message))
        })?;
        let base = host
            .join(&format!("{version}/"))
            .map_err(|e| Error::config("base_url", format!("cannot add the version: {e}")))?;
        let vendor = GraphVendor::new(base, credentials, self.ad_account.clone());
        let api = ApiClient::with_redactor(vendor, &self.options, redactor)
            .map_err(|e| Error::config("options", e.to_string()))?;
        Ok(Client {
            api,
            replace_window: self.replace_window,
            ad_account: self.ad_account,
        })
    }
}

fn is_graph_version(v: &str) -> bool {
    v.strip_prefix('v')
        .and_then(|n| n.split_once('.'))
        .is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        })
}

/// `act_<digits>` from an id given with or without the prefix.
pub(crate) fn ad_account_id(id: &str) -> String {
    format!("act_{}", id.trim().trim_start_matches("act_"))
}

/// A Meta Marketing API client for customer-file Custom Audiences. Cheap to clone.
///
/// ```
/// use fb_audience::{Client, Credentials};
///
/// let client = Client::builder()
///     .credentials(Credentials::new("EAAB…").with_app_secret("app-secret"))
///     .graph_version("v26.0")
///     .build()?;
/// assert!(!format!("{client:?}").contains("app-secret"));
/// # Ok::<(), fb_audience::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    api: ApiClient<GraphVendor>,
    replace_window: Duration,
    ad_account: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vendor = self.api.vendor();
        f.debug_struct("Client")
            .field("base", &base_url::shown(vendor.base(), self.redactor()))
            .field("credentials", vendor.credentials())
            .field("ad_account", &self.ad_account)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder for Meta's Graph API ([`DEFAULT_BASE_URL`], [`DEFAULT_GRAPH_VERSION`]), with
    /// the defaults described on each setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            credentials: None,
            base_url: DEFAULT_BASE_URL.into(),
            version: DEFAULT_GRAPH_VERSION.into(),
            options: ClientOptions::new(),
            replace_window: REPLACE_SESSION_LIMIT - Duration::from_secs(120),
            ad_account: None,
        }
    }

    /// A client from the environment: `META_ACCESS_TOKEN`, `META_APP_SECRET` and
    /// `META_AD_ACCOUNT_ID` (required), `META_GRAPH_URL` (another host, optional) and
    /// `META_GRAPH_VERSION` (optional); see [`env_vars`]. The builder's other defaults apply.
    ///
    /// ```no_run
    /// // META_ACCESS_TOKEN=EAAB… META_APP_SECRET=… META_AD_ACCOUNT_ID=act_1234
    /// let client = fb_audience::Client::from_env()?;
    /// let account = client.default_ad_account().expect("META_AD_ACCOUNT_ID is required");
    /// # let _ = account;
    /// # Ok::<(), fb_audience::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing (or not unicode), or what
    /// [`ClientBuilder::build`] refuses.
    pub fn from_env() -> Result<Client, Error> {
        builder_from(|name| std::env::var(name).ok())?.build()
    }

    /// An ad account, by id with or without the `act_` prefix.
    pub fn ad_account(&self, id: impl AsRef<str>) -> AdAccount {
        AdAccount::new(self.clone(), id.as_ref())
    }

    /// The ad account set with [`ClientBuilder::ad_account`] (or `META_AD_ACCOUNT_ID`).
    pub fn default_ad_account(&self) -> Option<AdAccount> {
        self.ad_account.as_deref().map(|id| self.ad_account(id))
    }

    /// An existing audience, by id.
    pub fn audience(&self, id: impl Into<String>) -> AudienceRef {
        AudienceRef::new(self.clone(), id.into())
    }

    /// The redactor every error, log line and sink reason of this client goes through: Graph's
    /// secret names and this client's token, app secret and `appsecret_proof`. Give it to
    /// sync-core's `PipelineBuilder::redactor` so dead letters are masked the same way.
    pub fn redactor(&self) -> &Redactor {
        self.api.redactor()
    }

    /// The kit's sender underneath, for the operations of this crate.
    pub(crate) fn api(&self) -> &ApiClient<GraphVendor> {
        &self.api
    }

    pub(crate) fn replace_window(&self) -> Duration {
        self.replace_window
    }
}

/// The builder [`Client::from_env`] builds, with the variables read through `var`.
fn builder_from(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
    let required =
        |name: &str| var(name).ok_or_else(|| Error::Config(ConfigError::missing_env(name)));
    let credentials = Credentials::new(required(env_vars::ACCESS_TOKEN)?)
        .with_app_secret(required(env_vars::APP_SECRET)?);
    let mut builder = Client::builder()
        .credentials(credentials)
        .ad_account(required(env_vars::AD_ACCOUNT_ID)?);
    if let Some(url) = var(env_vars::GRAPH_URL) {
        builder = builder.base_url(url);
    }
    if let Some(version) = var(env_vars::GRAPH_VERSION) {
        builder = builder.graph_version(version);
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn from_env_reads_the_documented_variables() {
        let all = [
            (env_vars::ACCESS_TOKEN, "EAAB-env-token"),
            (env_vars::APP_SECRET, "env-app-secret"),
            (env_vars::AD_ACCOUNT_ID, "1234"),
            (env_vars::GRAPH_URL, "http://127.0.0.1:8080/meta"),
            (env_vars::GRAPH_VERSION, "v26.0"),
        ];
        let client = builder_from(vars(&all)).unwrap().build().unwrap();
        assert_eq!(
            client.api().vendor().base().as_str(),
            "http://127.0.0.1:8080/meta/v26.0/"
        );
        assert_eq!(client.default_ad_account().unwrap().id(), "act_1234");
        assert!(
            client
                .api()
                .vendor()
                .credentials()
                .appsecret_proof()
                .is_some()
        );

        // Without the optional ones: Meta's host and the default version.
        let client = builder_from(vars(&all[..3])).unwrap().build().unwrap();
        assert_eq!(
            client.api().vendor().base().as_str(),
            format!("https://graph.facebook.com/{DEFAULT_GRAPH_VERSION}/")
        );

        // A missing required variable is named.
        for missing in 0..3 {
            let mut some = all[..3].to_vec();
            let (name, _) = some.remove(missing);
            let Err(Error::Config(e)) = builder_from(vars(&some)) else {
                panic!("{name} is required");
            };
            assert_eq!(e, ConfigError::missing_env(name));
        }
    }

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let build = |url: &str, options: ClientOptions| {
            Client::builder()
                .credentials(Credentials::new("EAAB-plain-token"))
                .base_url(url)
                .options(options)
                .build()
        };
        // The token travels in the query string: over plain HTTP anyone on the path reads it.
        let Err(Error::Config(e)) = build("http://graph.example.com/", ClientOptions::new()) else {
            panic!("plain http:// to another host must be refused");
        };
        assert_eq!(e.field, "base_url");
        assert!(e.message.contains("http://graph.example.com/"), "{e}");
        assert!(build("http://127.0.0.1:9/", ClientOptions::new()).is_ok());
        assert!(build("http://[::1]:9/", ClientOptions::new()).is_ok());
        assert!(build("https://graph.example.com/", ClientOptions::new()).is_ok());
        // The one opt-in (a TLS-terminating proxy on a private network).
        assert!(
            build(
                "http://graph-proxy.internal/",
                ClientOptions::new().allow_plain_http(true)
            )
            .is_ok()
        );
        assert!(build("ftp://graph.example.com/", ClientOptions::new()).is_err());
    }

    #[test]
    fn refuses_credentials_in_the_base_url_without_quoting_them() {
        for raw in [
            "https://meta-proxy:hunter2-pass@graph.example.com/",
            "https://graph.example.com/?access_token=EAAB-leaked-token",
            "https://graph.example.com/?sig=opaque-secret-value",
            "https://graph.example.com/#frag-secret-value",
        ] {
            let err = Client::builder()
                .credentials(Credentials::new("EAAB-x"))
                .base_url(raw)
                .build()
                .unwrap_err()
                .to_string();
            for secret in ["hunter2", "EAAB-leaked", "opaque-secret", "frag-secret"] {
                assert!(!err.contains(secret), "{err}");
            }
            assert!(err.contains("https://graph.example.com/"), "{err}");
        }
        let bad = Client::builder()
            .credentials(Credentials::new("EAAB-x"))
            .base_url("not a url hunter2")
            .build()
            .unwrap_err()
            .to_string();
        assert!(!bad.contains("hunter2"), "{bad}");
    }
}
