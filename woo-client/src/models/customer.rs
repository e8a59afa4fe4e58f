//! Customers (`/wc/v3/customers`).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{Address, MetaData};
use super::serde_helpers::{gmt_opt, local_opt, string_or_null};

/// A customer as `GET /wc/v3/customers/<id>` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    /// User id.
    pub id: u64,
    /// Registered, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_created: Option<NaiveDateTime>,
    /// Registered (UTC).
    #[serde(with = "gmt_opt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// Last modified, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_modified: Option<NaiveDateTime>,
    /// Last modified (UTC). `/customers` cannot be filtered by it; see
    /// [`Customers::scan_modified_since`](crate::customers::Customers::scan_modified_since).
    #[serde(with = "gmt_opt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// WordPress role (read-only).
    pub role: String,
    /// Login name.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub username: String,
    /// Billing address.
    pub billing: Address,
    /// Shipping address.
    pub shipping: Address,
    /// Whether the customer has paid for at least one order.
    pub is_paying_customer: bool,
    /// Avatar URL.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub avatar_url: String,
    /// Customer meta.
    pub meta_data: Vec<MetaData>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Common changes to a customer. Only the fields you set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CustomerPatch {
    /// Email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Billing address fields to change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<Map<String, Value>>,
    /// Shipping address fields to change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Map<String, Value>>,
    /// Meta to upsert.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meta_data: Vec<MetaData>,
    /// Any other writable field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
