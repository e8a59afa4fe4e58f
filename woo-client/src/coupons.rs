//! Requests for coupons (`/coupons`).

use serde::Serialize;
use sync_core::http::ApiRequest;

use crate::client::{Client, with_json};
use crate::deletion::{self, Deletion};
use crate::error::Error;
use crate::models::Coupon;
use crate::pagination::ListRequest;

/// Coupon requests; get one with [`Client::coupons`].
#[derive(Debug, Clone)]
pub struct Coupons {
    client: Client,
}

impl Coupons {
    pub(crate) fn new(client: Client) -> Self {
        Coupons { client }
    }

    /// List coupons; narrow with `.code(…)`.
    pub fn list(&self) -> ListRequest<Coupon> {
        ListRequest::new(self.client.clone(), "coupons.list", "coupons")
    }

    /// One coupon.
    pub async fn get(&self, id: u64) -> Result<Coupon, Error> {
        self.client
            .send(ApiRequest::get("coupons.get", format!("coupons/{id}")))
            .await
    }

    /// Create a coupon (`code`, `discount_type`, `amount`…). Not retried after a timeout: a
    /// retry would find the code taken (`woocommerce_rest_coupon_code_already_exists`).
    pub async fn create<B: Serialize + ?Sized>(&self, coupon: &B) -> Result<Coupon, Error> {
        self.client
            .send(with_json(
                ApiRequest::post("coupons.create", "coupons"),
                coupon,
            )?)
            .await
    }

    /// Update a coupon (`PUT`).
    pub async fn update<B: Serialize + ?Sized>(
        &self,
        id: u64,
        changes: &B,
    ) -> Result<Coupon, Error> {
        self.client
            .send(with_json(
                ApiRequest::put("coupons.update", format!("coupons/{id}")),
                changes,
            )?)
            .await
    }

    /// Move a coupon to the trash, or delete it for good with `force`. A retry that finds it
    /// already trashed or deleted answers [`Deletion::AlreadyGone`].
    pub async fn delete(&self, id: u64, force: bool) -> Result<Deletion<Coupon>, Error> {
        deletion::delete(
            &self.client,
            "coupons.delete",
            &format!("coupons/{id}"),
            force,
            &[],
        )
        .await
    }
}

impl ListRequest<Coupon> {
    /// Only the coupon with this code.
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.query.set("code", code.into());
        self
    }
}
