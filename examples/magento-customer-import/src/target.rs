//! Which Magento a run talks to: the sandbox started in this process, or the configured one.

use sandbox::Seed;
use sandbox::magento::{MagentoFake, MagentoOptions};
use secrecy::SecretString;

use crate::config::{AuthSettings, DEFAULT_SETTLE, Settings, Target, WebsiteConfig};

/// A Magento to import from.
#[derive(Debug)]
pub struct Magento {
    /// Storefront root.
    pub base_url: String,
    /// Credentials.
    pub auth: AuthSettings,
    /// Websites to import.
    pub websites: Vec<WebsiteConfig>,
    /// The settle window to use.
    pub settle: std::time::Duration,
    /// The in-process sandbox, kept alive for the run.
    pub sandbox: Option<MagentoFake>,
}

/// Start the sandbox or describe the configured Magento.
pub async fn resolve(settings: &Settings) -> std::io::Result<Magento> {
    match &settings.target {
        Target::Magento { base_url, auth } => Ok(Magento {
            base_url: base_url.clone(),
            auth: auth.clone(),
            websites: settings.websites.clone(),
            settle: settings.settle.unwrap_or(DEFAULT_SETTLE),
            sandbox: None,
        }),
        Target::Sandbox { orders } => {
            let fake = MagentoFake::start_with(MagentoOptions {
                seed: Seed::orders(*orders),
                ..MagentoOptions::default()
            })
            .await?;
            let base_url = fake.base_url();
            let c = fake.credentials();
            let auth = AuthSettings::OAuth1 {
                consumer_key: SecretString::from(c.consumer_key),
                consumer_secret: SecretString::from(c.consumer_secret),
                access_token: SecretString::from(c.integration_token),
                access_token_secret: SecretString::from(c.access_token_secret),
            };
            // The sandbox's two store views share one base URL; the Dutch one adds its store
            // code to its link URL. `main` is pinned (matching its domain is ambiguous),
            // `nl` is matched by its URL with the store code.
            let websites = if settings.websites.is_empty() {
                vec![
                    WebsiteConfig {
                        name: "main".into(),
                        domain: Some(format!("{base_url}/")),
                        store_id: Some(1),
                    },
                    WebsiteConfig {
                        name: "nl".into(),
                        domain: Some(format!("{base_url}/nl/")),
                        store_id: None,
                    },
                ]
            } else {
                settings.websites.clone()
            };
            Ok(Magento {
                base_url,
                auth,
                websites,
                // Seeded orders are historical, and the sandbox has no overlapping checkouts.
                settle: settings.settle.unwrap_or_default(),
                sandbox: Some(fake),
            })
        }
    }
}
