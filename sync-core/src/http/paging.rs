//! One paginator for every vendor: [`ApiClient::pages`] and [`ApiClient::items`] as streams
//! over a [`PageRule`], with the guards that keep a scan from looping or skipping.
//!
//! A rule knows the vendor's paging (offset with totals, keyset, page numbers with
//! `has_more`, Graph cursors): which request asks for the next page, and what a page says
//! about the ones after it. The paginator adds, for every vendor:
//!
//! 1. [`PageEnd::Empty`]: a page with no items ends the scan;
//! 2. [`PageEnd::Short`] / [`PageEnd::TotalReached`]: the rule's own end (fewer items than
//!    asked for, the total reached, no next cursor);
//! 3. [`PageEnd::Repeated`]: a page whose item keys equal an earlier page's ends the scan
//!    (servers that answer a page past the end with the last page, or page 1, again);
//! 4. [`PageEnd::NoProgress`]: pages that bring no new key several times in a row end the
//!    scan with a [`PagingError`] — rows moved under the scan and some may not have been read.
//!
//! Items whose key was already yielded are not yielded again (rows shifting between offset
//! pages). Rules without item keys get guards 1 and 2 only.

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::de::DeserializeOwned;

use super::api_client::ApiClient;
use super::request::ApiRequest;
use super::response::HttpResponse;
use super::vendor::Vendor;

/// How many pages in a row may bring nothing new before the scan is refused.
const NO_PROGRESS_LIMIT: u32 = 3;

/// Why paging stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PageEnd {
    /// The page had no items.
    Empty,
    /// The page had fewer items than asked for, or the server said no more follow
    /// (`has_more: false`, no next cursor, the last page number).
    Short,
    /// The items read reached the total the server reported.
    TotalReached,
    /// The server answered a page it had answered before (past-the-end clamping).
    Repeated,
    /// Pages kept bringing nothing new; reported as a [`PagingError`], never a normal end.
    NoProgress,
}

/// What the rule read from one page.
#[derive(Debug)]
pub struct PageRead<I> {
    /// The page's items, in order.
    pub items: Vec<I>,
    /// `Some(end)` when this page is the last one by the vendor's rule.
    pub end: Option<PageEnd>,
    /// The server's total of items for the whole scan, when it reports one. A rule whose every
    /// request counts only what lies after its cursor (keyset paging) leaves it out: the
    /// paginator ends the scan once the items read reach it.
    pub total: Option<u64>,
    /// The server's count of pages, when it reports one (`X-WP-TotalPages`).
    pub total_pages: Option<u32>,
    /// The rule found the server breaking its paging contract (a keyset page out of order):
    /// the scan ends with this error instead of skipping records.
    pub refused: Option<PagingError>,
}

impl<I> PageRead<I> {
    /// A page after which more may follow.
    pub fn more(items: Vec<I>) -> Self {
        PageRead {
            items,
            end: None,
            total: None,
            total_pages: None,
            refused: None,
        }
    }

    /// The last page.
    pub fn last(items: Vec<I>, end: PageEnd) -> Self {
        PageRead {
            end: Some(end),
            ..PageRead::more(items)
        }
    }

    /// A page that breaks the paging contract: the scan fails with `error`.
    pub fn refused(error: PagingError) -> Self {
        PageRead {
            refused: Some(error),
            ..PageRead::more(Vec::new())
        }
    }

    /// Record the server's total of items for the whole scan.
    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }

    /// Record the server's count of pages.
    pub fn with_total_pages(mut self, pages: Option<u32>) -> Self {
        self.total_pages = pages;
        self
    }
}

/// A vendor's paging rule: the request for each page, and what each page says.
pub trait PageRule: Send {
    /// What one page's body decodes into.
    type Body: DeserializeOwned + Send;
    /// One item.
    type Item: Send;

    /// The request for the next page. Called once before each page; the rule keeps its own
    /// position (page number, offset, last key, cursor).
    fn next_request(&mut self) -> ApiRequest<Self::Body>;

    /// Read a page: its items, and whether it is the last one. `response` gives the headers
    /// (`X-WP-TotalPages`) when the count lives there.
    fn read_page(&mut self, body: Self::Body, response: &HttpResponse) -> PageRead<Self::Item>;

    /// A stable key per item (its id), which turns on the repeat and no-progress guards and
    /// drops items already yielded. Default: none.
    fn item_key(&self, item: &Self::Item) -> Option<String> {
        let _ = item;
        None
    }

    /// Whether items whose key was yielded before are dropped (default `true`). A rule whose
    /// caller must see a record again (read in its newer state between two pages, and
    /// de-duplicated by the caller on id and modification time) answers `false`: the repeat
    /// and no-progress guards still count keys, but every item is yielded.
    fn drop_repeated_items(&self) -> bool {
        true
    }

    /// Whether this server answers a page past the end with a page it answered before, even
    /// while its total claims more (Magento up to 2.3 repeats the last page, some 2.4 code
    /// paths page 1; its `total_count` can count rows no page returns). Then a repeated page
    /// ends the scan whatever the total says. Default `false`: a page repeated short of the
    /// total is a server ignoring the page asked for, and the scan fails rather than skip
    /// records.
    fn clamps_past_the_end(&self) -> bool {
        false
    }
}

/// Paging refused because going on would loop or skip records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PagingError {
    /// Pages in a row that brought nothing new (0 when a rule refused a page).
    pub pages: u32,
    /// Items yielded before the scan stopped.
    pub items_read: u64,
    /// What went wrong and what to do.
    pub message: String,
}

impl PagingError {
    /// `pages` pages in a row brought nothing new after `items_read` items.
    pub fn no_progress(pages: u32, items_read: u64) -> Self {
        PagingError {
            pages,
            items_read,
            message: format!(
                "paging made no progress for {pages} pages in a row after {items_read} items: \
                 the data changed under the scan and some records may not have been read; use \
                 keyset paging"
            ),
        }
    }

    /// A rule saw the server break its paging contract (`message` says how).
    pub fn refused(message: impl Into<String>) -> Self {
        PagingError {
            pages: 0,
            items_read: 0,
            message: message.into(),
        }
    }
}

/// One page, as the paginator yields it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items not yielded before, in order.
    pub items: Vec<T>,
    /// The page's position in this scan (1-based).
    pub number: u32,
    /// The server's total, when it reported one.
    pub total: Option<u64>,
    /// The server's count of pages, when it reported one.
    pub total_pages: Option<u32>,
    /// `Some(end)` on the last page.
    pub end: Option<PageEnd>,
}

struct Scan<V, R> {
    client: ApiClient<V>,
    rule: R,
    number: u32,
    seen: HashSet<String>,
    page_hashes: HashSet<u64>,
    stalled: u32,
    items_read: u64,
    done: bool,
}

impl<V: Vendor, R: PageRule> Scan<V, R> {
    async fn next_page(&mut self) -> Option<Result<Page<R::Item>, V::Error>> {
        if self.done {
            return None;
        }
        let request = self.rule.next_request();
        let operation = request.operation().to_owned();
        let response = match self.client.send_raw(&request).await {
            Ok(r) => r,
            Err(e) => return self.fail(e),
        };
        let body: R::Body = match self.client.decode(&operation, &response) {
            Ok(b) => b,
            Err(e) => return self.fail(e),
        };
        let read = self.rule.read_page(body, &response);
        self.number += 1;
        if let Some(mut refused) = read.refused {
            refused.items_read = self.items_read;
            let error = <V::Error as super::FromKitFailure>::paging(&operation, refused);
            return self.fail(error);
        }
        let mut end = read.end;
        if read.items.is_empty() {
            end = Some(PageEnd::Empty);
        }
        let keys: Vec<Option<String>> = read.items.iter().map(|i| self.rule.item_key(i)).collect();
        // Items without a key are always new; the guards look at the keyed ones.
        let keyed = keys.iter().any(Option::is_some);
        let mut items = read.items;
        // Items that count toward the total: new keys only (repeats may still be yielded).
        let mut counted = items.len() as u64;
        if keyed {
            // Same ids and same total: the server clamped a page past the end. Same ids with
            // another total is rows shifting while the scan runs (not an end).
            let mut hasher = DefaultHasher::new();
            keys.hash(&mut hasher);
            read.total.hash(&mut hasher);
            if !self.page_hashes.insert(hasher.finish()) {
                // The same page again. Past the end (everything the total counts was read, or
                // no total), that is a server clamping the page number: the end. Short of the
                // total, it is a server or cache ignoring the page: records would be skipped.
                let short_of_total = read.total.is_some_and(|t| self.items_read < t)
                    && read.total_pages.is_none_or(|pages| self.number < pages);
                let clamped = self.rule.clamps_past_the_end();
                if short_of_total && !clamped {
                    let error = PagingError::refused(format!(
                        "page {} repeats an earlier page after {} of {} records: the server \
                         ignores the page asked for, and going on would skip records",
                        self.number,
                        self.items_read,
                        read.total.unwrap_or_default()
                    ));
                    let error = <V::Error as super::FromKitFailure>::paging(&operation, error);
                    return self.fail(error);
                }
                self.done = true;
                return Some(Ok(Page {
                    items: Vec::new(),
                    number: self.number,
                    total: read.total,
                    total_pages: read.total_pages,
                    end: Some(PageEnd::Repeated),
                }));
            }
            let drop_repeats = self.rule.drop_repeated_items();
            let mut fresh = Vec::with_capacity(items.len());
            let mut new_keys = 0usize;
            for (item, key) in items.into_iter().zip(keys) {
                let new = key.is_none_or(|key| self.seen.insert(key));
                new_keys += usize::from(new);
                if new || !drop_repeats {
                    fresh.push(item);
                }
            }
            counted = new_keys as u64;
            if new_keys == 0 {
                self.stalled += 1;
                if self.stalled >= NO_PROGRESS_LIMIT && end.is_none() {
                    let error = PagingError::no_progress(self.stalled, self.items_read);
                    let error = <V::Error as super::FromKitFailure>::paging(&operation, error);
                    return self.fail(error);
                }
            } else {
                self.stalled = 0;
            }
            items = fresh;
        }
        if end.is_none()
            && read
                .total
                .is_some_and(|total| self.items_read + counted >= total)
        {
            end = Some(PageEnd::TotalReached);
        }
        self.items_read += counted;
        self.done = end.is_some();
        Some(Ok(Page {
            items,
            number: self.number,
            total: read.total,
            total_pages: read.total_pages,
            end,
        }))
    }

    fn fail<T>(&mut self, error: V::Error) -> Option<Result<T, V::Error>> {
        self.done = true;
        Some(Err(error))
    }
}

impl<V: Vendor> ApiClient<V> {
    /// The pages `rule` walks, one request per page, until the rule or a guard ends the scan
    /// (see the [module docs](self)). An error ends the stream after it is yielded.
    pub fn pages<R>(
        &self,
        rule: R,
    ) -> impl Stream<Item = Result<Page<R::Item>, V::Error>> + Send + 'static
    where
        R: PageRule + 'static,
    {
        let scan = Scan {
            client: self.clone(),
            rule,
            number: 0,
            seen: HashSet::new(),
            page_hashes: HashSet::new(),
            stalled: 0,
            items_read: 0,
            done: false,
        };
        stream::unfold(scan, |mut scan| async move {
            let page = scan.next_page().await?;
            Some((page, scan))
        })
    }

    /// The first page `rule` asks for, alone: for calls that show one page (a UI list, a
    /// probe). The guards apply as in [`pages`](Self::pages).
    ///
    /// # Errors
    /// As [`send`](Self::send), and the rule's refusal through [`FromKitFailure::paging`](super::FromKitFailure::paging).
    pub async fn first_page<R>(&self, rule: R) -> Result<Page<R::Item>, V::Error>
    where
        R: PageRule + 'static,
    {
        let mut scan = std::pin::pin!(self.pages(rule));
        match scan.next().await {
            Some(page) => page,
            None => unreachable!("a scan yields at least one page or an error"),
        }
    }

    /// The items of [`pages`](Self::pages), one by one.
    pub fn items<R>(
        &self,
        rule: R,
    ) -> impl Stream<Item = Result<R::Item, V::Error>> + Send + 'static
    where
        R: PageRule + 'static,
    {
        self.pages(rule)
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}
