//! Stores: `GET /V1/store/storeViews`, `/storeGroups`, `/websites`, `/storeConfigs`, and
//! matching a shop domain to its store view.
//!
//! These routes are sent unscoped (`/rest/V1/store/…`), whatever the client's store code.
//! All four need the ACL resource `Magento_Backend::store` (Stores > Settings > All
//! Stores) on the integration or admin role.

use serde::Deserialize;
use sync_core::http::ApiRequest;

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
        let request = ApiRequest::get("store.views", "V1/store/storeViews");
        self.client.api().send(request).await
    }

    /// Every store group.
    pub async fn store_groups(&self) -> Result<Vec<StoreGroup>, Error> {
        let request = ApiRequest::get("store.groups", "V1/store/storeGroups");
        self.client.api().send(request).await
    }

    /// Every website.
    pub async fn websites(&self) -> Result<Vec<Website>, Error> {
        let request = ApiRequest::get("store.websites", "V1/store/websites");
        self.client.api().send(request).await
    }

    /// Store configs (URLs, locale, currencies, timezone) of the given store codes, or of every
    /// store view when `codes` is empty.
    pub async fn store_configs(&self, codes: &[&str]) -> Result<Vec<StoreConfig>, Error> {
        let query = codes
            .iter()
            .enumerate()
            .map(|(i, code)| (format!("storeCodes[{i}]"), *code));
        let request = ApiRequest::<StoreConfigsBody>::get("store.configs", "V1/store/storeConfigs")
            .query_pairs(query);
        let body = self.client.api().send(request).await?;
        Ok(match body {
            StoreConfigsBody::List(list) => list,
            StoreConfigsBody::Wrapped { store_configs } => store_configs,
        })
    }

    /// The store view serving `domain` (`shop.example`, `https://www.shop.example/de/`): see
    /// [`match_store`] for the rules. Filter orders with its `id` as `store_id`.
    ///
    /// ```
    /// use magento_client::{Client, Credentials};
    /// use wiremock::matchers::{method, path};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let magento = MockServer::start().await;
    /// Mock::given(method("GET"))
    ///     .and(path("/rest/V1/store/storeConfigs"))
    ///     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
    ///         {"id": 1, "code": "default", "website_id": 1,
    ///          "base_url": "http://shop.example/", "secure_base_url": "https://shop.example/"},
    ///         {"id": 2, "code": "de", "website_id": 1,
    ///          "base_url": "http://shop.example/de/", "secure_base_url": "https://shop.example/de/"}
    ///     ])))
    ///     .mount(&magento)
    ///     .await;
    ///
    /// let client = Client::builder(magento.uri())
    ///     .credentials(Credentials::integration_bearer("integration-token"))
    ///     .store_code("de") // store routes are unscoped whatever the code
    ///     .build()?;
    /// let store = client.stores().find_by_domain("https://www.shop.example/de/checkout").await?;
    /// assert_eq!((store.id, store.code.as_str()), (2, "de"));
    /// # Ok(()) }
    /// ```
    pub async fn find_by_domain(&self, domain: &str) -> Result<StoreConfig, Error> {
        let configs = self.store_configs(&[]).await?;
        Ok(match_store(&configs, domain)?.clone())
    }
}
