//! [`Contact`]: a customer as Chatwoot knows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::inbox::Inbox;
use super::lenient;

/// A contact.
///
/// `custom_attributes` is where derived customer context lands (see
/// [`CustomerContext`](crate::CustomerContext)); Chatwoot merges updates into it key by key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// The contact id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email (Chatwoot stores it lowercased; unique per account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number in E.164.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone_number: Option<String>,
    /// Your system's id for this person (unique per account, case-sensitive).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub identifier: Option<String>,
    /// Avatar thumbnail URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    /// `online`, `offline`, `busy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_status: Option<String>,
    /// Whether the contact is blocked.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub blocked: Option<bool>,
    /// Chatwoot's own attributes (city, company, social profiles, browser…).
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub additional_attributes: Map<String, Value>,
    /// Your attributes, keyed by custom attribute definition key.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub custom_attributes: Map<String, Value>,
    /// Last activity (sent as unix seconds).
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Creation time (sent as unix seconds).
    #[serde(
        default,
        with = "lenient::unix_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// The inboxes this contact can be reached through.
    #[serde(
        default,
        deserialize_with = "lenient::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub contact_inboxes: Vec<ContactInbox>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A contact's presence in one inbox: the `source_id` conversations in that inbox are created
/// with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactInbox {
    /// The contact-inbox id, when sent.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<u64>,
    /// The contact, when sent.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_id: Option<u64>,
    /// The inbox id, when sent flat.
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub inbox_id: Option<u64>,
    /// The source id (an email address, phone number or Chatwoot-generated UUID).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_id: Option<String>,
    /// The inbox, when sent nested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox: Option<Inbox>,
    /// Whether the contact's identity was verified with the inbox's HMAC.
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

impl ContactInbox {
    /// The inbox id, flat or nested.
    pub fn inbox_id(&self) -> Option<u64> {
        self.inbox_id.or_else(|| self.inbox.as_ref().map(|i| i.id))
    }
}

/// What creating a contact returns: the contact, plus the contact inbox when an `inbox_id` was
/// given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactWithInbox {
    /// The contact.
    pub contact: Contact,
    /// The contact inbox created with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_inbox: Option<ContactInbox>,
}
