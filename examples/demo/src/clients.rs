//! Every API client the demo uses, built in one place from the [`Endpoints`].
//!
//! Each is the vendor crate's own client with its defaults (retries, rate limits, redaction);
//! only the addresses and credentials come from the sandbox. Pointing the demo at real
//! accounts means an endpoints file with real URLs and keys, nothing else.

use sandbox::suite::Endpoints;

/// The five clients.
#[derive(Debug, Clone)]
pub struct Clients {
    /// WooCommerce (OAuth 1.0a: the sandbox store is plain HTTP, where Basic auth is refused).
    pub woo: woo_client::Client,
    /// Magento 2 (OAuth 1.0a with the integration's four credentials).
    pub magento: magento_client::Client,
    /// ActiveCampaign.
    pub activecampaign: ac_client::Client,
    /// Meta Graph (with `appsecret_proof`).
    pub meta: fb_audience::Client,
    /// Chatwoot Application API.
    pub chatwoot: chatwoot_client::ApplicationClient,
}

/// A client that could not be built, named.
#[derive(Debug, thiserror::Error)]
#[error("{vendor} client: {message}")]
pub struct ClientError {
    /// Which vendor.
    pub vendor: &'static str,
    /// What its builder said (credentials redacted by the client).
    pub message: String,
}

fn failed(vendor: &'static str) -> impl Fn(&dyn std::fmt::Display) -> ClientError {
    move |e| ClientError {
        vendor,
        message: e.to_string(),
    }
}

impl Clients {
    /// Builds every client with the shared builder shape: `builder(base_url)`, then
    /// `.credentials(..)`, then `.build()`.
    pub fn build(endpoints: &Endpoints) -> Result<Self, ClientError> {
        let w = &endpoints.woocommerce;
        let woo = woo_client::Client::builder(&w.site_url)
            .credentials(woo_client::Credentials::new(
                w.consumer_key.as_str(),
                w.consumer_secret.as_str(),
            ))
            .oauth1(woo_client::SignatureMethod::HmacSha256)
            .build()
            .map_err(|e| failed("WooCommerce")(&e))?;

        let m = &endpoints.magento;
        let magento = magento_client::Client::builder(&m.base_url)
            .credentials(magento_client::Credentials::oauth1(
                m.consumer_key.as_str(),
                m.consumer_secret.as_str(),
                m.access_token.as_str(),
                m.access_token_secret.as_str(),
            ))
            .build()
            .map_err(|e| failed("Magento")(&e))?;

        let a = &endpoints.activecampaign;
        let activecampaign = ac_client::Client::builder(&a.base_url)
            .credentials(ac_client::ApiToken::new(a.api_token.as_str()))
            .build()
            .map_err(|e| failed("ActiveCampaign")(&e))?;

        let f = &endpoints.meta;
        let meta = fb_audience::Client::builder()
            .credentials(
                fb_audience::Credentials::new(f.access_token.as_str())
                    .with_app_secret(f.app_secret.as_str()),
            )
            .base_url(&f.base_url)
            .graph_version(&f.graph_version)
            .build()
            .map_err(|e| failed("Meta")(&e))?;

        let c = &endpoints.chatwoot;
        let chatwoot = chatwoot_client::ApplicationClient::builder(&c.base_url)
            .account_id(c.account_id)
            .credentials(chatwoot_client::ApplicationToken::new(
                c.api_access_token.as_str(),
            ))
            .build()
            .map_err(|e| failed("Chatwoot")(&e))?;

        Ok(Self {
            woo,
            magento,
            activecampaign,
            meta,
            chatwoot,
        })
    }
}
