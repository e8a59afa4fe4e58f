//! Serde types for Magento resources, one file per resource.
//!
//! Every model keeps the fields it does not name in `extra`, so decoding and re-encoding a
//! payload loses nothing. Named fields that Magento leaves out (it omits `null`s) are `Option`.
//! PHP encodes an empty object as `[]`; the models accept that where an object is expected.

mod creditmemo;
mod customer;
mod document_item;
mod invoice;
pub(crate) mod order;
mod product;
mod sales_document;
mod shipment;
mod store;

pub use creditmemo::Creditmemo;
pub use customer::{Customer, CustomerAddress};
pub use document_item::{DocumentItem, LineItem};
pub use invoice::Invoice;
pub use product::{CustomAttribute, Product};
pub use sales_document::{DocumentTotals, SalesDocument};
pub use shipment::{Shipment, ShipmentItem, ShipmentTrack};

pub use order::{
    Address, Order, OrderExtensionAttributes, OrderItem, OrderState, Payment, Shipping,
    ShippingAssignment, StatusHistory,
};
pub use store::{StoreConfig, StoreGroup, StoreView, Website};

/// A resource with a numeric id, used to de-duplicate pages and to page by keyset.
pub trait EntityId {
    /// The id (`entity_id` for orders, invoices, shipments and credit memos; `id` for stores,
    /// customers and products).
    fn entity_id(&self) -> u64;
}

/// Serde helpers shared by the models.
pub(crate) mod serde_util {
    use serde::de::{self, Deserializer};
    use serde::{Deserialize, Serialize, Serializer};
    use serde_json::Value;

    /// An object that PHP may have encoded as `[]` (empty) or `null`.
    pub fn object_or_empty_array<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: serde::de::DeserializeOwned,
    {
        let value = Option::<Value>::deserialize(d)?;
        match value {
            None => Ok(None),
            Some(Value::Array(items)) if items.is_empty() => Ok(None),
            Some(other) => T::deserialize(other).map(Some).map_err(de::Error::custom),
        }
    }

    /// Magento's 0/1 integer flags (booleans and "0"/"1" strings accepted too); written as 0/1.
    pub mod flag_opt {
        use super::*;

        pub fn serialize<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(b) => s.serialize_u8(u8::from(*b)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
            match Option::<Value>::deserialize(d)? {
                None => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(b)),
                Some(Value::Number(n)) => Ok(Some(n.as_f64().is_some_and(|f| f != 0.0))),
                Some(Value::String(s)) => match s.trim() {
                    "" => Ok(None),
                    "0" | "false" => Ok(Some(false)),
                    "1" | "true" => Ok(Some(true)),
                    other => Err(de::Error::custom(format!("{other:?} is not a 0/1 flag"))),
                },
                Some(other) => Err(de::Error::custom(format!("{other} is not a 0/1 flag"))),
            }
        }
    }

    /// A list typed `string[]` by Magento; other scalars some modules put there are kept as text.
    pub fn lenient_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let items = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
        Ok(items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect())
    }

    /// Keep `Vec<String>` serialization explicit for symmetry with [`lenient_strings`].
    pub fn strings<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}
