//! Keeping secrets that Chatwoot puts in resource JSON out of `Debug` output and error
//! excerpts.
//!
//! Inboxes carry channel credentials for administrators (`hmac_token`, the API channel's
//! webhook `secret`, `imap_password`, `smtp_password`, provider `auth_token`s and `api_key`s);
//! users and agent bots carry access tokens. Models keep unknown fields in `extra`, so these
//! would otherwise print with `{:?}` and land in logs.

use std::fmt;

use serde_json::{Map, Value};

/// What a secret value is replaced with.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Whether a JSON key names a credential. Errs on the side of hiding: a hidden harmless value
/// costs a look at the field; a printed password costs a rotation.
pub(crate) fn is_secret_key(key: &str) -> bool {
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

/// Replace, at any depth, the values of secret keys with `[REDACTED]`.
pub(crate) fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => redact_map(map),
        Value::Array(items) => items.iter_mut().for_each(redact_value),
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
            redact_value(value);
        }
    }
}

/// `Debug` for an `extra` map that shows every key but no secret value.
pub(crate) struct RedactedMap<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in self.0 {
            if is_secret_key(key) && !value.is_null() {
                map.entry(key, &format_args!("{REDACTED}"));
            } else {
                let mut value = value.clone();
                redact_value(&mut value);
                map.entry(key, &value);
            }
        }
        map.finish()
    }
}

/// At most `max` characters of a response body for an error message, with secret values
/// redacted. A body that is not JSON is shown only when it mentions nothing secret-looking.
pub(crate) fn body_excerpt(body: &[u8], max: usize) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string().chars().take(max).collect()
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let lower = text.to_ascii_lowercase();
            if ["token", "secret", "password", "key", "credential"]
                .iter()
                .any(|word| lower.contains(word))
            {
                "(withheld: the body is not valid JSON and may contain credentials)".into()
            } else {
                text.chars().take(max).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let body = json!({"id": 1, "provider_config": {"api_key": "k-123"}, "secret": "s-456"});
        let excerpt = body_excerpt(body.to_string().as_bytes(), 200);
        assert!(
            !excerpt.contains("k-123") && !excerpt.contains("s-456"),
            "{excerpt}"
        );
        assert!(
            excerpt.contains(REDACTED) && excerpt.contains("\"id\":1"),
            "{excerpt}"
        );
        let broken = br#"{"id": 1, "imap_password": "hunter2""#;
        assert!(!body_excerpt(broken, 200).contains("hunter2"));
        assert_eq!(body_excerpt(b"Bad Gateway", 200), "Bad Gateway");
    }
}
