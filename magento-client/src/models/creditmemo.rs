//! Credit memos (`GET /V1/creditmemo/{id}`, `GET /V1/creditmemos`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::DocumentItem;
use super::EntityId;
use crate::money::{Money, serde_decimal_opt};
use crate::time::serde_time_opt;

/// A credit memo, i.e. a refund (`sales-data-creditmemo-interface`). Amounts are exact decimals; timestamps UTC.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Creditmemo {
    /// The REST id (`GET /V1/creditmemo/{entity_id}`).
    pub entity_id: u64,
    /// The order it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<u64>,
    /// The customer-facing number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment_id: Option<String>,
    /// The store view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<u32>,
    /// 1 open, 2 paid/refunded, 3 canceled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<u32>,
    /// The order currency (amounts without `base_`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_currency_code: Option<String>,
    /// The base currency (`base_*` amounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_currency_code: Option<String>,
    /// Grand total, order currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub grand_total: Option<Decimal>,
    /// Grand total, base currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub base_grand_total: Option<Decimal>,
    /// Subtotal.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub subtotal: Option<Decimal>,
    /// Tax.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub tax_amount: Option<Decimal>,
    /// Shipping.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub shipping_amount: Option<Decimal>,
    /// Discount (negative).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub discount_amount: Option<Decimal>,
    /// The invoice refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<u64>,
    /// Adjustment (positive minus negative).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub adjustment: Option<Decimal>,
    /// Adjustment refund.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub adjustment_positive: Option<Decimal>,
    /// Adjustment fee.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub adjustment_negative: Option<Decimal>,
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
    /// The lines.
    #[serde(default)]
    pub items: Vec<DocumentItem>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creditmemo_status: Option<u32>,
    /// Every field not named above (`comments`, `extension_attributes`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EntityId for Creditmemo {
    fn entity_id(&self) -> u64 {
        self.entity_id
    }
}

impl Creditmemo {
    /// The grand total in the order currency, rounded to its minor unit.
    pub fn grand_total_money(&self) -> Option<Money> {
        Some(Money::new(
            self.grand_total?,
            self.order_currency_code.as_deref()?,
        ))
    }
}
