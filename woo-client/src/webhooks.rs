//! Managing webhook configurations (`/webhooks`): list, create, reactivate, delete. To
//! *receive* deliveries, see [`crate::webhook_receive`].

use sync_core::http::ApiRequest;

use crate::client::{Client, with_json};
use crate::error::Error;
use crate::models::{Webhook, WebhookSpec, WebhookStatus};
use crate::pagination::ListRequest;

/// Webhook configuration requests; get one with [`Client::webhooks`].
///
/// ```
/// # use wiremock::matchers::{method, path};
/// # use wiremock::{Mock, MockServer, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = MockServer::start().await;
/// # Mock::given(method("POST")).and(path("/wp-json/wc/v3/webhooks"))
/// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 142, "name": "Orders", "status": "active", "topic": "order.updated", "delivery_url": "https://hooks.example.com/woo"})))
/// #     .mount(&server).await;
/// # let client = woo_client::Client::builder(server.uri())
/// #     .credentials(woo_client::Credentials::new("ck_example", "cs_example")).build()?;
/// use woo_client::models::WebhookSpec;
/// let spec = WebhookSpec::new("Orders", "order.updated", "https://hooks.example.com/woo", "whsec");
/// let webhook = client.webhooks().create(&spec).await?;
/// assert_eq!(webhook.id, 142);
/// # Ok(()) }
/// ```
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
            .send(ApiRequest::get("webhooks.get", format!("webhooks/{id}")))
            .await
    }

    /// Create a webhook. WooCommerce pings the delivery URL right after (an unsigned form body
    /// `webhook_id=<id>` that must be answered with exactly `200`); the creation succeeds whatever
    /// the ping's result. Not retried after a timeout.
    pub async fn create(&self, spec: &WebhookSpec) -> Result<Webhook, Error> {
        self.client
            .send(with_json(
                ApiRequest::post("webhooks.create", "webhooks"),
                spec,
            )?)
            .await
    }

    /// Change a webhook (for example [`WebhookSpec::reactivate`] after WooCommerce disabled it).
    pub async fn update(&self, id: u64, spec: &WebhookSpec) -> Result<Webhook, Error> {
        self.client
            .send(with_json(
                ApiRequest::put("webhooks.update", format!("webhooks/{id}")),
                spec,
            )?)
            .await
    }

    /// Delete a webhook (webhooks have no trash: `force=true` is sent).
    pub async fn delete(&self, id: u64) -> Result<Webhook, Error> {
        let request = ApiRequest::delete("webhooks.delete", format!("webhooks/{id}"));
        self.client.send(request.query("force", true)).await
    }
}

impl ListRequest<Webhook> {
    /// Only webhooks with this status (`disabled` finds the ones WooCommerce turned off).
    pub fn status(mut self, status: WebhookStatus) -> Self {
        self.query.set("status", status.as_str());
        self
    }
}
