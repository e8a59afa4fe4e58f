//! Requests for WooCommerce Subscriptions (`/subscriptions`, plugin version 3.1 or later).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sync_core::http::ApiRequest;

use crate::client::{Client, with_json};
use crate::deletion::{self, Deletion};
use crate::error::Error;
use crate::models::{
    NewOrderNote, Order, OrderNote, Subscription, SubscriptionPatch, SubscriptionStatus,
};
use crate::pagination::ListRequest;

/// Subscription requests; get one with [`Client::subscriptions`].
///
/// ```
/// # use wiremock::matchers::{method, path};
/// # use wiremock::{Mock, MockServer, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = MockServer::start().await;
/// # Mock::given(method("GET")).and(path("/wp-json/wc/v3/subscriptions"))
/// #     .respond_with(ResponseTemplate::new(200).insert_header("X-WP-Total", "1").insert_header("X-WP-TotalPages", "1").set_body_json(serde_json::json!([{"id": 157, "status": "active", "billing_period": "month", "billing_interval": "1"}])))
/// #     .mount(&server).await;
/// # let client = woo_client::Client::builder(server.uri())
/// #     .credentials(woo_client::Credentials::new("ck_example", "cs_example")).build()?;
/// use woo_client::models::SubscriptionStatus;
/// let page = client
///     .subscriptions()
///     .list()
///     .status([SubscriptionStatus::Active])
///     .send()
///     .await?;
/// assert_eq!((page.items[0].id, page.total, page.is_last()), (157, Some(1), true));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Subscriptions {
    client: Client,
}

impl Subscriptions {
    pub(crate) fn new(client: Client) -> Self {
        Subscriptions { client }
    }

    /// List subscriptions (same filters as orders: status, dates in UTC).
    pub fn list(&self) -> ListRequest<Subscription> {
        ListRequest::new(self.client.clone(), "subscriptions.list", "subscriptions")
    }

    /// One subscription.
    pub async fn get(&self, id: u64) -> Result<Subscription, Error> {
        self.client
            .send(ApiRequest::get(
                "subscriptions.get",
                format!("subscriptions/{id}"),
            ))
            .await
    }

    /// Create a subscription (`POST /subscriptions`: `customer_id`, `billing_period`,
    /// `billing_interval`, `line_items`…). Not retried after a timeout (it would create two).
    pub async fn create<B: Serialize + ?Sized>(
        &self,
        subscription: &B,
    ) -> Result<Subscription, Error> {
        self.client
            .send(with_json(
                ApiRequest::post("subscriptions.create", "subscriptions"),
                subscription,
            )?)
            .await
    }

    /// Move a subscription to the trash, or delete it for good with `force`. A retry that finds
    /// it already trashed or deleted answers [`Deletion::AlreadyGone`].
    pub async fn delete(&self, id: u64, force: bool) -> Result<Deletion<Subscription>, Error> {
        deletion::delete(
            &self.client,
            "subscriptions.delete",
            &format!("subscriptions/{id}"),
            force,
            &[],
        )
        .await
    }

    /// A subscription's notes (`/subscriptions/<id>/notes`), newest first.
    pub async fn notes(&self, subscription_id: u64) -> Result<Vec<OrderNote>, Error> {
        self.client
            .send(ApiRequest::get(
                "subscriptions.notes.list",
                format!("subscriptions/{subscription_id}/notes"),
            ))
            .await
    }

    /// Add a note to a subscription. Not retried after a timeout (it would add it twice).
    pub async fn add_note(
        &self,
        subscription_id: u64,
        note: &NewOrderNote,
    ) -> Result<OrderNote, Error> {
        self.client
            .send(with_json(
                ApiRequest::post(
                    "subscriptions.notes.create",
                    format!("subscriptions/{subscription_id}/notes"),
                ),
                note,
            )?)
            .await
    }

    /// Update a subscription (`PUT`): a [`SubscriptionPatch`] or any body.
    ///
    /// Date changes that break WooCommerce Subscriptions' ordering rules come back as a 400
    /// (with the misleading code `woocommerce_rest_invalid_payment_data` in some versions).
    pub async fn update<B: Serialize + ?Sized>(
        &self,
        id: u64,
        changes: &B,
    ) -> Result<Subscription, Error> {
        self.client
            .send(with_json(
                ApiRequest::put("subscriptions.update", format!("subscriptions/{id}")),
                changes,
            )?)
            .await
    }

    /// Move the next renewal to `at`, given in UTC and written in GMT as WooCommerce
    /// Subscriptions expects (`YYYY-MM-DD HH:MM:SS`). WooCommerce Subscriptions checks the date
    /// against the rest of the schedule and answers 400 when it does not fit.
    pub async fn set_next_payment_date(
        &self,
        id: u64,
        at: DateTime<Utc>,
    ) -> Result<Subscription, Error> {
        self.update(id, &SubscriptionPatch::default().next_payment_date(at))
            .await
    }

    /// The statuses this store knows, keyed with their `wc-` prefix (`wc-active` → `Active`).
    pub async fn statuses(&self) -> Result<BTreeMap<String, String>, Error> {
        self.client
            .send(ApiRequest::get(
                "subscriptions.statuses",
                "subscriptions/statuses",
            ))
            .await
    }

    /// The parent, renewal and switch orders of a subscription (all in one response; each carries
    /// an `order_type` in `extra`).
    pub async fn orders(&self, id: u64) -> Result<Vec<Order>, Error> {
        self.client
            .send(ApiRequest::get(
                "subscriptions.orders",
                format!("subscriptions/{id}/orders"),
            ))
            .await
    }
}

impl ListRequest<Subscription> {
    /// Only these statuses.
    pub fn status(mut self, statuses: impl IntoIterator<Item = SubscriptionStatus>) -> Self {
        self.query.set_list(
            "status",
            statuses.into_iter().map(|s| s.as_str().to_string()),
        );
        self
    }

    /// Only this customer's subscriptions.
    pub fn customer(mut self, customer_id: u64) -> Self {
        self.query.set("customer", customer_id);
        self
    }

    /// Only subscriptions containing this product.
    pub fn product(mut self, product_id: u64) -> Self {
        self.query.set("product", product_id);
        self
    }
}
