//! [`Inbox`]: a channel conversations arrive through.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;
use crate::secrets::RedactedMap;

/// An inbox (website widget, API channel, email, WhatsApp…).
///
/// For administrators Chatwoot includes the channel's credentials (`hmac_token`, the API
/// channel's webhook `secret`, `imap_password`, `smtp_password`, provider `auth_token`s and
/// keys). They stay in [`extra`](Self::extra), readable on purpose, but `Debug` shows
/// `[REDACTED]` for them, so logging an inbox leaks nothing.
///
/// ```
/// let inbox: chatwoot_client::models::Inbox = serde_json::from_value(serde_json::json!({
///     "id": 3, "name": "API", "secret": "whsec-1", "hmac_token": "hm-2"
/// })).unwrap();
/// let printed = format!("{inbox:?}");
/// assert!(!printed.contains("whsec-1") && !printed.contains("hm-2"));
/// assert_eq!(inbox.extra["secret"], "whsec-1");
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    /// The inbox id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The channel's id.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_id: Option<u64>,
    /// `Channel::Api`, `Channel::WebWidget`, `Channel::Email`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<String>,
    /// The avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// The widget token (website inboxes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_token: Option<String>,
    /// The website URL (website inboxes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
    /// The callback URL (API inboxes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// The phone number (SMS, WhatsApp).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone_number: Option<String>,
    /// Whether conversations are auto-assigned.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub enable_auto_assignment: Option<bool>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for Inbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbox")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("channel_id", &self.channel_id)
            .field("channel_type", &self.channel_type)
            .field("avatar_url", &self.avatar_url)
            .field("website_token", &self.website_token)
            .field("website_url", &self.website_url)
            .field("webhook_url", &self.webhook_url)
            .field("phone_number", &self.phone_number)
            .field("enable_auto_assignment", &self.enable_auto_assignment)
            .field("extra", &RedactedMap(&self.extra))
            .finish()
    }
}
