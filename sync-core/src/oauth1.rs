//! OAuth 1.0a building blocks shared by the vendors that sign with it (WooCommerce, Magento;
//! feature `oauth1`): the percent-encoding both servers use, the HMAC signature methods, and
//! the per-attempt nonce and timestamp.
//!
//! Which parameters enter the base string, how the URL is normalised and how the key is
//! formed differ per server; those rules stay in each vendor's crate, next to the server code
//! they follow.
//!
//! ```
//! use sync_core::oauth1::{SignatureMethod, percent_encode, sign};
//!
//! assert_eq!(percent_encode("a b+c~d%e[0]é"), "a%20b%2Bc~d%25e%5B0%5D%C3%A9");
//! let base = "GET&https%3A%2F%2Fshop.example.com%2Fwp-json%2Fwc%2Fv3%2Forders&oauth_nonce%3Dn";
//! let signature = sign(SignatureMethod::HmacSha256, b"cs_secret&", base);
//! assert_eq!(signature.len(), 44); // base64 of 32 bytes
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`) stay; everything else is encoded
/// with upper-case hex. This is PHP's `rawurlencode`, which both servers' verifiers use.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encode `value` as OAuth 1.0a (RFC 5849 §3.6) and PHP's `rawurlencode` do.
pub fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, UNRESERVED).to_string()
}

/// [`percent_encode`] over bytes that need not be UTF-8 (PHP strings are bytes).
pub fn percent_encode_bytes(bytes: &[u8]) -> String {
    percent_encoding::percent_encode(bytes, UNRESERVED).to_string()
}

/// PHP's `rawurldecode` over bytes: `%FF` is the byte 0xFF, not U+FFFD.
pub fn percent_decode_bytes(value: &str) -> Vec<u8> {
    percent_decode_str(value).collect()
}

/// PHP's `rawurldecode`: `%XX` decoded, `+` kept, invalid escapes kept as they are.
pub fn percent_decode(value: &str) -> String {
    percent_decode_str(value).decode_utf8_lossy().into_owned()
}

/// PHP's `urldecode`: as [`percent_decode`], and `+` is a space.
pub fn form_decode(value: &str) -> String {
    percent_decode(&value.replace('+', " "))
}

/// The HMAC a signature is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `HMAC-SHA256` (the default).
    #[default]
    HmacSha256,
    /// `HMAC-SHA1`.
    HmacSha1,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
        }
    }
}

/// `base64(HMAC(key, base_string))`: an `oauth_signature` value. The key's form
/// (`consumer_secret&token_secret`, or the bare secret of WooCommerce's legacy v1/v2) is the
/// caller's.
pub fn sign(method: SignatureMethod, key: &[u8], base_string: &str) -> String {
    let digest = match method {
        SignatureMethod::HmacSha256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(base_string.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::HmacSha1 => {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(base_string.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    BASE64.encode(digest)
}

/// The per-attempt `oauth_nonce` and `oauth_timestamp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthStamp {
    /// `oauth_nonce`: unique per key within the server's window (WooCommerce: 15 minutes).
    pub nonce: String,
    /// `oauth_timestamp`: Unix seconds.
    pub timestamp: i64,
}

impl OAuthStamp {
    /// A random 32-character alphanumeric nonce and the current time.
    pub fn fresh() -> Self {
        let nonce: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(32)
            .collect();
        OAuthStamp {
            nonce,
            timestamp: chrono::Utc::now().timestamp(),
        }
    }
}

/// Where a signer gets the stamp of each attempt. The default is [`OAuthStamp::fresh`]; tests
/// pin both to compare a request with a hand-computed signature. Any `Fn() -> OAuthStamp` is a
/// source.
pub trait OAuthStampSource: Send + Sync {
    /// The stamp for the next attempt. A production source never repeats a nonce.
    fn stamp(&self) -> OAuthStamp;
}

impl<F: Fn() -> OAuthStamp + Send + Sync> OAuthStampSource for F {
    fn stamp(&self) -> OAuthStamp {
        self()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_is_php_rawurlencode() {
        assert_eq!(percent_encode("~-_."), "~-_.");
        assert_eq!(percent_encode("a+b c/é"), "a%2Bb%20c%2F%C3%A9");
        assert_eq!(percent_decode("a+b%20c%zz"), "a+b c%zz");
        assert_eq!(form_decode("a+b%2Bc"), "a b+c");
        assert_eq!(percent_decode_bytes("%FFa"), [0xFF, b'a']);
        assert_eq!(percent_encode_bytes(&[0xFF, b' ']), "%FF%20");
    }

    #[test]
    fn rfc5849_example_signature() {
        // RFC 5849 §3.4.1.1's example base string and key (HMAC-SHA1).
        let base = "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
                    %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
                    key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
                    ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
                    9d7dh3k39sjv7";
        let key = b"j49sk3j29djd&dh893hdasih9";
        assert_eq!(
            sign(SignatureMethod::HmacSha1, key, base),
            "r6/TJjbCOr97/+UU0NsvSne7s5g="
        );
    }
}
