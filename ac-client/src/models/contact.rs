//! Contacts (`/contacts`, `/contact/sync`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::field::{FieldValue, FieldValueInput, FieldValueRecord};
use super::list::ContactList;

/// A contact as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// The contact id.
    #[serde(with = "crate::wire::id")]
    pub id: i64,
    /// The email address (ActiveCampaign's natural key for contacts).
    #[serde(default)]
    pub email: String,
    /// First name.
    #[serde(rename = "firstName", default)]
    pub first_name: String,
    /// Last name.
    #[serde(rename = "lastName", default)]
    pub last_name: String,
    /// Phone number, as stored.
    #[serde(default)]
    pub phone: String,
    /// When the contact was created (`cdate`).
    #[serde(rename = "cdate", with = "crate::wire::opt_time", default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When the contact was last updated (`udate`).
    #[serde(rename = "udate", with = "crate::wire::opt_time", default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Fields this crate does not name (`orgid`, `hash`, `links`, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `GET /contacts/{id}`: the contact with its side-loaded field values and list memberships.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactDetail {
    /// The contact.
    pub contact: Contact,
    /// Its custom field values.
    #[serde(rename = "fieldValues", default)]
    pub field_values: Vec<FieldValueRecord>,
    /// Its list memberships.
    #[serde(rename = "contactLists", default)]
    pub contact_lists: Vec<ContactList>,
    /// The other side-loaded collections (`deals`, `geoIps`, `contactAutomations`, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The answer to a create, sync or update: the contact and the field values now stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedContact {
    /// The contact.
    pub contact: Contact,
    /// The field values the request set.
    #[serde(rename = "fieldValues", default)]
    pub field_values: Vec<FieldValueRecord>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// What to write to a contact: the body of a create, sync (upsert by email) or update.
///
/// Only the fields that are set are sent, so an update never blanks a name you did not give.
///
/// ```
/// use ac_client::{ContactInput, FieldValue};
/// let input = ContactInput::new("ada@example.com")
///     .first_name("Ada")
///     .field(7, FieldValue::text("active"));
/// assert_eq!(
///     serde_json::to_value(&input).unwrap(),
///     serde_json::json!({"contact": {"email": "ada@example.com", "firstName": "Ada",
///         "fieldValues": [{"field": "7", "value": "active"}]}})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    /// Email address (required for sync and create).
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Custom field values by field id.
    pub field_values: Vec<FieldValueInput>,
}

impl ContactInput {
    /// A contact identified by `email`.
    pub fn new(email: impl Into<String>) -> Self {
        ContactInput {
            email: Some(email.into()),
            ..Default::default()
        }
    }

    /// An update that leaves the email as it is.
    pub fn without_email() -> Self {
        ContactInput::default()
    }

    /// Set the first name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }

    /// Set the last name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }

    /// Set the phone number.
    pub fn phone(mut self, v: impl Into<String>) -> Self {
        self.phone = Some(v.into());
        self
    }

    /// Set a custom field value (see [`Fields::resolve`](crate::fields::Fields::resolve) to find a
    /// field id by personalization tag or title). Setting the same field twice keeps the last.
    pub fn field(mut self, field_id: i64, value: impl Into<FieldValue>) -> Self {
        let value = value.into();
        self.field_values.retain(|f| f.field != field_id);
        self.field_values.push(FieldValueInput {
            field: field_id,
            value,
        });
        self
    }
}

#[derive(Serialize)]
struct ContactBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(rename = "firstName", skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(rename = "lastName", skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(rename = "fieldValues", skip_serializing_if = "<[_]>::is_empty")]
    field_values: &'a [FieldValueInput],
}

impl Serialize for ContactInput {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wrapper<'a> {
            contact: ContactBody<'a>,
        }
        Wrapper {
            contact: ContactBody {
                email: self.email.as_deref(),
                first_name: self.first_name.as_deref(),
                last_name: self.last_name.as_deref(),
                phone: self.phone.as_deref(),
                field_values: &self.field_values,
            },
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_a_field_twice_keeps_the_last() {
        let input = ContactInput::new("a@b.test").field(1, "x").field(1, "y");
        assert_eq!(input.field_values.len(), 1);
        assert_eq!(input.field_values[0].value.as_str(), "y");
        let body = serde_json::to_value(ContactInput::without_email().last_name("L")).unwrap();
        assert_eq!(body, serde_json::json!({"contact": {"lastName": "L"}}));
    }
}
