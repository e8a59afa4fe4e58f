//! Conversations: list (with a stream), get, create, status toggle, assignment and labels.

use chrono::{DateTime, Utc};
use futures_core::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use sync_core::http::{ApiRequest, Page};

use crate::client::{ApplicationClient, JsonBody};
use crate::envelope::Payload;
use crate::error::Error;
use crate::models::lenient;
use crate::models::{Conversation, ConversationStatus, Party};
use crate::paging::{Listed, PageNumbers, first_page};

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

    /// The list request for this query (the paginator adds `page`).
    fn request(&self) -> ApiRequest<ListData> {
        let mut request = ApiRequest::get("conversations.list", "conversations");
        let optional = [
            (
                "assignee_type",
                self.assignee.map(|a| a.as_str().to_string()),
            ),
            ("status", self.status.clone()),
            ("q", self.search.clone()),
            ("inbox_id", self.inbox_id.map(|id| id.to_string())),
            ("team_id", self.team_id.map(|id| id.to_string())),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                request = request.query(name, value);
            }
        }
        for label in &self.labels {
            request = request.query("labels[]", label);
        }
        request
    }

    /// The `meta` count that matches this query's assignee filter.
    fn count_key(&self) -> &'static str {
        match self.assignee.unwrap_or_default() {
            AssigneeFilter::Me => "mine_count",
            AssigneeFilter::Unassigned => "unassigned_count",
            AssigneeFilter::Assigned => "assigned_count",
            AssigneeFilter::All => "all_count",
        }
    }

    /// Pages from `first`: Chatwoot's page size is not part of the API, so a walk ends on an
    /// empty page or the count.
    fn pages(&self, first: u32) -> PageNumbers<ListData, Conversation> {
        let count_key = self.count_key();
        PageNumbers::new(
            self.request(),
            first,
            None,
            move |list: ListData| Listed {
                total: list
                    .data
                    .meta
                    .get(count_key)
                    .and_then(lenient::value_to_u64),
                items: list.data.payload,
                has_more: None,
            },
            |c: &Conversation| c.id,
        )
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
        first_page(self.client.api(), query.pages(page)).await
    }

    /// Every conversation matching `query`, page after page.
    pub fn stream(
        &self,
        query: ConversationQuery,
    ) -> impl Stream<Item = Result<Conversation, Error>> + Send + 'static {
        self.client.api().items(query.pages(1))
    }

    /// A conversation by display id.
    pub async fn get(&self, id: u64) -> Result<Conversation, Error> {
        let request = ApiRequest::get("conversations.get", format!("conversations/{id}"));
        self.client.sender.send_unwrapped(request).await
    }

    /// Create a conversation. Older Chatwoot answers only `{id, account_id, inbox_id}`; the
    /// other fields are then empty. Not retried after a timeout (it may have been created).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use chatwoot_client::conversations::NewConversation;
    /// use serde_json::json;
    /// use wiremock::matchers::{body_json, method, path};
    /// use wiremock::{Mock, MockServer, ResponseTemplate};
    ///
    /// let chatwoot = MockServer::start().await;
    /// Mock::given(method("POST")).and(path("/api/v1/accounts/1/conversations"))
    ///     .and(body_json(json!({"inbox_id": 3, "contact_id": 42, "message": {"content": "Your order shipped"}})))
    ///     .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 12, "account_id": 1, "inbox_id": 3})))
    ///     .mount(&chatwoot).await;
    /// let client = chatwoot_client::ApplicationClient::builder(chatwoot.uri())
    ///     .account_id(1)
    ///     .credentials(chatwoot_client::ApplicationToken::new("user-token"))
    ///     .build()?;
    /// let conversation = client
    ///     .conversations()
    ///     .create(&NewConversation::for_contact(3, 42).message("Your order shipped"))
    ///     .await?;
    /// assert_eq!(conversation.id, 12);
    /// # Ok(()) }
    /// ```
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
        let request =
            ApiRequest::post("conversations.create", "conversations").json_body(conversation)?;
        self.client.sender.send_unwrapped(request).await
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
        let request = ApiRequest::<Payload<StatusChange>>::post(
            "conversations.toggle_status",
            format!("conversations/{id}/toggle_status"),
        )
        .json_body(&body)?;
        Ok(self.client.sender.send(request).await?.payload)
    }

    /// Assign to an agent or team, or remove the agent. Returns the assignee Chatwoot reports
    /// (`None` when unassigned).
    pub async fn assign(&self, id: u64, assignee: Assignee) -> Result<Option<Party>, Error> {
        let body = match assignee {
            Assignee::Agent(agent) => serde_json::json!({ "assignee_id": agent }),
            Assignee::Team(team) => serde_json::json!({ "team_id": team }),
            Assignee::Nobody => serde_json::json!({ "assignee_id": null }),
        };
        // An empty answer (no assignee) decodes as `null`, which is `None`.
        let request = ApiRequest::<Option<Party>>::post(
            "conversations.assign",
            format!("conversations/{id}/assignments"),
        )
        .json_body(&body)?;
        self.client.sender.send(request).await
    }

    /// The conversation's labels.
    pub async fn labels(&self, id: u64) -> Result<Vec<String>, Error> {
        let request = ApiRequest::<Payload<Vec<String>>>::get(
            "conversations.labels",
            format!("conversations/{id}/labels"),
        );
        Ok(self.client.sender.send(request).await?.payload)
    }

    /// Replace the conversation's labels with `labels` (Chatwoot overwrites the whole list).
    ///
    /// Titles are lowercased and created in the account first when missing (see
    /// [`Labels::ensure`](crate::labels::Labels::ensure)); Chatwoot would otherwise drop them
    /// silently. Answers [`Error::MissingLabels`] when they cannot be created.
    pub async fn set_labels(&self, id: u64, labels: &[&str]) -> Result<Vec<String>, Error> {
        let titles = self.client.labels().ensure(labels).await?;
        let request = ApiRequest::<Payload<Vec<String>>>::post(
            "conversations.set_labels",
            format!("conversations/{id}/labels"),
        )
        .json_body(&serde_json::json!({ "labels": titles }))?;
        let assigned = self.client.sender.send(request).await?;
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
