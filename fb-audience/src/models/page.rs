//! Cursor pagination.

use serde::{Deserialize, Serialize};

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

impl<T> From<RawPage<T>> for Page<T> {
    fn from(raw: RawPage<T>) -> Self {
        // Graph always sends cursors; only a `next` link means there is another page.
        let next_cursor = raw.paging.and_then(|p| {
            p.next?;
            p.cursors?.after
        });
        Page {
            items: raw.data,
            next_cursor,
        }
    }
}
