//! Types several resources share: [`Page`] and [`Party`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The page number (1-based).
    pub page: u32,
    /// The total number of matching items, when Chatwoot reports it.
    pub total_count: Option<u64>,
    /// Whether another page may follow. When Chatwoot gives no count this is `true` for any
    /// non-empty page, so the last request of a walk returns an empty page.
    pub has_more: bool,
    /// What the server said about more pages, if it said anything.
    flag: Option<bool>,
}

impl<T> Page<T> {
    /// Build a page from what a list endpoint reported: an explicit `has_more` flag wins, then
    /// the total count (with the endpoint's documented page size), else any non-empty page may
    /// have a successor.
    pub(crate) fn new(
        items: Vec<T>,
        page: u32,
        total_count: Option<u64>,
        has_more: Option<bool>,
        per_page: Option<u32>,
    ) -> Self {
        let seen_through_here = |per_page: u32| {
            u64::from(page.saturating_sub(1)) * u64::from(per_page) + items.len() as u64
        };
        let more = !items.is_empty()
            && match (has_more, total_count, per_page) {
                (Some(flag), _, _) => flag,
                (None, Some(total), Some(per_page)) => seen_through_here(per_page) < total,
                _ => true,
            };
        Page {
            items,
            page,
            total_count,
            has_more: more,
            flag: has_more,
        }
    }

    /// The server's own "more pages" flag, when it sent one.
    pub(crate) fn explicit_has_more(&self) -> Option<bool> {
        self.flag
    }
}

/// A person or bot as it appears inside another resource: a message's sender, a conversation's
/// assignee or contact, a typing user. Which fields are present depends on the kind (`type`:
/// `contact`, `user`, `agent_bot`) and the Chatwoot version.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Party {
    /// The id (of the contact, user or bot).
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<u64>,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The email, when the payload carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The phone number, when the payload carries it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone_number: Option<String>,
    /// The contact's identifier, when the payload carries it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub identifier: Option<String>,
    /// `contact`, `user` or `agent_bot`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Avatar URL (`avatar` on webhook payloads; see [`Party::avatar_url`] for the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Everything else the payload carried.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Party {
    /// The picture, whichever key the payload used (`avatar`, `thumbnail`, `avatar_url`).
    pub fn avatar_url(&self) -> Option<&str> {
        self.avatar
            .as_deref()
            .or_else(|| self.extra.get("thumbnail").and_then(Value::as_str))
            .or_else(|| self.extra.get("avatar_url").and_then(Value::as_str))
            .filter(|url| !url.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_more_from_count() {
        let p = Page::new(vec![1; 15], 1, Some(20), None, Some(15));
        assert!(p.has_more);
        let p = Page::new(vec![1; 5], 2, Some(20), None, Some(15));
        assert!(!p.has_more);
        let p: Page<u8> = Page::new(vec![], 3, Some(20), None, Some(15));
        assert!(!p.has_more);
        let p = Page::new(vec![1; 15], 1, None, Some(false), Some(15));
        assert!(!p.has_more);
        let p = Page::new(vec![1; 3], 1, None, None, None);
        assert!(p.has_more);
        let p = Page::new(vec![1; 3], 1, Some(9), None, None);
        assert!(p.has_more);
    }
}
