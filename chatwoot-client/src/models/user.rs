//! Platform API [`User`].

use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::account::AccountUserRole;
use super::lenient;
use crate::auth::ApplicationToken;
use crate::secrets::RedactedMap;

/// A user (an agent or administrator) as the Platform API returns it.
///
/// The response carries the user's own Application API token; it is kept as an
/// [`ApplicationToken`], so it never shows in `Debug` output, and can build an
/// [`ApplicationClient`](crate::ApplicationClient) acting as this user.
#[derive(Clone, Deserialize)]
pub struct User {
    /// The user id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The name.
    #[serde(default)]
    pub name: Option<String>,
    /// The name shown to contacts.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The email (login).
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the email is confirmed.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub confirmed: Option<bool>,
    /// The active account.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub account_id: Option<u64>,
    /// The role in the active account.
    #[serde(default)]
    pub role: Option<AccountUserRole>,
    /// The accounts the user belongs to.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub accounts: Vec<UserAccount>,
    /// Your attributes.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub custom_attributes: Map<String, Value>,
    /// The user's Application API token (secret).
    #[serde(default)]
    pub access_token: Option<ApplicationToken>,
    /// The realtime channel token (secret).
    #[serde(default, deserialize_with = "secret_opt")]
    pub pubsub_token: Option<SecretString>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("email", &self.email)
            .field("confirmed", &self.confirmed)
            .field("account_id", &self.account_id)
            .field("role", &self.role)
            .field("accounts", &self.accounts)
            .field("custom_attributes", &RedactedMap(&self.custom_attributes))
            .field("access_token", &self.access_token)
            .field("pubsub_token", &self.pubsub_token)
            .field("extra", &RedactedMap(&self.extra))
            .finish()
    }
}

fn secret_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(SecretString::from))
}

/// One of a user's account memberships.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserAccount {
    /// The account id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The account name.
    #[serde(default)]
    pub name: Option<String>,
    /// The role there.
    #[serde(default)]
    pub role: Option<AccountUserRole>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
