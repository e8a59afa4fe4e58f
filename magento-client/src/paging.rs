//! Magento's two paging rules for the kit's paginator ([`ApiClient::pages`] /
//! [`ApiClient::items`]), and the checks only Magento needs.
//!
//! Magento's offset paging has a trap: asking for a page past the end does not return an empty
//! page on every version. Up to 2.3 the collection clamps `currentPage` and returns **the last
//! page again**; some 2.4 code paths return **page 1** again. A client that stops only on an
//! empty page loops forever. [`OffsetRule`] ends the scan on whichever comes first:
//!
//! 1. an empty page ([`PageEnd::Empty`], the kit's guard);
//! 2. a short page, `items < pageSize` ([`PageEnd::Short`], the rule);
//! 3. `requested page × pageSize ≥ total_count` ([`PageEnd::TotalReached`], the rule: computed
//!    from the page *we* asked for, never from the echoed criteria);
//! 4. a page whose ids repeat an earlier page ([`PageEnd::Repeated`], the kit's guard: the
//!    clamped replay);
//! 5. three pages in a row that bring no id not already yielded — this one is **an error**
//!    ([`Error::Paging`], the kit's `NoProgress`), not a normal end: the data moved under the
//!    scan and rows may not have been read.
//!
//! Every id is yielded at most once, so rows shifting between pages while orders arrive cause
//! neither duplicates nor a loop. But offset paging **can skip rows when the data changes during
//! the scan**: a row deleted (or moved out of the filter, or moved earlier by the sort) on a page
//! already read shifts the rows behind it one place forward, and the row that slides across the
//! page boundary is never seen. Use offset streams for reports and one-off exports; for anything
//! that must see every order use [`Orders::feed`](crate::Orders::feed) (keyset paging) or the
//! [`sync`](crate::sync) sources built on it.
//!
//! [`KeysetRule`] (driven by a [`KeysetPager`]) is the better tool for incremental sync: it
//! always asks for page 1 of `entity_id > last seen id` sorted by `entity_id` ascending, so there
//! is no offset to clamp and no row shift. Its check is stronger than the kit's guards: every
//! id must be strictly ascending and above the cursor, or the scan fails with
//! [`Error::KeysetViolation`] instead of skipping records. A short keyset page ends the scan only
//! when `total_count` is absent or the page holds all of it: servers and extensions that cap
//! `pageSize` below the requested size answer short pages long before the end.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
pub use sync_core::http::PageEnd;
use sync_core::http::{ApiClient, ApiRequest, HttpResponse, PageRead, PageRule, PagingError};

use crate::error::Error;
use crate::models::EntityId;
use crate::search::{Filter, SearchCriteria, SortDirection};
use crate::vendor::MagentoVendor;

/// One page of a search: `{"items": [...], "search_criteria": {...}, "total_count": N}`, plus
/// the page and page size that were asked for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct SearchPage<T> {
    /// The items (`null` or absent: none).
    #[serde(default = "Vec::new", deserialize_with = "null_as_empty")]
    pub items: Vec<T>,
    /// Magento's unpaged total, when the response had one.
    #[serde(default)]
    pub total_count: Option<u64>,
    /// The page that was requested (1-based).
    #[serde(skip)]
    pub current_page: u32,
    /// The page size that was requested.
    #[serde(skip)]
    pub page_size: u32,
    /// Magento's echo of the criteria, unparsed.
    #[serde(default)]
    pub search_criteria: Option<Value>,
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl<T> SearchPage<T> {
    /// A page as answered for `criteria` (for tests and custom transports).
    pub fn new(items: Vec<T>, total_count: Option<u64>, criteria: &SearchCriteria) -> Self {
        SearchPage {
            items,
            total_count,
            current_page: 0,
            page_size: 0,
            search_criteria: None,
        }
        .asked_with(criteria)
    }

    /// Record the page and page size `criteria` asked for.
    pub(crate) fn asked_with(mut self, criteria: &SearchCriteria) -> Self {
        self.current_page = criteria.effective_current_page();
        self.page_size = criteria.effective_page_size();
        self
    }

    /// Whether this page ends an offset scan by rules 1–3 of the module docs.
    pub fn is_last(&self) -> bool {
        self.end().is_some()
    }

    /// Which of rules 1–3 ends an offset scan at this page, if any.
    pub fn end(&self) -> Option<PageEnd> {
        if self.items.is_empty() {
            Some(PageEnd::Empty)
        } else if self.items.len() < self.page_size as usize {
            Some(PageEnd::Short)
        } else if self
            .total_count
            .is_some_and(|total| u64::from(self.current_page) * u64::from(self.page_size) >= total)
        {
            Some(PageEnd::TotalReached)
        } else {
            None
        }
    }
}

/// The search request for `criteria` on `route`.
pub(crate) fn search_request<T>(
    operation: &'static str,
    route: &str,
    criteria: &SearchCriteria,
) -> ApiRequest<SearchPage<T>> {
    ApiRequest::get(operation, route.to_string()).query_pairs(criteria.to_query_pairs())
}

/// Offset paging (`currentPage` 1, 2, …) over one search route, for [`ApiClient::pages`]: the
/// rule says when a page is short or the total is reached; the kit's guards end on an empty or
/// repeated page, skip ids already yielded, and fail a scan that stops making progress.
#[derive(Debug, Clone)]
pub struct OffsetRule<T> {
    operation: &'static str,
    route: String,
    criteria: SearchCriteria,
    next_page: u32,
    requested: SearchCriteria,
    item: PhantomData<fn() -> T>,
}

impl<T> OffsetRule<T> {
    /// Page through `criteria` on `route` (`orders`, `customers/search`), starting at its
    /// current page (1 when unset). Its page size and sort are used as they are.
    pub fn new(
        operation: &'static str,
        route: impl Into<String>,
        criteria: SearchCriteria,
    ) -> Self {
        OffsetRule {
            operation,
            route: route.into(),
            next_page: criteria.effective_current_page(),
            requested: criteria.clone(),
            criteria,
            item: PhantomData,
        }
    }
}

impl<T> PageRule for OffsetRule<T>
where
    T: DeserializeOwned + EntityId + Send + 'static,
{
    type Body = SearchPage<T>;
    type Item = T;

    fn next_request(&mut self) -> ApiRequest<SearchPage<T>> {
        self.requested = self.criteria.clone().current_page(self.next_page);
        self.next_page = self.next_page.saturating_add(1);
        search_request(self.operation, &self.route, &self.requested)
    }

    fn read_page(&mut self, body: SearchPage<T>, _: &HttpResponse) -> PageRead<T> {
        let page = body.asked_with(&self.requested);
        let end = page.end();
        PageRead {
            end,
            ..PageRead::more(page.items)
        }
        .with_total(page.total_count)
    }

    fn item_key(&self, item: &T) -> Option<String> {
        Some(item.entity_id().to_string())
    }

    /// Magento answers a page past the end with a page it answered before (the last page up
    /// to 2.3, page 1 on some 2.4 code paths), and its `total_count` may count rows no page
    /// returns.
    fn clamps_past_the_end(&self) -> bool {
        true
    }
}

/// Keyset paging: `field > last id`, sorted by `field` ascending, always page 1.
///
/// The state of a [`KeysetRule`]; drive it by hand over another transport with
/// [`next_criteria`](Self::next_criteria) and [`accept`](Self::accept).
///
/// ```
/// use magento_client::paging::KeysetPager;
/// use magento_client::SearchCriteria;
///
/// let pager = KeysetPager::new(SearchCriteria::new(), 100).after(Some(41));
/// let query = pager.next_criteria().unwrap().to_query_pairs();
/// assert!(query.contains(&("searchCriteria[filter_groups][0][filters][0][value]".into(), "41".into())));
/// assert!(query.contains(&("searchCriteria[sortOrders][0][field]".into(), "entity_id".into())));
/// assert!(query.contains(&("searchCriteria[currentPage]".into(), "1".into())));
/// ```
#[derive(Debug, Clone)]
pub struct KeysetPager {
    base: SearchCriteria,
    field: String,
    page_size: u32,
    after: Option<u64>,
    end: Option<PageEnd>,
}

impl KeysetPager {
    /// Page through `base`'s filters (its sort and paging are replaced) by `entity_id`.
    pub fn new(base: SearchCriteria, page_size: u32) -> Self {
        KeysetPager {
            base: base.without_paging_and_sort(),
            field: "entity_id".into(),
            page_size: page_size.max(1),
            after: None,
            end: None,
        }
    }

    /// Key on another numeric id field (default `entity_id`).
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Start after this id (`None`: from the beginning).
    pub fn after(mut self, after: Option<u64>) -> Self {
        self.after = after;
        self
    }

    /// The last id yielded (the cursor).
    pub fn cursor(&self) -> Option<u64> {
        self.after
    }

    /// Why paging stopped, once it has.
    pub fn end(&self) -> Option<PageEnd> {
        self.end
    }

    /// The filters the pager pages through (without its keyset filter).
    pub fn base_criteria(&self) -> &SearchCriteria {
        &self.base
    }

    /// The criteria for the next request, or `None` when paging is over.
    pub fn next_criteria(&self) -> Option<SearchCriteria> {
        if self.end.is_some() {
            return None;
        }
        let mut criteria = self.base.clone();
        if let Some(after) = self.after {
            criteria = criteria.filter(Filter::gt(self.field.clone(), after));
        }
        Some(
            criteria
                .sort(self.field.clone(), SortDirection::Asc)
                .page_size(self.page_size)
                .current_page(1),
        )
    }

    /// Take the page answered for the last [`KeysetPager::next_criteria`].
    ///
    /// Fails with [`Error::KeysetViolation`] when the ids are not strictly ascending and all
    /// greater than the cursor: continuing from the largest id would skip records.
    ///
    /// The scan ends on an empty page, or on a page that holds all of `total_count`. A short page
    /// (fewer rows than asked for) ends it only when `total_count` is absent or reached: every
    /// keyset request is page 1 of `entity_id > cursor`, so its `total_count` counts the rows
    /// from the cursor on, and a short page below it means the server capped `pageSize` (a
    /// proxy, an extension, input limits) — the next keyset page is fetched instead.
    pub fn accept<T: EntityId>(
        &mut self,
        page: SearchPage<T>,
        operation: &str,
    ) -> Result<Vec<T>, Error> {
        if page.items.is_empty() {
            self.end = Some(PageEnd::Empty);
            return Ok(Vec::new());
        }
        let ids: Vec<u64> = page.items.iter().map(EntityId::entity_id).collect();
        let mut previous = self.after;
        for &id in &ids {
            if previous.is_some_and(|p| id <= p) {
                self.end = Some(PageEnd::NoProgress);
                return Err(Error::KeysetViolation {
                    operation: operation.to_string(),
                    after: self.after,
                    ids: ids.iter().copied().take(20).collect(),
                });
            }
            previous = Some(id);
        }
        self.after = previous;
        let read = ids.len() as u64;
        match page.total_count {
            Some(total) if read >= total => self.end = Some(PageEnd::TotalReached),
            // Fewer rows than asked for, but the total says more follow: a capped page size.
            Some(total) if read < u64::from(self.page_size) => tracing::debug!(
                operation,
                read,
                total,
                requested = self.page_size,
                "short keyset page below total_count (page size capped by the server): continuing"
            ),
            Some(_) => {}
            None if read < u64::from(self.page_size) => self.end = Some(PageEnd::Short),
            None => {}
        }
        Ok(page.items)
    }
}

/// Keyset paging over one search route, for [`ApiClient::pages`], driven by a
/// [`KeysetPager`]. A broken keyset contract fails the scan
/// ([`PageRead::refused`]); use the rule through [`keyset_pages`], which reports it as
/// [`Error::KeysetViolation`] with the cursor and ids.
///
/// It gives the kit no item keys and no total: the pager's strictly-ascending check is
/// stronger than the repeat and progress guards, and a keyset page's `total_count` counts the
/// rows after *its* cursor, not the whole scan's.
#[derive(Debug)]
pub struct KeysetRule<T> {
    operation: &'static str,
    route: String,
    pager: KeysetPager,
    violation: Arc<Mutex<Option<Error>>>,
    item: PhantomData<fn() -> T>,
}

impl<T> KeysetRule<T> {
    /// Page `route` by keyset with `pager`.
    pub fn new(operation: &'static str, route: impl Into<String>, pager: KeysetPager) -> Self {
        KeysetRule {
            operation,
            route: route.into(),
            pager,
            violation: Arc::default(),
            item: PhantomData,
        }
    }
}

impl<T> PageRule for KeysetRule<T>
where
    T: DeserializeOwned + EntityId + Send + 'static,
{
    type Body = SearchPage<T>;
    type Item = T;

    fn next_request(&mut self) -> ApiRequest<SearchPage<T>> {
        // The kit asks only while the last page did not end the scan, so there is a next one.
        let criteria = self
            .pager
            .next_criteria()
            .unwrap_or_else(|| self.pager.base.clone());
        search_request(self.operation, &self.route, &criteria)
    }

    fn read_page(&mut self, body: SearchPage<T>, _: &HttpResponse) -> PageRead<T> {
        match self.pager.accept(body, self.operation) {
            // No total: a keyset page's total_count counts the rows after its own cursor.
            Ok(items) => PageRead {
                end: self.pager.end(),
                ..PageRead::more(items)
            },
            Err(violation) => {
                // The kit fails the scan; `keyset_pages` reports the violation with its ids
                // (the kit's PagingError carries a message only).
                let refused = PagingError::refused(violation.to_string());
                *self.violation.lock().unwrap_or_else(|e| e.into_inner()) = Some(violation);
                PageRead::refused(refused)
            }
        }
    }
}

/// The pages of a keyset scan, each a non-empty batch of items; a broken keyset contract ends
/// the stream with [`Error::KeysetViolation`].
pub fn keyset_pages<T>(
    api: &ApiClient<MagentoVendor>,
    rule: KeysetRule<T>,
) -> impl Stream<Item = Result<Vec<T>, Error>> + Send + 'static
where
    T: DeserializeOwned + EntityId + Send + 'static,
{
    let violation = rule.violation.clone();
    match rule.pager.base.validate() {
        Ok(()) => api
            .pages(rule)
            .map_ok(|page| page.items)
            .try_filter(|items| std::future::ready(!items.is_empty()))
            .map_err(move |e| {
                let kept = violation.lock().unwrap_or_else(|p| p.into_inner()).take();
                kept.unwrap_or(e)
            })
            .left_stream(),
        Err(e) => stream::once(std::future::ready(Err(e))).right_stream(),
    }
}

/// Every record of an offset scan over `route` with `criteria`, each at most once.
///
/// `entity_id ASC` is added as the last sort key (a stable order is what makes offset paging
/// safe), and `default_page_size` when `criteria` has none.
pub(crate) fn offset_items<T>(
    api: &ApiClient<MagentoVendor>,
    operation: &'static str,
    route: &str,
    criteria: SearchCriteria,
    default_page_size: u32,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + EntityId + Send + 'static,
{
    let criteria = if criteria.sorts_on("entity_id") {
        criteria
    } else {
        criteria.sort("entity_id", SortDirection::Asc)
    };
    let criteria = if criteria.has_page_size() {
        criteria
    } else {
        criteria.page_size(default_page_size)
    };
    match criteria.validate() {
        Ok(()) => api
            .items(OffsetRule::new(operation, route, criteria))
            .left_stream(),
        Err(e) => stream::once(std::future::ready(Err(e))).right_stream(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::http::reqwest::StatusCode;
    use sync_core::http::reqwest::header::HeaderMap;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Row(u64);
    impl EntityId for Row {
        fn entity_id(&self) -> u64 {
            self.0
        }
    }

    fn page(ids: &[u64], total: Option<u64>, criteria: &SearchCriteria) -> SearchPage<Row> {
        SearchPage::new(ids.iter().map(|&i| Row(i)).collect(), total, criteria)
    }

    fn response() -> HttpResponse {
        HttpResponse::new(StatusCode::OK, HeaderMap::new(), "")
    }

    /// What the rule says about the page answered to its next request.
    fn offset_read(rule: &mut OffsetRule<Row>, ids: &[u64], total: Option<u64>) -> PageRead<Row> {
        rule.next_request();
        let body = page(ids, total, &rule.requested);
        rule.read_page(body, &response())
    }

    #[test]
    fn offset_stops_on_total_short_and_empty() {
        let mut rule = OffsetRule::new("t", "orders", SearchCriteria::new().page_size(2));
        let read = offset_read(&mut rule, &[1, 2], Some(4));
        assert_eq!((read.items.len(), read.end), (2, None));
        let read = offset_read(&mut rule, &[3, 4], Some(4));
        assert_eq!(rule.requested.effective_current_page(), 2);
        assert_eq!(
            (read.items.len(), read.end),
            (2, Some(PageEnd::TotalReached))
        );

        let mut rule = OffsetRule::new("t", "orders", SearchCriteria::new().page_size(2));
        assert_eq!(offset_read(&mut rule, &[1], None).end, Some(PageEnd::Short));

        let mut rule = OffsetRule::new("t", "orders", SearchCriteria::new().page_size(2));
        assert_eq!(
            offset_read(&mut rule, &[], Some(10)).end,
            Some(PageEnd::Empty)
        );
    }

    #[test]
    fn offset_requests_carry_the_page_asked_for() {
        let mut rule = OffsetRule::<Row>::new(
            "t",
            "orders",
            SearchCriteria::new().page_size(2).current_page(3),
        );
        let first = rule.next_request();
        let second = rule.next_request();
        let page = |r: &ApiRequest<SearchPage<Row>>| {
            r.query_list()
                .iter()
                .find(|(k, _)| k == "searchCriteria[currentPage]")
                .map(|(_, v)| v.clone())
        };
        assert_eq!(page(&first).as_deref(), Some("3"));
        assert_eq!(page(&second).as_deref(), Some("4"));
        assert_eq!(rule.item_key(&Row(7)).as_deref(), Some("7"));
    }

    #[test]
    fn keyset_refuses_to_skip() {
        let mut k = KeysetPager::new(SearchCriteria::new(), 3).after(Some(5));
        let c = k.next_criteria().unwrap();
        assert_eq!(k.accept(page(&[6, 7, 9], None, &c), "t").unwrap().len(), 3);
        assert_eq!(k.cursor(), Some(9));
        let c = k.next_criteria().unwrap();
        // The server ignored the sort: 12 before 10 would make us skip 11.
        let err = k.accept(page(&[12, 10, 11], None, &c), "t").unwrap_err();
        assert!(matches!(err, Error::KeysetViolation { .. }));
        assert_eq!(k.cursor(), Some(9));

        let mut k = KeysetPager::new(SearchCriteria::new(), 3).after(Some(5));
        let c = k.next_criteria().unwrap();
        assert!(k.accept(page(&[1, 2, 3], None, &c), "t").is_err());

        let mut k = KeysetPager::new(SearchCriteria::new(), 3);
        let c = k.next_criteria().unwrap();
        k.accept(page(&[1, 2], None, &c), "t").unwrap();
        assert_eq!(k.end(), Some(PageEnd::Short));
    }

    #[test]
    fn keyset_rule_ends_the_page_and_keeps_the_violation() {
        let mut rule = KeysetRule::<Row>::new(
            "t",
            "orders",
            KeysetPager::new(SearchCriteria::new(), 3).after(Some(5)),
        );
        rule.next_request();
        let c = rule.pager.next_criteria().unwrap();
        let read = rule.read_page(page(&[4, 6, 7], Some(3), &c), &response());
        assert!(read.items.is_empty());
        let refused = read.refused.expect("the scan fails");
        assert!(refused.message.contains("entity_id gt"), "{refused}");
        let kept = rule.violation.lock().unwrap().take();
        assert!(matches!(
            kept,
            Some(Error::KeysetViolation { after: Some(5), .. })
        ));
    }

    #[test]
    fn keyset_rule_gives_the_kit_no_total() {
        let mut rule =
            KeysetRule::<Row>::new("t", "orders", KeysetPager::new(SearchCriteria::new(), 2));
        rule.next_request();
        let c = rule.pager.next_criteria().unwrap();
        let read = rule.read_page(page(&[1, 2], Some(9), &c), &response());
        assert_eq!((read.items.len(), read.end), (2, None));
        assert!(read.total.is_none(), "a keyset total is not the scan's");
    }

    #[test]
    fn keyset_short_page_below_the_total_continues() {
        // Asked for 5, the server capped at 2, and says 5 rows follow the cursor.
        let mut k = KeysetPager::new(SearchCriteria::new(), 5);
        let c = k.next_criteria().unwrap();
        k.accept(page(&[1, 2], Some(5), &c), "t").unwrap();
        assert_eq!(k.end(), None);
        let c = k.next_criteria().unwrap();
        k.accept(page(&[3, 4], Some(3), &c), "t").unwrap();
        assert_eq!(k.end(), None);
        let c = k.next_criteria().unwrap();
        k.accept(page(&[5], Some(1), &c), "t").unwrap();
        assert_eq!(k.end(), Some(PageEnd::TotalReached));
        assert_eq!(k.cursor(), Some(5));
    }

    #[test]
    fn null_items_read_as_none() {
        let page: SearchPage<Row> =
            serde_json::from_str(r#"{"items": null, "total_count": 0}"#).unwrap();
        assert!(page.items.is_empty());
        let page: SearchPage<Row> = serde_json::from_str(r#"{"total_count": 0}"#).unwrap();
        assert!(page.items.is_empty());
    }
}
