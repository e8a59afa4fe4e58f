//! Paged lists: [`ListRequest`] reads one [`Page`] with its totals, every page, or a `Stream` of
//! every item, through sync-core's one paginator ([`ApiClient::pages`](sync_core::http::ApiClient::pages)).
//!
//! WooCommerce pages by number (`page`, `per_page` up to 100) and reports `X-WP-Total` and
//! `X-WP-TotalPages`. A scan ends on an empty page, at the last page by `X-WP-TotalPages`, or
//! when the items read reach `X-WP-Total`; without the headers (a proxy stripped them) it reads
//! on to the first empty page, or until a page repeats the previous one byte for byte (a server
//! that ignores `page`).

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::de::DeserializeOwned;
use sync_core::http::{ApiRequest, HttpResponse, PageEnd, PageRead, PageRule};

use crate::client::Client;
use crate::error::Error;
use crate::query::{Query, wire_pairs};

/// WooCommerce's largest page (`per_page` maximum).
pub const MAX_PER_PAGE: u32 = 100;

/// One page of a list, with the totals WooCommerce reports in `X-WP-Total` and
/// `X-WP-TotalPages` (absent when a proxy strips them).
///
/// sync-core's [`Page`](sync_core::http::Page) has no page size or page count; WooCommerce's
/// sync sources compare `X-WP-TotalPages` across a run, so this crate keeps its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The records on this page.
    pub items: Vec<T>,
    /// This page's number (1-based).
    pub page: u32,
    /// The page size asked for.
    pub per_page: u32,
    /// Records matching the filters (`X-WP-Total`).
    pub total: Option<u64>,
    /// Pages at this page size (`X-WP-TotalPages`).
    pub total_pages: Option<u32>,
}

impl<T> Page<T> {
    /// The next page to read, or `None` when this one is the last: it is empty, or its number
    /// reached `X-WP-TotalPages`. Without the header, reading continues until an empty page.
    pub fn next_page(&self) -> Option<u32> {
        if self.items.is_empty() {
            return None;
        }
        match self.total_pages {
            Some(total) if self.page >= total => None,
            _ => self.page.checked_add(1),
        }
    }

    /// `true` when there is nothing after this page.
    pub fn is_last(&self) -> bool {
        self.next_page().is_none()
    }
}

/// Sort key for lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrderBy {
    /// By id (the default here: stable across pages while records change).
    Id,
    /// By creation date (WooCommerce breaks ties by id in recent versions only).
    Date,
    /// By modification date (newer WooCommerce; older versions reject it with 400).
    Modified,
    /// By title or name.
    Title,
    /// By slug.
    Slug,
    /// In the order of the `include` list.
    Include,
}

impl OrderBy {
    fn as_str(self) -> &'static str {
        match self {
            OrderBy::Id => "id",
            OrderBy::Date => "date",
            OrderBy::Modified => "modified",
            OrderBy::Title => "title",
            OrderBy::Slug => "slug",
            OrderBy::Include => "include",
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Ascending (the default here).
    #[default]
    Asc,
    /// Descending (WooCommerce's own default).
    Desc,
}

/// A list request for records of type `T`: filters, page size, and three ways to read it
/// ([`ListRequest::send`] for one page, [`ListRequest::stream`] for every item,
/// [`ListRequest::pages`] for every page).
///
/// Lists are sorted by id ascending unless you choose otherwise: new records then land on later
/// pages, so records *added* while you page can only repeat. Records that *leave* the result set
/// while you page (trashed, deleted, a status change under a status filter) shift later records
/// up, and one can fall onto a page already read and be skipped. Compare each page's
/// [`Page::total`] with the first page's to notice it, as the [`crate::sync`] sources do.
///
/// Filters that only some resources support are methods on `ListRequest<Order>`,
/// `ListRequest<Subscription>` and so on, so `ListRequest<Customer>` has no `modified_after`:
/// WooCommerce would silently ignore it and return every customer.
#[must_use = "a list request does nothing until sent or streamed"]
pub struct ListRequest<T> {
    pub(crate) client: Client,
    pub(crate) operation: &'static str,
    pub(crate) path: String,
    pub(crate) query: Query,
    pub(crate) page: u32,
    pub(crate) per_page: u32,
    _records: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ListRequest<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListRequest")
            .field("operation", &self.operation)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("page", &self.page)
            .field("per_page", &self.per_page)
            .finish()
    }
}

impl<T> Clone for ListRequest<T> {
    fn clone(&self) -> Self {
        ListRequest {
            client: self.client.clone(),
            operation: self.operation,
            path: self.path.clone(),
            query: self.query.clone(),
            page: self.page,
            per_page: self.per_page,
            _records: PhantomData,
        }
    }
}

impl<T> ListRequest<T>
where
    T: DeserializeOwned + Send + 'static,
{
    pub(crate) fn new(client: Client, operation: &'static str, path: impl Into<String>) -> Self {
        let mut query = Query::new();
        query.set("orderby", OrderBy::Id.as_str());
        query.set("order", "asc");
        ListRequest {
            client,
            operation,
            path: path.into(),
            query,
            page: 1,
            per_page: MAX_PER_PAGE,
            _records: PhantomData,
        }
    }

    /// Records per page, 1 to 100 (default 100; WooCommerce rejects more).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, MAX_PER_PAGE);
        self
    }

    /// The page [`ListRequest::send`] reads, and where streams start (default 1).
    pub fn page(mut self, page: u32) -> Self {
        self.page = page.max(1);
        self
    }

    /// Sort key and direction.
    pub fn order_by(mut self, key: OrderBy, order: SortOrder) -> Self {
        self.query.set("orderby", key.as_str());
        self.query.set(
            "order",
            match order {
                SortOrder::Asc => "asc",
                SortOrder::Desc => "desc",
            },
        );
        self
    }

    /// Only these ids.
    pub fn include(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.query.set_list("include", ids);
        self
    }

    /// Not these ids.
    pub fn exclude(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.query.set_list("exclude", ids);
        self
    }

    /// A free-text search.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.query.set("search", text.into());
        self
    }

    /// Any other query parameter (a plugin's filter, `_fields`…).
    pub fn param(mut self, name: &str, value: impl ToString) -> Self {
        self.query.set(name, value);
        self
    }

    /// Read one page (the one set with [`ListRequest::page`], default 1).
    pub async fn send(&self) -> Result<Page<T>, Error> {
        let request = self.request(self.page);
        let response = self.client.send_raw(&request).await?;
        let items: Vec<T> = self.client.api.decode(self.operation, &response)?;
        let totals = Totals::read(&response);
        Ok(Page {
            items,
            page: self.page,
            per_page: self.per_page,
            total: totals.total,
            total_pages: totals.total_pages,
        })
    }

    /// Read every page and return all records. For large stores prefer [`ListRequest::stream`].
    pub async fn all(self) -> Result<Vec<T>, Error> {
        self.stream().try_collect().await
    }

    /// Every record, page after page, until an empty page, the last page by
    /// `X-WP-TotalPages`, or `X-WP-Total` records. The stream ends after the first error.
    ///
    /// Consume it with `futures_util::TryStreamExt` (`try_next`, `try_collect`…).
    pub fn stream(self) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        if let Err(e) = self.client.check(&self.request(self.page)) {
            return stream::once(async { Err(e) }).boxed();
        }
        let (rule, _) = self.rule();
        self.client.api.items(rule).boxed()
    }

    /// Every page, with its totals. The stream ends after the first error.
    pub fn pages(self) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'static {
        if let Err(e) = self.client.check(&self.request(self.page)) {
            return stream::once(async { Err(e) }).boxed();
        }
        let (rule, last) = self.rule();
        let (first, per_page) = (self.page, self.per_page);
        self.client
            .api
            .pages(rule)
            .map_ok(move |page| {
                // The rule recorded this page's headers just before the page was yielded.
                let totals = last.lock().map(|t| *t).unwrap_or_default();
                Page {
                    items: page.items,
                    page: first + page.number - 1,
                    per_page,
                    total: page.total,
                    total_pages: totals.total_pages,
                }
            })
            .boxed()
    }

    /// The request for page `page`.
    fn request(&self, page: u32) -> ApiRequest<Vec<T>> {
        let mut query = self.query.clone();
        query.set("page", page);
        query.set("per_page", self.per_page);
        ApiRequest::get(self.operation, self.path.clone()).query_pairs(wire_pairs(query.params()))
    }

    /// The paging rule for this list, and the cell where it leaves each page's totals.
    fn rule(&self) -> (PageNumbers<T>, Arc<Mutex<Totals>>) {
        let last = Arc::new(Mutex::new(Totals::default()));
        let rule = PageNumbers {
            request: self.request(self.page),
            next: self.page,
            previous_untotalled: None,
            last: last.clone(),
        };
        (rule, last)
    }
}

fn digest(body: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(body, &mut hasher);
    std::hash::Hasher::finish(&hasher)
}

/// `X-WP-Total` / `X-WP-TotalPages` of one response.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    total: Option<u64>,
    total_pages: Option<u32>,
}

impl Totals {
    fn read(response: &HttpResponse) -> Totals {
        Totals {
            total: response
                .header("x-wp-total")
                .and_then(|v| v.trim().parse().ok()),
            total_pages: response
                .header("x-wp-totalpages")
                .and_then(|v| v.trim().parse().ok()),
        }
    }
}

/// WooCommerce's paging rule for sync-core's paginator: `page=N` from the first page asked
/// for; the last page by `X-WP-TotalPages`; `X-WP-Total` as the total. Items carry no key on
/// purpose: the [`crate::sync`] sources keep every repeat visible and drop them by
/// `(id, date_modified_gmt)`, so a record modified between two pages is read in its new state.
struct PageNumbers<T> {
    request: ApiRequest<Vec<T>>,
    next: u32,
    /// A digest of the previous page's body, when it came without totals.
    previous_untotalled: Option<u64>,
    /// Where the headers of the page just read are left for [`ListRequest::pages`].
    last: Arc<Mutex<Totals>>,
}

impl<T: DeserializeOwned + Send> PageRule for PageNumbers<T> {
    type Body = Vec<T>;
    type Item = T;

    fn next_request(&mut self) -> ApiRequest<Vec<T>> {
        let request = self.request.clone().set_query("page", self.next);
        self.next = self.next.saturating_add(1);
        request
    }

    fn read_page(&mut self, items: Vec<T>, response: &HttpResponse) -> PageRead<T> {
        let page = self.next - 1;
        let totals = Totals::read(response);
        if let Ok(mut last) = self.last.lock() {
            *last = totals;
        }
        if totals.total.is_none() && totals.total_pages.is_none() {
            // Without totals the scan reads on to an empty page; a server that ignores `page`
            // would answer the same page forever. The same bytes twice in a row end it.
            let digest = digest(&response.body);
            if self.previous_untotalled.replace(digest) == Some(digest) {
                return PageRead::last(Vec::new(), PageEnd::Repeated);
            }
        }
        let read = match totals.total_pages {
            Some(pages) if page >= pages => PageRead::last(items, PageEnd::Short),
            _ => PageRead::more(items),
        };
        read.with_total(totals.total)
    }
}

/// Resources whose lists filter by creation and modification date (orders, subscriptions,
/// products). Customers are deliberately not among them.
pub trait DateFiltered: sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::models::Order {}
    impl Sealed for crate::models::Subscription {}
    impl Sealed for crate::models::Product {}
}
impl DateFiltered for crate::models::Order {}
impl DateFiltered for crate::models::Subscription {}
impl DateFiltered for crate::models::Product {}

impl<T> ListRequest<T>
where
    T: DateFiltered + DeserializeOwned + Send + 'static,
{
    fn gmt(mut self, name: &str, at: DateTime<Utc>) -> Self {
        self.query.set_gmt(name, at);
        // Without this WooCommerce compares the value with the site's local time (WC ≥ 5.4).
        self.query.set("dates_are_gmt", "true");
        self
    }

    /// Created after `at` (exclusive), compared in UTC.
    pub fn after(self, at: DateTime<Utc>) -> Self {
        self.gmt("after", at)
    }

    /// Created before `at` (exclusive), compared in UTC.
    pub fn before(self, at: DateTime<Utc>) -> Self {
        self.gmt("before", at)
    }

    /// Modified after `at` (exclusive), compared in UTC against `date_modified_gmt`.
    ///
    /// Needs WooCommerce 5.4 or later: older versions ignore `dates_are_gmt` and compare `at`
    /// with the site's local time (a window that starts late on stores west of UTC).
    pub fn modified_after(self, at: DateTime<Utc>) -> Self {
        self.gmt("modified_after", at)
    }

    /// Modified before `at` (exclusive), compared in UTC.
    pub fn modified_before(self, at: DateTime<Utc>) -> Self {
        self.gmt("modified_before", at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: usize, page: u32, total_pages: Option<u32>) -> Page<u8> {
        Page {
            items: vec![0; items],
            page,
            per_page: 10,
            total: None,
            total_pages,
        }
    }

    #[test]
    fn next_page_rules() {
        assert_eq!(page(10, 1, Some(3)).next_page(), Some(2));
        assert_eq!(page(10, 3, Some(3)).next_page(), None);
        assert_eq!(page(0, 1, Some(3)).next_page(), None, "empty page ends");
        assert_eq!(page(4, 1, None).next_page(), Some(2), "no header: read on");
        assert_eq!(page(0, 2, None).next_page(), None);
    }
}
