//! Graph's cursor pagination: one page as this crate returns it ([`Page`]), the wire shape
//! (`data`, `paging.cursors.after`, `paging.next`), and the [`GraphCursor`] rule that walks
//! it with sync-core's paginator.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sync_core::http::{ApiRequest, HttpResponse, PageEnd, PageRead, PageRule};

/// One page of a list, with the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass to the next call to continue; `None` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawPage<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    pub cursors: Option<Cursors>,
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Cursors {
    #[serde(default)]
    pub after: Option<String>,
}

impl<T> RawPage<T> {
    /// The cursor of the next page. Graph sends cursors on every page, the last one included;
    /// only a `next` link means another page follows.
    fn next_cursor(&mut self) -> Option<String> {
        let paging = self.paging.take()?;
        paging.next?;
        paging.cursors?.after
    }
}

impl<T> From<RawPage<T>> for Page<T> {
    fn from(mut raw: RawPage<T>) -> Self {
        let next_cursor = raw.next_cursor();
        Page {
            items: raw.data,
            next_cursor,
        }
    }
}

/// Graph's cursor paging as a sync-core [`PageRule`]: the first request as given, then the
/// same request with `after=<paging.cursors.after>` while the page has a `paging.next` link.
pub(crate) struct GraphCursor<T> {
    request: ApiRequest<RawPage<T>>,
    after: Option<String>,
    key: fn(&T) -> String,
}

impl<T> GraphCursor<T> {
    /// Pages of `request`; `key` names an item (its id) for the paginator's repeat guards.
    pub(crate) fn new(request: ApiRequest<RawPage<T>>, key: fn(&T) -> String) -> Self {
        GraphCursor {
            request,
            after: None,
            key,
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> PageRule for GraphCursor<T> {
    type Body = RawPage<T>;
    type Item = T;

    fn next_request(&mut self) -> ApiRequest<RawPage<T>> {
        match &self.after {
            Some(after) => self.request.clone().set_query("after", after),
            None => self.request.clone(),
        }
    }

    fn read_page(&mut self, mut body: RawPage<T>, _: &HttpResponse) -> PageRead<T> {
        self.after = body.next_cursor();
        match self.after {
            Some(_) => PageRead::more(body.data),
            None => PageRead::last(body.data, PageEnd::Short),
        }
    }

    fn item_key(&self, item: &T) -> Option<String> {
        Some((self.key)(item))
    }
}
