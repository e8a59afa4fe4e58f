//! Requests for orders (`/orders`), order notes (`/orders/<id>/notes`) and refunds
//! (`/orders/<id>/refunds`).

use serde::Serialize;
use sync_core::http::ApiRequest;

use crate::batch::{self, BatchOutcome, BatchRequest, MAX_BATCH_ITEMS, PartialBatch};
use crate::client::{Client, with_json};
use crate::deletion::{self, Deletion};
use crate::error::Error;
#[cfg(doc)]
use crate::models::NewRefund;
use crate::models::{NewOrderNote, Order, OrderNote, OrderStatus, Refund};
use crate::pagination::ListRequest;

/// What [`Orders::delete`] did.
pub type OrderDeletion = Deletion<Order>;

impl Deletion<Order> {
    /// The deleted order, unless it was already gone.
    pub fn order(&self) -> Option<&Order> {
        self.record()
    }
}

/// Order requests; get one with [`Client::orders`].
///
/// ```
/// # use wiremock::matchers::{method, path};
/// # use wiremock::{Mock, MockServer, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = MockServer::start().await;
/// # Mock::given(method("POST")).and(path("/wp-json/wc/v3/orders/batch"))
/// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"update": [{"id": 727, "status": "completed"}, {"id": 723, "error": {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 400}}}]})))
/// #     .mount(&server).await;
/// # let client = woo_client::Client::builder(server.uri())
/// #     .credentials(woo_client::Credentials::new("ck_example", "cs_example")).build()?;
/// use woo_client::batch::BatchRequest;
/// use woo_client::models::{OrderPatch, OrderStatus};
/// let batch: BatchRequest<serde_json::Value, OrderPatch> = BatchRequest::new()
///     .update(727, OrderPatch::status(OrderStatus::Completed))
///     .update(723, OrderPatch::status(OrderStatus::Completed));
/// // A 200 with a failed item is not a success: the failure comes back with its id.
/// let partial = client.orders().batch(&batch).await.unwrap_err();
/// assert_eq!(partial.outcome.succeeded(), 1);
/// assert_eq!(partial.outcome.failures().next().unwrap().id, Some(723));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Orders {
    client: Client,
}

impl Orders {
    pub(crate) fn new(client: Client) -> Self {
        Orders { client }
    }

    /// List orders: filter with `status`, `after`/`before`, `modified_after`/`modified_before`
    /// (always compared in UTC: `dates_are_gmt=true` is sent with them), then `send`, `stream`
    /// or `pages`.
    pub fn list(&self) -> ListRequest<Order> {
        ListRequest::new(self.client.clone(), "orders.list", "orders")
    }

    /// One order.
    pub async fn get(&self, id: u64) -> Result<Order, Error> {
        self.client
            .send(ApiRequest::get("orders.get", format!("orders/{id}")))
            .await
    }

    /// Create an order from any serializable body (a `serde_json::json!` value, an [`Order`], your
    /// own struct). Not retried after a timeout: a second POST would create a second order.
    pub async fn create<B: Serialize + ?Sized>(&self, order: &B) -> Result<Order, Error> {
        self.client
            .send(with_json(
                ApiRequest::post("orders.create", "orders"),
                order,
            )?)
            .await
    }

    /// Update an order (`PUT`, idempotent): pass an [`OrderPatch`](crate::models::OrderPatch) or
    /// any serializable body.
    pub async fn update<B: Serialize + ?Sized>(
        &self,
        id: u64,
        changes: &B,
    ) -> Result<Order, Error> {
        self.client
            .send(with_json(
                ApiRequest::put("orders.update", format!("orders/{id}")),
                changes,
            )?)
            .await
    }

    /// Move an order to the trash, or delete it for good with `force`.
    ///
    /// The request is retried on timeouts and 5xx like any idempotent request, so a first attempt
    /// that worked but whose answer was lost makes the retry find the order gone. That answer
    /// (`410 woocommerce_rest_already_trashed` when trashing, `404 …_invalid_id` with `force`)
    /// means the order is where you wanted it, and comes back as [`OrderDeletion::AlreadyGone`]
    /// rather than an error. A `404` without `force` stays an error: trashing never makes an
    /// order disappear, so it means a wrong id.
    pub async fn delete(&self, id: u64, force: bool) -> Result<OrderDeletion, Error> {
        deletion::delete(
            &self.client,
            "orders.delete",
            &format!("orders/{id}"),
            force,
            &[],
        )
        .await
    }

    /// Create, update and delete many orders, 100 per request. `Ok` only when every item
    /// succeeded; see [`crate::batch`]. Batch deletes are permanent.
    pub async fn batch<C: Serialize, U: Serialize>(
        &self,
        request: &BatchRequest<C, U>,
    ) -> Result<BatchOutcome<Order>, PartialBatch<Order>> {
        batch::run(
            &self.client,
            "orders.batch",
            "orders/batch",
            request,
            MAX_BATCH_ITEMS,
        )
        .await
    }

    /// Like [`Orders::batch`] with smaller requests, for stores that lowered
    /// `woocommerce_rest_batch_items_limit`.
    pub async fn batch_in_chunks<C: Serialize, U: Serialize>(
        &self,
        request: &BatchRequest<C, U>,
        chunk_size: usize,
    ) -> Result<BatchOutcome<Order>, PartialBatch<Order>> {
        batch::run(
            &self.client,
            "orders.batch",
            "orders/batch",
            request,
            chunk_size,
        )
        .await
    }

    /// An order's notes, newest first (not paginated by WooCommerce).
    pub async fn notes(&self, order_id: u64) -> Result<Vec<OrderNote>, Error> {
        self.client
            .send(ApiRequest::get(
                "orders.notes.list",
                format!("orders/{order_id}/notes"),
            ))
            .await
    }

    /// One note.
    pub async fn note(&self, order_id: u64, note_id: u64) -> Result<OrderNote, Error> {
        self.client
            .send(ApiRequest::get(
                "orders.notes.get",
                format!("orders/{order_id}/notes/{note_id}"),
            ))
            .await
    }

    /// Add a note. Not retried after a timeout (it would add the note twice).
    pub async fn add_note(&self, order_id: u64, note: &NewOrderNote) -> Result<OrderNote, Error> {
        self.client
            .send(with_json(
                ApiRequest::post("orders.notes.create", format!("orders/{order_id}/notes")),
                note,
            )?)
            .await
    }

    /// An order's refunds.
    pub fn refunds(&self, order_id: u64) -> ListRequest<Refund> {
        ListRequest::new(
            self.client.clone(),
            "orders.refunds.list",
            format!("orders/{order_id}/refunds"),
        )
    }

    /// Create a refund (`POST /orders/<id>/refunds`). Mind `api_refund` ([`NewRefund`]): when
    /// true WooCommerce also asks the payment gateway to pay the money back. Not retried after a
    /// timeout (a second refund would be created).
    pub async fn create_refund<B: Serialize + ?Sized>(
        &self,
        order_id: u64,
        refund: &B,
    ) -> Result<Refund, Error> {
        self.client
            .send(with_json(
                ApiRequest::post(
                    "orders.refunds.create",
                    format!("orders/{order_id}/refunds"),
                ),
                refund,
            )?)
            .await
    }

    /// One refund.
    pub async fn refund(&self, order_id: u64, refund_id: u64) -> Result<Refund, Error> {
        self.client
            .send(ApiRequest::get(
                "orders.refunds.get",
                format!("orders/{order_id}/refunds/{refund_id}"),
            ))
            .await
    }
}

impl ListRequest<Order> {
    /// Only these statuses (default: any status except trash).
    pub fn status(mut self, statuses: impl IntoIterator<Item = OrderStatus>) -> Self {
        self.query.set_list(
            "status",
            statuses.into_iter().map(|s| s.as_str().to_string()),
        );
        self
    }

    /// Only this customer's orders.
    pub fn customer(mut self, customer_id: u64) -> Self {
        self.query.set("customer", customer_id);
        self
    }

    /// Only orders containing this product.
    pub fn product(mut self, product_id: u64) -> Self {
        self.query.set("product", product_id);
        self
    }

    /// Only orders with these parents (renewal orders of a subscription have it as parent).
    pub fn parent(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.query.set_list("parent", ids);
        self
    }

    /// Decimal places for money in the response (default: the store's setting).
    pub fn decimals(mut self, dp: u32) -> Self {
        self.query.set("dp", dp);
        self
    }
}
