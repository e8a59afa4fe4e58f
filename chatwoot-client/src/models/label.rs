//! [`Label`]: an account's label, which conversations and contacts can carry.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient;

/// A label defined in the account (`GET /api/v1/accounts/{id}/labels`).
///
/// Chatwoot stores titles in lower case and only attaches labels that exist here: a title
/// sent to a conversation or contact that is not defined is dropped without an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// The label id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The title, lower case (what conversations and contacts carry).
    pub title: String,
    /// A description for agents.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    /// The colour, `#rrggbb`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub color: Option<String>,
    /// Whether the dashboard lists it in the sidebar.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub show_on_sidebar: Option<bool>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
