//! Every shop-flow fake at once, and the [`Endpoints`] a client needs to reach them.
//!
//! A demo or a test starts the whole set in one line and hands [`Endpoints`] (base URLs and
//! credentials, serializable as JSON) to the code under test, in process or in a child process:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use sandbox::Seed;
//! use sandbox::suite::{Suite, SuiteOptions};
//!
//! let suite = Suite::start(SuiteOptions::new(Seed::orders(20))).await?;
//! let endpoints = suite.endpoints();
//! assert!(endpoints.woocommerce.site_url.starts_with("http://127.0.0.1:"));
//! let json = serde_json::to_string(&endpoints)?;
//! assert!(json.contains("consumer_key"));
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

use crate::Seed;
use crate::activecampaign::{AcOptions, ActiveCampaignFake};
use crate::chatwoot::{ChatwootFake, ChatwootOptions};
use crate::magento::{MagentoFake, MagentoOptions};
use crate::meta::{MetaFake, MetaOptions};
use crate::woo::{WooFake, WooOptions};

/// What a [`Suite`] starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteOptions {
    /// The WooCommerce shop's data.
    pub woocommerce: Seed,
    /// The Magento store's data.
    pub magento: Seed,
    /// Contacts already in Chatwoot (default none).
    pub chatwoot: Seed,
}

impl SuiteOptions {
    /// `shop` for WooCommerce, the same sizes with another generator seed for Magento (a second
    /// shop, other people), and an empty Chatwoot account.
    pub fn new(shop: Seed) -> Self {
        Self {
            woocommerce: shop,
            magento: shop.with_seed(shop.seed.wrapping_add(1)),
            chatwoot: Seed::empty(),
        }
    }
}

/// The fakes of the shop flows: two shops (WooCommerce, Magento) and three destinations
/// (ActiveCampaign, a Meta custom audience, Chatwoot). Each stops when dropped.
#[derive(Debug)]
pub struct Suite {
    /// WooCommerce `wc/v3`.
    pub woocommerce: WooFake,
    /// Magento 2 REST.
    pub magento: MagentoFake,
    /// ActiveCampaign v3.
    pub activecampaign: ActiveCampaignFake,
    /// Meta Graph custom audiences.
    pub meta: MetaFake,
    /// Chatwoot Platform and Application APIs.
    pub chatwoot: ChatwootFake,
}

impl Suite {
    /// Starts every fake on an ephemeral loopback port.
    pub async fn start(options: SuiteOptions) -> std::io::Result<Self> {
        Ok(Self {
            woocommerce: WooFake::start_with(WooOptions {
                seed: options.woocommerce,
                ..WooOptions::default()
            })
            .await?,
            magento: MagentoFake::start_with(MagentoOptions {
                seed: options.magento,
                ..MagentoOptions::default()
            })
            .await?,
            activecampaign: ActiveCampaignFake::start_with(AcOptions {
                seed: options.woocommerce.seed,
                ..AcOptions::default()
            })
            .await?,
            meta: MetaFake::start_with(MetaOptions::default()).await?,
            chatwoot: ChatwootFake::start_with(ChatwootOptions {
                seed: options.chatwoot,
                ..ChatwootOptions::default()
            })
            .await?,
        })
    }

    /// Base URLs and credentials of every fake.
    pub fn endpoints(&self) -> Endpoints {
        let woo = self.woocommerce.credentials();
        let magento = self.magento.credentials();
        let meta = self.meta.credentials();
        let chatwoot = self.chatwoot.credentials();
        Endpoints {
            woocommerce: WooEndpoint {
                site_url: self.woocommerce.home_url(),
                consumer_key: woo.consumer_key,
                consumer_secret: woo.consumer_secret,
            },
            magento: MagentoEndpoint {
                base_url: self.magento.base_url(),
                consumer_key: magento.consumer_key,
                consumer_secret: magento.consumer_secret,
                access_token: magento.integration_token,
                access_token_secret: magento.access_token_secret,
            },
            activecampaign: AcEndpoint {
                base_url: self.activecampaign.base_url(),
                api_token: self.activecampaign.api_token().to_owned(),
            },
            meta: MetaEndpoint {
                base_url: self.meta.base_url(),
                graph_version: "v25.0".to_owned(),
                access_token: meta.access_token,
                app_secret: meta.app_secret,
                audience_id: meta.audience_id,
            },
            chatwoot: ChatwootEndpoint {
                base_url: self.chatwoot.base_url(),
                account_id: chatwoot.account_id,
                api_access_token: chatwoot.user_token,
            },
        }
    }
}

/// Where each vendor is and how to sign in: what a client builder needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// The WooCommerce shop.
    pub woocommerce: WooEndpoint,
    /// The Magento store.
    pub magento: MagentoEndpoint,
    /// The ActiveCampaign account.
    pub activecampaign: AcEndpoint,
    /// The Meta custom audience.
    pub meta: MetaEndpoint,
    /// The Chatwoot account.
    pub chatwoot: ChatwootEndpoint,
}

/// A WooCommerce store and its REST API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WooEndpoint {
    /// The site (home) URL; the API is under `/wp-json/wc/v3`.
    pub site_url: String,
    /// `ck_…`
    pub consumer_key: String,
    /// `cs_…`
    pub consumer_secret: String,
}

/// A Magento installation and its integration's four OAuth 1.0a credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MagentoEndpoint {
    /// The root URL; the API is under `/rest/V1`.
    pub base_url: String,
    /// Integration consumer key.
    pub consumer_key: String,
    /// Integration consumer secret.
    pub consumer_secret: String,
    /// Integration access token.
    pub access_token: String,
    /// Integration access token secret.
    pub access_token_secret: String,
}

/// An ActiveCampaign account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcEndpoint {
    /// The account URL; the API is under `/api/3`.
    pub base_url: String,
    /// The `Api-Token`.
    pub api_token: String,
}

/// A Meta custom audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaEndpoint {
    /// The Graph host (`https://graph.facebook.com` for real).
    pub base_url: String,
    /// The Graph version (`v25.0`).
    pub graph_version: String,
    /// The access token.
    pub access_token: String,
    /// The app secret (for `appsecret_proof`).
    pub app_secret: String,
    /// The custom audience's id.
    pub audience_id: String,
}

/// A Chatwoot account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatwootEndpoint {
    /// The installation's root URL.
    pub base_url: String,
    /// The account id.
    pub account_id: u64,
    /// A user's `api_access_token` for the Application API.
    pub api_access_token: String,
}
