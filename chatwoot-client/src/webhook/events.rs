//! Typed webhook events. Unknown events are kept as [`WebhookEvent::Unknown`], never rejected.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::models::lenient;
use crate::models::{Contact, Conversation, Inbox, MessageType, Party};

use super::WebhookError;

/// A webhook delivery's payload, by its `event` name.
///
/// Every payload is the resource's webhook data plus `event` (and `changed_attributes` for
/// `*_updated` and `conversation_status_changed`). Fields that Chatwoot sends as an integer in
/// one payload and a string in another (ids, `message_type`, `created_at`) read either way.
///
/// ```
/// use chatwoot_client::webhook::WebhookEvent;
///
/// let event = WebhookEvent::parse(br#"{"event":"message_created","id":"7","content":"Hi",
///     "message_type":"incoming","created_at":"2024-05-01T10:00:00Z",
///     "conversation":{"id":12,"status":"open"},"account":{"id":1,"name":"Shop"}}"#).unwrap();
/// let WebhookEvent::MessageCreated(message) = &event else { panic!("{event:?}") };
/// assert_eq!(message.id, 7);
/// assert_eq!(message.conversation.as_ref().map(|c| c.id), Some(12));
///
/// // An event this crate does not know is kept whole.
/// let event = WebhookEvent::parse(br#"{"event":"conversation_sla_missed","id":3}"#).unwrap();
/// assert_eq!(event.name(), "conversation_sla_missed");
/// assert!(matches!(event, WebhookEvent::Unknown(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `conversation_created`.
    ConversationCreated(ConversationEvent),
    /// `conversation_status_changed` (`changed_attributes` holds the status change).
    ConversationStatusChanged(ConversationEvent),
    /// `conversation_updated`.
    ConversationUpdated(ConversationEvent),
    /// `conversation_resolved`, the name older Chatwoot used before `conversation_status_changed`.
    ConversationResolved(ConversationEvent),
    /// `conversation_opened`, the name older Chatwoot used before `conversation_status_changed`.
    ConversationOpened(ConversationEvent),
    /// `message_created`.
    MessageCreated(MessageEvent),
    /// `message_updated`.
    MessageUpdated(MessageEvent),
    /// `contact_created` (account webhooks only).
    ContactCreated(ContactEvent),
    /// `contact_updated` (account webhooks only; sent only when something changed).
    ContactUpdated(ContactEvent),
    /// `webwidget_triggered`: a visitor opened the website widget.
    WebwidgetTriggered(WebwidgetEvent),
    /// `conversation_typing_on`.
    ConversationTypingOn(TypingEvent),
    /// `conversation_typing_off`.
    ConversationTypingOff(TypingEvent),
    /// `inbox_created` (account webhooks only).
    InboxCreated(InboxEvent),
    /// `inbox_updated` (account webhooks only).
    InboxUpdated(InboxEvent),
    /// An event this crate does not know yet, kept as it came.
    Unknown(UnknownEvent),
}

/// One attribute's change, from `changed_attributes`.
///
/// `Debug` shows `[REDACTED]` for credential values (an `inbox_updated` can report a changed
/// `hmac_token` or `imap_password`).
#[derive(Clone, PartialEq)]
pub struct ChangedAttribute {
    /// The attribute (`status`, `assignee_id`, `custom_attributes`…).
    pub attribute: String,
    /// The value before.
    pub previous: Value,
    /// The value after.
    pub current: Value,
}

impl std::fmt::Debug for ChangedAttribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |value: &Value| crate::secrets::shown_value(&self.attribute, value);
        f.debug_struct("ChangedAttribute")
            .field("attribute", &self.attribute)
            .field("previous", &shown(&self.previous))
            .field("current", &shown(&self.current))
            .finish()
    }
}

/// Read `changed_attributes` in any of its forms: a list of one-key objects
/// (`[{"status": {"previous_value": "open", "current_value": "resolved"}}]`), one object of
/// several keys, or `[previous, current]` pairs.
fn parse_changes(value: Value) -> Vec<ChangedAttribute> {
    fn one(attribute: String, change: Value) -> ChangedAttribute {
        match change {
            Value::Object(mut m) => ChangedAttribute {
                attribute,
                previous: m.remove("previous_value").unwrap_or(Value::Null),
                current: m.remove("current_value").unwrap_or(Value::Null),
            },
            Value::Array(mut pair) if pair.len() == 2 => {
                let current = pair.pop().unwrap_or(Value::Null);
                let previous = pair.pop().unwrap_or(Value::Null);
                ChangedAttribute {
                    attribute,
                    previous,
                    current,
                }
            }
            other => ChangedAttribute {
                attribute,
                previous: Value::Null,
                current: other,
            },
        }
    }
    let mut out = Vec::new();
    match value {
        Value::Array(items) => {
            for item in items {
                if let Value::Object(map) = item {
                    out.extend(map.into_iter().map(|(k, v)| one(k, v)));
                }
            }
        }
        Value::Object(map) => out.extend(map.into_iter().map(|(k, v)| one(k, v))),
        _ => {}
    }
    out
}

fn changes_to_value(changes: &[ChangedAttribute]) -> Value {
    Value::Array(
        changes
            .iter()
            .map(|c| {
                serde_json::json!({ c.attribute.clone(): {
                    "previous_value": c.previous, "current_value": c.current
                }})
            })
            .collect(),
    )
}

fn find_change<'a>(
    changes: &'a [ChangedAttribute],
    attribute: &str,
) -> Option<&'a ChangedAttribute> {
    changes.iter().find(|c| c.attribute == attribute)
}

/// A conversation event: the conversation and, for updates, what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationEvent {
    /// The conversation.
    pub conversation: Conversation,
    /// What changed (empty for `conversation_created`).
    pub changed_attributes: Vec<ChangedAttribute>,
}

impl ConversationEvent {
    /// The change of one attribute, if it changed.
    pub fn change(&self, attribute: &str) -> Option<&ChangedAttribute> {
        find_change(&self.changed_attributes, attribute)
    }
}

/// A contact event.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactEvent {
    /// The contact (webhook payloads carry the account under `extra["account"]`).
    pub contact: Contact,
    /// What changed (empty for `contact_created`).
    pub changed_attributes: Vec<ChangedAttribute>,
}

impl ContactEvent {
    /// The change of one attribute, if it changed.
    pub fn change(&self, attribute: &str) -> Option<&ChangedAttribute> {
        find_change(&self.changed_attributes, attribute)
    }
}

/// An inbox event.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxEvent {
    /// The inbox.
    pub inbox: Inbox,
    /// What changed (empty for `inbox_created`).
    pub changed_attributes: Vec<ChangedAttribute>,
}

/// A small reference to an account or inbox inside a payload.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceRef {
    /// The id.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<u64>,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Everything else sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Read a nested conversation, accepting the old docs' form that names the id `display_id`.
fn lenient_conversation<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Conversation>, D::Error> {
    let value = Value::deserialize(d)?;
    match value {
        Value::Null => Ok(None),
        Value::Object(mut map) => {
            if !map.contains_key("id")
                && let Some(display_id) = map.get("display_id").cloned()
            {
                map.insert("id".into(), display_id);
            }
            serde_json::from_value(Value::Object(map))
                .map(Some)
                .map_err(serde::de::Error::custom)
        }
        other => Err(serde::de::Error::custom(format!(
            "expected a conversation object, found {other}"
        ))),
    }
}

fn ser_conversation<S: Serializer>(c: &Option<Conversation>, s: S) -> Result<S::Ok, S::Error> {
    c.serialize(s)
}

/// A message event (`message_created`, `message_updated`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageEvent {
    /// The message id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Incoming (from the contact), outgoing, activity or template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<MessageType>,
    /// `text`, `input_select`, `cards`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Attributes of the content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_attributes: Option<Value>,
    /// `true` for a private note.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub private: Option<bool>,
    /// When it was sent.
    #[serde(
        default,
        with = "lenient::rfc3339_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The external channel's id for it, if any.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_id: Option<String>,
    /// Who sent it (`type`: `contact`, `user`, `agent_bot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// The contact, in older payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Party>,
    /// The conversation it belongs to.
    #[serde(
        default,
        deserialize_with = "lenient_conversation",
        serialize_with = "ser_conversation",
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation: Option<Conversation>,
    /// The inbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox: Option<ResourceRef>,
    /// The account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<ResourceRef>,
    /// Attachments.
    #[serde(
        default,
        deserialize_with = "lenient::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attachments: Vec<Value>,
    /// Everything else sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessageEvent {
    /// `true` for a message from the contact (not a note, not an agent reply).
    pub fn is_from_contact(&self) -> bool {
        self.message_type == Some(MessageType::Incoming) && self.private != Some(true)
    }
}

/// `webwidget_triggered`: a visitor opened the website widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebwidgetEvent {
    /// The contact inbox id.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<u64>,
    /// The visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Party>,
    /// The inbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox: Option<ResourceRef>,
    /// The account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<ResourceRef>,
    /// The visitor's open conversation, if any.
    #[serde(
        default,
        deserialize_with = "lenient_conversation",
        serialize_with = "ser_conversation",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_conversation: Option<Conversation>,
    /// The visitor's source id in the inbox.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_id: Option<String>,
    /// Browser, language and referer.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub event_info: Map<String, Value>,
    /// Everything else sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `conversation_typing_on` / `conversation_typing_off`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingEvent {
    /// Who is typing (an agent or the contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Party>,
    /// The conversation.
    #[serde(
        default,
        deserialize_with = "lenient_conversation",
        serialize_with = "ser_conversation",
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation: Option<Conversation>,
    /// `true` when an agent is typing a private note.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_private: Option<bool>,
    /// Everything else sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An event this crate does not know, kept whole.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownEvent {
    /// The `event` name.
    pub event: String,
    /// The payload without `event`.
    pub payload: Map<String, Value>,
}

fn decode<T: DeserializeOwned>(event: &str, map: Map<String, Value>) -> Result<T, WebhookError> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| WebhookError::Payload {
        event: event.to_string(),
        path: e.path().to_string(),
        message: e.into_inner().to_string(),
    })
}

fn take_changes(map: &mut Map<String, Value>) -> Vec<ChangedAttribute> {
    map.remove("changed_attributes")
        .map(parse_changes)
        .unwrap_or_default()
}

impl WebhookEvent {
    /// Parse a delivery body. Verify it first with
    /// [`WebhookVerifier`](super::WebhookVerifier) when the server signs.
    pub fn parse(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| WebhookError::Payload {
            event: String::new(),
            path: String::new(),
            message: format!("the body is not JSON: {e}"),
        })?;
        Self::from_value(value)
    }

    /// Build from an already parsed body.
    pub fn from_value(value: Value) -> Result<WebhookEvent, WebhookError> {
        let Value::Object(mut map) = value else {
            return Err(WebhookError::Payload {
                event: String::new(),
                path: String::new(),
                message: "the body is not a JSON object".into(),
            });
        };
        let event = match map.remove("event") {
            Some(Value::String(name)) => name,
            _ => return Err(WebhookError::MissingEvent),
        };
        let conversation =
            |mut map: Map<String, Value>| -> Result<ConversationEvent, WebhookError> {
                let changed_attributes = take_changes(&mut map);
                Ok(ConversationEvent {
                    conversation: decode(&event, map)?,
                    changed_attributes,
                })
            };
        Ok(match event.as_str() {
            "conversation_created" => WebhookEvent::ConversationCreated(conversation(map)?),
            "conversation_status_changed" => {
                WebhookEvent::ConversationStatusChanged(conversation(map)?)
            }
            "conversation_updated" => WebhookEvent::ConversationUpdated(conversation(map)?),
            "conversation_resolved" => WebhookEvent::ConversationResolved(conversation(map)?),
            "conversation_opened" => WebhookEvent::ConversationOpened(conversation(map)?),
            "message_created" => WebhookEvent::MessageCreated(decode(&event, map)?),
            "message_updated" => WebhookEvent::MessageUpdated(decode(&event, map)?),
            "contact_created" | "contact_updated" => {
                let changed_attributes = take_changes(&mut map);
                let contact = ContactEvent {
                    contact: decode(&event, map)?,
                    changed_attributes,
                };
                if event == "contact_created" {
                    WebhookEvent::ContactCreated(contact)
                } else {
                    WebhookEvent::ContactUpdated(contact)
                }
            }
            "inbox_created" | "inbox_updated" => {
                let changed_attributes = take_changes(&mut map);
                let inbox = InboxEvent {
                    inbox: decode(&event, map)?,
                    changed_attributes,
                };
                if event == "inbox_created" {
                    WebhookEvent::InboxCreated(inbox)
                } else {
                    WebhookEvent::InboxUpdated(inbox)
                }
            }
            "webwidget_triggered" => WebhookEvent::WebwidgetTriggered(decode(&event, map)?),
            "conversation_typing_on" => WebhookEvent::ConversationTypingOn(decode(&event, map)?),
            "conversation_typing_off" => WebhookEvent::ConversationTypingOff(decode(&event, map)?),
            _ => WebhookEvent::Unknown(UnknownEvent {
                event,
                payload: map,
            }),
        })
    }

    /// The `event` name as Chatwoot sent it.
    pub fn name(&self) -> &str {
        match self {
            WebhookEvent::ConversationCreated(_) => "conversation_created",
            WebhookEvent::ConversationStatusChanged(_) => "conversation_status_changed",
            WebhookEvent::ConversationUpdated(_) => "conversation_updated",
            WebhookEvent::ConversationResolved(_) => "conversation_resolved",
            WebhookEvent::ConversationOpened(_) => "conversation_opened",
            WebhookEvent::MessageCreated(_) => "message_created",
            WebhookEvent::MessageUpdated(_) => "message_updated",
            WebhookEvent::ContactCreated(_) => "contact_created",
            WebhookEvent::ContactUpdated(_) => "contact_updated",
            WebhookEvent::WebwidgetTriggered(_) => "webwidget_triggered",
            WebhookEvent::ConversationTypingOn(_) => "conversation_typing_on",
            WebhookEvent::ConversationTypingOff(_) => "conversation_typing_off",
            WebhookEvent::InboxCreated(_) => "inbox_created",
            WebhookEvent::InboxUpdated(_) => "inbox_updated",
            WebhookEvent::Unknown(u) => &u.event,
        }
    }

    /// The conversation the event concerns, when it carries one.
    pub fn conversation(&self) -> Option<&Conversation> {
        match self {
            WebhookEvent::ConversationCreated(e)
            | WebhookEvent::ConversationStatusChanged(e)
            | WebhookEvent::ConversationUpdated(e)
            | WebhookEvent::ConversationResolved(e)
            | WebhookEvent::ConversationOpened(e) => Some(&e.conversation),
            WebhookEvent::MessageCreated(m) | WebhookEvent::MessageUpdated(m) => {
                m.conversation.as_ref()
            }
            WebhookEvent::ConversationTypingOn(t) | WebhookEvent::ConversationTypingOff(t) => {
                t.conversation.as_ref()
            }
            WebhookEvent::WebwidgetTriggered(w) => w.current_conversation.as_ref(),
            _ => None,
        }
    }

    /// The payload as JSON, with `event` (and `changed_attributes`) put back.
    pub fn to_value(&self) -> Value {
        fn with_event(inner: Value, event: &str, changes: Option<&[ChangedAttribute]>) -> Value {
            let mut map = match inner {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            map.insert("event".into(), Value::String(event.to_string()));
            if let Some(changes) = changes.filter(|c| !c.is_empty()) {
                map.insert("changed_attributes".into(), changes_to_value(changes));
            }
            Value::Object(map)
        }
        fn json<T: Serialize>(t: &T) -> Value {
            serde_json::to_value(t).unwrap_or(Value::Null)
        }
        let name = self.name();
        match self {
            WebhookEvent::ConversationCreated(e)
            | WebhookEvent::ConversationStatusChanged(e)
            | WebhookEvent::ConversationUpdated(e)
            | WebhookEvent::ConversationResolved(e)
            | WebhookEvent::ConversationOpened(e) => {
                with_event(json(&e.conversation), name, Some(&e.changed_attributes))
            }
            WebhookEvent::MessageCreated(m) | WebhookEvent::MessageUpdated(m) => {
                with_event(json(m), name, None)
            }
            WebhookEvent::ContactCreated(c) | WebhookEvent::ContactUpdated(c) => {
                with_event(json(&c.contact), name, Some(&c.changed_attributes))
            }
            WebhookEvent::InboxCreated(i) | WebhookEvent::InboxUpdated(i) => {
                with_event(json(&i.inbox), name, Some(&i.changed_attributes))
            }
            WebhookEvent::WebwidgetTriggered(w) => with_event(json(w), name, None),
            WebhookEvent::ConversationTypingOn(t) | WebhookEvent::ConversationTypingOff(t) => {
                with_event(json(t), name, None)
            }
            WebhookEvent::Unknown(u) => with_event(Value::Object(u.payload.clone()), name, None),
        }
    }
}

impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_in_every_form() {
        let list = parse_changes(
            json!([{"status": {"previous_value": "open", "current_value": "resolved"}}]),
        );
        assert_eq!(list[0].attribute, "status");
        assert_eq!(list[0].current, json!("resolved"));
        let pairs = parse_changes(json!({"assignee_id": [null, 4]}));
        assert_eq!(pairs[0].previous, Value::Null);
        assert_eq!(pairs[0].current, json!(4));
    }
}
