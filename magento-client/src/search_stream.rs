//! The offset-paged stream behind [`Orders::search_stream`](crate::Orders::search_stream) and
//! [`Resource::search_stream`](crate::Resource::search_stream): one loop for every resource.

use std::collections::VecDeque;
use std::future::Future;

use futures_core::Stream;

use crate::error::Error;
use crate::models::EntityId;
use crate::paging::{OffsetPager, Page};
use crate::search::{SearchCriteria, SortDirection};

/// Something that fetches one page of a search (the orders, or another resource).
pub(crate) trait SearchPages: Clone + Send + 'static {
    /// The record type.
    type Item: EntityId + Send + 'static;

    /// One page for `criteria`.
    fn search_page(
        &self,
        criteria: &SearchCriteria,
    ) -> impl Future<Output = Result<Page<Self::Item>, Error>> + Send;
}

/// Every record of `source` matching `criteria`, page by page, each at most once.
///
/// `entity_id ASC` is added as the last sort key (a stable order is what makes offset paging
/// safe), and `default_page_size` when `criteria` has none. The [`OffsetPager`] decides when
/// to stop, so the stream cannot loop.
pub(crate) fn offset_stream<S: SearchPages>(
    source: S,
    criteria: SearchCriteria,
    default_page_size: u32,
) -> impl Stream<Item = Result<S::Item, Error>> + Send + 'static {
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
    let state = (source, OffsetPager::new(criteria), VecDeque::new());
    futures_util::stream::try_unfold(state, |(source, mut pager, mut buffer)| async move {
        loop {
            if let Some(item) = buffer.pop_front() {
                return Ok(Some((item, (source, pager, buffer))));
            }
            let Some(criteria) = pager.next_criteria() else {
                return Ok(None);
            };
            let page = source.search_page(&criteria).await?;
            buffer.extend(pager.accept(page)?);
        }
    })
}
