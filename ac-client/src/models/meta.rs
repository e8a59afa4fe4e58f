//! The `meta` block of list responses, which carries the total.

use serde::{Deserialize, Serialize};

/// The `meta` object of list responses. `total` arrives as a string (`"total":"6"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// How many records match the query in all pages.
    #[serde(with = "crate::wire::count", default)]
    pub total: u64,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
