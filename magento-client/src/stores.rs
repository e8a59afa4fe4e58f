//! Stores: `GET /V1/store/storeViews`, `/storeGroups`, `/websites`, `/storeConfigs`, and
//! matching a shop domain to its store view.
//!
//! All four routes need the ACL resource `Magento_Backend::store` (Stores > Settings > All
//! Stores) on the integration or admin role.

use serde::Deserialize;

use crate::client::Client;
use crate::error::Error;
use crate::models::{StoreConfig, StoreGroup, StoreView, Website};
use crate::store_match::match_store;

/// The stores resource. Get it from [`Client::stores`].
#[derive(Debug, Clone)]
pub struct Stores {
    client: Client,
}

/// `storeConfigs` is documented as a bare array; a wrapped `{"storeConfigs": [...]}` has been
/// seen behind proxies that rewrite responses, so both are read.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoreConfigsBody {
    List(Vec<StoreConfig>),
    Wrapped {
        #[serde(rename = "storeConfigs")]
        store_configs: Vec<StoreConfig>,
    },
}

impl Stores {
    pub(crate) fn new(client: Client) -> Self {
        Stores { client }
    }

    /// Every store view, the `admin` pseudo-store (id 0) included.
    pub async fn store_views(&self) -> Result<Vec<StoreView>, Error> {
        let url = self.client.rest_url("store/storeViews", false);
        self.client.fetch_json("store.views", url, &[]).await
    }

    /// Every store group.
    pub async fn store_groups(&self) -> Result<Vec<StoreGroup>, Error> {
        let url = self.client.rest_url("store/storeGroups", false);
        self.client.fetch_json("store.groups", url, &[]).await
    }

    /// Every website.
    pub async fn websites(&self) -> Result<Vec<Website>, Error> {
        let url = self.client.rest_url("store/websites", false);
        self.client.fetch_json("store.websites", url, &[]).await
    }

    /// Store configs (URLs, locale, currencies, timezone) of the given store codes, or of every
    /// store view when `codes` is empty.
    pub async fn store_configs(&self, codes: &[&str]) -> Result<Vec<StoreConfig>, Error> {
        let url = self.client.rest_url("store/storeConfigs", false);
        let query: Vec<(String, String)> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| (format!("storeCodes[{i}]"), (*code).to_string()))
            .collect();
        let body: StoreConfigsBody = self.client.fetch_json("store.configs", url, &query).await?;
        Ok(match body {
            StoreConfigsBody::List(list) => list,
            StoreConfigsBody::Wrapped { store_configs } => store_configs,
        })
    }

    /// The store view serving `domain` (`shop.example`, `https://www.shop.example/de/`): see
    /// [`match_store`] for the rules. Filter orders with its `id` as `store_id`.
    pub async fn find_by_domain(&self, domain: &str) -> Result<StoreConfig, Error> {
        let configs = self.store_configs(&[]).await?;
        Ok(match_store(&configs, domain)?.clone())
    }
}
