//! The parts Magento's sales documents (invoices, credit memos, shipments) have in common.
//!
//! The documents embed these with `#[serde(flatten)]`: on the wire the fields stay top-level,
//! in Rust they are reached through the document's `document` (and `totals`) field, e.g.
//! `invoice.document.entity_id` or `invoice.totals.grand_total`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::time::serde_time_opt;
use sync_core::money::{Money, serde_number_option as serde_decimal_opt};

/// Ids and timestamps every sales document has (`sales-data-invoice-interface`,
/// `sales-data-creditmemo-interface`, `sales-data-shipment-interface`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SalesDocument {
    /// The REST id (`GET /V1/invoices/{entity_id}`, `/V1/creditmemo/…`, `/V1/shipment/…`).
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
}

/// State, currencies and totals of a document that moves money: invoices and credit memos
/// (shipments have none of these). Amounts are exact decimals.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DocumentTotals {
    /// 1 open, 2 paid (invoice) or refunded (credit memo), 3 canceled.
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
}

impl DocumentTotals {
    /// The grand total in the order currency, exact (`.rounded()` gives it at the minor unit).
    pub fn grand_total_money(&self) -> Option<Money> {
        Some(Money::new(
            self.grand_total?,
            self.order_currency_code.as_deref()?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use crate::models::{Creditmemo, Invoice, Shipment};

    /// Decodes `fixture` as `T` and encodes it again: the flattened cores must take only their
    /// own fields (nothing named lands in `extra` too) and lose nothing.
    fn round_trip<T: DeserializeOwned + serde::Serialize>(fixture: &str) -> (T, Value) {
        let wire: Value = serde_json::from_str(fixture).unwrap();
        let model: T = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(serde_json::to_value(&model).unwrap(), wire);
        (model, wire)
    }

    #[test]
    fn documents_round_trip_through_their_flattened_cores() {
        let (invoice, _) = round_trip::<Invoice>(include_str!("../../tests/fixtures/invoice.json"));
        assert_eq!(invoice.document.order_id, Some(3));
        assert!(!invoice.extra.contains_key("entity_id"));
        assert!(!invoice.extra.contains_key("grand_total"));
        assert!(!invoice.items[0].extra.contains_key("qty"));

        let (memo, _) =
            round_trip::<Creditmemo>(include_str!("../../tests/fixtures/creditmemo.json"));
        assert_eq!(memo.totals.order_currency_code.as_deref(), Some("EUR"));
        assert!(!memo.extra.contains_key("state"));

        let (shipment, _) =
            round_trip::<Shipment>(include_str!("../../tests/fixtures/shipment.json"));
        assert_eq!(shipment.items[0].line.order_item_id, Some(5));
        assert_eq!(shipment.items[0].extra["weight"], 1.5);
        assert!(!shipment.extra.contains_key("increment_id"));
    }
}
