//! Requests for WooCommerce Subscriptions (`/subscriptions`, plugin version 3.1 or later).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sync_core::http::reqwest::Method;

use crate::client::Client;
use crate::deletion::{self, Deletion};
use crate::error::Error;
use crate::models::{
    NewOrderNote, Order, OrderNote, Subscription, SubscriptionPatch, SubscriptionStatus,
};
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

    /// Create a subscription (`POST /subscriptions`: `customer_id`, `billing_period`,
    /// `billing_interval`, `line_items`…). Not retried after a timeout (it would create two).
    pub async fn create<B: Serialize + ?Sized>(
        &self,
        subscription: &B,
    ) -> Result<Subscription, Error> {
        self.client
            .call(
                "subscriptions.create",
                Method::POST,
                "subscriptions",
                &Query::new(),
                Some(subscription),
                false,
            )
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
            .call::<(), _>(
                "subscriptions.notes.list",
                Method::GET,
                &format!("subscriptions/{subscription_id}/notes"),
                &Query::new(),
                None,
                true,
            )
            .await
    }

    /// Add a note to a subscription. Not retried after a timeout (it would add it twice).
    pub async fn add_note(
        &self,
        subscription_id: u64,
        note: &NewOrderNote,
    ) -> Result<OrderNote, Error> {
        self.client
            .call(
                "subscriptions.notes.create",
                Method::POST,
                &format!("subscriptions/{subscription_id}/notes"),
                &Query::new(),
                Some(note),
                false,
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
