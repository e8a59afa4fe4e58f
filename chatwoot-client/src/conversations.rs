//! Conversations: list (with a stream), get, create, status toggle, assignment and labels.

use chrono::{DateTime, Utc};
use futures_core::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{ApplicationClient, Call};
use crate::error::Error;
use crate::models::lenient;
use crate::models::{Conversation, ConversationStatus, Page, Party};
use crate::pagination::{Payload, item_stream, payload_or_bare};

impl ApplicationClient {
    /// Conversations of this account.
    pub fn conversations(&self) -> Conversations<'_> {
        Conversations { client: self }
    }
}

/// Whose conversations to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssigneeFilter {
    /// Assigned to the token's user.
    Me,
    /// Not assigned.
    Unassigned,
    /// Assigned to anyone.
    Assigned,
    /// All (Chatwoot's default).
    #[default]
    All,
}

impl AssigneeFilter {
    fn as_str(self) -> &'static str {
        match self {
            AssigneeFilter::Me => "me",
            AssigneeFilter::Unassigned => "unassigned",
            AssigneeFilter::Assigned => "assigned",
            AssigneeFilter::All => "all",
        }
    }
}

/// Which conversations to list. Chatwoot's defaults: all assignees, status `open`.
///
/// ```
/// use chatwoot_client::conversations::{AssigneeFilter, ConversationQuery};
/// use chatwoot_client::models::ConversationStatus;
/// let q = ConversationQuery::new()
///     .status(ConversationStatus::Pending)
///     .assignee(AssigneeFilter::Unassigned)
///     .inbox(3)
///     .label("vip");
/// # let _ = q;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationQuery {
    assignee: Option<AssigneeFilter>,
    status: Option<String>,
    search: Option<String>,
    inbox_id: Option<u64>,
    team_id: Option<u64>,
    labels: Vec<String>,
}

impl ConversationQuery {
    /// Chatwoot's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only this status.
    pub fn status(mut self, status: ConversationStatus) -> Self {
        self.status = Some(status.as_str().to_string());
        self
    }
    /// Every status.
    pub fn any_status(mut self) -> Self {
        self.status = Some("all".into());
        self
    }
    /// Whose conversations.
    pub fn assignee(mut self, assignee: AssigneeFilter) -> Self {
        self.assignee = Some(assignee);
        self
    }
    /// Only conversations with messages containing `text`.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }
    /// Only this inbox.
    pub fn inbox(mut self, inbox_id: u64) -> Self {
        self.inbox_id = Some(inbox_id);
        self
    }
    /// Only this team.
    pub fn team(mut self, team_id: u64) -> Self {
        self.team_id = Some(team_id);
        self
    }
    /// Only conversations with this label (repeat for several).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.labels.push(label.into());
        self
    }

    fn apply(&self, mut call: Call, page: u32) -> Call {
        call = call
            .query_opt("assignee_type", self.assignee.map(AssigneeFilter::as_str))
            .query_opt("status", self.status.as_deref())
            .query_opt("q", self.search.as_deref())
            .query_opt("inbox_id", self.inbox_id)
            .query_opt("team_id", self.team_id);
        for label in &self.labels {
            call = call.query("labels[]", label);
        }
        call.query("page", page)
    }
}

#[derive(Deserialize)]
struct ListData {
    data: ListBody,
}

#[derive(Deserialize)]
struct ListBody {
    #[serde(default)]
    meta: Map<String, Value>,
    #[serde(deserialize_with = "lenient::null_default")]
    payload: Vec<Conversation>,
}

/// A conversation to create.
///
/// Give either `inbox_id` and `contact_id` ([`NewConversation::for_contact`]): Chatwoot then
/// finds or builds the contact's inbox entry itself; or the contact's `source_id` in the inbox
/// ([`NewConversation::new`]), taken from the `contact_inbox` that
/// [`Contacts::create`](crate::contacts::Contacts::create) returns when given an inbox, or from
/// [`ContactInboxes::create`](crate::contact_inboxes::ContactInboxes::create).
///
/// ```
/// use chatwoot_client::conversations::NewConversation;
/// let body = serde_json::to_value(NewConversation::for_contact(3, 42)).unwrap();
/// assert_eq!(body, serde_json::json!({"inbox_id": 3, "contact_id": 42}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewConversation {
    /// The contact's source id in the inbox; left out of the request when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The inbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox_id: Option<u64>,
    /// The contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<u64>,
    /// Open, pending or resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ConversationStatus>,
    /// Assign to this agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<u64>,
    /// Assign to this team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<u64>,
    /// Conversation attributes (browser, referer…).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub additional_attributes: Map<String, Value>,
    /// Conversation custom attributes.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub custom_attributes: Map<String, Value>,
    /// A first message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<InitialMessage>,
}

/// The first message of a new conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InitialMessage {
    /// The text.
    pub content: String,
}

impl NewConversation {
    /// A conversation for `contact_id` in `inbox_id`, reached through `source_id`.
    pub fn new(source_id: impl Into<String>, inbox_id: u64, contact_id: u64) -> Self {
        NewConversation {
            source_id: Some(source_id.into()),
            ..NewConversation::for_contact(inbox_id, contact_id)
        }
    }
    /// A conversation for `contact_id` in `inbox_id`, without a source id: Chatwoot builds
    /// the contact's inbox entry from the two ids.
    pub fn for_contact(inbox_id: u64, contact_id: u64) -> Self {
        NewConversation {
            inbox_id: Some(inbox_id),
            contact_id: Some(contact_id),
            ..Default::default()
        }
    }
    /// Start with this status.
    pub fn status(mut self, status: ConversationStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Assign to an agent.
    pub fn assignee(mut self, agent_id: u64) -> Self {
        self.assignee_id = Some(agent_id);
        self
    }
    /// Assign to a team.
    pub fn team(mut self, team_id: u64) -> Self {
        self.team_id = Some(team_id);
        self
    }
    /// Open with a first message.
    pub fn message(mut self, content: impl Into<String>) -> Self {
        self.message = Some(InitialMessage {
            content: content.into(),
        });
        self
    }
    /// Set a conversation custom attribute.
    pub fn custom_attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.custom_attributes.insert(key.into(), value.into());
        self
    }
}

/// What a status toggle reports.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StatusChange {
    /// Whether Chatwoot changed it.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub success: Option<bool>,
    /// The conversation.
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub conversation_id: Option<u64>,
    /// The status now.
    #[serde(default)]
    pub current_status: Option<ConversationStatus>,
    /// Everything else Chatwoot sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Who to assign a conversation to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assignee {
    /// An agent (user id).
    Agent(u64),
    /// A team (team id).
    Team(u64),
    /// Nobody: remove the agent.
    Nobody,
}

/// Conversations. Get it from [`ApplicationClient::conversations`].
#[derive(Debug, Clone, Copy)]
pub struct Conversations<'a> {
    client: &'a ApplicationClient,
}

impl Conversations<'_> {
    /// One page (1-based) of conversations matching `query`.
    ///
    /// `total_count` is Chatwoot's count for the chosen assignee filter (`all_count`,
    /// `mine_count`…), when it sends one.
    pub async fn list(
        &self,
        query: &ConversationQuery,
        page: u32,
    ) -> Result<Page<Conversation>, Error> {
        let call = query.apply(
            Call::get("conversations.list", self.client.path("conversations")),
            page,
        );
        let list: ListData = self.client.transport.json(call).await?;
        let count_key = match query.assignee.unwrap_or_default() {
            AssigneeFilter::Me => "mine_count",
            AssigneeFilter::Unassigned => "unassigned_count",
            AssigneeFilter::Assigned => "assigned_count",
            AssigneeFilter::All => "all_count",
        };
        let total = list
            .data
            .meta
            .get(count_key)
            .and_then(lenient::value_to_u64);
        // The page size is not part of the API, so the walk ends on an empty page or the count.
        Ok(Page::new(list.data.payload, page, total, None, None))
    }

    /// Every conversation matching `query`, page after page.
    pub fn stream(
        &self,
        query: ConversationQuery,
    ) -> impl Stream<Item = Result<Conversation, Error>> + Send + 'static {
        let client = self.client.clone();
        item_stream(move |page| {
            let client = client.clone();
            let query = query.clone();
            async move { client.conversations().list(&query, page).await }
        })
    }

    /// A conversation by display id.
    pub async fn get(&self, id: u64) -> Result<Conversation, Error> {
        let call = Call::get(
            "conversations.get",
            self.client.path(&format!("conversations/{id}")),
        );
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("conversations.get", value)
    }

    /// Create a conversation. Older Chatwoot answers only `{id, account_id, inbox_id}`; the
    /// other fields are then empty.
    pub async fn create(&self, conversation: &NewConversation) -> Result<Conversation, Error> {
        if conversation
            .source_id
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            return Err(Error::InvalidInput {
                field: "source_id",
                message: "the source id is blank: give the contact's source id in the inbox \
                          (from its contact inbox), or leave it out and give inbox_id and \
                          contact_id"
                    .into(),
            });
        }
        if conversation.source_id.is_none()
            && (conversation.inbox_id.is_none() || conversation.contact_id.is_none())
        {
            return Err(Error::InvalidInput {
                field: "source_id",
                message: "a conversation needs inbox_id and contact_id, or the contact's \
                          source id in the inbox"
                    .into(),
            });
        }
        let call = Call::post("conversations.create", self.client.path("conversations"))
            .json(conversation)?;
        let value: Value = self.client.transport.json(call).await?;
        payload_or_bare("conversations.create", value)
    }

    /// Set the status. `snoozed_until` only applies to [`ConversationStatus::Snoozed`];
    /// without it the conversation sleeps until the contact's next message.
    pub async fn toggle_status(
        &self,
        id: u64,
        status: ConversationStatus,
        snoozed_until: Option<DateTime<Utc>>,
    ) -> Result<StatusChange, Error> {
        let mut body = serde_json::json!({ "status": status.as_str() });
        if let (ConversationStatus::Snoozed, Some(until)) = (&status, snoozed_until) {
            body["snoozed_until"] = Value::from(until.timestamp());
        }
        let call = Call::post(
            "conversations.toggle_status",
            self.client
                .path(&format!("conversations/{id}/toggle_status")),
        )
        .json(&body)?;
        let change: Payload<StatusChange> = self.client.transport.json(call).await?;
        Ok(change.payload)
    }

    /// Assign to an agent or team, or remove the agent. Returns the assignee Chatwoot reports
    /// (`None` when unassigned).
    pub async fn assign(&self, id: u64, assignee: Assignee) -> Result<Option<Party>, Error> {
        let body = match assignee {
            Assignee::Agent(agent) => serde_json::json!({ "assignee_id": agent }),
            Assignee::Team(team) => serde_json::json!({ "team_id": team }),
            Assignee::Nobody => serde_json::json!({ "assignee_id": null }),
        };
        let call = Call::post(
            "conversations.assign",
            self.client.path(&format!("conversations/{id}/assignments")),
        )
        .json(&body)?;
        let response = self.client.transport.send(call).await?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        crate::client::decode("conversations.assign", &response)
    }

    /// The conversation's labels.
    pub async fn labels(&self, id: u64) -> Result<Vec<String>, Error> {
        let call = Call::get(
            "conversations.labels",
            self.client.path(&format!("conversations/{id}/labels")),
        );
        let labels: Payload<Vec<String>> = self.client.transport.json(call).await?;
        Ok(labels.payload)
    }

    /// Replace the conversation's labels with `labels` (Chatwoot overwrites the whole list).
    ///
    /// Titles are lowercased and created in the account first when missing (see
    /// [`Labels::ensure`](crate::labels::Labels::ensure)); Chatwoot would otherwise drop them
    /// silently. Answers [`Error::MissingLabels`] when they cannot be created.
    pub async fn set_labels(&self, id: u64, labels: &[&str]) -> Result<Vec<String>, Error> {
        let titles = self.client.labels().ensure(labels).await?;
        let call = Call::post(
            "conversations.set_labels",
            self.client.path(&format!("conversations/{id}/labels")),
        )
        .json(&serde_json::json!({ "labels": titles }))?;
        let assigned: Payload<Vec<String>> = self.client.transport.json(call).await?;
        crate::labels::check_assigned(&titles, assigned.payload)
    }

    /// Add labels, keeping the existing ones (reads, then writes the union). Missing labels
    /// are created first, as for [`set_labels`](Self::set_labels).
    pub async fn add_labels(&self, id: u64, labels: &[&str]) -> Result<Vec<String>, Error> {
        let mut all = self.labels(id).await?;
        all.extend(labels.iter().map(|l| (*l).to_string()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        self.set_labels(id, &refs).await
    }
}
