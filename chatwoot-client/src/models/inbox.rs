//! [`Inbox`]: a channel conversations arrive through.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// An inbox (website widget, API channel, email, WhatsApp…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
