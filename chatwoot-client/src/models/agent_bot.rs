//! Platform API [`AgentBot`].

use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::lenient;
use crate::auth::ApplicationToken;
use crate::secrets::RedactedMap;

/// An agent bot: a webhook that receives conversation events and answers through the
/// Application API with its own token.
#[derive(Clone, Deserialize)]
pub struct AgentBot {
    /// The bot id.
    #[serde(deserialize_with = "lenient::id")]
    pub id: u64,
    /// The name.
    #[serde(default)]
    pub name: Option<String>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// Where Chatwoot posts events for the bot.
    #[serde(default)]
    pub outgoing_url: Option<String>,
    /// The account, for an account-specific bot.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub account_id: Option<u64>,
    /// The bot's Application API token, when the response carries it (kept secret).
    #[serde(default)]
    pub access_token: Option<ApplicationToken>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for AgentBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentBot")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("description", &self.description)
            .field("outgoing_url", &self.outgoing_url)
            .field("account_id", &self.account_id)
            .field("access_token", &self.access_token)
            .field("extra", &RedactedMap(&self.extra))
            .finish()
    }
}
