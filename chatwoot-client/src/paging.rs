//! Chatwoot's paging as sync-core [`PageRule`]s: page numbers (`?page=N`) with a total in
//! `meta`, and message history walked back by id (`?before=<id>`). The kit's
//! [`ApiClient::pages`](sync_core::http::ApiClient::pages) adds the guards (empty, short,
//! total reached, repeated page, no progress) and drops items already yielded.

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use sync_core::http::{ApiClient, ApiRequest, HttpResponse, Page, PageEnd, PageRead, PageRule};

use crate::error::Error;
use crate::models::Message;
use crate::vendor::ChatwootVendor;

/// What one numbered page says.
pub(crate) struct Listed<T> {
    pub(crate) items: Vec<T>,
    /// The total of matching items, when Chatwoot reports one.
    pub(crate) total: Option<u64>,
    /// Chatwoot's own "more pages" flag, when it sends one.
    pub(crate) has_more: Option<bool>,
}

type Split<B, T> = Box<dyn Fn(B) -> Listed<T> + Send>;

/// Pages `first`, `first + 1`, … of a list, until a page is empty, Chatwoot says no more
/// follow, or the total is reached.
///
/// The total is compared with the items this scan counted (so an installation with another
/// page size is still read to the end); a scan that starts past page 1 (a one-page call) adds
/// the pages before it at the endpoint's documented size, when it has one.
pub(crate) struct PageNumbers<B, T> {
    request: ApiRequest<B>,
    next: u32,
    skipped: u64,
    /// Distinct items read so far.
    read: u64,
    seen: std::collections::HashSet<u64>,
    split: Split<B, T>,
    key: fn(&T) -> u64,
}

impl<B, T> PageNumbers<B, T> {
    /// Walk `request` from page `first`; `split` reads a page body, `key` is an item's id.
    pub(crate) fn new(
        request: ApiRequest<B>,
        first: u32,
        per_page: Option<u32>,
        split: impl Fn(B) -> Listed<T> + Send + 'static,
        key: fn(&T) -> u64,
    ) -> Self {
        let first = first.max(1);
        PageNumbers {
            request,
            next: first,
            skipped: per_page.map_or(0, |n| u64::from(first - 1) * u64::from(n)),
            read: 0,
            seen: std::collections::HashSet::new(),
            split: Box::new(split),
            key,
        }
    }
}

impl<B, T> PageRule for PageNumbers<B, T>
where
    B: DeserializeOwned + Send + 'static,
    T: Send + 'static,
{
    type Body = B;
    type Item = T;

    fn next_request(&mut self) -> ApiRequest<B> {
        let request = self.request.clone().set_query("page", self.next);
        self.next = self.next.saturating_add(1);
        request
    }

    fn read_page(&mut self, body: B, _response: &HttpResponse) -> PageRead<T> {
        let listed = (self.split)(body);
        // Only ids not read before count toward the total: rows shifting between pages (lists
        // sorted by activity) repeat some, and counting those would end the scan early.
        for item in &listed.items {
            if self.seen.insert((self.key)(item)) {
                self.read += 1;
            }
        }
        let read = if listed.has_more == Some(false) {
            PageRead::last(listed.items, PageEnd::Short)
        } else if listed
            .total
            .is_some_and(|total| self.skipped + self.read >= total)
        {
            PageRead::last(listed.items, PageEnd::TotalReached)
        } else {
            PageRead::more(listed.items)
        };
        read.with_total(listed.total)
    }

    fn item_key(&self, item: &T) -> Option<String> {
        Some((self.key)(item).to_string())
    }
}

/// A conversation's messages, newest first: the latest slice, then `before=<oldest id>` until
/// a slice is empty or Chatwoot ignores `before` (answers nothing older).
pub(crate) struct MessagesBack {
    request: ApiRequest<crate::messages::MessageList>,
    before: Option<u64>,
}

impl MessagesBack {
    pub(crate) fn new(request: ApiRequest<crate::messages::MessageList>) -> Self {
        MessagesBack {
            request,
            before: None,
        }
    }
}

impl PageRule for MessagesBack {
    type Body = crate::messages::MessageList;
    type Item = Message;

    fn next_request(&mut self) -> ApiRequest<Self::Body> {
        match self.before {
            Some(id) => self.request.clone().set_query("before", id),
            None => self.request.clone(),
        }
    }

    fn read_page(&mut self, body: Self::Body, _response: &HttpResponse) -> PageRead<Message> {
        let mut items = body.items;
        items.sort_by_key(|m| std::cmp::Reverse(m.id));
        let Some(oldest) = items.last().map(|m| m.id) else {
            return PageRead::last(items, PageEnd::Empty);
        };
        // Nothing older than asked for: the server ignored `before`, so stop here.
        if self.before.is_some_and(|before| oldest >= before) {
            return PageRead::last(items, PageEnd::Short);
        }
        self.before = Some(oldest);
        PageRead::more(items)
    }

    fn item_key(&self, item: &Message) -> Option<String> {
        Some(item.id.to_string())
    }
}

/// The first page `rule` reads: a one-page call.
pub(crate) async fn first_page<R>(
    api: &ApiClient<ChatwootVendor>,
    rule: R,
) -> Result<Page<R::Item>, Error>
where
    R: PageRule + 'static,
{
    let mut pages = std::pin::pin!(api.pages(rule));
    match pages.next().await {
        Some(page) => page,
        // The paginator always answers its first poll with a page or an error.
        None => unreachable!("a scan yields its first page"),
    }
}
