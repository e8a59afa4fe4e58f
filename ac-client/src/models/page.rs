//! One page of a list endpoint, and the `meta` block that carries its total.

use serde::{Deserialize, Serialize};

/// The `meta` object of list responses. `total` arrives as a string (`"total":"6"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// How many records match the query in all pages.
    #[serde(with = "crate::wire::count", default)]
    pub total: u64,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One page of results from an offset-paged list endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The records on this page.
    pub items: Vec<T>,
    /// How many records match in all pages (`meta.total`).
    pub total: u64,
    /// The offset this page started at.
    pub offset: u64,
    /// The page size that was asked for.
    pub limit: u32,
}

impl<T> Page<T> {
    /// The offset of the next page, or `None` when this was the last one.
    ///
    /// A short or empty page ends the listing even if `total` says otherwise, so a total that
    /// changes while paging never makes a caller loop forever.
    pub fn next_offset(&self) -> Option<u64> {
        let next = self.offset + self.items.len() as u64;
        if self.items.is_empty() || self.items.len() < self.limit as usize || next >= self.total {
            None
        } else {
            Some(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_offset_stops_on_short_pages_and_total() {
        let page = |n: usize, offset, total| Page {
            items: vec![0u8; n],
            total,
            offset,
            limit: 100,
        };
        assert_eq!(page(100, 0, 250).next_offset(), Some(100));
        assert_eq!(page(50, 200, 250).next_offset(), None);
        assert_eq!(page(100, 100, 200).next_offset(), None);
        // A total that grew while paging does not matter: a short page ends it.
        assert_eq!(page(10, 0, 1000).next_offset(), None);
        assert_eq!(page(0, 0, 5).next_offset(), None);
    }
}
