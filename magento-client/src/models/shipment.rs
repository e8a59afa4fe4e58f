//! Shipments (`GET /V1/shipment/{id}`, `GET /V1/shipments`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::EntityId;
use crate::money::serde_decimal_opt;
use crate::time::serde_time_opt;

/// A shipment (`sales-data-shipment-interface`). Timestamps are UTC.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Shipment {
    /// The REST id (`GET /V1/shipment/{entity_id}`).
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
    /// Quantity shipped.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_decimal_opt"
    )]
    pub total_qty: Option<Decimal>,
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
    pub items: Vec<ShipmentItem>,
    /// Tracking numbers.
    #[serde(default)]
    pub tracks: Vec<ShipmentTrack>,
    /// Every field not named above (`comments`, `packages`, `extension_attributes`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One shipped line (`sales-data-shipment-item-interface`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShipmentItem {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<u64>,
    /// The order item shipped.
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
    /// Every field not named above.
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
        self.entity_id
    }
}
