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
