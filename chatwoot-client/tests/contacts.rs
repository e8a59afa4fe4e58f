//! Contacts and contact inboxes against a wiremock Chatwoot.

mod common;

use chatwoot_client::contacts::{ContactFilter, ContactInput, FilterOperator, UpsertOutcome};
use chatwoot_client::{Error, ErrorBody};
use common::*;
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn get_reads_the_payload_envelope_and_sends_the_token_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/42")))
        .and(header("api_access_token", APP_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("contact_show.json")))
        .expect(1)
        .mount(&server)
        .await;

    let contact = app(&server).contacts().get(42).await.unwrap();
    assert_eq!(contact.id, 42);
    assert_eq!(contact.email.as_deref(), Some("ada@example.com"));
    assert_eq!(contact.identifier.as_deref(), Some("woo:1001"));
    assert_eq!(contact.custom_attributes["loyalty_card"], "AL-77");
    assert_eq!(contact.created_at.unwrap().timestamp(), 1709294400);
    assert_eq!(contact.contact_inboxes[0].inbox_id(), Some(3));
    // Fields the model does not name survive a round trip.
    let ci = &contact.contact_inboxes[0].inbox.as_ref().unwrap().extra;
    assert!(ci.contains_key("provider"));
    let again: chatwoot_client::models::Contact =
        serde_json::from_value(serde_json::to_value(&contact).unwrap()).unwrap();
    assert_eq!(again, contact);
}

#[tokio::test]
async fn create_sends_only_set_fields_and_returns_the_contact_inbox() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts")))
        .and(body_json(json!({
            "name": "Grace Hopper",
            "email": "grace@example.com",
            "identifier": "woo:1002",
            "custom_attributes": {"shop_order_count": 1},
            "inbox_id": 3
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("contact_create.json")))
        .expect(1)
        .mount(&server)
        .await;

    let input = ContactInput::new()
        .name("Grace Hopper")
        .email("grace@example.com")
        .identifier("woo:1002")
        .custom_attribute("shop_order_count", 1)
        .inbox(3);
    let created = app(&server).contacts().create(&input).await.unwrap();
    assert_eq!(created.contact.id, 43);
    assert_eq!(created.contact.phone_number, None);
    let inbox = created.contact_inbox.unwrap();
    assert_eq!(
        inbox.source_id.as_deref(),
        Some("0f2c1c4e-52b6-4a57-8c59-6f1b8a7c2d93")
    );
    assert_eq!(inbox.inbox_id(), Some(3));
}

#[tokio::test]
async fn update_sends_only_the_attributes_to_merge() {
    let server = MockServer::start().await;
    let mut updated = fixture("contact_show.json");
    updated["payload"]["custom_attributes"]["shop_customer_tier"] = json!("vip");
    Mock::given(method("PUT"))
        .and(path(app_path("contacts/42")))
        // Only the changed key: Chatwoot merges it into the stored attributes.
        .and(body_json(
            json!({"custom_attributes": {"shop_customer_tier": "vip"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(updated))
        .expect(1)
        .mount(&server)
        .await;

    let contact = app(&server)
        .contacts()
        .update(
            42,
            &ContactInput::new().custom_attribute("shop_customer_tier", "vip"),
        )
        .await
        .unwrap();
    // The other attributes are still there, as Chatwoot merged rather than replaced.
    assert_eq!(contact.custom_attributes["loyalty_card"], "AL-77");
    assert_eq!(contact.custom_attributes["shop_customer_tier"], "vip");
}

#[tokio::test]
async fn delete_and_remove_custom_attributes() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(app_path("contacts/42")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut without = fixture("contact_show.json");
    without["payload"]["custom_attributes"] = json!({"shop_order_count": 3});
    Mock::given(method("POST"))
        .and(path(app_path("contacts/42/destroy_custom_attributes")))
        .and(body_json(
            json!({"custom_attributes": ["loyalty_card", "shop_total_spent"]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(without))
        .expect(1)
        .mount(&server)
        .await;

    let client = app(&server);
    client.contacts().delete(42).await.unwrap();
    let contact = client
        .contacts()
        .remove_custom_attributes(42, &["loyalty_card", "shop_total_spent"])
        .await
        .unwrap();
    assert!(!contact.custom_attributes.contains_key("loyalty_card"));
}

#[tokio::test]
async fn search_pages_and_streams_to_the_count() {
    let server = MockServer::start().await;
    let page1: Vec<_> = (1..=15)
        .map(|i| contact_json(i, &format!("c{i}@example.com"), None))
        .collect();
    let page2: Vec<_> = (16..=17)
        .map(|i| contact_json(i, &format!("c{i}@example.com"), None))
        .collect();
    Mock::given(method("GET"))
        .and(path(app_path("contacts/search")))
        .and(query_param("q", "example.com"))
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"meta": {"count": 17, "current_page": "1"}, "payload": page1}),
            ),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/search")))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"meta": {"count": 17, "current_page": 2}, "payload": page2})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // No third page is ever requested: the count says 17.
    Mock::given(method("GET"))
        .and(path(app_path("contacts/search")))
        .and(query_param("page", "3"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;

    let client = app(&server);
    let first = client.contacts().search("example.com", 1).await.unwrap();
    assert_eq!(first.items.len(), 15);
    assert_eq!(first.total, Some(17));
    assert!(first.end.is_none(), "more pages follow");

    let all: Vec<_> = client
        .contacts()
        .search_stream("example.com")
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<u64> = all.iter().map(|c| c.id).collect();
    assert_eq!(ids, (1..=17).collect::<Vec<_>>());
}

#[tokio::test]
async fn list_stream_stops_on_an_empty_page_without_a_count() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts")))
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"meta": {}, "payload": [contact_json(1, "a@x.test", None)]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts")))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"meta": {}, "payload": []})))
        .expect(1)
        .mount(&server)
        .await;
    let all: Vec<_> = app(&server)
        .contacts()
        .list_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn search_refuses_an_empty_query_without_a_request() {
    let server = MockServer::start().await;
    let err = app(&server).contacts().search("  ", 1).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "query", .. }),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn filter_sends_chatwoots_condition_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts/filter")))
        .and(query_param("page", "1"))
        .and(body_json(json!({"payload": [
            {"attribute_key": "city", "filter_operator": "equal_to", "values": ["Berlin"], "query_operator": "OR"},
            {"attribute_key": "shop_customer_tier", "filter_operator": "equal_to", "values": ["vip"], "query_operator": null}
        ]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"meta": {"count": 1, "current_page": 1}, "payload": [contact_json(42, "ada@example.com", Some("woo:1001"))]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let filter = ContactFilter::new("city", FilterOperator::EqualTo, ["Berlin"]).or(
        "shop_customer_tier",
        FilterOperator::EqualTo,
        ["vip"],
    );
    let page = app(&server).contacts().filter(&filter, 1).await.unwrap();
    assert_eq!(page.items[0].id, 42);
    assert!(page.end.is_some(), "the last page");
}

#[tokio::test]
async fn merge_posts_both_ids_and_returns_the_base_contact() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("actions/contact_merge")))
        .and(body_json(
            json!({"base_contact_id": 42, "mergee_contact_id": 43}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(contact_json(
            42,
            "ada@example.com",
            None,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let client = app(&server);
    assert_eq!(client.contacts().merge(42, 43).await.unwrap().id, 42);
    assert!(client.contacts().merge(42, 42).await.is_err());
}

/// Mounts the two exact-match lookups the upsert makes.
async fn lookups(
    server: &MockServer,
    by_identifier: serde_json::Value,
    by_email: serde_json::Value,
) {
    Mock::given(method("POST"))
        .and(path(app_path("contacts/filter")))
        .and(body_json(json!({"payload": [{"attribute_key": "identifier", "filter_operator": "equal_to", "values": ["woo:1001"], "query_operator": null}]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(by_identifier))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts/filter")))
        .and(body_json(json!({"payload": [{"attribute_key": "email", "filter_operator": "equal_to", "values": ["ada@example.com"], "query_operator": null}]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(by_email))
        .mount(server)
        .await;
}

fn empty_list() -> serde_json::Value {
    json!({"meta": {"count": 0, "current_page": 1}, "payload": []})
}

fn upsert_input() -> ContactInput {
    ContactInput::new()
        .identifier("woo:1001")
        .email("Ada@Example.com")
        .custom_attribute("shop_order_count", 4)
}

#[tokio::test]
async fn upsert_updates_the_contact_found_by_identifier() {
    let server = MockServer::start().await;
    // The filter is case-insensitive; only the exact identifier counts.
    let found = json!({"meta": {"count": 2}, "payload": [
        contact_json(7, "other@example.com", Some("WOO:1001")),
        contact_json(42, "ada@example.com", Some("woo:1001"))
    ]});
    lookups(&server, found, empty_list()).await;
    Mock::given(method("PUT"))
        .and(path(app_path("contacts/42")))
        .and(body_json(json!({"email": "Ada@Example.com", "identifier": "woo:1001", "custom_attributes": {"shop_order_count": 4}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": contact_json(42, "ada@example.com", Some("woo:1001"))})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts")))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let done = app(&server)
        .contacts()
        .upsert(&upsert_input())
        .await
        .unwrap();
    assert_eq!(done.outcome, UpsertOutcome::Updated);
    assert_eq!(done.contact.id, 42);
}

#[tokio::test]
async fn upsert_falls_back_to_email_and_skips_an_update_that_changes_nothing() {
    let server = MockServer::start().await;
    let mut existing = contact_json(42, "ada@example.com", Some("woo:1001"));
    existing["custom_attributes"] = json!({"shop_order_count": 4, "kept": true});
    lookups(
        &server,
        empty_list(),
        json!({"meta": {"count": 1}, "payload": [existing]}),
    )
    .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let done = app(&server)
        .contacts()
        .upsert(&upsert_input())
        .await
        .unwrap();
    assert_eq!(done.outcome, UpsertOutcome::Unchanged);
    assert_eq!(done.contact.id, 42);
}

#[tokio::test]
async fn upsert_creates_once_and_recovers_when_the_contact_appeared_meanwhile() {
    // First lookup: nobody. The create is refused because an earlier attempt (whose answer
    // was lost) created the contact. The upsert looks again and updates instead of failing
    // or duplicating.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts/filter")))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_list()))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    lookups(
        &server,
        json!({"meta": {"count": 1}, "payload": [contact_json(42, "ada@example.com", Some("woo:1001"))]}),
        empty_list(),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts")))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Email has already been taken, Identifier has already been taken",
            "attributes": ["email", "identifier"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(app_path("contacts/42")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"payload": contact_json(42, "ada@example.com", Some("woo:1001"))}),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let done = app(&server)
        .contacts()
        .upsert(&upsert_input())
        .await
        .unwrap();
    assert_eq!(done.outcome, UpsertOutcome::Updated);
}

#[tokio::test]
async fn upsert_creates_when_nothing_matches() {
    let server = MockServer::start().await;
    lookups(&server, empty_list(), empty_list()).await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("contact_create.json")))
        .expect(1)
        .mount(&server)
        .await;
    let done = app(&server)
        .contacts()
        .upsert(&upsert_input())
        .await
        .unwrap();
    assert_eq!(done.outcome, UpsertOutcome::Created);
}

#[tokio::test]
async fn upsert_without_email_or_identifier_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let err = app(&server)
        .contacts()
        .upsert(&ContactInput::new().name("Anonymous"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("email or an identifier"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_validation_error_names_the_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts")))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Phone number should be in e164 format", "attributes": ["phone_number"]
        })))
        .mount(&server)
        .await;
    let err = app(&server)
        .contacts()
        .create(&ContactInput::new().phone_number("030 123"))
        .await
        .unwrap_err();
    assert!(err.is_invalid_field("phone_number"));
    assert!(
        matches!(err.body(), Some(ErrorBody::Invalid { .. })),
        "{:?}",
        err.body()
    );
    assert!(err.to_string().contains("(fields: phone_number)"), "{err}");
}

#[tokio::test]
async fn contact_inboxes_create_and_contactable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts/42/contact_inboxes")))
        .and(body_json(json!({"inbox_id": 5, "source_id": "ada@example.com"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "source_id": "ada@example.com",
            "inbox": {"id": 5, "name": "Support email", "channel_type": "Channel::Email", "provider": null}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/42/contactable_inboxes")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": [
            {"source_id": "b5a4d1f0-7a38-4c4e-9a50-6a1d8d9f2e11", "inbox": {"id": 3, "name": "Shop events", "channel_type": "Channel::Api"}},
            {"source_id": "ada@example.com", "inbox": {"id": 5, "name": "Support email", "channel_type": "Channel::Email"}}
        ]})))
        .mount(&server)
        .await;

    let client = app(&server);
    let ci = client
        .contact_inboxes()
        .create(42, 5, Some("ada@example.com"))
        .await
        .unwrap();
    assert_eq!(
        (ci.inbox_id(), ci.source_id.as_deref()),
        (Some(5), Some("ada@example.com"))
    );
    let reachable = client.contact_inboxes().contactable(42).await.unwrap();
    assert_eq!(reachable.len(), 2);
    assert_eq!(
        reachable[1].inbox.as_ref().unwrap().channel_type.as_deref(),
        Some("Channel::Email")
    );
}
