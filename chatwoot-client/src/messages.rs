//! Messages: list (with a stream back through history) and create, including private notes.

use futures_core::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sync_core::http::ApiRequest;

use crate::client::{ApplicationClient, JsonBody};
use crate::error::Error;
use crate::models::lenient;
use crate::models::{Message, MessageType};
use crate::paging::MessagesBack;

impl ApplicationClient {
    /// Messages of this account's conversations.
    pub fn messages(&self) -> Messages<'_> {
        Messages { client: self }
    }
}

/// Which slice of a conversation's history to read. Chatwoot pages messages by id, not by
/// page number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MessageWindow {
    /// The latest messages (Chatwoot returns 20).
    #[default]
    Latest,
    /// Messages with an id below this one (20 at a time).
    Before(u64),
    /// Messages with an id above this one (up to 100).
    After(u64),
}

/// One slice of messages, oldest first, with the conversation summary Chatwoot sends along.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MessageList {
    /// Labels, contact, assignee and last-seen times of the conversation.
    #[serde(default)]
    pub meta: Map<String, Value>,
    /// The messages, oldest first.
    #[serde(rename = "payload", deserialize_with = "lenient::null_default")]
    pub items: Vec<Message>,
}

/// A message to send.
///
/// ```
/// use chatwoot_client::messages::NewMessage;
/// let note = NewMessage::private_note("Refund approved, see order #1042");
/// let json = serde_json::to_value(&note).unwrap();
/// assert_eq!(json["private"], true);
/// assert_eq!(json["message_type"], "outgoing");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMessage {
    /// The text.
    pub content: String,
    /// Outgoing (to the contact) or incoming (from the contact, API inboxes).
    pub message_type: MessageType,
    /// A private note, visible to agents only.
    pub private: bool,
    /// `text` (default), `input_select`, `cards`, `form`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Attributes of the content type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_attributes: Option<Value>,
    /// WhatsApp template parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_params: Option<Value>,
}

impl NewMessage {
    /// A reply to the contact.
    pub fn outgoing(content: impl Into<String>) -> Self {
        NewMessage {
            content: content.into(),
            message_type: MessageType::Outgoing,
            private: false,
            content_type: None,
            content_attributes: None,
            template_params: None,
        }
    }

    /// A message from the contact (API channel inboxes).
    pub fn incoming(content: impl Into<String>) -> Self {
        NewMessage {
            message_type: MessageType::Incoming,
            ..Self::outgoing(content)
        }
    }

    /// A private note for agents; the contact never sees it.
    pub fn private_note(content: impl Into<String>) -> Self {
        NewMessage {
            private: true,
            ..Self::outgoing(content)
        }
    }

    /// Set the content type and its attributes.
    pub fn content_type(mut self, content_type: impl Into<String>, attributes: Value) -> Self {
        self.content_type = Some(content_type.into());
        self.content_attributes = Some(attributes);
        self
    }
}

/// Messages. Get it from [`ApplicationClient::messages`].
#[derive(Debug, Clone, Copy)]
pub struct Messages<'a> {
    client: &'a ApplicationClient,
}

impl Messages<'_> {
    /// One slice of conversation `conversation_id`'s messages.
    pub async fn list(
        &self,
        conversation_id: u64,
        window: MessageWindow,
    ) -> Result<MessageList, Error> {
        let request = Self::list_request(conversation_id);
        let request = match window {
            MessageWindow::Latest => request,
            MessageWindow::Before(id) => request.query("before", id),
            MessageWindow::After(id) => request.query("after", id),
        };
        self.client.sender.send(request).await
    }

    fn list_request(conversation_id: u64) -> ApiRequest<MessageList> {
        ApiRequest::get(
            "messages.list",
            format!("conversations/{conversation_id}/messages"),
        )
    }

    /// The whole history of a conversation, **newest first**, walking back with `before`
    /// until a slice is empty or Chatwoot answers nothing older.
    pub fn stream(
        &self,
        conversation_id: u64,
    ) -> impl Stream<Item = Result<Message, Error>> + Send + 'static {
        self.client
            .api()
            .items(MessagesBack::new(Self::list_request(conversation_id)))
    }

    /// Send a message or private note. Not retried after a timeout, so it is never posted
    /// twice by this client.
    pub async fn create(
        &self,
        conversation_id: u64,
        message: &NewMessage,
    ) -> Result<Message, Error> {
        if message.content.trim().is_empty() && message.content_attributes.is_none() {
            return Err(Error::InvalidInput {
                field: "content",
                message: "a message needs content".into(),
            });
        }
        let request = ApiRequest::post(
            "messages.create",
            format!("conversations/{conversation_id}/messages"),
        )
        .json_body(message)?;
        self.client.sender.send_unwrapped(request).await
    }

    /// Add a private note for agents.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use serde_json::json;
    /// use wiremock::matchers::{body_partial_json, method, path};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// let chatwoot = MockServer::start().await;
    /// Mock::given(method("POST")).and(path("/api/v1/accounts/1/conversations/12/messages"))
    ///     .and(body_partial_json(json!({"private": true, "content": "Refund approved"})))
    ///     .respond_with(ResponseTemplate::new(200).set_body_json(json!({
    ///         "id": 501, "content": "Refund approved", "message_type": 1, "private": true})))
    ///     .mount(&chatwoot).await;
    /// let client = chatwoot_client::ApplicationClient::builder(chatwoot.uri())
    ///     .account_id(1)
    ///     .credentials(chatwoot_client::ApplicationToken::new("user-token"))
    ///     .build()?;
    /// let note = client.messages().private_note(12, "Refund approved").await?;
    /// assert_eq!(note.id, 501);
    /// # Ok(()) }
    /// ```
    pub async fn private_note(
        &self,
        conversation_id: u64,
        content: impl Into<String>,
    ) -> Result<Message, Error> {
        self.create(conversation_id, &NewMessage::private_note(content))
            .await
    }
}
