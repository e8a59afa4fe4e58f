//! Credentials and how requests are authenticated, exactly as WooCommerce checks them.
//!
//! WooCommerce (`WC_REST_Authentication`) accepts three forms:
//!
//! - **HTTPS Basic** ([`AuthMode::Basic`], the default): consumer key and secret as the user name
//!   and password. Only tried when WordPress sees HTTPS.
//! - **Query-string keys** ([`AuthMode::QueryString`]): `consumer_key` and `consumer_secret` in
//!   the URL, for servers that strip the `Authorization` header (Apache CGI/FastCGI). Also HTTPS
//!   only, and the keys then appear in server logs and in `Link` headers.
//! - **OAuth 1.0a one-legged** ([`AuthMode::OAuth1`]): the only form WooCommerce accepts over
//!   plain HTTP. The signature follows WooCommerce's server code, which differs from RFC 5849 in
//!   ways that matter: the parameters are PHP's `$_GET` tree ([`crate::php_query`]), top-level
//!   names are sorted *before* encoding (byte order, PHP `strcmp`), keys inside brackets are
//!   encoded once where everything else is encoded twice, the base URI is the site's home URL as
//!   configured (host case kept; not the `Host` header), the key is the consumer secret plus `&`,
//!   and JSON bodies are never signed. The legacy `wc-api` versions have their own rules
//!   ([`SigningRules`]). The encoding, HMAC and nonce are sync-core's shared
//!   [`sync_core::oauth1`]; the base-string rules above ([`signature_base_string`]) are
//!   WooCommerce's and live here.
//!
//! The client refuses Basic and query-string keys over `http://` off loopback (unless
//! [`ClientOptions::allow_plain_http`](sync_core::http::ClientOptions::allow_plain_http)):
//! WooCommerce would ignore them anyway, and the secret would cross the network in clear text.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

mod signing;

pub(crate) use signing::oauth_params;
pub use signing::{
    SigningRules, sign_base_string, sign_base_string_for, signature_base_string,
    signature_base_string_for,
};
pub use sync_core::oauth1::{OAuthStamp, OAuthStampSource, SignatureMethod};

/// A WooCommerce REST API key pair (WooCommerce → Settings → Advanced → REST API).
///
/// Both halves are secret: `Debug` shows neither.
///
/// ```
/// use woo_client::Credentials;
/// let creds = Credentials::new("ck_0123456789", "cs_abcdef");
/// assert!(!format!("{creds:?}").contains("cs_abcdef"));
/// assert!(!format!("{creds:?}").contains("ck_0123456789"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    consumer_key: SecretString,
    consumer_secret: SecretString,
}

impl Credentials {
    /// A key pair: the consumer key (`ck_…`) and consumer secret (`cs_…`).
    pub fn new(
        consumer_key: impl Into<SecretString>,
        consumer_secret: impl Into<SecretString>,
    ) -> Self {
        Credentials {
            consumer_key: consumer_key.into(),
            consumer_secret: consumer_secret.into(),
        }
    }

    /// The consumer key.
    pub fn consumer_key(&self) -> &SecretString {
        &self.consumer_key
    }

    /// The consumer secret.
    pub fn consumer_secret(&self) -> &SecretString {
        &self.consumer_secret
    }

    /// `base64(consumer_key:consumer_secret)`, the credential of an `Authorization: Basic`
    /// header (registered on the redactor: a server echoing the header shows this).
    pub(crate) fn basic_credential(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.consumer_key.expose_secret(),
            self.consumer_secret.expose_secret()
        ))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("consumer_key", &"[REDACTED]")
            .field("consumer_secret", &"[REDACTED]")
            .finish()
    }
}

/// How the client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthMode {
    /// `Authorization: Basic` over HTTPS (the default).
    #[default]
    Basic,
    /// `consumer_key`/`consumer_secret` query parameters over HTTPS, for servers that strip the
    /// `Authorization` header.
    QueryString,
    /// OAuth 1.0a one-legged signatures, for stores served over plain HTTP (works over HTTPS too).
    OAuth1(SignatureMethod),
}

impl AuthMode {
    /// Whether this mode sends the consumer secret itself (and so needs HTTPS).
    pub fn sends_secret(&self) -> bool {
        matches!(self, AuthMode::Basic | AuthMode::QueryString)
    }

    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            AuthMode::Basic => "HTTP Basic auth",
            AuthMode::QueryString => "query-string keys",
            AuthMode::OAuth1(SignatureMethod::HmacSha256) => "OAuth 1.0a (HMAC-SHA256)",
            AuthMode::OAuth1(SignatureMethod::HmacSha1) => "OAuth 1.0a (HMAC-SHA1)",
            AuthMode::OAuth1(_) => "OAuth 1.0a",
        }
    }
}

/// A legacy `wc-api` version, for [`ClientBuilder::legacy_api`](crate::ClientBuilder::legacy_api).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyApi {
    /// `/wc-api/v1` (WooCommerce 2.1).
    V1,
    /// `/wc-api/v2` (WooCommerce 2.2).
    V2,
    /// `/wc-api/v3` (WooCommerce 2.4).
    V3,
}

impl LegacyApi {
    /// The namespace under `wc-api/`.
    pub fn namespace(self) -> &'static str {
        match self {
            LegacyApi::V1 => "v1",
            LegacyApi::V2 => "v2",
            LegacyApi::V3 => "v3",
        }
    }

    /// How its server checks OAuth 1.0a signatures.
    pub fn signing_rules(self) -> SigningRules {
        match self {
            LegacyApi::V1 | LegacyApi::V2 => SigningRules::LegacyV1V2,
            LegacyApi::V3 => SigningRules::LegacyV3,
        }
    }
}
