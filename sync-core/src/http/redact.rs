//! What we print never carries a credential: URLs (user-info and named query keys) and response
//! bodies (values of secret-looking JSON keys) are redacted before they reach an error or a log.

use serde_json::{Map, Value};
use url::Url;

/// What stands in place of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Query keys redacted in every URL we print, whatever the vendor: they are credentials in
/// some API or other.
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

/// `url` as a string with user-info removed and the values of secret query keys replaced by
/// `[REDACTED]`. Keys match case-insensitively against [`ALWAYS_SECRET_QUERY_KEYS`] and `extra`.
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
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.set_query(None);
    clean.set_fragment(None);
    let mut out = clean.to_string();
    if let Some(query) = url.query() {
        out.push('?');
        let mut first = true;
        for pair in query.split('&') {
            if !first {
                out.push('&');
            }
            first = false;
            let (raw_key, _) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode_lossy(raw_key);
            let secret = ALWAYS_SECRET_QUERY_KEYS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&key))
                || extra.iter().any(|k| k.eq_ignore_ascii_case(&key));
            if secret {
                out.push_str(raw_key);
                out.push('=');
                out.push_str(REDACTED);
            } else {
                out.push_str(pair);
            }
        }
    }
    out
}

fn percent_decode_lossy(s: &str) -> String {
    url::form_urlencoded::parse(format!("{s}=").as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default()
}

/// Whether a JSON key names a credential (`hmac_token`, `imap_password`, `api_key`,
/// `otp_secret`, …). Errs on the side of hiding: a hidden harmless value costs a look at the
/// field; a printed password costs a rotation.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    const PARTS: [&str; 8] = [
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "private_key",
        "api_key",
        "apikey",
    ];
    PARTS.iter().any(|part| key.contains(part))
        || key == "key"
        || key.ends_with("_key") && (key.contains("access") || key.contains("signing"))
        || key.starts_with("otp")
}

/// Replace, at any depth, the non-null values of secret keys with `[REDACTED]`.
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => redact_map(map),
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn redact_map(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        if is_secret_key(key) {
            if !value.is_null() {
                *value = Value::String(REDACTED.into());
            }
        } else {
            redact_json(value);
        }
    }
}

/// At most `max` characters of a response body (then `…`), safe for an error message: JSON has
/// the values of secret keys redacted; a body that is not JSON is shown only when it mentions
/// nothing secret-looking.
///
/// ```
/// use sync_core::http::redacted_excerpt;
/// let body = br#"{"id":7,"channel":{"imap_password":"hunter2"}}"#;
/// assert_eq!(redacted_excerpt(body, 200), r#"{"channel":{"imap_password":"[REDACTED]"},"id":7}"#);
/// assert_eq!(redacted_excerpt(b"Bad Gateway", 200), "Bad Gateway");
/// ```
pub fn redacted_excerpt(body: &[u8], max: usize) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_json(&mut value);
            value.to_string()
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let lower = text.to_ascii_lowercase();
            if ["token", "secret", "password", "key", "credential"]
                .iter()
                .any(|word| lower.contains(word))
            {
                return "(withheld: the body is not valid JSON and may contain credentials)".into();
            }
            text.into_owned()
        }
    };
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
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
}
