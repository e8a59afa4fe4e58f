//! Requests for customers (`/customers`).
//!
//! **`/customers` has no date filter.** WooCommerce does not support `modified_after` (or
//! `after`) on customers, and WordPress silently ignores unknown parameters, so such a request
//! returns *every* customer. This crate therefore offers no `modified_after` on customer lists.
//! To find changed customers either receive `customer.*` webhooks, or scan everything with
//! [`Customers::scan_modified_since`], which says in its name what it costs.

use chrono::{DateTime, Utc};
use futures_core::Stream;
use futures_util::TryStreamExt;
use serde::Serialize;
use sync_core::http::ApiRequest;

use crate::batch::{self, BatchOutcome, BatchRequest, MAX_BATCH_ITEMS, PartialBatch};
use crate::client::{Client, with_json};
use crate::deletion::{self, Deletion};
use crate::error::Error;
use crate::models::Customer;
use crate::pagination::ListRequest;

/// Customer requests; get one with [`Client::customers`].
///
/// ```
/// # use wiremock::matchers::{method, path};
/// # use wiremock::{Mock, MockServer, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = MockServer::start().await;
/// # Mock::given(method("GET")).and(path("/wp-json/wc/v3/customers"))
/// #     .respond_with(ResponseTemplate::new(200).insert_header("X-WP-TotalPages", "1").set_body_json(serde_json::json!([{"id": 25, "email": "john.doe@example.com", "role": "customer"}])))
/// #     .mount(&server).await;
/// # let client = woo_client::Client::builder(server.uri())
/// #     .credentials(woo_client::Credentials::new("ck_example", "cs_example")).build()?;
/// use futures_util::TryStreamExt;
/// let found: Vec<_> = client
///     .customers()
///     .list()
///     .email("john.doe@example.com")
///     .stream()
///     .try_collect()
///     .await?;
/// assert_eq!(found[0].id, 25);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Customers {
    client: Client,
}

impl Customers {
    pub(crate) fn new(client: Client) -> Self {
        Customers { client }
    }

    /// List customers. WooCommerce lists the `customer` role unless told otherwise; use
    /// `.role("all")` for every role.
    pub fn list(&self) -> ListRequest<Customer> {
        ListRequest::new(self.client.clone(), "customers.list", "customers")
    }

    /// One customer.
    pub async fn get(&self, id: u64) -> Result<Customer, Error> {
        self.client
            .send(ApiRequest::get("customers.get", format!("customers/{id}")))
            .await
    }

    /// Update a customer (`PUT`): a [`CustomerPatch`](crate::models::CustomerPatch) or any body.
    pub async fn update<B: Serialize + ?Sized>(
        &self,
        id: u64,
        changes: &B,
    ) -> Result<Customer, Error> {
        self.client
            .send(with_json(
                ApiRequest::put("customers.update", format!("customers/{id}")),
                changes,
            )?)
            .await
    }

    /// Create a customer (`POST /customers`; WooCommerce needs at least `email`). Not retried
    /// after a timeout: a retry would find the email taken (`registration-error-email-exists`).
    pub async fn create<B: Serialize + ?Sized>(&self, customer: &B) -> Result<Customer, Error> {
        self.client
            .send(with_json(
                ApiRequest::post("customers.create", "customers"),
                customer,
            )?)
            .await
    }

    /// Delete a customer for good. Customers have no trash, so `force=true` is always sent;
    /// `reassign` gives their posts to another user. A retry that finds the customer gone
    /// answers [`Deletion::AlreadyGone`].
    pub async fn delete(
        &self,
        id: u64,
        reassign: Option<u64>,
    ) -> Result<Deletion<Customer>, Error> {
        let extra: Vec<(&str, String)> = reassign
            .map(|user| ("reassign", user.to_string()))
            .into_iter()
            .collect();
        deletion::delete(
            &self.client,
            "customers.delete",
            &format!("customers/{id}"),
            true,
            &extra,
        )
        .await
    }

    /// Create, update and delete many customers, 100 per request. `Ok` only when every item
    /// succeeded; see [`crate::batch`].
    pub async fn batch<C: Serialize, U: Serialize>(
        &self,
        request: &BatchRequest<C, U>,
    ) -> Result<BatchOutcome<Customer>, PartialBatch<Customer>> {
        batch::run(
            &self.client,
            "customers.batch",
            "customers/batch",
            request,
            MAX_BATCH_ITEMS,
        )
        .await
    }

    /// Customers modified at or after `since`, found the only way WooCommerce allows: by
    /// reading **every** customer and filtering on `date_modified_gmt` here. Its cost grows with
    /// the store, not with the changes. Customers without a modification date are included
    /// (they cannot be ruled out).
    pub fn scan_modified_since(
        &self,
        since: DateTime<Utc>,
    ) -> impl Stream<Item = Result<Customer, Error>> + Send + 'static {
        self.list().stream().try_filter(move |c| {
            let keep = c.date_modified_gmt.is_none_or(|t| t >= since);
            std::future::ready(keep)
        })
    }
}

impl ListRequest<Customer> {
    /// Only this email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.query.set("email", email.into());
        self
    }

    /// Only this role (`customer`, `subscriber`, or `all`).
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.query.set("role", role.into());
        self
    }
}
