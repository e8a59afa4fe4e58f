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
//!   ways that matter: parameter names are sorted *before* encoding (byte order, PHP `strcmp`),
//!   array parameters are flattened as `key[0]`, `key[1]`, the base URI is the site's home URL
//!   (not the `Host` header), the key is the consumer secret plus `&`, and JSON bodies are never
//!   signed.
//!
//! The client refuses Basic and query-string keys over `http://`: WooCommerce would ignore them
//! anyway, and the secret would cross the network in clear text.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::Sha256;

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
    pub fn new(consumer_key: impl Into<String>, consumer_secret: impl Into<String>) -> Self {
        Credentials {
            consumer_key: SecretString::from(consumer_key.into()),
            consumer_secret: SecretString::from(consumer_secret.into()),
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
        }
    }
}

/// The OAuth 1.0a signature methods WooCommerce accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureMethod {
    /// `HMAC-SHA256` (the default, and what WooCommerce's own clients use).
    #[default]
    HmacSha256,
    /// `HMAC-SHA1`.
    HmacSha1,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    pub fn as_str(&self) -> &'static str {
        match self {
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
        }
    }
}

/// A request parameter as PHP sees it after parsing the query string: one value, or a list
/// (sent as `key[0]=…&key[1]=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// A single value.
    One(String),
    /// A list, indexed from 0.
    List(Vec<String>),
}

/// PHP's `rawurlencode`: everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded, upper-case hex.
const RAWURLENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// WooCommerce's `wc_rest_urlencode_rfc3986`: PHP `rawurlencode` (which never produces `+` and
/// leaves `~` alone, so the function's two replacements are no-ops on its output).
///
/// ```
/// use woo_client::auth::wc_rfc3986_encode;
/// assert_eq!(wc_rfc3986_encode("a b+c~d%e[0]é"), "a%20b%2Bc~d%25e%5B0%5D%C3%A9");
/// ```
pub fn wc_rfc3986_encode(value: &str) -> String {
    utf8_percent_encode(value, RAWURLENCODE).to_string()
}

/// The OAuth 1.0a signature base string exactly as WooCommerce rebuilds it on the server
/// (`check_oauth_signature`):
///
/// 1. top-level parameter names (the part before any `[`) are sorted by raw bytes (PHP
///    `uksort(…, 'strcmp')`), before any encoding — so `z` sorts before `é`, unlike RFC 5849;
/// 2. names and values are encoded once, `name=value` pairs are built (list items as
///    `name%5B<i>%5D`), and each whole pair is encoded again, so `=` becomes `%3D` and a `%`
///    in a value becomes `%25` after the first pass and `%2525` … in effect the RFC's
///    "encode the whole parameter string";
/// 3. pairs are joined with `%26`;
/// 4. the result is `METHOD&enc(base_uri)&pairs`.
///
/// `base_uri` is the site's home URL plus the request path, without the query. `params` are the
/// query parameters, including the `oauth_*` ones but not `oauth_signature`.
///
/// ```
/// use woo_client::auth::{ParamValue, signature_base_string};
/// let base = signature_base_string(
///     "GET",
///     "http://example.com/wp-json/wc/v3/orders",
///     &[("status".into(), ParamValue::List(vec!["on-hold".into()])), ("page".into(), ParamValue::One("2".into()))],
/// );
/// assert_eq!(
///     base,
///     "GET&http%3A%2F%2Fexample.com%2Fwp-json%2Fwc%2Fv3%2Forders&page%3D2%26status%255B0%255D%3Don-hold"
/// );
/// ```
pub fn signature_base_string(
    method: &str,
    base_uri: &str,
    params: &[(String, ParamValue)],
) -> String {
    let mut sorted: Vec<&(String, ParamValue)> = params.iter().collect();
    // PHP parses `a[x]=1` into `$_GET['a']`, so the sort key is the name before any `[`;
    // strcmp compares bytes, as `[u8]::cmp` does. The sort is stable, which keeps several
    // `a[…]` entries in the order PHP would hold them in its array.
    sorted.sort_by(|a, b| php_top_level(&a.0).cmp(php_top_level(&b.0)));

    let mut pairs: Vec<String> = Vec::with_capacity(sorted.len());
    for (name, value) in sorted {
        let name = wc_rfc3986_encode(name);
        match value {
            ParamValue::One(v) => {
                pairs.push(wc_rfc3986_encode(&format!(
                    "{name}={}",
                    wc_rfc3986_encode(v)
                )));
            }
            ParamValue::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    let pair = format!("{name}%5B{i}%5D={}", wc_rfc3986_encode(v));
                    pairs.push(wc_rfc3986_encode(&pair));
                }
            }
        }
    }
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        wc_rfc3986_encode(base_uri),
        pairs.join("%26")
    )
}

fn php_top_level(name: &str) -> &[u8] {
    name.split('[').next().unwrap_or(name).as_bytes()
}

/// `base64(HMAC(base_string, consumer_secret + "&"))`: the `oauth_signature` value.
pub fn sign_base_string(
    base_string: &str,
    consumer_secret: &SecretString,
    method: SignatureMethod,
) -> String {
    let mut key = String::with_capacity(consumer_secret.expose_secret().len() + 1);
    key.push_str(consumer_secret.expose_secret());
    key.push('&');
    let digest = match method {
        SignatureMethod::HmacSha256 => {
            let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
                .expect("HMAC accepts keys of any length");
            mac.update(base_string.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::HmacSha1 => {
            let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes())
                .expect("HMAC accepts keys of any length");
            mac.update(base_string.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    BASE64.encode(digest)
}

/// The `oauth_*` parameters for one request: a fresh nonce and timestamp each time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthStamp {
    pub(crate) nonce: String,
    pub(crate) timestamp: i64,
}

impl OAuthStamp {
    pub(crate) fn fresh() -> Self {
        // The nonce only has to be unique per key within WooCommerce's 15-minute window.
        let nonce: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(32)
            .collect();
        OAuthStamp {
            nonce,
            timestamp: chrono::Utc::now().timestamp(),
        }
    }
}

/// Sign a request: returns every query parameter to send, with the `oauth_*` ones (signature last).
pub(crate) fn oauth1_params(
    method: &str,
    base_uri: &str,
    params: &[(String, ParamValue)],
    credentials: &Credentials,
    signature_method: SignatureMethod,
    stamp: &OAuthStamp,
) -> Vec<(String, ParamValue)> {
    let mut all = params.to_vec();
    all.push((
        "oauth_consumer_key".into(),
        ParamValue::One(credentials.consumer_key.expose_secret().to_string()),
    ));
    all.push(("oauth_nonce".into(), ParamValue::One(stamp.nonce.clone())));
    all.push((
        "oauth_signature_method".into(),
        ParamValue::One(signature_method.as_str().into()),
    ));
    all.push((
        "oauth_timestamp".into(),
        ParamValue::One(stamp.timestamp.to_string()),
    ));
    let base = signature_base_string(method, base_uri, &all);
    let signature = sign_base_string(&base, &credentials.consumer_secret, signature_method);
    all.push(("oauth_signature".into(), ParamValue::One(signature)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        // RFC 2202 test case 2, to pin the SHA-1 wiring.
        let mut mac = Hmac::<Sha1>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    #[test]
    fn encoding_is_php_rawurlencode() {
        assert_eq!(wc_rfc3986_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(wc_rfc3986_encode(" !*'()"), "%20%21%2A%27%28%29");
        assert_eq!(wc_rfc3986_encode("100%"), "100%25");
        assert_eq!(wc_rfc3986_encode("€"), "%E2%82%AC");
    }
}
