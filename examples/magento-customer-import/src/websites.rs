//! Websites → Magento store views: matched by the website's domain through magento-client's
//! store matching (store codes in URLs included), or pinned by id.

use magento_client::StoreConfig;
use magento_client::store_match::{StoreMatchError, match_store};
use serde::Serialize;

use crate::config::WebsiteConfig;

/// The store view a website imports from, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedStore {
    /// `store_id` on orders.
    pub id: u32,
    /// Store code.
    pub code: String,
    /// Magento website id.
    pub website_id: u32,
    /// `matched <domain>` or `pinned`.
    pub found_by: String,
    /// Its link URL.
    pub link_url: Option<String>,
}

/// A website whose store could not be found.
#[derive(Debug, thiserror::Error)]
pub enum WebsiteError {
    /// The pinned id is not a store view.
    #[error(
        "website {website:?}: store_id {id} is not a store view of this Magento (store views: \
         {known}); fix `store_id` under its [[website]]"
    )]
    UnknownStore {
        /// The website.
        website: String,
        /// The pinned id.
        id: u32,
        /// The store views there are.
        known: String,
    },
    /// Matching failed (no match, or ambiguous: the message lists the candidates).
    #[error(
        "website {website:?}: {source}. In the config file: set `store_id = <id>` under this \
         [[website]], or give the store view's own URL as `domain`"
    )]
    Match {
        /// The website.
        website: String,
        /// Why.
        #[source]
        source: StoreMatchError,
    },
}

fn shown(config: &StoreConfig) -> ResolvedStore {
    ResolvedStore {
        id: config.id,
        code: config.code.clone(),
        website_id: config.website_id,
        found_by: String::new(),
        link_url: config
            .secure_base_link_url
            .clone()
            .or_else(|| config.base_link_url.clone()),
    }
}

/// The store view of `website` among `configs` (from `GET /V1/store/storeConfigs`).
pub fn resolve(
    website: &WebsiteConfig,
    configs: &[StoreConfig],
) -> Result<ResolvedStore, WebsiteError> {
    if let Some(id) = website.store_id {
        let config =
            configs
                .iter()
                .find(|c| c.id == id)
                .ok_or_else(|| WebsiteError::UnknownStore {
                    website: website.name.clone(),
                    id,
                    known: configs
                        .iter()
                        .map(|c| format!("{} ({})", c.id, c.code))
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
        return Ok(ResolvedStore {
            found_by: "pinned store_id".into(),
            ..shown(config)
        });
    }
    let domain = website.domain.as_deref().unwrap_or_default();
    let config = match_store(configs, domain).map_err(|source| WebsiteError::Match {
        website: website.name.clone(),
        source,
    })?;
    Ok(ResolvedStore {
        found_by: format!("matched {domain}"),
        ..shown(config)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two store views on one host, "Add Store Code to URLs" on for the Dutch one.
    fn configs() -> Vec<StoreConfig> {
        serde_json::from_value(serde_json::json!([
            {"id": 0, "code": "admin", "website_id": 0},
            {"id": 1, "code": "default", "website_id": 1,
             "base_url": "https://shop.example/", "base_link_url": "https://shop.example/",
             "secure_base_url": "https://shop.example/", "secure_base_link_url": "https://shop.example/"},
            {"id": 2, "code": "nl", "website_id": 1,
             "base_url": "https://shop.example/", "base_link_url": "https://shop.example/nl/",
             "secure_base_url": "https://shop.example/", "secure_base_link_url": "https://shop.example/nl/"}
        ]))
        .unwrap()
    }

    fn website(domain: Option<&str>, store_id: Option<u32>) -> WebsiteConfig {
        WebsiteConfig {
            name: "w".into(),
            domain: domain.map(str::to_string),
            store_id,
        }
    }

    #[test]
    fn the_store_code_in_the_url_picks_the_store_view() {
        let store = resolve(
            &website(Some("https://www.shop.example/nl/"), None),
            &configs(),
        )
        .unwrap();
        assert_eq!((store.id, store.code.as_str()), (2, "nl"));
        assert_eq!(store.found_by, "matched https://www.shop.example/nl/");
    }

    #[test]
    fn an_ambiguous_domain_lists_the_candidates_and_says_how_to_pin() {
        let error = resolve(&website(Some("shop.example"), None), &configs())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("store id 1") && error.contains("store id 2"),
            "{error}"
        );
        assert!(error.contains("set `store_id = <id>`"), "{error}");
        let pinned = resolve(&website(Some("shop.example"), Some(1)), &configs()).unwrap();
        assert_eq!(
            (pinned.id, pinned.found_by.as_str()),
            (1, "pinned store_id")
        );
        let unknown = resolve(&website(None, Some(7)), &configs())
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("1 (default), 2 (nl)"), "{unknown}");
    }
}
