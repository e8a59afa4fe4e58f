//! Requests for products (`/products`) and variations (`/products/<id>/variations`).

use serde::Serialize;
use sync_core::http::ApiRequest;

use crate::batch::{self, BatchOutcome, BatchRequest, MAX_BATCH_ITEMS, PartialBatch};
use crate::client::{Client, with_json};
use crate::deletion::{self, Deletion};
use crate::error::Error;
use crate::models::{Product, ProductStatus, ProductType, ProductVariation, StockStatus};
use crate::pagination::ListRequest;

/// Product requests; get one with [`Client::products`].
///
/// ```
/// # use wiremock::matchers::{method, path};
/// # use wiremock::{Mock, MockServer, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = MockServer::start().await;
/// # Mock::given(method("GET")).and(path("/wp-json/wc/v3/products/794"))
/// #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 794, "name": "Premium Quality", "sku": "PQ-1", "price": "21.99"})))
/// #     .mount(&server).await;
/// # let client = woo_client::Client::builder(server.uri())
/// #     .credentials(woo_client::Credentials::new("ck_example", "cs_example")).build()?;
/// let product = client.products().get(794).await?;
/// assert_eq!(product.price.map(|p| p.to_string()).as_deref(), Some("21.99"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Products {
    client: Client,
}

impl Products {
    pub(crate) fn new(client: Client) -> Self {
        Products { client }
    }

    /// List products.
    pub fn list(&self) -> ListRequest<Product> {
        ListRequest::new(self.client.clone(), "products.list", "products")
    }

    /// One product.
    pub async fn get(&self, id: u64) -> Result<Product, Error> {
        self.client
            .send(ApiRequest::get("products.get", format!("products/{id}")))
            .await
    }

    /// Create a product. Not retried after a timeout.
    pub async fn create<B: Serialize + ?Sized>(&self, product: &B) -> Result<Product, Error> {
        self.client
            .send(with_json(
                ApiRequest::post("products.create", "products"),
                product,
            )?)
            .await
    }

    /// Update a product (`PUT`): a [`ProductPatch`](crate::models::ProductPatch) or any body.
    pub async fn update<B: Serialize + ?Sized>(
        &self,
        id: u64,
        changes: &B,
    ) -> Result<Product, Error> {
        self.client
            .send(with_json(
                ApiRequest::put("products.update", format!("products/{id}")),
                changes,
            )?)
            .await
    }

    /// Move a product to the trash, or delete it for good with `force`. A retry that finds it
    /// already trashed or deleted answers [`Deletion::AlreadyGone`].
    pub async fn delete(&self, id: u64, force: bool) -> Result<Deletion<Product>, Error> {
        deletion::delete(
            &self.client,
            "products.delete",
            &format!("products/{id}"),
            force,
            &[],
        )
        .await
    }

    /// Create, update and delete many products, 100 per request; see [`crate::batch`].
    pub async fn batch<C: Serialize, U: Serialize>(
        &self,
        request: &BatchRequest<C, U>,
    ) -> Result<BatchOutcome<Product>, PartialBatch<Product>> {
        batch::run(
            &self.client,
            "products.batch",
            "products/batch",
            request,
            MAX_BATCH_ITEMS,
        )
        .await
    }

    /// A product's variations.
    pub fn variations(&self, product_id: u64) -> Variations {
        Variations {
            client: self.client.clone(),
            product_id,
        }
    }
}

impl ListRequest<Product> {
    /// Only this type.
    pub fn kind(mut self, kind: ProductType) -> Self {
        self.query.set("type", kind.as_str());
        self
    }

    /// Only this status (default `any`).
    pub fn status(mut self, status: ProductStatus) -> Self {
        self.query.set("status", status.as_str());
        self
    }

    /// Only this SKU (a comma-separated list is accepted by WooCommerce).
    pub fn sku(mut self, sku: impl Into<String>) -> Self {
        self.query.set("sku", sku.into());
        self
    }

    /// Only this stock status.
    pub fn stock_status(mut self, status: StockStatus) -> Self {
        self.query.set("stock_status", status.as_str());
        self
    }

    /// Only products in this category.
    pub fn category(mut self, category_id: u64) -> Self {
        self.query.set("category", category_id);
        self
    }
}

/// Variation requests for one product; get one with [`Products::variations`].
#[derive(Debug, Clone)]
pub struct Variations {
    client: Client,
    product_id: u64,
}

impl Variations {
    fn path(&self, rest: &str) -> String {
        format!("products/{}/variations{rest}", self.product_id)
    }

    /// List the variations.
    pub fn list(&self) -> ListRequest<ProductVariation> {
        ListRequest::new(self.client.clone(), "variations.list", self.path(""))
    }

    /// One variation.
    pub async fn get(&self, id: u64) -> Result<ProductVariation, Error> {
        self.client
            .send(ApiRequest::get(
                "variations.get",
                self.path(&format!("/{id}")),
            ))
            .await
    }

    /// Create a variation. Not retried after a timeout.
    pub async fn create<B: Serialize + ?Sized>(
        &self,
        variation: &B,
    ) -> Result<ProductVariation, Error> {
        self.client
            .send(with_json(
                ApiRequest::post("variations.create", self.path("")),
                variation,
            )?)
            .await
    }

    /// Update a variation.
    pub async fn update<B: Serialize + ?Sized>(
        &self,
        id: u64,
        changes: &B,
    ) -> Result<ProductVariation, Error> {
        self.client
            .send(with_json(
                ApiRequest::put("variations.update", self.path(&format!("/{id}"))),
                changes,
            )?)
            .await
    }

    /// Delete a variation for good. Variations have no trash: WooCommerce refuses a delete
    /// without `force=true` (`501 woocommerce_rest_trash_not_supported`), so it is always sent.
    pub async fn delete(&self, id: u64) -> Result<Deletion<ProductVariation>, Error> {
        deletion::delete(
            &self.client,
            "products.variations.delete",
            &format!("products/{}/variations/{id}", self.product_id),
            true,
            &[],
        )
        .await
    }

    /// Create, update and delete many variations, 100 per request; see [`crate::batch`].
    pub async fn batch<C: Serialize, U: Serialize>(
        &self,
        request: &BatchRequest<C, U>,
    ) -> Result<BatchOutcome<ProductVariation>, PartialBatch<ProductVariation>> {
        batch::run(
            &self.client,
            "variations.batch",
            &self.path("/batch"),
            request,
            MAX_BATCH_ITEMS,
        )
        .await
    }
}
