//! Store views, store groups, websites and store configs (`/V1/store/*`).
//!
//! Magento's hierarchy: a *website* (prices, currency, customers) holds *store groups*
//! (a root category), which hold *store views* (language; the `store_id` on orders). The
//! *store config* of a store view carries its URLs, locale, currencies and timezone.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::EntityId;
use super::serde_util::flag_opt;

/// A store view (`GET /V1/store/storeViews`). Its `id` is the `store_id` on orders.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoreView {
    /// The store id (0 is the `admin` pseudo-store).
    pub id: u32,
    /// The code used in `/rest/<code>/V1/…`.
    #[serde(default)]
    pub code: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The website.
    #[serde(default)]
    pub website_id: u32,
    /// The store group.
    #[serde(default)]
    pub store_group_id: u32,
    /// Whether the store view is enabled (0/1 on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "flag_opt")]
    pub is_active: Option<bool>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A store group (`GET /V1/store/storeGroups`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoreGroup {
    /// Group id.
    pub id: u32,
    /// Code.
    #[serde(default)]
    pub code: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The website.
    #[serde(default)]
    pub website_id: u32,
    /// Root catalog category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_category_id: Option<u32>,
    /// The default store view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_store_id: Option<u32>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A website (`GET /V1/store/websites`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Website {
    /// Website id (0 is the `admin` pseudo-website).
    pub id: u32,
    /// Code (`base`).
    #[serde(default)]
    pub code: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The default store group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_group_id: Option<u32>,
    /// Every field not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A store view's configuration (`GET /V1/store/storeConfigs`,
/// `store-data-store-config-interface`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoreConfig {
    /// The store view id (= `store_id` on orders).
    pub id: u32,
    /// The store view code.
    #[serde(default)]
    pub code: String,
    /// The website.
    #[serde(default)]
    pub website_id: u32,
    /// Locale (`en_US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Base currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_currency_code: Option<String>,
    /// Default display currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_display_currency_code: Option<String>,
    /// IANA timezone for display (`America/Los_Angeles`); the API itself speaks UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `lbs` or `kgs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_unit: Option<String>,
    /// Unsecure base URL (`http://shop.example.com/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Unsecure link URL (adds `index.php/` when rewrites are off, or a store code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_link_url: Option<String>,
    /// Static files URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_static_url: Option<String>,
    /// Media URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_media_url: Option<String>,
    /// Secure base URL (`https://shop.example.com/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_base_url: Option<String>,
    /// Secure link URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_base_link_url: Option<String>,
    /// Secure static files URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_base_static_url: Option<String>,
    /// Secure media URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_base_media_url: Option<String>,
    /// Every field not named above (`extension_attributes`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EntityId for StoreView {
    fn entity_id(&self) -> u64 {
        u64::from(self.id)
    }
}
impl EntityId for StoreGroup {
    fn entity_id(&self) -> u64 {
        u64::from(self.id)
    }
}
impl EntityId for Website {
    fn entity_id(&self) -> u64 {
        u64::from(self.id)
    }
}
impl EntityId for StoreConfig {
    fn entity_id(&self) -> u64 {
        u64::from(self.id)
    }
}
