//! Read access to customers, products, invoices, shipments and credit memos: get one, search
//! one page with [`SearchCriteria`], or stream every match with the crate's offset paging
//! (which cannot loop; see [`paging`](crate::paging)).
//!
//! | resource | get | search | ACL resource |
//! | --- | --- | --- | --- |
//! | [`Customer`] | `GET /V1/customers/{id}` | `GET /V1/customers/search` | `Magento_Customer::customer` |
//! | [`Product`] | `GET /V1/products/{sku}` | `GET /V1/products` | `Magento_Catalog::products` |
//! | [`Invoice`] | `GET /V1/invoices/{id}` | `GET /V1/invoices` | `Magento_Sales::sales_invoice` |
//! | [`Shipment`] | `GET /V1/shipment/{id}` | `GET /V1/shipments` | `Magento_Sales::shipment` |
//! | [`Creditmemo`] | `GET /V1/creditmemo/{id}` | `GET /V1/creditmemos` | `Magento_Sales::sales_creditmemo` |

use std::fmt;
use std::marker::PhantomData;

use futures_core::Stream;
use serde::de::DeserializeOwned;
use sync_core::http::ApiRequest;

use crate::client::Client;
use crate::error::Error;
use crate::models::{Creditmemo, Customer, EntityId, Invoice, Product, Shipment};
use crate::paging::{SearchPage, offset_items, search_request};
use crate::requests::path_segment;
use crate::search::SearchCriteria;

/// A resource type this crate reads: its routes and the id field its search sorts on.
pub trait ResourceModel: DeserializeOwned + EntityId + Send + 'static {
    /// Names the operation in logs and errors (`customers`).
    const NAME: &'static str;
    /// The route of one record, `{}` standing for its key (`customers/{}`).
    const GET_ROUTE: &'static str;
    /// The search route (`customers/search`).
    const SEARCH_ROUTE: &'static str;
}

/// A resource whose records are fetched by numeric id.
pub trait ById: ResourceModel {}

macro_rules! resource {
    ($model:ty, $name:literal, $get:literal, $search:literal) => {
        impl ResourceModel for $model {
            const NAME: &'static str = $name;
            const GET_ROUTE: &'static str = $get;
            const SEARCH_ROUTE: &'static str = $search;
        }
    };
}

resource!(Customer, "customers", "customers/{}", "customers/search");
resource!(Product, "products", "products/{}", "products");
resource!(Invoice, "invoices", "invoices/{}", "invoices");
resource!(Shipment, "shipments", "shipment/{}", "shipments");
resource!(Creditmemo, "creditmemos", "creditmemo/{}", "creditmemos");
impl ById for Customer {}
impl ById for Invoice {}
impl ById for Shipment {}
impl ById for Creditmemo {}

/// Read access to one resource. Get it from [`Client::customers`], [`Client::products`],
/// [`Client::invoices`], [`Client::shipments`] or [`Client::creditmemos`].
pub struct Resource<T> {
    client: Client,
    _model: PhantomData<fn() -> T>,
}

impl<T> Clone for Resource<T> {
    fn clone(&self) -> Self {
        Resource {
            client: self.client.clone(),
            _model: PhantomData,
        }
    }
}

impl<T: ResourceModel> fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("name", &T::NAME)
            .finish_non_exhaustive()
    }
}

impl<T: ResourceModel> Resource<T> {
    pub(crate) fn new(client: Client) -> Self {
        Resource {
            client,
            _model: PhantomData,
        }
    }

    async fn get_by_key(&self, key: &str) -> Result<T, Error> {
        let path = T::GET_ROUTE.replace("{}", &path_segment(key));
        self.client.api().send(ApiRequest::get(T::NAME, path)).await
    }

    /// One page of the search route with `criteria` (page size always sent).
    pub async fn search(&self, criteria: &SearchCriteria) -> Result<SearchPage<T>, Error> {
        let criteria = if criteria.has_page_size() {
            criteria.clone()
        } else {
            criteria.clone().page_size(self.client.page_size())
        };
        criteria.validate()?;
        let page = self
            .client
            .api()
            .send(search_request(T::NAME, T::SEARCH_ROUTE, &criteria))
            .await?;
        Ok(page.asked_with(&criteria))
    }

    /// Every record matching `criteria`, page by page, each at most once; `entity_id ASC` is
    /// added as the last sort key. Same end rules and caveats as
    /// [`Orders::search_stream`](crate::Orders::search_stream): it cannot loop, and fails with
    /// [`Error::Paging`] rather than end early when rows move under it.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// use magento_client::{Client, Credentials, Filter, SearchCriteria};
    /// use wiremock::matchers::{method, path, query_param};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let magento = MockServer::start().await;
    /// let customer = |id: u64| serde_json::json!({
    ///     "id": id, "email": format!("c{id}@example.com"), "firstname": "Jane", "lastname": "Doe",
    ///     "website_id": 1, "store_id": 1
    /// });
    /// // Two pages of two; the second is short, so the scan ends without a third request.
    /// for (page, ids) in [("1", vec![1, 2]), ("2", vec![3])] {
    ///     Mock::given(method("GET"))
    ///         .and(path("/rest/V1/customers/search"))
    ///         .and(query_param("searchCriteria[currentPage]", page))
    ///         .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    ///             "items": ids.into_iter().map(customer).collect::<Vec<_>>(), "total_count": 3
    ///         })))
    ///         .expect(1)
    ///         .mount(&magento)
    ///         .await;
    /// }
    ///
    /// let client = Client::builder(magento.uri())
    ///     .credentials(Credentials::integration_bearer("integration-token"))
    ///     .build()?;
    /// let criteria = SearchCriteria::new().filter(Filter::eq("website_id", 1)).page_size(2);
    /// let customers: Vec<_> = client.customers().search_stream(criteria).try_collect().await?;
    /// assert_eq!(customers.len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn search_stream(
        &self,
        criteria: SearchCriteria,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        offset_items(
            self.client.api(),
            T::NAME,
            T::SEARCH_ROUTE,
            criteria,
            self.client.page_size(),
        )
    }
}

impl<T: ById> Resource<T> {
    /// The record with this id.
    pub async fn get(&self, id: u64) -> Result<T, Error> {
        self.get_by_key(&id.to_string()).await
    }
}

impl Resource<Product> {
    /// The product with this SKU (a `/` or space in it is percent-encoded for the path).
    pub async fn get_by_sku(&self, sku: &str) -> Result<Product, Error> {
        self.get_by_key(sku).await
    }
}

impl Client {
    /// Customers: get by id, search (`/V1/customers/search`), stream.
    pub fn customers(&self) -> Resource<Customer> {
        Resource::new(self.clone())
    }

    /// Products: get by SKU, search, stream.
    pub fn products(&self) -> Resource<Product> {
        Resource::new(self.clone())
    }

    /// Invoices: get by id, search, stream.
    pub fn invoices(&self) -> Resource<Invoice> {
        Resource::new(self.clone())
    }

    /// Shipments: get by id, search, stream.
    pub fn shipments(&self) -> Resource<Shipment> {
        Resource::new(self.clone())
    }

    /// Credit memos (refunds): get by id, search, stream.
    pub fn creditmemos(&self) -> Resource<Creditmemo> {
        Resource::new(self.clone())
    }
}
