//! Orders: `GET /V1/orders` (search), `GET /V1/orders/{id}`, lookups by increment id, and
//! streams that page safely.

use chrono::{DateTime, Utc};
use futures_core::Stream;
use futures_util::TryStreamExt;
use sync_core::http::ApiRequest;

use crate::client::Client;
use crate::error::Error;
use crate::models::Order;
use crate::paging::{
    KeysetPager, KeysetRule, SearchPage, keyset_pages, offset_items, search_request,
};
use crate::search::{Filter, SearchCriteria, SortDirection};

/// The orders search route, scoped to the client's store code.
const ROUTE: &str = "orders";
/// The operation name of order searches, in spans and errors.
const SEARCH: &str = "orders.search";

/// The orders resource. Get it from [`Client::orders`].
#[derive(Debug, Clone)]
pub struct Orders {
    client: Client,
}

/// An incremental order query: keyset paging by `entity_id`, optionally limited to one store and
/// to orders changed since an instant.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use magento_client::OrderFeed;
///
/// let feed = OrderFeed::new()
///     .store(1)
///     .updated_since(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap())
///     .after_entity_id(4100);
/// let first = feed.pager(100).next_criteria().unwrap().to_query_pairs();
/// assert!(first.contains(&(
///     "searchCriteria[filter_groups][1][filters][0][value]".into(),
///     "2026-11-01 00:00:00".into()
/// )));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderFeed {
    store_id: Option<u32>,
    after_entity_id: Option<u64>,
    updated_since: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    filters: Vec<Filter>,
    page_size: Option<u32>,
}

impl OrderFeed {
    /// Every order, from the first.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only orders of this store view (`store_id`). The store code in the URL does not do this.
    pub fn store(mut self, store_id: u32) -> Self {
        self.store_id = Some(store_id);
        self
    }

    /// Only orders with `entity_id` greater than `id`.
    pub fn after_entity_id(mut self, id: u64) -> Self {
        self.after_entity_id = Some(id);
        self
    }

    /// Like [`OrderFeed::after_entity_id`], from an optional cursor.
    pub fn after(mut self, id: Option<u64>) -> Self {
        self.after_entity_id = id;
        self
    }

    /// Only orders with `updated_at >= since` (inclusive: Magento timestamps have one-second
    /// resolution, and a strict `gt` would miss orders updated in the same second).
    pub fn updated_since(mut self, since: DateTime<Utc>) -> Self {
        self.updated_since = Some(since);
        self
    }

    /// Only orders with `created_at < before`. [`OrderSource`](crate::sync::OrderSource) uses
    /// this as its settle window: an order whose `entity_id` is taken but whose checkout has
    /// not committed yet is invisible, and must not be passed by a keyset cursor.
    pub fn created_before(mut self, before: DateTime<Utc>) -> Self {
        self.created_before = Some(before);
        self
    }

    /// An extra filter, AND-ed with the rest (e.g. `Filter::neq("state", "canceled")`).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filters.push(filter);
        self
    }

    /// Page size (default: the client's).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// The store this feed is limited to.
    pub fn store_id(&self) -> Option<u32> {
        self.store_id
    }

    /// The filters without keyset or paging.
    pub fn base_criteria(&self) -> SearchCriteria {
        let mut criteria = SearchCriteria::new();
        if let Some(store) = self.store_id {
            criteria = criteria.filter(Filter::eq("store_id", store));
        }
        if let Some(since) = self.updated_since {
            criteria = criteria.filter(Filter::gteq("updated_at", since));
        }
        if let Some(before) = self.created_before {
            criteria = criteria.filter(Filter::lt("created_at", before));
        }
        for f in &self.filters {
            criteria = criteria.filter(f.clone());
        }
        criteria
    }

    /// A keyset pager for this feed; `default_page_size` applies when none was set.
    pub fn pager(&self, default_page_size: u32) -> KeysetPager {
        KeysetPager::new(
            self.base_criteria(),
            self.page_size.unwrap_or(default_page_size),
        )
        .after(self.after_entity_id)
    }
}

impl Orders {
    pub(crate) fn new(client: Client) -> Self {
        Orders { client }
    }

    /// One page of `GET /V1/orders?searchCriteria…`.
    pub async fn search(&self, criteria: &SearchCriteria) -> Result<SearchPage<Order>, Error> {
        criteria.validate()?;
        let page = self
            .client
            .api()
            .send(search_request(SEARCH, ROUTE, criteria))
            .await?;
        Ok(page.asked_with(criteria))
    }

    /// `GET /V1/orders/{entity_id}`. A missing order is an [`Error::Api`] with status 404.
    ///
    /// ```
    /// use magento_client::sync_core::http::{ClientError, ErrorKind};
    /// use magento_client::{Client, Credentials};
    /// use wiremock::matchers::{method, path};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let magento = MockServer::start().await;
    /// Mock::given(method("GET"))
    ///     .and(path("/rest/V1/orders/3"))
    ///     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    ///         "entity_id": 3, "increment_id": "000000003", "order_currency_code": "USD",
    ///         "grand_total": 165, "created_at": "2017-08-21 22:22:19",
    ///         "updated_at": "2017-08-21 22:22:20"
    ///     })))
    ///     .mount(&magento)
    ///     .await;
    /// Mock::given(method("GET"))
    ///     .and(path("/rest/V1/orders/4"))
    ///     .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
    ///         "message": "The entity that was requested doesn't exist. Verify the entity and try again."
    ///     })))
    ///     .mount(&magento)
    ///     .await;
    ///
    /// let client = Client::builder(magento.uri())
    ///     .credentials(Credentials::integration_bearer("integration-token"))
    ///     .build()?;
    /// let order = client.orders().get(3).await?;
    /// assert_eq!(order.grand_total_money().unwrap().rounded().to_string(), "165.00 USD");
    /// let missing = client.orders().get(4).await.unwrap_err();
    /// assert_eq!(missing.kind(), ErrorKind::NotFound);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, entity_id: u64) -> Result<Order, Error> {
        let request = ApiRequest::get("orders.get", format!("{ROUTE}/{entity_id}"));
        self.client.api().send(request).await
    }

    /// The order with this customer-facing number (`"000000003"`). Increment ids are unique per
    /// store; if several stores have one, this fails with [`Error::AmbiguousIncrementId`].
    pub async fn get_by_increment_id(&self, increment_id: &str) -> Result<Order, Error> {
        self.by_increment_id(increment_id, None).await
    }

    /// The order with this increment id in one store view.
    pub async fn get_by_increment_id_in_store(
        &self,
        increment_id: &str,
        store_id: u32,
    ) -> Result<Order, Error> {
        self.by_increment_id(increment_id, Some(store_id)).await
    }

    async fn by_increment_id(
        &self,
        increment_id: &str,
        store: Option<u32>,
    ) -> Result<Order, Error> {
        let mut criteria = SearchCriteria::new().filter(Filter::eq("increment_id", increment_id));
        if let Some(store) = store {
            criteria = criteria.filter(Filter::eq("store_id", store));
        }
        // Two rows are enough to tell "unique" from "ambiguous".
        let criteria = criteria.sort("entity_id", SortDirection::Asc).page_size(10);
        let mut page = self.search(&criteria).await?;
        // Some repositories treat `eq` on strings loosely (collations): keep exact matches only.
        page.items.retain(|o| o.increment_id == increment_id);
        match page.items.len() {
            0 => Err(Error::NotFound {
                what: match store {
                    Some(s) => format!("order with increment id {increment_id:?} in store {s}"),
                    None => format!("order with increment id {increment_id:?}"),
                },
            }),
            1 => Ok(page.items.remove(0)),
            _ => Err(Error::AmbiguousIncrementId {
                increment_id: increment_id.to_string(),
                store_ids: page.items.iter().filter_map(|o| o.store_id).collect(),
            }),
        }
    }

    /// Every order matching `criteria`, page by page (offset paging), each order at most once.
    ///
    /// The stream ends on an empty page, a short page, `page × pageSize ≥ total_count`, or a page
    /// Magento repeats (see [`paging`](crate::paging)); it cannot loop. `entity_id ASC` is added
    /// as the last sort key so the order is stable. If several pages in a row bring no new order
    /// the stream fails with [`Error::Paging`] instead of ending early.
    ///
    /// **Offset paging can skip rows when the data changes during the scan**: an order deleted,
    /// or moved out of the filter or earlier in the sort, on a page already read shifts the rows
    /// behind it forward, and one row slips past unseen. For incremental reads, or anything that
    /// must see every order, use [`Orders::feed`] (keyset paging), which has no offsets at all.
    pub fn search_stream(
        &self,
        criteria: SearchCriteria,
    ) -> impl Stream<Item = Result<Order, Error>> + Send + 'static {
        offset_items(
            self.client.api(),
            SEARCH,
            ROUTE,
            criteria,
            self.client.page_size(),
        )
    }

    /// Every order of `feed`, by keyset paging on `entity_id` (ascending, always page 1).
    ///
    /// Orders placed while the stream runs are picked up when their id comes; none is yielded
    /// twice. If Magento ignores the `entity_id` filter or sort the stream fails with
    /// [`Error::KeysetViolation`] rather than skip orders.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// use magento_client::{Client, Credentials, OrderFeed};
    /// use wiremock::matchers::{method, path, query_param};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let magento = MockServer::start().await;
    /// let order = |id: u64| serde_json::json!({
    ///     "entity_id": id, "increment_id": format!("{id:09}"), "store_id": 1,
    ///     "created_at": "2026-11-20 10:00:00", "updated_at": "2026-11-20 10:00:00"
    /// });
    /// // Page 1 of `entity_id > 41`, sorted by entity_id: fewer rows than asked for ends it.
    /// Mock::given(method("GET"))
    ///     .and(path("/rest/V1/orders"))
    ///     .and(query_param("searchCriteria[filter_groups][1][filters][0][value]", "41"))
    ///     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
    ///         "items": [order(42), order(43)], "total_count": 2
    ///     })))
    ///     .mount(&magento)
    ///     .await;
    ///
    /// let client = Client::builder(magento.uri())
    ///     .credentials(Credentials::integration_bearer("integration-token"))
    ///     .build()?;
    /// let feed = OrderFeed::new().store(1).after_entity_id(41);
    /// let orders: Vec<_> = client.orders().feed(feed).try_collect().await?;
    /// assert_eq!(orders.iter().map(|o| o.entity_id).collect::<Vec<_>>(), [42, 43]);
    /// # Ok(()) }
    /// ```
    pub fn feed(
        &self,
        feed: OrderFeed,
    ) -> impl Stream<Item = Result<Order, Error>> + Send + 'static {
        self.feed_pages(feed)
            .map_ok(|page| futures_util::stream::iter(page.into_iter().map(Ok)))
            .try_flatten()
    }

    /// [`Orders::feed`] page by page: each item a non-empty batch of orders, in `entity_id`
    /// order (what the [`sync`](crate::sync) sources hand to the engine as batches).
    pub fn feed_pages(
        &self,
        feed: OrderFeed,
    ) -> impl Stream<Item = Result<Vec<Order>, Error>> + Send + 'static {
        let pager = feed.pager(self.client.page_size());
        keyset_pages(self.client.api(), KeysetRule::new(SEARCH, ROUTE, pager))
    }
}
