//! Inboxes and custom attribute definitions against a wiremock Chatwoot.

mod common;

use chatwoot_client::CustomerContext;
use chatwoot_client::custom_attributes::NewAttributeDefinition;
use chatwoot_client::inboxes::NewInbox;
use chatwoot_client::models::{AttributeDisplayType, AttributeModel};
use common::*;
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn inboxes_list_get_and_create() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("inboxes")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("inboxes_list.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("inboxes")))
        .and(body_json(json!({
            "name": "Shop events",
            "channel": {"type": "api", "webhook_url": "https://hooks.example.com/chatwoot"},
            "enable_auto_assignment": false
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 9, "channel_id": 6, "name": "Shop events", "channel_type": "Channel::Api",
            "avatar_url": "", "enable_auto_assignment": false, "web_widget_script": null
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = app(&server);
    let inboxes = client.inboxes().list().await.unwrap();
    assert_eq!(inboxes.len(), 2);
    assert_eq!(
        inboxes[0].website_token.as_deref(),
        Some("x9hWRZQ2pE9ZmB2iP3uT5ZKa")
    );
    // `"true"` as a string reads as a boolean.
    assert_eq!(inboxes[1].enable_auto_assignment, Some(true));
    assert_eq!(
        inboxes[1].webhook_url.as_deref(),
        Some("https://hooks.example.com/chatwoot")
    );
    assert!(inboxes[0].extra.contains_key("widget_color"));

    let created = client
        .inboxes()
        .create(
            &NewInbox::api("Shop events")
                .webhook_url("https://hooks.example.com/chatwoot")
                .setting("enable_auto_assignment", false),
        )
        .await
        .unwrap();
    assert_eq!(
        (created.id, created.channel_type.as_deref()),
        (9, Some("Channel::Api"))
    );
}

#[tokio::test]
async fn attribute_definitions_list_with_the_model_code_and_read_names() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("custom_attribute_definitions")))
        .and(query_param("attribute_model", "1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("custom_attribute_definitions.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let defs = app(&server)
        .custom_attributes()
        .list(AttributeModel::Contact)
        .await
        .unwrap();
    assert_eq!(
        defs[0].attribute_display_type,
        Some(AttributeDisplayType::Text)
    );
    assert_eq!(defs[1].attribute_model, Some(AttributeModel::Contact));
    assert_eq!(defs[1].attribute_key, "shop_order_count");
    assert_eq!(
        defs[0].created_at.unwrap().to_rfc3339(),
        "2024-03-01T09:00:00+00:00"
    );
}

#[tokio::test]
async fn create_sends_integer_codes_in_the_wrapper() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("custom_attribute_definitions")))
        .and(body_json(json!({"custom_attribute_definition": {
            "attribute_key": "shop_customer_tier",
            "attribute_display_name": "Customer tier",
            "attribute_display_type": 6,
            "attribute_model": 1,
            "attribute_values": ["new", "vip"]
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 3, "attribute_display_name": "Customer tier", "attribute_display_type": "list",
            "attribute_description": null, "attribute_key": "shop_customer_tier", "regex_pattern": null,
            "attribute_values": ["new", "vip"], "attribute_model": "contact_attribute", "default_value": null,
            "created_at": "2024-05-01T10:00:00.000Z", "updated_at": "2024-05-01T10:00:00.000Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let def = NewAttributeDefinition::new(
        AttributeModel::Contact,
        "shop_customer_tier",
        "Customer tier",
        AttributeDisplayType::List,
    )
    .values(["new", "vip"]);
    let created = app(&server).custom_attributes().create(&def).await.unwrap();
    assert_eq!(
        created.attribute_display_type,
        Some(AttributeDisplayType::List)
    );
    assert_eq!(created.attribute_values, [json!("new"), json!("vip")]);
}

#[tokio::test]
async fn bad_keys_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = app(&server);
    for key in ["email", "has space", ""] {
        let def = NewAttributeDefinition::new(
            AttributeModel::Contact,
            key,
            "x",
            AttributeDisplayType::Text,
        );
        let err = client.custom_attributes().create(&def).await.unwrap_err();
        assert!(err.to_string().contains("attribute_key"), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn ensure_creates_only_the_missing_context_definitions() {
    let server = MockServer::start().await;
    // `shop_order_count` exists already (fixture); the other ten are created.
    Mock::given(method("GET"))
        .and(path(app_path("custom_attribute_definitions")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("custom_attribute_definitions.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("custom_attribute_definitions")))
        .and(body_partial_json(
            json!({"custom_attribute_definition": {"attribute_key": "shop_order_count"}}),
        ))
        .respond_with(ResponseTemplate::new(422))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("custom_attribute_definitions")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 99, "attribute_key": "created", "attribute_display_type": "text", "attribute_model": "contact_attribute"
        })))
        .expect(10)
        .mount(&server)
        .await;
    let created = app(&server)
        .custom_attributes()
        .ensure(&CustomerContext::attribute_definitions("shop_"))
        .await
        .unwrap();
    assert_eq!(created.len(), 10);
}

/// Channel credentials Chatwoot includes for administrators (values made up).
const INBOX_SECRETS: [&str; 7] = [
    "hmac-7d1e",
    "whsec-51aa",
    "imap-pw-0c3f",
    "smtp-pw-9b2d",
    "twilio-auth-44e1",
    "wa-key-8f0a",
    "fb-page-tok-31c9",
];

fn inbox_with_credentials(id: serde_json::Value) -> serde_json::Value {
    json!({
        "id": id, "name": "Support mail", "channel_type": "Channel::Email",
        "hmac_token": INBOX_SECRETS[0], "hmac_mandatory": false,
        "secret": INBOX_SECRETS[1],
        "imap_login": "support@example.com", "imap_password": INBOX_SECRETS[2],
        "smtp_password": INBOX_SECRETS[3],
        "auth_token": INBOX_SECRETS[4],
        "provider_config": {"api_key": INBOX_SECRETS[5], "phone_number_id": "123"},
        "page_access_token": INBOX_SECRETS[6]
    })
}

#[tokio::test]
async fn inbox_debug_and_decode_errors_show_no_channel_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("inboxes/4")))
        .respond_with(ResponseTemplate::new(200).set_body_json(inbox_with_credentials(json!(4))))
        .mount(&server)
        .await;
    // A body that fails to decode (the id is not a number): the error's excerpt of it.
    Mock::given(method("GET"))
        .and(path(app_path("inboxes/5")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(inbox_with_credentials(json!("five"))),
        )
        .mount(&server)
        .await;

    let client = app(&server);
    let inbox = client.inboxes().get(4).await.unwrap();
    let printed = format!("{inbox:?} {inbox:#?}");
    for secret in INBOX_SECRETS {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
    // The keys are still listed, and the values still readable on purpose.
    assert!(printed.contains("imap_password") && printed.contains("[REDACTED]"));
    assert!(printed.contains("support@example.com"), "{printed}");
    assert_eq!(inbox.extra["smtp_password"], INBOX_SECRETS[3]);

    let err = client.inboxes().get(5).await.unwrap_err();
    let printed = format!("{err} {err:?}");
    assert!(printed.contains("inboxes.get"), "{printed}");
    for secret in INBOX_SECRETS {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
}

#[test]
fn an_inbox_update_event_shows_no_changed_credentials() {
    use chatwoot_client::webhook::WebhookEvent;
    let mut inbox = inbox_with_credentials(json!(4));
    inbox["event"] = json!("inbox_updated");
    inbox["changed_attributes"] = json!([{"imap_password": {"previous_value": "old-pw-1", "current_value": INBOX_SECRETS[2]}}]);
    let event = WebhookEvent::parse(inbox.to_string().as_bytes()).unwrap();
    let printed = format!("{event:?}");
    assert!(printed.contains("imap_password"), "{printed}");
    for secret in INBOX_SECRETS.iter().chain(&["old-pw-1"]) {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
}
