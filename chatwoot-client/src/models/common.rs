//! Types several resources share: [`Party`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// A person or bot as it appears inside another resource: a message's sender, a conversation's
/// assignee or contact, a typing user. Which fields are present depends on the kind (`type`:
/// `contact`, `user`, `agent_bot`) and the Chatwoot version.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Party {
    /// The id (of the contact, user or bot).
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<u64>,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The email, when the payload carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The phone number, when the payload carries it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone_number: Option<String>,
    /// The contact's identifier, when the payload carries it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub identifier: Option<String>,
    /// `contact`, `user` or `agent_bot`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Avatar URL (`avatar` on webhook payloads; see [`Party::avatar_url`] for the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Everything else the payload carried.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Party {
    /// The picture, whichever key the payload used (`avatar`, `thumbnail`, `avatar_url`).
    pub fn avatar_url(&self) -> Option<&str> {
        self.avatar
            .as_deref()
            .or_else(|| self.extra.get("thumbnail").and_then(Value::as_str))
            .or_else(|| self.extra.get("avatar_url").and_then(Value::as_str))
            .filter(|url| !url.is_empty())
    }
}
