//! Credit memos (`GET /V1/creditmemo/{id}`, `GET /V1/creditmemos`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{DocumentItem, DocumentTotals, EntityId, SalesDocument};
use sync_core::money::{Money, serde_number_option as serde_decimal_opt};

/// A credit memo, i.e. a refund (`sales-data-creditmemo-interface`). Amounts are exact
/// decimals; timestamps UTC.
///
/// Ids and timestamps are in [`document`](Creditmemo::document) (`memo.document.entity_id`),
/// state, currencies and totals in [`totals`](Creditmemo::totals) (`memo.totals.grand_total`);
/// on the wire all of them are top-level fields as Magento sends them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Creditmemo {
    /// Ids and timestamps.
    #[serde(flatten)]
    pub document: SalesDocument,
    /// State, currencies and totals.
    #[serde(flatten)]
    pub totals: DocumentTotals,
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
        self.document.entity_id
    }
}

impl Creditmemo {
    /// The grand total in the order currency, exact (`.rounded()` gives it at the minor unit).
    pub fn grand_total_money(&self) -> Option<Money> {
        self.totals.grand_total_money()
    }
}
