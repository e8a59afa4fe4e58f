//! Tags (`/tags`) and tags on contacts (`/contactTags`).

use serde::{Deserialize, Serialize};

/// A tag definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// The tag id.
    #[serde(with = "crate::wire::id")]
    pub id: i64,
    /// The tag's name (the API calls the field `tag`).
    #[serde(rename = "tag", default)]
    pub name: String,
    /// `contact` for contact tags (`template` tags also exist).
    #[serde(rename = "tagType", default)]
    pub tag_type: String,
    /// Free-text description.
    #[serde(default)]
    pub description: String,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Tag {
    /// Whether this tag's name is `name`. ActiveCampaign treats tag names case-insensitively,
    /// so this does too; surrounding spaces are ignored.
    pub fn is_named(&self, name: &str) -> bool {
        self.name.trim().eq_ignore_ascii_case(name.trim())
    }
}

/// A tag applied to a contact. Its `id` is what removing the tag needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactTag {
    /// The contact-tag id.
    #[serde(with = "crate::wire::id")]
    pub id: i64,
    /// The contact id.
    #[serde(with = "crate::wire::id")]
    pub contact: i64,
    /// The tag id.
    #[serde(with = "crate::wire::id")]
    pub tag: i64,
    /// Fields this crate does not name (`cdate`, `links`, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
