//! Orders: `GET /V1/orders` (search), `GET /V1/orders/{id}`, lookups by increment id, and
//! streams that page safely.

use std::collections::VecDeque;
use std::future::Future;

use chrono::{DateTime, Utc};
use futures_core::Stream;

use crate::client::Client;
use crate::error::Error;
use crate::models::Order;
use crate::paging::{KeysetPager, Page, SearchResult};
use crate::search::{Filter, SearchCriteria, SortDirection};
use crate::search_stream::{SearchPages, offset_stream};

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
    pub async fn search(&self, criteria: &SearchCriteria) -> Result<Page<Order>, Error> {
        criteria.validate()?;
        let url = self.client.rest_url("orders", true);
        let result: SearchResult<Order> = self
            .client
            .fetch_json("orders.search", url, &criteria.to_query_pairs())
            .await?;
        Ok(result.into_page(criteria))
    }

    /// `GET /V1/orders/{entity_id}`.
    pub async fn get(&self, entity_id: u64) -> Result<Order, Error> {
        let url = self.client.rest_url(&format!("orders/{entity_id}"), true);
        self.client.fetch_json("orders.get", url, &[]).await
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
    /// the stream fails with [`Error::OffsetPagingStalled`] instead of ending early.
    ///
    /// **Offset paging can skip rows when the data changes during the scan**: an order deleted,
    /// or moved out of the filter or earlier in the sort, on a page already read shifts the rows
    /// behind it forward, and one row slips past unseen. For incremental reads, or anything that
    /// must see every order, use [`Orders::feed`] (keyset paging), which has no offsets at all.
    pub fn search_stream(
        &self,
        criteria: SearchCriteria,
    ) -> impl Stream<Item = Result<Order, Error>> + Send + 'static {
        offset_stream(self.clone(), criteria, self.client.page_size())
    }

    /// Every order of `feed`, by keyset paging on `entity_id` (ascending, always page 1).
    ///
    /// Orders placed while the stream runs are picked up when their id comes; none is yielded
    /// twice. If Magento ignores the `entity_id` filter or sort the stream fails with
    /// [`Error::KeysetViolation`] rather than skip orders.
    pub fn feed(
        &self,
        feed: OrderFeed,
    ) -> impl Stream<Item = Result<Order, Error>> + Send + 'static {
        let pager = feed.pager(self.client.page_size());
        let state = (self.clone(), pager, VecDeque::new());
        futures_util::stream::try_unfold(state, |(orders, mut pager, mut buffer)| async move {
            loop {
                if let Some(order) = buffer.pop_front() {
                    return Ok(Some((order, (orders, pager, buffer))));
                }
                match orders.next_keyset_page(&mut pager).await? {
                    Some(page) => buffer.extend(page),
                    None => return Ok(None),
                }
            }
        })
    }

    /// Fetch the next page of a keyset pager: `None` when it is done. Pages are never empty.
    pub async fn next_keyset_page(
        &self,
        pager: &mut KeysetPager,
    ) -> Result<Option<Vec<Order>>, Error> {
        loop {
            let Some(criteria) = pager.next_criteria() else {
                return Ok(None);
            };
            let page = self.search(&criteria).await?;
            let items = pager.accept(page, "orders.search")?;
            if !items.is_empty() {
                return Ok(Some(items));
            }
        }
    }
}

impl SearchPages for Orders {
    type Item = Order;

    fn search_page(
        &self,
        criteria: &SearchCriteria,
    ) -> impl Future<Output = Result<Page<Order>, Error>> + Send {
        self.search(criteria)
    }
}
