//! Keeping secrets that Chatwoot puts in resource JSON out of `Debug` output.
//!
//! Inboxes carry channel credentials for administrators (`hmac_token`, the API channel's
//! webhook `secret`, `imap_password`, `smtp_password`, provider `auth_token`s and `api_key`s);
//! users and agent bots carry access tokens. Models keep unknown fields in `extra`, so these
//! would otherwise print with `{:?}` and land in logs. Which keys are secret, and how error
//! excerpts are redacted, is sync-core's shared rule ([`sync_core::http::is_secret_key`]).

use std::fmt;

use serde_json::{Map, Value};
pub(crate) use sync_core::http::{REDACTED, is_secret_key, redact_json as redact_value};

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
/// redacted (sync-core's rule).
pub(crate) fn body_excerpt(body: &[u8], max: usize) -> String {
    sync_core::http::redacted_excerpt(body, max)
}
