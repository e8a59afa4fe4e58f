//! Platform agent bots: list, create, get, update, delete.

use serde::Serialize;
use serde_json::Value;

use crate::client::{Call, PlatformClient};
use crate::error::Error;
use crate::models::AgentBot;
use crate::pagination::payload_or_bare;

impl PlatformClient {
    /// Agent bots.
    pub fn agent_bots(&self) -> AgentBots<'_> {
        AgentBots { client: self }
    }
}

/// The fields of an agent bot to create or update. Only the fields you set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentBotInput {
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where Chatwoot posts the bot's events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outgoing_url: Option<String>,
    /// Make the bot specific to this account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<u64>,
    /// An avatar image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

impl AgentBotInput {
    /// A bot named `name` receiving events at `outgoing_url`.
    pub fn new(name: impl Into<String>, outgoing_url: impl Into<String>) -> Self {
        AgentBotInput {
            name: Some(name.into()),
            outgoing_url: Some(outgoing_url.into()),
            ..Default::default()
        }
    }
    /// Set the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Make it specific to an account.
    pub fn account(mut self, account_id: u64) -> Self {
        self.account_id = Some(account_id);
        self
    }
}

/// Agent bots. Get it from [`PlatformClient::agent_bots`].
#[derive(Debug, Clone, Copy)]
pub struct AgentBots<'a> {
    client: &'a PlatformClient,
}

impl AgentBots<'_> {
    /// The bots this app may manage.
    pub async fn list(&self) -> Result<Vec<AgentBot>, Error> {
        let call = Call::get("platform.agent_bots.list", self.client.path("agent_bots"));
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.agent_bots.list", value)
    }

    /// Create a bot.
    pub async fn create(&self, bot: &AgentBotInput) -> Result<AgentBot, Error> {
        let call =
            Call::post("platform.agent_bots.create", self.client.path("agent_bots")).json(bot)?;
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.agent_bots.create", value)
    }

    /// A bot by id.
    pub async fn get(&self, id: u64) -> Result<AgentBot, Error> {
        let call = Call::get(
            "platform.agent_bots.get",
            self.client.path(&format!("agent_bots/{id}")),
        );
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.agent_bots.get", value)
    }

    /// Update a bot; only the fields set are sent.
    pub async fn update(&self, id: u64, bot: &AgentBotInput) -> Result<AgentBot, Error> {
        let call = Call::patch(
            "platform.agent_bots.update",
            self.client.path(&format!("agent_bots/{id}")),
        )
        .json(bot)?;
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("platform.agent_bots.update", value)
    }

    /// Delete a bot.
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let call = Call::delete(
            "platform.agent_bots.delete",
            self.client.path(&format!("agent_bots/{id}")),
        );
        self.client.transport.empty(call).await
    }
}
