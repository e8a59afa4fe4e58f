//! Requests for WooCommerce Subscriptions (`/subscriptions`, plugin version 3.1 or later).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sync_core::http::reqwest::Method;

use crate::client::Client;
use crate::error::Error;
use crate::models::{Order, Subscription, SubscriptionPatch, SubscriptionStatus};
use crate::pagination::ListRequest;
use crate::query::Query;

/// Subscription requests; get one with [`Client::subscriptions`].
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
            .call::<(), _>(
                "subscriptions.get",
                Method::GET,
                &format!("subscriptions/{id}"),
                &Query::new(),
                None,
                true,
            )
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
            .call(
                "subscriptions.update",
                Method::PUT,
                &format!("subscriptions/{id}"),
                &Query::new(),
                Some(changes),
                true,
            )
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
            .call::<(), _>(
                "subscriptions.statuses",
                Method::GET,
                "subscriptions/statuses",
                &Query::new(),
                None,
                true,
            )
            .await
    }

    /// The parent, renewal and switch orders of a subscription (all in one response; each carries
    /// an `order_type` in `extra`).
    pub async fn orders(&self, id: u64) -> Result<Vec<Order>, Error> {
        self.client
            .call::<(), _>(
                "subscriptions.orders",
                Method::GET,
                &format!("subscriptions/{id}/orders"),
                &Query::new(),
                None,
                true,
            )
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
