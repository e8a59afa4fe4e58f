//! The line items of sales documents: invoices, credit memos and shipments.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use sync_core::money::serde_number_option as serde_decimal_opt;

/// The fields every document line has (Magento's `LineItemInterface` and the item interfaces
/// of invoices, credit memos and shipments). Embedded with `#[serde(flatten)]` as
/// [`DocumentItem::line`] and [`ShipmentItem::line`](super::ShipmentItem::line).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LineItem {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<u64>,
    /// The order item it bills, refunds or ships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_item_id: Option<u64>,
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Quantity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub qty: Option<Decimal>,
    /// Unit price.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub price: Option<Decimal>,
    /// Row total.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub row_total: Option<Decimal>,
}

/// One line of an invoice or a credit memo (`sales-data-invoice-item-interface`,
/// `sales-data-creditmemo-item-interface`). Amounts are exact decimals in the order currency
/// (`base_*` in the base currency). The common fields are in [`line`](DocumentItem::line)
/// (`item.line.qty`); on the wire they are top-level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DocumentItem {
    /// Ids, SKU, name, quantity, price and row total.
    #[serde(flatten)]
    pub line: LineItem,
    /// Unit price, base currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub base_price: Option<Decimal>,
    /// Tax.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub tax_amount: Option<Decimal>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
