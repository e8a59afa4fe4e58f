//! Platform API [`Account`] and [`AccountUser`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lenient::{self, lenient_enum};

/// An account (a tenant) as the Platform API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The account id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The locale (`en`, `de`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The custom domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The support email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_email: Option<String>,
    /// `active` or `suspended`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Feature flags that are on.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub enabled_features: Map<String, Value>,
    /// Limits (agents, inboxes…).
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub limits: Map<String, Value>,
    /// Your attributes.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub custom_attributes: Map<String, Value>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

lenient_enum! {
    /// A user's role in an account.
    pub enum AccountUserRole {
        /// Handles conversations.
        Agent = 0 => "agent",
        /// Manages the account.
        Administrator = 1 => "administrator",
    }
}

/// A user's membership of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountUser {
    /// The account.
    #[serde(deserialize_with = "lenient::id")]
    pub account_id: u64,
    /// The user.
    #[serde(deserialize_with = "lenient::id")]
    pub user_id: u64,
    /// Agent or administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<AccountUserRole>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
