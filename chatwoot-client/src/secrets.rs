//! Chatwoot's credential names, and the [`Redactor`] every client prints through.
//!
//! sync-core keeps no vendor's names: this is where Chatwoot's are registered. Each client's
//! redactor also holds the token values the client was given (and tokens it is handed at run
//! time), so a server that echoes a request back cannot put them into an error, a log line or
//! a dead-letter reason.

use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map, Value};
use sync_core::Redactor;
use sync_core::redact::REDACTED;

/// Names under which Chatwoot carries credentials, in headers, query strings and JSON: the
/// API token header, inbox and channel secrets, user and bot tokens, SSO links.
pub const SECRET_NAMES: &[&str] = &[
    // The header both APIs read (also sent as `HTTP_API_ACCESS_TOKEN` behind some proxies).
    "api_access_token",
    "http_api_access_token",
    "access_token",
    // Inboxes: widget identity validation key, webhook secret of API channels.
    "hmac_token",
    "secret",
    "webhook_secret",
    // Users and contacts: the websocket channel token.
    "pubsub_token",
    // Platform users: the single-use sign-in link token.
    "sso_auth_token",
    // Channel credentials (email, Twilio, Telegram, Facebook, WhatsApp providers).
    "imap_password",
    "smtp_password",
    "auth_token",
    "api_key",
    "bot_token",
    "page_access_token",
    "user_access_token",
    "password",
];

/// A redactor that knows Chatwoot's secret names (no values).
pub(crate) fn redactor_with_names() -> Redactor {
    Redactor::new().secret_names(SECRET_NAMES.iter().copied())
}

/// The names-only redactor for `Debug` of models, which have no client at hand.
pub(crate) fn names_redactor() -> &'static Redactor {
    static NAMES: OnceLock<Redactor> = OnceLock::new();
    NAMES.get_or_init(redactor_with_names)
}

/// `Debug` for an `extra` map that shows every key but no secret value.
pub(crate) struct RedactedMap<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = Value::Object(self.0.clone());
        names_redactor().json(&mut value);
        let Value::Object(map) = value else {
            unreachable!("an object stays an object")
        };
        f.debug_map().entries(map.iter()).finish()
    }
}

/// A JSON value as `Debug` shows it: `[REDACTED]` when `name` is a secret name, else with
/// secret names inside masked.
pub(crate) fn shown_value(name: &str, value: &Value) -> Value {
    let redactor = names_redactor();
    if redactor.is_secret_name(name) && !value.is_null() {
        return Value::String(REDACTED.into());
    }
    let mut value = value.clone();
    redactor.json(&mut value);
    value
}
