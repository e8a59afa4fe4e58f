//! [`Message`]: one message or private note in a conversation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::Party;
use super::lenient::{self, lenient_enum};

lenient_enum! {
    /// Who a message is from. Chatwoot sends the name (`"incoming"`) at the top of message
    /// events and the integer (`0`) inside `conversation.messages[]`; both read the same.
    pub enum MessageType {
        /// From the contact.
        Incoming = 0 => "incoming",
        /// From an agent or bot (also private notes).
        Outgoing = 1 => "outgoing",
        /// A system line (assignment, status change).
        Activity = 2 => "activity",
        /// A template (WhatsApp and similar).
        Template = 3 => "template",
    }
}

/// A message as the Application API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The message id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The text (absent for attachment-only messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The account.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_id: Option<u64>,
    /// The inbox.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub inbox_id: Option<u64>,
    /// The conversation (its display id).
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation_id: Option<u64>,
    /// Incoming, outgoing, activity or template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<MessageType>,
    /// `text`, `input_select`, `cards`, `form`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Attributes of the content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_attributes: Option<Value>,
    /// `true` for a private note (agents only).
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub private: Option<bool>,
    /// Delivery status (`sent`, `delivered`, `read`, `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The id on the external channel, if any.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_id: Option<String>,
    /// `Contact`, `User` or `AgentBot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_type: Option<String>,
    /// The sender's id.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub sender_id: Option<u64>,
    /// The sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// When it was created (sent as unix seconds by the API).
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Attachments, as sent.
    #[serde(
        default,
        deserialize_with = "lenient::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attachments: Vec<Value>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    /// `true` for a private note.
    pub fn is_private(&self) -> bool {
        self.private.unwrap_or(false)
    }
}
