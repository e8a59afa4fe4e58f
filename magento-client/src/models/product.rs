//! Products (`GET /V1/products/{sku}`, `GET /V1/products`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::EntityId;
use crate::time::serde_time_opt;
use sync_core::money::serde_number_option as serde_decimal_opt;

/// A catalog product (`catalog-data-product-interface`). The price is in the website's base
/// currency, as an exact decimal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Product {
    /// The product id (`product_id` on order items).
    pub id: u64,
    /// The SKU (`GET /V1/products/{sku}`).
    #[serde(default)]
    pub sku: String,
    /// Name (admin store view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Attribute set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_set_id: Option<u32>,
    /// Price, base currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub price: Option<Decimal>,
    /// 1 enabled, 2 disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    /// 1 not visible, 2 catalog, 3 search, 4 both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<u32>,
    /// `simple`, `configurable`, `bundle`, `virtual`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_id: Option<String>,
    /// Weight.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub weight: Option<Decimal>,
    /// When it was created (UTC).
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
    /// EAV attributes as `{attribute_code, value}` pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_attributes: Vec<CustomAttribute>,
    /// Every field not named above (`extension_attributes`, `media_gallery_entries`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One EAV attribute value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomAttribute {
    /// The attribute code (`description`, `color`, …).
    pub attribute_code: String,
    /// The value (a string, or a list for multiselects).
    #[serde(default)]
    pub value: Value,
}

impl Product {
    /// The value of a custom attribute, if the product has it.
    pub fn custom_attribute(&self, code: &str) -> Option<&Value> {
        self.custom_attributes
            .iter()
            .find(|a| a.attribute_code == code)
            .map(|a| &a.value)
    }
}

impl EntityId for Product {
    fn entity_id(&self) -> u64 {
        self.id
    }
}
