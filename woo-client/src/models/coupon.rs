//! Coupons, as webhook payloads carry them (`coupon.created` and friends).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::MetaData;
use super::serde_helpers::{gmt_opt, money};

/// A coupon as `GET /wc/v3/coupons/<id>` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Coupon {
    /// Coupon id.
    pub id: u64,
    /// The code customers enter.
    pub code: String,
    /// Discount amount (or percentage, depending on `discount_type`).
    #[serde(with = "money")]
    pub amount: Decimal,
    /// `percent`, `fixed_cart` or `fixed_product`.
    pub discount_type: String,
    /// Created (UTC).
    #[serde(with = "gmt_opt")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    /// Last modified (UTC).
    #[serde(with = "gmt_opt")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    /// Expires (UTC).
    #[serde(with = "gmt_opt")]
    pub date_expires_gmt: Option<DateTime<Utc>>,
    /// Times used.
    pub usage_count: u64,
    /// Coupon meta.
    pub meta_data: Vec<MetaData>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
