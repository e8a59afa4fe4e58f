//! Platform agent bots: list, create, get, update, delete.

use serde::Serialize;

use sync_core::http::ApiRequest;
use sync_core::http::reqwest::Method;

use crate::client::{JsonBody, PlatformClient};
use crate::error::Error;
use crate::models::AgentBot;

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
        let request = ApiRequest::get("platform.agent_bots.list", "agent_bots");
        self.client.sender.send_unwrapped(request).await
    }

    /// Create a bot.
    pub async fn create(&self, bot: &AgentBotInput) -> Result<AgentBot, Error> {
        let request =
            ApiRequest::post("platform.agent_bots.create", "agent_bots").json_body(bot)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// A bot by id.
    pub async fn get(&self, id: u64) -> Result<AgentBot, Error> {
        let request = ApiRequest::get("platform.agent_bots.get", format!("agent_bots/{id}"));
        self.client.sender.send_unwrapped(request).await
    }

    /// Update a bot; only the fields set are sent.
    pub async fn update(&self, id: u64, bot: &AgentBotInput) -> Result<AgentBot, Error> {
        let request = ApiRequest::new(
            "platform.agent_bots.update",
            Method::PATCH,
            format!("agent_bots/{id}"),
        )
        // Sets fields to given values: safe to repeat.
        .idempotent(true)
        .json_body(bot)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// Delete a bot.
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let request = ApiRequest::<serde::de::IgnoredAny>::delete(
            "platform.agent_bots.delete",
            format!("agent_bots/{id}"),
        );
        self.client.sender.send(request).await.map(drop)
    }
}
