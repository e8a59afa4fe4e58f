//! Invoices (`GET /V1/invoices/{id}`, `GET /V1/invoices`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{DocumentItem, DocumentTotals, EntityId, SalesDocument};
use sync_core::money::{Money, serde_number_option as serde_decimal_opt};

/// An invoice (`sales-data-invoice-interface`). Amounts are exact decimals; timestamps UTC.
///
/// Ids and timestamps are in [`document`](Invoice::document) (`invoice.document.entity_id`),
/// state, currencies and totals in [`totals`](Invoice::totals) (`invoice.totals.grand_total`);
/// on the wire all of them are top-level fields as Magento sends them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Invoice {
    /// Ids and timestamps.
    #[serde(flatten)]
    pub document: SalesDocument,
    /// State, currencies and totals.
    #[serde(flatten)]
    pub totals: DocumentTotals,
    /// Quantity invoiced.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub total_qty: Option<Decimal>,
    /// The lines.
    #[serde(default)]
    pub items: Vec<DocumentItem>,
    /// The payment transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Every field not named above (`comments`, `extension_attributes`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EntityId for Invoice {
    fn entity_id(&self) -> u64 {
        self.document.entity_id
    }
}

impl Invoice {
    /// The grand total in the order currency, exact (`.rounded()` gives it at the minor unit).
    pub fn grand_total_money(&self) -> Option<Money> {
        self.totals.grand_total_money()
    }
}
