//! Shipments (`GET /V1/shipment/{id}`, `GET /V1/shipments`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{EntityId, LineItem, SalesDocument};
use sync_core::money::serde_number_option as serde_decimal_opt;

/// A shipment (`sales-data-shipment-interface`). Timestamps are UTC.
///
/// Ids and timestamps are in [`document`](Shipment::document) (`shipment.document.entity_id`);
/// on the wire they are top-level fields as Magento sends them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Shipment {
    /// Ids and timestamps.
    #[serde(flatten)]
    pub document: SalesDocument,
    /// Quantity shipped.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub total_qty: Option<Decimal>,
    /// The lines.
    #[serde(default)]
    pub items: Vec<ShipmentItem>,
    /// Tracking numbers.
    #[serde(default)]
    pub tracks: Vec<ShipmentTrack>,
    /// Every field not named above (`comments`, `packages`, `extension_attributes`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One shipped line (`sales-data-shipment-item-interface`). The common fields are in
/// [`line`](ShipmentItem::line) (`item.line.qty`); on the wire they are top-level.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShipmentItem {
    /// Ids, SKU, name, quantity, price and row total.
    #[serde(flatten)]
    pub line: LineItem,
    /// Every field not named above (`weight`, `product_id`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tracking number (`sales-data-shipment-track-interface`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShipmentTrack {
    /// Track id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<u64>,
    /// The tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_number: Option<String>,
    /// Carrier title (`Federal Express`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Carrier code (`fedex`, `custom`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_code: Option<String>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EntityId for Shipment {
    fn entity_id(&self) -> u64 {
        self.document.entity_id
    }
}
