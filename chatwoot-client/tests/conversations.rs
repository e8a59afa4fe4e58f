//! Conversations and messages against a wiremock Chatwoot.

mod common;

use chatwoot_client::conversations::{
    Assignee, AssigneeFilter, ConversationQuery, NewConversation,
};
use chatwoot_client::messages::{MessageWindow, NewMessage};
use chatwoot_client::models::{ConversationStatus, MessageType};
use chrono::{TimeZone, Utc};
use common::*;
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn conversation_with_id(id: u64) -> serde_json::Value {
    let mut c = fixture("conversation.json");
    c["id"] = json!(id);
    c
}

#[tokio::test]
async fn list_passes_the_query_and_reads_the_matching_count() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("conversations")))
        .and(query_param("assignee_type", "unassigned"))
        .and(query_param("status", "pending"))
        .and(query_param("inbox_id", "3"))
        .and(query_param("labels[]", "vip"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "meta": {"mine_count": 0, "unassigned_count": 2, "assigned_count": 5, "all_count": 7},
            "payload": [conversation_with_id(12), conversation_with_id(13)]
        }})))
        .expect(1)
        .mount(&server)
        .await;

    let query = ConversationQuery::new()
        .assignee(AssigneeFilter::Unassigned)
        .status(ConversationStatus::Pending)
        .inbox(3)
        .label("vip");
    let page = app(&server).conversations().list(&query, 1).await.unwrap();
    assert_eq!(page.total, Some(2));
    assert_eq!(page.items.len(), 2);
    let c = &page.items[0];
    assert_eq!(c.status, Some(ConversationStatus::Open));
    assert_eq!(
        c.contact().unwrap().email.as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(c.assignee().unwrap().id, Some(7));
    // Inside conversation.messages[] Chatwoot sends message_type as an integer.
    assert_eq!(c.messages[0].message_type, Some(MessageType::Incoming));
    assert_eq!(c.labels, ["shipping"]);
}

#[tokio::test]
async fn stream_walks_pages_until_an_empty_one() {
    let server = MockServer::start().await;
    for (page, ids) in [(1, vec![1, 2, 3]), (2, vec![4]), (3, vec![])] {
        let payload: Vec<_> = ids.into_iter().map(conversation_with_id).collect();
        Mock::given(method("GET"))
            .and(path(app_path("conversations")))
            .and(query_param("page", page.to_string()))
            .and(query_param("status", "all"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"data": {"meta": {}, "payload": payload}})),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let all: Vec<_> = app(&server)
        .conversations()
        .stream(ConversationQuery::new().any_status())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2, 3, 4]);
}

#[tokio::test]
async fn get_create_and_toggle_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("conversations/12")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("conversation.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations")))
        .and(body_json(json!({
            "source_id": "b5a4d1f0-7a38-4c4e-9a50-6a1d8d9f2e11",
            "inbox_id": 3,
            "contact_id": 42,
            "status": "pending",
            "message": {"content": "Your order #1042 shipped today."}
        })))
        // Older Chatwoot answers with just these three fields.
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 13, "account_id": 1, "inbox_id": 3})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/toggle_status")))
        .and(body_json(
            json!({"status": "snoozed", "snoozed_until": 1714600000}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "meta": {},
            "payload": {"success": true, "current_status": "snoozed", "conversation_id": 12}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = app(&server);
    let conversation = client.conversations().get(12).await.unwrap();
    assert_eq!(conversation.id, 12);
    assert_eq!(conversation.can_reply, Some(true));
    assert_eq!(conversation.created_at.unwrap().timestamp(), 1714557600);

    let created = client
        .conversations()
        .create(
            &NewConversation::new("b5a4d1f0-7a38-4c4e-9a50-6a1d8d9f2e11", 3, 42)
                .status(ConversationStatus::Pending)
                .message("Your order #1042 shipped today."),
        )
        .await
        .unwrap();
    assert_eq!((created.id, created.inbox_id), (13, Some(3)));

    let until = Utc.timestamp_opt(1714600000, 0).unwrap();
    let change = client
        .conversations()
        .toggle_status(12, ConversationStatus::Snoozed, Some(until))
        .await
        .unwrap();
    assert_eq!(change.current_status, Some(ConversationStatus::Snoozed));
    assert_eq!(change.success, Some(true));
}

#[tokio::test]
async fn create_without_source_id_is_refused_locally() {
    let server = MockServer::start().await;
    let err = app(&server)
        .conversations()
        .create(&NewConversation::new(" ", 3, 42))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("source id"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn create_without_source_id_sends_inbox_and_contact_only() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 14, "account_id": 1, "inbox_id": 3})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let created = app(&server)
        .conversations()
        .create(&NewConversation::for_contact(3, 42).message("Your order #1042 shipped today."))
        .await
        .unwrap();
    assert_eq!(created.id, 14);
    let requests = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    // Chatwoot builds the contact inbox from inbox_id + contact_id; no source_id key at all
    // (not even null, which would be read as a given, empty source id).
    assert_eq!(
        body,
        json!({"inbox_id": 3, "contact_id": 42, "message": {"content": "Your order #1042 shipped today."}})
    );
    assert!(body.get("source_id").is_none());
}

#[tokio::test]
async fn create_without_source_id_or_ids_is_refused_locally() {
    let server = MockServer::start().await;
    let err = app(&server)
        .conversations()
        .create(&NewConversation {
            inbox_id: Some(3),
            ..NewConversation::default()
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("contact_id"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn assignment_to_agent_team_and_nobody() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/assignments")))
        .and(body_json(json!({"assignee_id": 7})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 7, "name": "Sam Agent", "available_name": "Sam Agent", "email": "agent@example.com",
            "role": "agent", "thumbnail": "", "availability_status": "online"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/assignments")))
        .and(body_json(json!({"team_id": 2})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 2, "name": "billing"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/assignments")))
        .and(body_json(json!({"assignee_id": null})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let conversations = app(&server);
    let conversations = conversations.conversations();
    let agent = conversations
        .assign(12, Assignee::Agent(7))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(agent.email.as_deref(), Some("agent@example.com"));
    let team = conversations
        .assign(12, Assignee::Team(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(team.name.as_deref(), Some("billing"));
    assert_eq!(
        conversations.assign(12, Assignee::Nobody).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn labels_read_replace_and_add() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("conversations/12/labels")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": ["shipping"]})))
        .mount(&server)
        .await;
    // Both labels exist in the account, so none is created.
    Mock::given(method("GET"))
        .and(path(app_path("labels")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": [
            {"id": 1, "title": "shipping", "description": null, "color": "#1f93ff", "show_on_sidebar": true},
            {"id": 2, "title": "refund", "description": "Refund requested", "color": "#ff6b6b", "show_on_sidebar": true}
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("labels")))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    // add_labels keeps the existing label: Chatwoot's POST replaces the whole list.
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/labels")))
        .and(body_json(json!({"labels": ["shipping", "refund"]})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"payload": ["shipping", "refund"]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = app(&server);
    assert_eq!(
        client.conversations().labels(12).await.unwrap(),
        ["shipping"]
    );
    let labels = client
        .conversations()
        .add_labels(12, &["refund", "shipping"])
        .await
        .unwrap();
    assert_eq!(labels, ["shipping", "refund"]);
}

#[tokio::test]
async fn messages_list_windows_and_stream_back_through_history() {
    let server = MockServer::start().await;
    let message = |id: u64| {
        json!({"id": id, "content": format!("m{id}"), "conversation_id": 12, "message_type": 1,
               "content_type": "text", "created_at": 1714557600 + id, "private": false, "sender": {"id": 7, "type": "user"}})
    };
    Mock::given(method("GET"))
        .and(path(app_path("conversations/12/messages")))
        .and(query_param_is_missing("before"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"meta": {"labels": []}, "payload": [message(21), message(22), message(23)]}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path("conversations/12/messages")))
        .and(query_param("before", "21"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"meta": {}, "payload": [message(3), message(9)]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path("conversations/12/messages")))
        .and(query_param("before", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"meta": {}, "payload": []})))
        .expect(1)
        .mount(&server)
        .await;

    let client = app(&server);
    let latest = client
        .messages()
        .list(12, MessageWindow::Latest)
        .await
        .unwrap();
    assert_eq!(latest.items.len(), 3);
    assert_eq!(latest.items[0].message_type, Some(MessageType::Outgoing));

    let history: Vec<u64> = client
        .messages()
        .stream(12)
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(history, [23, 22, 21, 9, 3]);
}

#[tokio::test]
async fn messages_fixture_decodes_notes_and_senders() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("conversations/12/messages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("messages_list.json")))
        .mount(&server)
        .await;
    let list = app(&server)
        .messages()
        .list(12, MessageWindow::Latest)
        .await
        .unwrap();
    assert_eq!(list.meta["labels"], json!(["shipping"]));
    let note = &list.items[1];
    assert!(note.is_private());
    assert_eq!(note.sender.as_ref().unwrap().kind.as_deref(), Some("user"));
    assert_eq!(
        list.items[0].sender.as_ref().unwrap().identifier.as_deref(),
        Some("woo:1001")
    );
}

#[tokio::test]
async fn create_message_and_private_note() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/messages")))
        .and(body_json(json!({"content": "Refund approved", "message_type": "outgoing", "private": true})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 600, "content": "Refund approved", "inbox_id": 3, "conversation_id": 12,
            "message_type": 1, "content_type": "text", "content_attributes": {}, "created_at": 1714558000,
            "private": true, "source_id": null, "sender": {"id": 7, "name": "Sam Agent", "type": "user"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/messages")))
        .and(body_json(json!({"content": "Thanks, it arrived!", "message_type": "incoming", "private": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 601, "content": "Thanks, it arrived!", "conversation_id": 12, "message_type": 0, "private": false
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = app(&server);
    let note = client
        .messages()
        .private_note(12, "Refund approved")
        .await
        .unwrap();
    assert!(note.is_private());
    let incoming = client
        .messages()
        .create(12, &NewMessage::incoming("Thanks, it arrived!"))
        .await
        .unwrap();
    assert_eq!(incoming.message_type, Some(MessageType::Incoming));
}
