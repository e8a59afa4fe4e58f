//! Inboxes: list, get and create.

use serde::Serialize;
use serde_json::{Map, Value};

use sync_core::http::ApiRequest;

use crate::client::{ApplicationClient, JsonBody};
use crate::error::Error;
use crate::models::Inbox;

impl ApplicationClient {
    /// Inboxes of this account.
    pub fn inboxes(&self) -> Inboxes<'_> {
        Inboxes { client: self }
    }
}

/// An inbox to create. Start from [`NewInbox::api`] or [`NewInbox::website`]; other channels
/// take their settings through [`channel_setting`](Self::channel_setting).
///
/// ```
/// use chatwoot_client::inboxes::NewInbox;
/// let inbox = NewInbox::api("Shop events").webhook_url("https://hooks.example.com/chatwoot");
/// let json = serde_json::to_value(&inbox).unwrap();
/// assert_eq!(json["channel"]["type"], "api");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewInbox {
    /// The inbox name.
    pub name: String,
    /// The channel: `type` plus the channel's settings.
    pub channel: Map<String, Value>,
    /// Inbox settings (`enable_auto_assignment`, `greeting_enabled`, `timezone`…).
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

impl NewInbox {
    /// An inbox of any channel type (`api`, `web_widget`, `email`, `sms`, `whatsapp`…).
    pub fn new(name: impl Into<String>, channel_type: impl Into<String>) -> Self {
        let mut channel = Map::new();
        channel.insert("type".into(), Value::String(channel_type.into()));
        NewInbox {
            name: name.into(),
            channel,
            settings: Map::new(),
        }
    }

    /// An API channel inbox: your system posts messages in and receives events at
    /// [`webhook_url`](Self::webhook_url).
    pub fn api(name: impl Into<String>) -> Self {
        Self::new(name, "api")
    }

    /// A website live-chat inbox.
    pub fn website(name: impl Into<String>, website_url: impl Into<String>) -> Self {
        Self::new(name, "web_widget").channel_setting("website_url", website_url.into())
    }

    /// The URL Chatwoot posts this inbox's events to (API channels).
    pub fn webhook_url(self, url: impl Into<String>) -> Self {
        self.channel_setting("webhook_url", url.into())
    }

    /// Set a channel setting.
    pub fn channel_setting(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.channel.insert(key.into(), value.into());
        self
    }

    /// Set an inbox setting.
    pub fn setting(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.settings.insert(key.into(), value.into());
        self
    }
}

/// Inboxes. Get it from [`ApplicationClient::inboxes`].
#[derive(Debug, Clone, Copy)]
pub struct Inboxes<'a> {
    client: &'a ApplicationClient,
}

impl Inboxes<'_> {
    /// Every inbox of the account (Chatwoot does not paginate this list).
    pub async fn list(&self) -> Result<Vec<Inbox>, Error> {
        let request = ApiRequest::get("inboxes.list", "inboxes");
        self.client.sender.send_unwrapped(request).await
    }

    /// An inbox by id.
    pub async fn get(&self, id: u64) -> Result<Inbox, Error> {
        let request = ApiRequest::get("inboxes.get", format!("inboxes/{id}"));
        self.client.sender.send_unwrapped(request).await
    }

    /// Create an inbox (administrators only).
    pub async fn create(&self, inbox: &NewInbox) -> Result<Inbox, Error> {
        let request = ApiRequest::post("inboxes.create", "inboxes").json_body(inbox)?;
        self.client.sender.send_unwrapped(request).await
    }
}
