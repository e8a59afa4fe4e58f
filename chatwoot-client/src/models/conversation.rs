//! [`Conversation`]: a thread between a contact and the team, in one inbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::Party;
use super::contact::ContactInbox;
use super::lenient::{self, lenient_enum};
use super::message::Message;

lenient_enum! {
    /// A conversation's status.
    pub enum ConversationStatus {
        /// Waiting for the team.
        Open = 0 => "open",
        /// Done.
        Resolved = 1 => "resolved",
        /// Handled by a bot, not yet handed to agents.
        Pending = 2 => "pending",
        /// Hidden until a time or the contact's next message.
        Snoozed = 3 => "snoozed",
    }
}

/// A conversation.
///
/// `id` is the *display id* shown in the dashboard; every conversation route takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// The display id (per account).
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
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
    /// Open, resolved, pending or snoozed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConversationStatus>,
    /// `urgent`, `high`, `medium`, `low` or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// The channel type (`Channel::WebWidget`…), on webhook payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Whether an agent can reply now (channel windows such as WhatsApp's 24 h).
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub can_reply: Option<bool>,
    /// Labels.
    #[serde(
        default,
        deserialize_with = "lenient::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub labels: Vec<String>,
    /// The contact, assignee and team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ConversationMeta>,
    /// The latest messages (in webhook payloads and lists).
    #[serde(
        default,
        deserialize_with = "lenient::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub messages: Vec<Message>,
    /// The contact's presence in this inbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_inbox: Option<ContactInbox>,
    /// Browser, referer and similar.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub additional_attributes: Map<String, Value>,
    /// Conversation custom attributes.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub custom_attributes: Map<String, Value>,
    /// Unread messages for agents.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub unread_count: Option<u64>,
    /// Whether the conversation is muted.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub muted: Option<bool>,
    /// When a snoozed conversation reopens.
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub snoozed_until: Option<DateTime<Utc>>,
    /// When an agent last saw it.
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub agent_last_seen_at: Option<DateTime<Utc>>,
    /// When the contact last saw it.
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_last_seen_at: Option<DateTime<Utc>>,
    /// Last activity.
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Chatwoot's sort timestamp (last activity).
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<DateTime<Utc>>,
    /// Creation time.
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Conversation {
    /// The contact on the other side, when the payload names them.
    pub fn contact(&self) -> Option<&Party> {
        self.meta.as_ref().and_then(|m| m.sender.as_ref())
    }

    /// The assigned agent, if any.
    pub fn assignee(&self) -> Option<&Party> {
        self.meta.as_ref().and_then(|m| m.assignee.as_ref())
    }
}

/// Who is in a conversation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConversationMeta {
    /// The contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// The assigned agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Party>,
    /// The assigned team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Value>,
    /// Whether the contact's identity was verified.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub hmac_verified: Option<bool>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
