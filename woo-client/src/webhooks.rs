//! Requests for webhook configurations (`/webhooks`). To *receive* deliveries, see
//! [`crate::webhook`].

use sync_core::http::reqwest::Method;

use crate::client::Client;
use crate::error::Error;
use crate::models::{Webhook, WebhookSpec, WebhookStatus};
use crate::pagination::ListRequest;
use crate::query::Query;

/// Webhook configuration requests; get one with [`Client::webhooks`].
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: Client,
}

impl Webhooks {
    pub(crate) fn new(client: Client) -> Self {
        Webhooks { client }
    }

    /// List webhooks.
    pub fn list(&self) -> ListRequest<Webhook> {
        ListRequest::new(self.client.clone(), "webhooks.list", "webhooks")
    }

    /// One webhook.
    pub async fn get(&self, id: u64) -> Result<Webhook, Error> {
        self.client
            .call::<(), _>(
                "webhooks.get",
                Method::GET,
                &format!("webhooks/{id}"),
                &Query::new(),
                None,
                true,
            )
            .await
    }

    /// Create a webhook. WooCommerce pings the delivery URL right after (an unsigned form body
    /// `webhook_id=<id>` that must be answered with exactly `200`); the creation succeeds whatever
    /// the ping's result. Not retried after a timeout.
    pub async fn create(&self, spec: &WebhookSpec) -> Result<Webhook, Error> {
        self.client
            .call(
                "webhooks.create",
                Method::POST,
                "webhooks",
                &Query::new(),
                Some(spec),
                false,
            )
            .await
    }

    /// Change a webhook (for example [`WebhookSpec::reactivate`] after WooCommerce disabled it).
    pub async fn update(&self, id: u64, spec: &WebhookSpec) -> Result<Webhook, Error> {
        self.client
            .call(
                "webhooks.update",
                Method::PUT,
                &format!("webhooks/{id}"),
                &Query::new(),
                Some(spec),
                true,
            )
            .await
    }

    /// Delete a webhook (webhooks have no trash: `force=true` is sent).
    pub async fn delete(&self, id: u64) -> Result<Webhook, Error> {
        let mut query = Query::new();
        query.set("force", true);
        self.client
            .call::<(), _>(
                "webhooks.delete",
                Method::DELETE,
                &format!("webhooks/{id}"),
                &query,
                None,
                true,
            )
            .await
    }
}

impl ListRequest<Webhook> {
    /// Only webhooks with this status (`disabled` finds the ones WooCommerce turned off).
    pub fn status(mut self, status: WebhookStatus) -> Self {
        self.query.set("status", status.as_str());
        self
    }
}
