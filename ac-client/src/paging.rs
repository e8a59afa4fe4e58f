//! ActiveCampaign's paging as a [`PageRule`]: `limit` (at most 100) and `offset`, with the
//! total in `meta.total`.
//!
//! List endpoints answer `{"<resource>": [...], "meta": {"total": "230"}}`. [`OffsetPages`]
//! asks for one page after another and reads each through [`ListBody`]; sync-core's
//! [`ApiClient::pages`](sync_core::http::ApiClient::pages) and
//! [`items`](sync_core::http::ApiClient::items) add the guards against endless paging
//! (a short or empty page, the total reached, a repeated page).

use std::fmt;

use serde::de::DeserializeOwned;
use sync_core::http::{ApiRequest, HttpResponse, PageEnd, PageRead, PageRule};

use crate::models::Meta;

/// The largest page the API serves.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A list response: the resource's records under their own name, and `meta`.
pub trait ListBody: DeserializeOwned + Send + 'static {
    /// One record.
    type Item: Send + 'static;

    /// The records and the `meta` block.
    fn into_parts(self) -> (Vec<Self::Item>, Meta);

    /// A stable key per record (its id), so a page served twice is noticed.
    fn key(item: &Self::Item) -> Option<String>;
}

/// Offset paging over one list request: `limit` records from `offset`, then the next `limit`,
/// until a short page or `meta.total`.
///
/// ```
/// use ac_client::Tag;
/// use ac_client::paging::{ListBody, OffsetPages};
/// use ac_client::models::Meta;
/// use sync_core::http::ApiRequest;
///
/// #[derive(serde::Deserialize)]
/// struct Tags { tags: Vec<Tag>, #[serde(default)] meta: Meta }
///
/// impl ListBody for Tags {
///     type Item = Tag;
///     fn into_parts(self) -> (Vec<Tag>, Meta) { (self.tags, self.meta) }
///     fn key(tag: &Tag) -> Option<String> { Some(tag.id.to_string()) }
/// }
///
/// // Every tag whose name contains "vip", 100 per request.
/// let rule = OffsetPages::new(ApiRequest::<Tags>::get("tags.search", "tags").query("search", "vip"));
/// # let _ = rule;
/// ```
pub struct OffsetPages<B> {
    request: ApiRequest<B>,
    limit: u32,
    offset: u64,
}

// By hand: derived impls would ask `B` (the body type) to be `Clone` and `Debug` too.
impl<B> Clone for OffsetPages<B> {
    fn clone(&self) -> Self {
        OffsetPages {
            request: self.request.clone(),
            limit: self.limit,
            offset: self.offset,
        }
    }
}

impl<B> fmt::Debug for OffsetPages<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OffsetPages")
            .field("request", &self.request)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .finish()
    }
}

impl<B> OffsetPages<B> {
    /// Pages of [`MAX_PAGE_SIZE`] from the start.
    pub fn new(request: ApiRequest<B>) -> Self {
        OffsetPages {
            request,
            limit: MAX_PAGE_SIZE,
            offset: 0,
        }
    }

    /// Records per page, clamped to 1..=100 (the API's maximum).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Start at this zero-based offset.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }
}

impl<B: ListBody> PageRule for OffsetPages<B> {
    type Body = B;
    type Item = B::Item;

    fn next_request(&mut self) -> ApiRequest<B> {
        self.request
            .clone()
            .set_query("limit", self.limit)
            .set_query("offset", self.offset)
    }

    fn read_page(&mut self, body: B, _: &HttpResponse) -> PageRead<B::Item> {
        let (items, meta) = body.into_parts();
        self.offset += items.len() as u64;
        // A short page ends the listing even when the total says otherwise, so a total that
        // changes while paging never makes a caller loop.
        let read = if items.len() < self.limit as usize {
            PageRead::last(items, PageEnd::Short)
        } else {
            PageRead::more(items)
        };
        read.with_total(Some(meta.total))
    }

    fn item_key(&self, item: &B::Item) -> Option<String> {
        B::key(item)
    }
}
