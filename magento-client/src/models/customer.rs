//! Customers (`GET /V1/customers/{id}`, `GET /V1/customers/search`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::EntityId;
use super::serde_util::lenient_strings;
use crate::time::serde_time_opt;

/// A customer account (`customer-data-customer-interface`). Timestamps are UTC.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// The customer id (`customer_id` on orders).
    pub id: u64,
    /// Email.
    #[serde(default)]
    pub email: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// Customer group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// The store view the account was created in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<u32>,
    /// The website the account belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_id: Option<u32>,
    /// When the account was created (UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time_opt"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed (UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_time_opt"
    )]
    pub updated_at: Option<DateTime<Utc>>,
    /// The address id of the default billing address (a string on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_billing: Option<String>,
    /// The address id of the default shipping address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_shipping: Option<String>,
    /// Saved addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<CustomerAddress>,
    /// Every field not named above (`dob`, `gender`, `extension_attributes`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A saved customer address (`customer-data-address-interface`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerAddress {
    /// Address id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// Street lines.
    #[serde(default, deserialize_with = "lenient_strings")]
    pub street: Vec<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Postcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_id: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// Every field not named above (`region`, `default_billing`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EntityId for Customer {
    fn entity_id(&self) -> u64 {
        self.id
    }
}
