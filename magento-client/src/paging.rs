//! Paging that cannot loop, and keyset paging for incremental reads.
//!
//! Magento's offset paging has a trap: asking for a page past the end does not return an empty
//! page on every version. Up to 2.3 the collection clamps `currentPage` and returns **the last
//! page again**; some 2.4 code paths return **page 1** again. A client that stops only on an
//! empty page loops forever. [`OffsetPager`] stops on whichever comes first:
//!
//! 1. an empty page;
//! 2. a short page (`items < pageSize`);
//! 3. `requested page × pageSize ≥ total_count` (computed from the page *we* asked for, never
//!    from the echoed criteria);
//! 4. a page whose ids repeat an earlier page exactly while `total_count` is unchanged (the
//!    clamped replay);
//! 5. three pages in a row that bring no id not already yielded — this one is **an error**
//!    ([`Error::OffsetPagingStalled`]), not a normal end: the data moved under the scan and
//!    rows may not have been read.
//!
//! Every id is yielded at most once, so rows shifting between pages while orders arrive cause
//! neither duplicates nor a loop. But offset paging **can skip rows when the data changes during
//! the scan**: a row deleted (or moved out of the filter, or moved earlier by the sort) on a page
//! already read shifts the rows behind it one place forward, and the row that slides across the
//! page boundary is never seen. Use offset streams for reports and one-off exports; for anything
//! that must see every order use [`Orders::feed`](crate::Orders::feed) (keyset paging) or the
//! [`sync`](crate::sync) sources built on it.
//!
//! [`KeysetPager`] is the better tool for incremental sync: it always asks for page 1 of
//! `entity_id > last seen id` sorted by `entity_id` ascending, so there is no offset to clamp and
//! no row shift, and it refuses (with [`Error::KeysetViolation`]) to continue if the server
//! ignores the filter or sort, instead of skipping records. A short keyset page ends the scan only
//! when `total_count` is absent or the page holds all of it: servers and extensions that cap
//! `pageSize` below the requested size answer short pages long before the end.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::models::EntityId;
use crate::search::{Filter, SearchCriteria, SortDirection};

/// One page of search results.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Magento's unpaged total, when the response had one.
    pub total_count: Option<u64>,
    /// The page that was requested (1-based).
    pub current_page: u32,
    /// The page size that was requested.
    pub page_size: u32,
    /// Magento's echo of the criteria, unparsed.
    pub search_criteria: Option<Value>,
}

/// Why paging stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PageEnd {
    /// The page had no items.
    Empty,
    /// The page had fewer items than the page size.
    Short,
    /// `page × pageSize` reached `total_count`.
    TotalReached,
    /// The server returned a page it had returned before (past-the-end clamping).
    Repeated,
    /// Several pages in a row brought nothing new (offset paging: reported as
    /// [`Error::OffsetPagingStalled`]), or the server broke the keyset contract
    /// ([`Error::KeysetViolation`]). Never a normal end.
    NoProgress,
}

impl<T> Page<T> {
    /// Whether this page ends a scan by rules 1–3 of the module docs.
    pub fn is_last(&self) -> bool {
        self.end().is_some()
    }

    /// Which of rules 1–3 ends the scan at this page, if any.
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

/// The wire shape of a search result: `{"items": [...], "search_criteria": {...}, "total_count": N}`.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchResult<T> {
    #[serde(default = "none")]
    pub items: Option<Vec<T>>,
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default)]
    pub search_criteria: Option<Value>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> SearchResult<T> {
    pub(crate) fn into_page(self, criteria: &SearchCriteria) -> Page<T> {
        Page {
            items: self.items.unwrap_or_default(),
            total_count: self.total_count,
            current_page: criteria.effective_current_page(),
            page_size: criteria.effective_page_size(),
            search_criteria: self.search_criteria,
        }
    }
}

/// After this many consecutive pages without a new id, offset paging stops.
const MAX_UNPRODUCTIVE_PAGES: u32 = 3;

/// Offset paging over any search, guarded against every known way Magento makes it loop.
///
/// Drive it by hand (`next_criteria` → fetch → `accept`) or use
/// [`Orders::search_stream`](crate::Orders::search_stream), which does.
///
/// ```
/// use magento_client::paging::{OffsetPager, Page, PageEnd};
/// use magento_client::{EntityId, SearchCriteria};
///
/// struct Row(u64);
/// impl EntityId for Row { fn entity_id(&self) -> u64 { self.0 } }
///
/// // A server that claims 1000 rows but has 4, and answers every page past the end with the
/// // last page again (Magento ≤ 2.3).
/// let rows = [1, 2, 3, 4];
/// let mut pager = OffsetPager::new(SearchCriteria::new().page_size(2));
/// let mut seen = Vec::new();
/// while let Some(criteria) = pager.next_criteria() {
///     let page_no = criteria.effective_current_page().min(2) as usize;
///     let items = rows[(page_no - 1) * 2..page_no * 2].iter().map(|&i| Row(i)).collect();
///     let page = Page::new(items, Some(1000), &criteria);
///     seen.extend(pager.accept(page)?.into_iter().map(|r| r.0));
/// }
/// assert_eq!(seen, vec![1, 2, 3, 4]);
/// assert_eq!(pager.end(), Some(PageEnd::Repeated));
/// # Ok::<(), magento_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OffsetPager {
    criteria: SearchCriteria,
    next_page: u32,
    seen: HashSet<u64>,
    fingerprints: HashMap<u64, Option<u64>>,
    unproductive: u32,
    end: Option<PageEnd>,
}

impl OffsetPager {
    /// Page through `criteria`, starting at its current page (1 when unset).
    pub fn new(criteria: SearchCriteria) -> Self {
        let next_page = criteria.effective_current_page();
        OffsetPager {
            criteria,
            next_page,
            seen: HashSet::new(),
            fingerprints: HashMap::new(),
            unproductive: 0,
            end: None,
        }
    }

    /// The criteria for the next request, or `None` when paging is over.
    pub fn next_criteria(&self) -> Option<SearchCriteria> {
        if self.end.is_some() {
            return None;
        }
        Some(self.criteria.clone().current_page(self.next_page))
    }

    /// Take the page answered for the last [`OffsetPager::next_criteria`]; returns the items not
    /// yielded before, in page order.
    ///
    /// Fails with [`Error::OffsetPagingStalled`] when several pages in a row brought no new id:
    /// the rows moved under the scan (or the server pages erratically), so ending quietly would
    /// look like a finished scan that may have missed rows. Start again, or use keyset paging.
    pub fn accept<T: EntityId>(&mut self, page: Page<T>) -> Result<Vec<T>, Error> {
        let page_size = self.criteria.effective_page_size();
        if page.items.is_empty() {
            self.end = Some(PageEnd::Empty);
            return Ok(Vec::new());
        }
        let ids: Vec<u64> = page.items.iter().map(EntityId::entity_id).collect();
        let fingerprint = fingerprint(&ids);
        if self.fingerprints.get(&fingerprint) == Some(&page.total_count) {
            tracing::debug!(
                page = self.next_page,
                first_id = ids[0],
                "page repeats an earlier page: stopping (Magento clamps currentPage past the end)"
            );
            self.end = Some(PageEnd::Repeated);
            return Ok(Vec::new());
        }
        self.fingerprints.insert(fingerprint, page.total_count);

        let count = page.items.len();
        let fresh: Vec<T> = page
            .items
            .into_iter()
            .filter(|item| self.seen.insert(item.entity_id()))
            .collect();
        if fresh.is_empty() {
            self.unproductive += 1;
            if self.unproductive >= MAX_UNPRODUCTIVE_PAGES {
                tracing::warn!(
                    page = self.next_page,
                    "{MAX_UNPRODUCTIVE_PAGES} pages in a row brought nothing new: failing the scan"
                );
                self.end = Some(PageEnd::NoProgress);
                return Err(Error::OffsetPagingStalled {
                    page: self.next_page,
                    pages: MAX_UNPRODUCTIVE_PAGES,
                    yielded: self.seen.len(),
                });
            }
        } else {
            self.unproductive = 0;
        }
        if self.end.is_none() {
            if count < page_size as usize {
                self.end = Some(PageEnd::Short);
            } else if page
                .total_count
                .is_some_and(|total| u64::from(self.next_page) * u64::from(page_size) >= total)
            {
                self.end = Some(PageEnd::TotalReached);
            }
        }
        self.next_page = self.next_page.saturating_add(1);
        Ok(fresh)
    }

    /// Why paging stopped, once it has.
    pub fn end(&self) -> Option<PageEnd> {
        self.end
    }

    /// How many distinct ids were yielded.
    pub fn yielded(&self) -> usize {
        self.seen.len()
    }
}

fn fingerprint(ids: &[u64]) -> u64 {
    let mut hasher = DefaultHasher::new();
    ids.hash(&mut hasher);
    hasher.finish()
}

impl<T> Page<T> {
    /// A page as answered for `criteria` (for tests and custom transports).
    pub fn new(items: Vec<T>, total_count: Option<u64>, criteria: &SearchCriteria) -> Page<T> {
        Page {
            items,
            total_count,
            current_page: criteria.effective_current_page(),
            page_size: criteria.effective_page_size(),
            search_criteria: None,
        }
    }
}

/// Keyset paging: `field > last id`, sorted by `field` ascending, always page 1.
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
    pub fn accept<T: EntityId>(&mut self, page: Page<T>, operation: &str) -> Result<Vec<T>, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Row(u64);
    impl EntityId for Row {
        fn entity_id(&self) -> u64 {
            self.0
        }
    }

    fn page(ids: &[u64], total: Option<u64>, criteria: &SearchCriteria) -> Page<Row> {
        Page::new(ids.iter().map(|&i| Row(i)).collect(), total, criteria)
    }

    #[test]
    fn offset_stops_on_total_short_and_empty() {
        let mut p = OffsetPager::new(SearchCriteria::new().page_size(2));
        let c = p.next_criteria().unwrap();
        assert_eq!(p.accept(page(&[1, 2], Some(4), &c)).unwrap().len(), 2);
        let c = p.next_criteria().unwrap();
        assert_eq!(c.effective_current_page(), 2);
        assert_eq!(p.accept(page(&[3, 4], Some(4), &c)).unwrap().len(), 2);
        assert_eq!(p.end(), Some(PageEnd::TotalReached));
        assert!(p.next_criteria().is_none());

        let mut p = OffsetPager::new(SearchCriteria::new().page_size(2));
        let c = p.next_criteria().unwrap();
        p.accept(page(&[1], None, &c)).unwrap();
        assert_eq!(p.end(), Some(PageEnd::Short));

        let mut p = OffsetPager::new(SearchCriteria::new().page_size(2));
        let c = p.next_criteria().unwrap();
        p.accept(page(&[], Some(10), &c)).unwrap();
        assert_eq!(p.end(), Some(PageEnd::Empty));
    }

    #[test]
    fn offset_page_one_replayed_past_the_end() {
        // Magento 2.4 outside REST: page 1 again past the end, total inflated.
        let mut p = OffsetPager::new(SearchCriteria::new().page_size(2));
        let mut got = Vec::new();
        let pages: [&[u64]; 3] = [&[1, 2], &[3, 4], &[1, 2]];
        for ids in pages {
            let c = p.next_criteria().unwrap();
            got.extend(
                p.accept(page(ids, Some(99), &c))
                    .unwrap()
                    .into_iter()
                    .map(|r| r.0),
            );
        }
        assert_eq!(got, vec![1, 2, 3, 4]);
        assert_eq!(p.end(), Some(PageEnd::Repeated));
    }

    #[test]
    fn offset_shift_with_growing_total_is_not_a_repeat() {
        // DESC sort while 2 new orders arrive: page 2 shows page 1's rows again, total grew.
        let mut p = OffsetPager::new(SearchCriteria::new().page_size(2));
        let c = p.next_criteria().unwrap();
        assert_eq!(p.accept(page(&[10, 9], Some(10), &c)).unwrap().len(), 2);
        let c = p.next_criteria().unwrap();
        assert!(p.accept(page(&[10, 9], Some(12), &c)).unwrap().is_empty());
        assert_eq!(p.end(), None);
        let c = p.next_criteria().unwrap();
        assert_eq!(p.accept(page(&[8, 7], Some(12), &c)).unwrap().len(), 2);
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
    fn offset_pages_bringing_nothing_new_fail_the_scan() {
        // Rows keep shifting so that every page shows rows already read, with a growing total:
        // not a repeat, and no progress. Ending with Ok would look like a finished scan.
        let mut p = OffsetPager::new(SearchCriteria::new().page_size(2));
        let c = p.next_criteria().unwrap();
        p.accept(page(&[1, 2], Some(100), &c)).unwrap();
        let mut result = Ok(Vec::new());
        for total in 101..=103 {
            let c = p.next_criteria().unwrap();
            result = p.accept(page(&[2, 1], Some(total), &c));
            if result.is_err() {
                break;
            }
        }
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                Error::OffsetPagingStalled {
                    pages: 3,
                    yielded: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("Orders::feed"), "{err}");
        assert_eq!(p.end(), Some(PageEnd::NoProgress));
        assert!(p.next_criteria().is_none());
    }
}
