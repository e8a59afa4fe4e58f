//! The first redaction helpers, kept for the client crates that call them. They are thin
//! wrappers over [`Redactor`], the one redaction path: new code uses the executor's
//! [`Redactor`] ([`HttpExecutor::redactor`](super::HttpExecutor::redactor)), which also knows
//! the client's registered secret names and values.

use serde_json::Value;
use url::Url;

use crate::redact::Redactor;

pub use crate::redact::REDACTED;

/// Query keys [`redact_url`] and [`redacted_excerpt`] treat as credentials besides the
/// [generic names](crate::redact::GENERIC_SECRET_NAMES). The executor does not use this list:
/// each client registers its own names on its [`Redactor`].
pub const ALWAYS_SECRET_QUERY_KEYS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "api_access_token",
    "appsecret_proof",
    "client_secret",
    "consumer_key",
    "consumer_secret",
    "key",
    "oauth_signature",
    "password",
    "secret",
    "signature",
    "token",
];

/// A [`Redactor`] that knows [`ALWAYS_SECRET_QUERY_KEYS`] and `extra`.
fn legacy_redactor<S: AsRef<str>>(extra: &[S]) -> Redactor {
    let redactor = Redactor::new().secret_names(ALWAYS_SECRET_QUERY_KEYS.iter().copied());
    for name in extra {
        redactor.add_name(name.as_ref());
    }
    redactor
}

/// `url` as a string with user-info and fragment removed and the values of secret query keys
/// replaced by `[REDACTED]`: [`Redactor::url`] with [`ALWAYS_SECRET_QUERY_KEYS`] and `extra`
/// registered. Prefer the client's executor's [`Redactor::url`].
///
/// ```
/// use sync_core::http::redact_url;
/// let url = url::Url::parse("https://u:p@shop.test/wp-json/wc/v3/orders?consumer_key=ck_1&page=2").unwrap();
/// assert_eq!(
///     redact_url(&url, &[]),
///     "https://shop.test/wp-json/wc/v3/orders?consumer_key=[REDACTED]&page=2"
/// );
/// ```
pub fn redact_url(url: &Url, extra: &[String]) -> String {
    let mut shown = url.clone();
    shown.set_fragment(None);
    legacy_redactor(extra).url(shown.as_str())
}

/// Whether a JSON key names a credential (`hmac_token`, `imap_password`, `api_key`,
/// `otp_secret`, …): [`Redactor::is_secret_name`] of a redactor that knows only the generic
/// names. Errs on the side of hiding: a hidden harmless value costs a look at the field; a
/// printed password costs a rotation.
pub fn is_secret_key(key: &str) -> bool {
    Redactor::new().is_secret_name(key)
}

/// Replace, at any depth, the non-null values of secret keys with `[REDACTED]` (and mask
/// credentials inside strings): [`Redactor::json`] with the generic names.
pub fn redact_json(value: &mut Value) {
    Redactor::new().json(value)
}

/// At most `max` characters of a response body (then `…`), safe for an error message:
/// [`Redactor::excerpt`] with [`ALWAYS_SECRET_QUERY_KEYS`] registered. Prefer
/// [`HttpResponse::body_excerpt`](super::HttpResponse::body_excerpt), which uses the client's
/// redactor.
///
/// ```
/// use sync_core::http::redacted_excerpt;
/// let body = br#"{"id":7,"channel":{"imap_password":"hunter2"}}"#;
/// assert_eq!(redacted_excerpt(body, 200), r#"{"channel":{"imap_password":"[REDACTED]"},"id":7}"#);
/// assert_eq!(redacted_excerpt(b"Bad Gateway", 200), "Bad Gateway");
/// ```
pub fn redacted_excerpt(body: &[u8], max: usize) -> String {
    legacy_redactor::<&str>(&[]).excerpt(body, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_keys_and_userinfo() {
        let url = Url::parse(
            "https://ck_abc:cs_def@shop.test/x?Consumer_Secret=cs_def&oauth_signature=zz&q=a%20b#frag",
        )
        .unwrap();
        let s = redact_url(&url, &["q".to_string()]);
        assert!(
            !s.contains("cs_def") && !s.contains("ck_abc") && !s.contains("zz"),
            "{s}"
        );
        assert_eq!(
            s,
            "https://shop.test/x?Consumer_Secret=[REDACTED]&oauth_signature=[REDACTED]&q=[REDACTED]"
        );
    }

    #[test]
    fn secret_keys_are_recognised() {
        for key in [
            "hmac_token",
            "secret",
            "imap_password",
            "smtp_password",
            "auth_token",
            "access_token",
            "pubsub_token",
            "api_key",
            "webhook_verify_token",
            "page_access_token",
            "bot_token",
            "otp_secret",
            "authorization",
            "X-Api-Key",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "name",
            "attribute_key",
            "imap_login",
            "hmac_mandatory",
            "id",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn excerpts_redact_nested_secrets() {
        let body = serde_json::json!({"id": 1, "provider_config": {"api_key": "k-123"}, "secret": "s-456"});
        let excerpt = redacted_excerpt(body.to_string().as_bytes(), 200);
        assert!(
            !excerpt.contains("k-123") && !excerpt.contains("s-456"),
            "{excerpt}"
        );
        assert!(
            excerpt.contains(REDACTED) && excerpt.contains("\"id\":1"),
            "{excerpt}"
        );
        let broken = br#"{"id": 1, "imap_password": "hunter2""#;
        assert!(!redacted_excerpt(broken, 200).contains("hunter2"));
        assert_eq!(redacted_excerpt(b"Bad Gateway", 200), "Bad Gateway");
        assert_eq!(redacted_excerpt(b"abcdef", 3), "abc…");
    }

    #[test]
    fn plain_text_echoes_are_masked_not_withheld() {
        let body = b"GET /orders?consumer_key=ck_live_1234&page=2\nAuthorization: Bearer abc";
        let excerpt = redacted_excerpt(body, 500);
        assert!(!excerpt.contains("ck_live_1234"), "{excerpt}");
        assert!(!excerpt.contains("abc"), "{excerpt}");
        assert!(excerpt.contains("page=2"), "{excerpt}");
    }
}
