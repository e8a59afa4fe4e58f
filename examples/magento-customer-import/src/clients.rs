//! The one place the Magento client is built (magento-client's builder follows the client
//! kit: `Client::builder(url).credentials(..).options(ClientOptions).build()`).

use std::time::Duration;

use magento_client::{Client, ClientOptions, Credentials};

use crate::config::AuthSettings;

/// The Magento client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("Magento client for {base_url}: {message}")]
pub struct ClientError {
    /// The URL given.
    pub base_url: String,
    /// What the builder said (credentials redacted by the client).
    pub message: String,
}

fn credentials(settings: &AuthSettings) -> Credentials {
    match settings {
        AuthSettings::OAuth1 {
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        } => Credentials::oauth1(
            consumer_key.clone(),
            consumer_secret.clone(),
            access_token.clone(),
            access_token_secret.clone(),
        ),
        AuthSettings::Bearer(token) => Credentials::integration_bearer(token.clone()),
        AuthSettings::Admin { username, password } => {
            Credentials::admin(username.clone(), password.clone())
        }
    }
}

/// A client for the shop at `base_url`, paging `page_size` orders at a time, with the crate's
/// defaults for retries and redaction.
pub fn magento(
    base_url: &str,
    settings: &AuthSettings,
    page_size: u32,
) -> Result<Client, ClientError> {
    let options = ClientOptions::new()
        // Order pages are large.
        .attempt_timeout(Duration::from_secs(60))
        .user_agent(concat!(
            "magento-customer-import/",
            env!("CARGO_PKG_VERSION")
        ));
    Client::builder(base_url)
        .credentials(credentials(settings))
        .page_size(page_size)
        .options(options)
        .build()
        .map_err(|e| ClientError {
            base_url: base_url.to_string(),
            message: e.to_string(),
        })
}
