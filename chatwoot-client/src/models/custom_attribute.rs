//! [`CustomAttributeDefinition`]: the schema of a custom attribute.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient::{self, lenient_enum};

lenient_enum! {
    /// How the dashboard shows and validates a custom attribute. Chatwoot takes the integer
    /// code in requests and answers with the name.
    pub enum AttributeDisplayType {
        /// Free text.
        Text = 0 => "text",
        /// A number.
        Number = 1 => "number",
        /// An amount of money.
        Currency = 2 => "currency",
        /// A percentage.
        Percent = 3 => "percent",
        /// A URL.
        Link = 4 => "link",
        /// A date (ISO 8601).
        Date = 5 => "date",
        /// One of `attribute_values`.
        List = 6 => "list",
        /// A boolean.
        Checkbox = 7 => "checkbox",
    }
}

lenient_enum! {
    /// What a custom attribute belongs to.
    pub enum AttributeModel {
        /// Conversations.
        Conversation = 0 => "conversation_attribute",
        /// Contacts.
        Contact = 1 => "contact_attribute",
        /// Companies (newer Chatwoot versions).
        Company = 2 => "company_attribute",
    }
}

/// A custom attribute definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomAttributeDefinition {
    /// The definition id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The key values are stored under (unique per account and model).
    pub attribute_key: String,
    /// The label shown to agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_display_name: Option<String>,
    /// How it is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_display_type: Option<AttributeDisplayType>,
    /// A description for agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_description: Option<String>,
    /// Contact, conversation or company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_model: Option<AttributeModel>,
    /// The allowed values of a list attribute.
    #[serde(
        default,
        deserialize_with = "lenient::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attribute_values: Vec<Value>,
    /// A validation pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex_pattern: Option<String>,
    /// The default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    /// Creation time.
    #[serde(
        default,
        with = "lenient::rfc3339_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(
        default,
        with = "lenient::rfc3339_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<DateTime<Utc>>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
