//! List memberships (`/contactLists`).

use serde::{Deserialize, Serialize};

/// A contact's status on a list. The API sends it as `"1"` / `"2"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListStatus {
    /// Subscribed (`1`).
    Active,
    /// Unsubscribed (`2`).
    Unsubscribed,
    /// Another status code this crate does not name (for example `0`, unconfirmed).
    Other(i64),
}

impl ListStatus {
    /// The numeric code the API uses.
    pub fn code(self) -> i64 {
        match self {
            ListStatus::Active => 1,
            ListStatus::Unsubscribed => 2,
            ListStatus::Other(c) => c,
        }
    }

    /// The status for a numeric code.
    pub fn from_code(code: i64) -> Self {
        match code {
            1 => ListStatus::Active,
            2 => ListStatus::Unsubscribed,
            c => ListStatus::Other(c),
        }
    }
}

impl Serialize for ListStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for ListStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Code(#[serde(with = "crate::wire::id")] i64);
        Code::deserialize(d).map(|c| ListStatus::from_code(c.0))
    }
}

/// A contact's membership of one list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactList {
    /// The membership id.
    #[serde(with = "crate::wire::opt_id", default)]
    pub id: Option<i64>,
    /// The contact id.
    #[serde(with = "crate::wire::id")]
    pub contact: i64,
    /// The list id.
    #[serde(with = "crate::wire::id")]
    pub list: i64,
    /// Subscribed or unsubscribed.
    pub status: ListStatus,
    /// Fields this crate does not name (`sdate`, `sourceid`, `links`, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
