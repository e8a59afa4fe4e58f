//! Pieces shared by several resources: addresses, `meta_data`, line items, tax lines.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::serde_helpers::{lenient_u64, money, money_number, money_opt, string_or_null};

/// Declares a string enum that keeps values it does not know (`Other`), so a plugin's custom
/// status never fails a whole page.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not name (a plugin's own status, a newer WooCommerce).
            Other(String),
        }

        impl $name {
            /// The value as WooCommerce writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s.as_str(),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $( $text => $name::$variant, )+
                    other => $name::Other(other.to_string()),
                })
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                s.parse().unwrap_or_else(|never: std::convert::Infallible| match never {})
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}
pub(crate) use string_enum;

/// A billing or shipping address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Company.
    pub company: String,
    /// Street line 1.
    pub address_1: String,
    /// Street line 2.
    pub address_2: String,
    /// City.
    pub city: String,
    /// State or county code.
    pub state: String,
    /// Postal code.
    pub postcode: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Email (billing addresses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone (billing addresses; shipping addresses on newer WooCommerce).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Fields this crate does not name, kept for a lossless round trip.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `meta_data` entry. `value` is any JSON (the schema says `mixed`, not string).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetaData {
    /// The meta id; give it when updating a specific entry, leave it out to upsert by key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The meta key.
    pub key: String,
    /// The value: a string, number, object or array.
    pub value: Value,
    /// Fields this crate does not name (`display_key`, `display_value` on line items).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MetaData {
    /// A new entry to write (upserted by key).
    pub fn new(key: impl Into<String>, value: impl Into<Value>) -> Self {
        MetaData {
            id: None,
            key: key.into(),
            value: value.into(),
            extra: Map::new(),
        }
    }
}

/// Finds a meta value by key (the first match, as WooCommerce's `get_meta` does).
pub fn find_meta<'a>(meta: &'a [MetaData], key: &str) -> Option<&'a Value> {
    meta.iter().find(|m| m.key == key).map(|m| &m.value)
}

/// One tax rate's share of a line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineTax {
    /// The tax rate id.
    pub id: u64,
    /// Tax on the line total (blank when not applicable).
    #[serde(with = "money_opt")]
    pub total: Option<Decimal>,
    /// Tax on the line subtotal (blank when not applicable).
    #[serde(with = "money_opt")]
    pub subtotal: Option<Decimal>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A product line of an order or subscription.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineItem {
    /// Item id.
    pub id: u64,
    /// Product name as ordered (may contain HTML entities such as `&ndash;`).
    pub name: String,
    /// Product id (0 when the product was deleted).
    #[serde(with = "lenient_u64")]
    pub product_id: u64,
    /// Variation id (0 for simple products).
    #[serde(with = "lenient_u64")]
    pub variation_id: u64,
    /// Quantity (negative on refund lines).
    pub quantity: i64,
    /// Tax class slug.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub tax_class: String,
    /// Line subtotal before discounts.
    #[serde(with = "money")]
    pub subtotal: Decimal,
    /// Tax on the subtotal.
    #[serde(with = "money")]
    pub subtotal_tax: Decimal,
    /// Line total after discounts.
    #[serde(with = "money")]
    pub total: Decimal,
    /// Tax on the total.
    #[serde(with = "money")]
    pub total_tax: Decimal,
    /// Per-rate taxes.
    pub taxes: Vec<LineTax>,
    /// Item meta (variation attributes, plugin data).
    pub meta_data: Vec<MetaData>,
    /// SKU.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub sku: String,
    /// Unit price: a JSON **number** in WooCommerce (total / quantity), read exactly.
    #[serde(with = "money_number")]
    pub price: Decimal,
    /// Fields this crate does not name (`parent_name`, `image`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tax rate applied to an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxLine {
    /// Item id.
    pub id: u64,
    /// Rate code (`US-CA-STATE TAX`).
    pub rate_code: String,
    /// Rate id.
    pub rate_id: u64,
    /// Label.
    pub label: String,
    /// Whether the rate is compound.
    pub compound: bool,
    /// Tax on items.
    #[serde(with = "money")]
    pub tax_total: Decimal,
    /// Tax on shipping.
    #[serde(with = "money")]
    pub shipping_tax_total: Decimal,
    /// Item meta.
    pub meta_data: Vec<MetaData>,
    /// Fields this crate does not name (`rate_percent`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A shipping line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShippingLine {
    /// Item id.
    pub id: u64,
    /// Method title shown to the customer.
    pub method_title: String,
    /// Method id (`flat_rate`).
    pub method_id: String,
    /// Shipping total.
    #[serde(with = "money")]
    pub total: Decimal,
    /// Tax on shipping.
    #[serde(with = "money")]
    pub total_tax: Decimal,
    /// Per-rate taxes.
    pub taxes: Vec<LineTax>,
    /// Item meta.
    pub meta_data: Vec<MetaData>,
    /// Fields this crate does not name (`instance_id`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A fee line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeeLine {
    /// Item id.
    pub id: u64,
    /// Fee name.
    pub name: String,
    /// Tax class.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub tax_class: String,
    /// `taxable` or `none`.
    pub tax_status: String,
    /// Fee total.
    #[serde(with = "money")]
    pub total: Decimal,
    /// Tax on the fee.
    #[serde(with = "money")]
    pub total_tax: Decimal,
    /// Per-rate taxes.
    pub taxes: Vec<LineTax>,
    /// Item meta.
    pub meta_data: Vec<MetaData>,
    /// Fields this crate does not name (`amount`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A coupon applied to an order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponLine {
    /// Item id.
    pub id: u64,
    /// Coupon code.
    pub code: String,
    /// Discount amount.
    #[serde(with = "money")]
    pub discount: Decimal,
    /// Tax on the discount.
    #[serde(with = "money")]
    pub discount_tax: Decimal,
    /// Item meta.
    pub meta_data: Vec<MetaData>,
    /// Fields this crate does not name (`discount_type`, `nominal_amount`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A refund as listed inside an order (`refunds[]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderRefundRef {
    /// Refund id.
    pub id: u64,
    /// Reason given (absent in some WooCommerce versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Refunded amount **with a leading minus** (`"-5.00"`), as WooCommerce sends it.
    #[serde(with = "money")]
    pub total: Decimal,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A category or tag reference on a product.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TermRef {
    /// Term id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
