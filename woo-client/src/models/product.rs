//! Products (`/wc/v3/products`) and their variations.

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{MetaData, TermRef, string_enum};
use super::serde_helpers::{gmt_opt, lenient_i64_opt, local_opt, money_opt, string_or_null};

string_enum! {
    /// A product type.
    #[derive(Default)]
    pub enum ProductType {
        /// A simple product.
        #[default]
        Simple => "simple",
        /// A group of other products.
        Grouped => "grouped",
        /// Sold elsewhere (affiliate).
        External => "external",
        /// Has variations.
        Variable => "variable",
    }
}

string_enum! {
    /// A product's (or variation's) publication status.
    #[derive(Default)]
    pub enum ProductStatus {
        /// Draft.
        Draft => "draft",
        /// Pending review.
        Pending => "pending",
        /// Private.
        Private => "private",
        /// Published.
        #[default]
        Publish => "publish",
    }
}

string_enum! {
    /// Stock status.
    #[derive(Default)]
    pub enum StockStatus {
        /// In stock.
        #[default]
        InStock => "instock",
        /// Out of stock.
        OutOfStock => "outofstock",
        /// On backorder.
        OnBackorder => "onbackorder",
    }
}

/// A product as `GET /wc/v3/products/<id>` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Product {
    /// Product id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Public URL.
    pub permalink: String,
    /// Created, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_created: Option<NaiveDateTime>,
    /// Created (UTC).
    #[serde(with = "gmt_opt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// Last modified, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_modified: Option<NaiveDateTime>,
    /// Last modified (UTC): the cursor for incremental sync.
    #[serde(with = "gmt_opt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    /// Type.
    #[serde(rename = "type")]
    pub kind: ProductType,
    /// Status.
    pub status: ProductStatus,
    /// SKU.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub sku: String,
    /// Current price (blank for a variable product without priced variations).
    #[serde(with = "money_opt")]
    pub price: Option<Decimal>,
    /// Regular price.
    #[serde(with = "money_opt")]
    pub regular_price: Option<Decimal>,
    /// Sale price (blank when not on sale).
    #[serde(with = "money_opt")]
    pub sale_price: Option<Decimal>,
    /// Sale starts (UTC).
    #[serde(with = "gmt_opt")]
    pub date_on_sale_from_gmt: Option<DateTime<Utc>>,
    /// Sale ends (UTC).
    #[serde(with = "gmt_opt")]
    pub date_on_sale_to_gmt: Option<DateTime<Utc>>,
    /// Whether it is on sale now.
    pub on_sale: bool,
    /// Whether it can be bought.
    pub purchasable: bool,
    /// `taxable`, `shipping` or `none`.
    pub tax_status: String,
    /// Tax class.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub tax_class: String,
    /// Whether stock is managed at product level.
    pub manage_stock: bool,
    /// Stock quantity, when managed.
    #[serde(with = "lenient_i64_opt")]
    pub stock_quantity: Option<i64>,
    /// Stock status.
    pub stock_status: StockStatus,
    /// Weight, in the store's unit (a string; blank when unset).
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub weight: String,
    /// Parent product id.
    pub parent_id: u64,
    /// Categories.
    pub categories: Vec<TermRef>,
    /// Variation ids (variable products).
    pub variations: Vec<u64>,
    /// Product meta.
    pub meta_data: Vec<MetaData>,
    /// Fields this crate does not name (`images`, `attributes`, `_links`…).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One attribute of a variation (`Color: Black`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VariationAttribute {
    /// Attribute id (0 for a custom, product-level attribute).
    pub id: u64,
    /// Attribute name.
    pub name: String,
    /// Selected option.
    pub option: String,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where a variation's stock is managed: WooCommerce sends `true`, `false` or `"parent"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ManageStock {
    /// Not managed.
    #[default]
    No,
    /// Managed on the variation.
    Yes,
    /// Managed on the parent product.
    Parent,
}

impl Serialize for ManageStock {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ManageStock::No => s.serialize_bool(false),
            ManageStock::Yes => s.serialize_bool(true),
            ManageStock::Parent => s.serialize_str("parent"),
        }
    }
}

impl<'de> Deserialize<'de> for ManageStock {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(true) => Ok(ManageStock::Yes),
            Value::Bool(false) | Value::Null => Ok(ManageStock::No),
            Value::String(s) if s == "parent" => Ok(ManageStock::Parent),
            other => Err(serde::de::Error::custom(format!(
                "expected true, false or \"parent\", found {other}"
            ))),
        }
    }
}

/// A product variation (`/products/<id>/variations/<variation_id>`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductVariation {
    /// Variation id.
    pub id: u64,
    /// Created, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_created: Option<NaiveDateTime>,
    /// Created (UTC).
    #[serde(with = "gmt_opt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// Last modified, site-local wall time.
    #[serde(with = "local_opt")]
    pub date_modified: Option<NaiveDateTime>,
    /// Last modified (UTC).
    #[serde(with = "gmt_opt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    /// Description.
    pub description: String,
    /// Public URL.
    pub permalink: String,
    /// SKU.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub sku: String,
    /// Current price.
    #[serde(with = "money_opt")]
    pub price: Option<Decimal>,
    /// Regular price.
    #[serde(with = "money_opt")]
    pub regular_price: Option<Decimal>,
    /// Sale price.
    #[serde(with = "money_opt")]
    pub sale_price: Option<Decimal>,
    /// Whether it is on sale now.
    pub on_sale: bool,
    /// Status.
    pub status: ProductStatus,
    /// Whether it can be bought.
    pub purchasable: bool,
    /// Tax status.
    pub tax_status: String,
    /// Tax class.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub tax_class: String,
    /// Whether stock is managed for this variation, or at the parent product.
    pub manage_stock: ManageStock,
    /// Stock quantity, when managed.
    #[serde(with = "lenient_i64_opt")]
    pub stock_quantity: Option<i64>,
    /// Stock status.
    pub stock_status: StockStatus,
    /// Weight.
    #[serde(deserialize_with = "string_or_null::deserialize")]
    pub weight: String,
    /// The attribute values that define this variation.
    pub attributes: Vec<VariationAttribute>,
    /// Variation meta.
    pub meta_data: Vec<MetaData>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Common changes to a product or variation. Only the fields you set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProductPatch {
    /// Regular price.
    #[serde(skip_serializing_if = "Option::is_none", with = "price_patch")]
    pub regular_price: Option<Option<Decimal>>,
    /// Sale price; `Some(None)` clears it.
    #[serde(skip_serializing_if = "Option::is_none", with = "price_patch")]
    pub sale_price: Option<Option<Decimal>>,
    /// Stock quantity (turn on `manage_stock` for it to matter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_quantity: Option<i64>,
    /// Manage stock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manage_stock: Option<bool>,
    /// Stock status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_status: Option<StockStatus>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ProductStatus>,
    /// Meta to upsert.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub meta_data: Vec<MetaData>,
    /// Any other writable field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

mod price_patch {
    use rust_decimal::Decimal;
    use serde::Serializer;

    // WooCommerce takes prices as strings; an empty string clears one.
    pub(super) fn serialize<S: Serializer>(
        v: &Option<Option<Decimal>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(Some(d)) => s.collect_str(d),
            _ => s.serialize_str(""),
        }
    }
}
