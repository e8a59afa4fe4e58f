//! The customer-file Custom Audience.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Custom Audience as the Graph API returns it. Fields not requested are `None`; fields this
/// type does not name are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomAudience {
    /// The audience id.
    pub id: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `CUSTOM` for customer-file audiences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// Lower bound of the matched size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximate_count_lower_bound: Option<i64>,
    /// Upper bound of the matched size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximate_count_upper_bound: Option<i64>,
    /// Where the customer data comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_file_source: Option<String>,
    /// Whether the audience carries customer values (`LOOKALIKE_VALUE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_value_based: Option<bool>,
    /// The last operation's state (for example a replace in progress or failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_status: Option<StatusInfo>,
    /// Whether the audience can be used for delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_status: Option<StatusInfo>,
    /// Creation time (Graph sends Unix seconds).
    #[serde(
        default,
        with = "chrono::serde::ts_seconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_created: Option<DateTime<Utc>>,
    /// Last update time (Graph sends Unix seconds).
    #[serde(
        default,
        with = "chrono::serde::ts_seconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_updated: Option<DateTime<Utc>>,
    /// Everything else the API returned.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CustomAudience {
    /// The fields requested by default by `get` and `list`.
    pub const DEFAULT_FIELDS: &'static str = "id,name,description,subtype,approximate_count_lower_bound,approximate_count_upper_bound,customer_file_source,is_value_based,operation_status,delivery_status,time_created,time_updated";
}

/// `{code, description}` of `operation_status` / `delivery_status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusInfo {
    /// Status code.
    #[serde(default)]
    pub code: i64,
    /// Meta's description.
    #[serde(default)]
    pub description: String,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Who collected the customer data: Meta requires the declaration on customer-file audiences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum CustomerFileSource {
    /// Collected directly from your customers.
    UserProvidedOnly,
    /// Provided by partners.
    PartnerProvidedOnly,
    /// Both.
    BothUserAndPartnerProvided,
}

/// A customer-file audience to create.
///
/// ```
/// use fb_audience::{CustomerFileSource, NewAudience};
///
/// let a = NewAudience::new("Shop customers", CustomerFileSource::UserProvidedOnly)
///     .description("Synced from WooCommerce");
/// let json = serde_json::to_value(&a).unwrap();
/// assert_eq!(json["subtype"], "CUSTOM");
/// assert_eq!(json["customer_file_source"], "USER_PROVIDED_ONLY");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewAudience {
    /// Name shown in Ads Manager.
    pub name: String,
    /// Always `CUSTOM` (customer file).
    pub subtype: &'static str,
    /// Optional description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the data comes from.
    pub customer_file_source: CustomerFileSource,
    /// A value-based audience (rows carry `LOOKALIKE_VALUE`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_value_based: bool,
}

impl NewAudience {
    /// A customer-file audience.
    pub fn new(name: impl Into<String>, source: CustomerFileSource) -> Self {
        NewAudience {
            name: name.into(),
            subtype: "CUSTOM",
            description: None,
            customer_file_source: source,
            is_value_based: false,
        }
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Makes it value-based (for value-based lookalikes).
    pub fn value_based(mut self, yes: bool) -> Self {
        self.is_value_based = yes;
        self
    }
}
