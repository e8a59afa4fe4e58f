//! Orders: the documented payload, exact decimals, naive UTC timestamps, round trips, lookups,
//! error rendering and retries.

mod common;

use std::str::FromStr;

use chrono::{TimeZone, Utc};
use common::*;
use magento_client::sync_core::http::ClientError;
use magento_client::sync_core::{Classify, PermanentKind, Verdict};
use magento_client::{Error, Filter, Money, Order, OrderState, SearchCriteria};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn documented_order() -> Order {
    serde_json::from_str(&fixture("order.json")).unwrap()
}

#[test]
fn documented_order_decodes_every_part() {
    let order = documented_order();
    assert_eq!(order.entity_id, 3);
    assert_eq!(order.increment_id, "000000003");
    assert_eq!(order.state, Some(OrderState::New));
    assert_eq!(order.status.as_deref(), Some("pending"));
    assert_eq!(order.store_id, Some(1));
    assert_eq!(order.customer_email.as_deref(), Some("jdoe@example.com"));
    assert_eq!(order.customer_is_guest, Some(false));
    assert!(!order.is_guest());
    assert_eq!(order.grand_total, Some(dec!(165)));
    assert_eq!(order.shipping_amount, Some(dec!(5)));
    assert_eq!(order.total_paid, None, "unpaid orders omit total_paid");
    assert!(!order.is_fully_paid());
    assert_eq!(
        order.grand_total_money().unwrap().rounded().to_string(),
        "165.00 USD"
    );

    // Naive strings are UTC.
    assert_eq!(
        order.created_at,
        Utc.with_ymd_and_hms(2017, 8, 21, 22, 22, 19).unwrap()
    );
    assert_eq!(
        order.updated_at,
        Utc.with_ymd_and_hms(2017, 8, 21, 22, 22, 20).unwrap()
    );

    let item = &order.items[0];
    assert_eq!((item.item_id, item.sku.as_str()), (3, "WS12-M-Orange"));
    assert_eq!(item.price, Some(dec!(22)));
    assert_eq!(item.qty_ordered, Some(dec!(1)));
    assert_eq!(
        item.created_at,
        Some(Utc.with_ymd_and_hms(2017, 8, 21, 22, 22, 19).unwrap())
    );

    let billing = order.billing_address.as_ref().unwrap();
    assert_eq!(billing.street, vec!["123 Oak Ave"]);
    assert_eq!(billing.full_name().as_deref(), Some("Jane Doe"));
    // There is no top-level shipping address: it lives in the shipping assignments.
    let shipping = order.shipping_address().unwrap();
    assert_eq!(shipping.address_type.as_deref(), Some("shipping"));
    assert_eq!(shipping.entity_id, Some(5));
    assert_eq!(order.shipping_method(), Some("tablerate_bestway"));

    let payment = order.payment.as_ref().unwrap();
    assert_eq!(payment.method, "banktransfer");
    assert_eq!(
        payment.additional_information,
        vec!["Bank Transfer Payment", ""]
    );
    assert_eq!(payment.extra["cc_last4"], Value::Null, "unnamed nulls kept");

    // Unnamed fields are kept.
    assert_eq!(order.extra["protect_code"], json!("61f76d"));
    assert_eq!(
        order.extra["shipping_description"],
        json!("Best Way - Table Rate")
    );
}

#[test]
fn documented_order_round_trips_without_loss() {
    let original: Value = serde_json::from_str(&fixture("order.json")).unwrap();
    let order: Order = serde_json::from_value(original.clone()).unwrap();
    let again = serde_json::to_value(&order).unwrap();
    assert_eq!(again, original);
    // And from the re-encoded text, as a dead-letter replay would.
    let text = serde_json::to_string(&order).unwrap();
    assert_eq!(serde_json::from_str::<Order>(&text).unwrap(), order);
}

#[test]
fn json_numbers_become_exact_decimals() {
    let mut raw = fixture_json("order.json");
    raw["order_currency_code"] = json!("EUR");
    let text = raw
        .to_string()
        .replace("\"grand_total\":165", "\"grand_total\":84.94")
        .replace(
            "\"subtotal\":160",
            "\"subtotal\":84.939999,\"total_paid\":84.939999",
        );
    let order: Order = serde_json::from_str(&text).unwrap();
    assert_eq!(
        order.total_paid,
        Some(Decimal::from_str("84.939999").unwrap())
    );
    assert_eq!(
        order.total_paid.unwrap().to_string(),
        "84.939999",
        "not 84.93999900000001"
    );
    // The float comparison the old importer did says "not paid":
    assert_ne!(84.939999_f64, 84.94_f64);
    // At the minor unit it is paid.
    assert!(order.is_fully_paid());
    assert_eq!(
        order.total_paid_money().unwrap().rounded(),
        Money::new(dec!(84.94), "EUR")
    );
    // And the exact literal is written back unchanged.
    let back = serde_json::to_string(&order).unwrap();
    assert!(back.contains("\"total_paid\":84.939999"), "{back}");
    assert!(back.contains("\"grand_total\":84.94"), "{back}");

    // Half a cent short is not paid; JPY has no minor unit.
    let short = text.replace("\"total_paid\":84.939999", "\"total_paid\":84.934999");
    assert!(
        !serde_json::from_str::<Order>(&short)
            .unwrap()
            .is_fully_paid()
    );
    let yen = text
        .replace("\"EUR\"", "\"JPY\"")
        .replace("\"grand_total\":84.94", "\"grand_total\":1500")
        .replace("\"total_paid\":84.939999", "\"total_paid\":1499.6");
    assert!(serde_json::from_str::<Order>(&yen).unwrap().is_fully_paid());
}

#[test]
fn bad_values_name_their_path() {
    let text = fixture("order.json").replace(
        "\"created_at\": \"2017-08-21 22:22:19\",",
        "\"created_at\": \"21.08.2017\",",
    );
    let err = magento_client::sync_core::http::decode_json::<Order>(text.as_bytes()).unwrap_err();
    assert_eq!(err.path, "created_at");
    assert!(
        err.message.contains("YYYY-MM-DD HH:MM:SS"),
        "{}",
        err.message
    );
}

#[test]
fn php_empty_object_as_array_is_accepted() {
    let mut raw = fixture_json("order.json");
    raw["extension_attributes"] = json!([]);
    let order: Order = serde_json::from_value(raw).unwrap();
    assert!(order.shipping_address().is_none());
}

#[tokio::test]
async fn get_and_get_by_increment_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders/3"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("order.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders/404"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "The entity that was requested doesn't exist. Verify the entity and try again."
        })))
        .mount(&server)
        .await;
    let mut other_store = order_json(77, 2, "2026-01-01 00:00:00");
    other_store["increment_id"] = json!("000000003");
    let table = vec![
        fixture_json("order.json"),
        other_store,
        order_json(5, 1, "2026-01-01 00:00:00"),
    ];
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(FakeMagento::new(table))
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());

    assert_eq!(client.orders().get(3).await.unwrap().entity_id, 3);
    let err = client.orders().get(404).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    assert!(err.to_string().contains("doesn't exist"), "{err}");

    let found = client
        .orders()
        .get_by_increment_id("000000005")
        .await
        .unwrap();
    assert_eq!(found.entity_id, 5);
    let in_store = client
        .orders()
        .get_by_increment_id_in_store("000000003", 2)
        .await
        .unwrap();
    assert_eq!(in_store.entity_id, 77);
    match client
        .orders()
        .get_by_increment_id("000000003")
        .await
        .unwrap_err()
    {
        Error::AmbiguousIncrementId { store_ids, .. } => assert_eq!(store_ids, vec![1, 2]),
        other => panic!("{other:?}"),
    }
    let err = client
        .orders()
        .get_by_increment_id("999")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("\"999\""));
}

#[tokio::test]
async fn error_bodies_are_rendered_with_their_placeholders() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(
            ResponseTemplate::new(400).set_body_string(fixture("error_invalid_product_data.json")),
        )
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());
    let err = client
        .orders()
        .search(&SearchCriteria::new().filter(Filter::eq("sku", "x")))
        .await
        .unwrap_err();
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Data));
    let text = err.to_string();
    assert!(
        text.contains("answered HTTP 400: Invalid product data: Invalid attribute set entity type"),
        "{text}"
    );
    assert!(
        text.contains("orders.search"),
        "names the operation: {text}"
    );
    let body = err.vendor_body().unwrap();
    assert_eq!(body.template(), "Invalid product data: %1");
    // Sent once: a 400 is not retried.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn rate_limits_and_unavailability_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders/3"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_string(fixture("error_too_many_requests.json")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders/3"))
        .respond_with(
            ResponseTemplate::new(503).set_body_string("<html>Service Unavailable</html>"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders/3"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("order.json")))
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());
    assert_eq!(client.orders().get(3).await.unwrap().entity_id, 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // When 503 persists, the error says so and stays retryable for the engine.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>Maintenance</html>"))
        .mount(&server)
        .await;
    let err = bearer_client(&server.uri())
        .orders()
        .get(3)
        .await
        .unwrap_err();
    assert!(err.verdict().is_retryable());
    assert!(err.to_string().contains("4 attempts"), "{err}");
    assert!(err.to_string().contains("Maintenance"), "{err}");

    // 429 with Magento's body is rate-limited.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).set_body_string(fixture("error_too_many_requests.json")),
        )
        .mount(&server)
        .await;
    let err = bearer_client(&server.uri())
        .orders()
        .get(3)
        .await
        .unwrap_err();
    assert!(
        matches!(err.verdict(), Verdict::RateLimited { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Too Many Requests"));
}

#[tokio::test]
async fn store_code_scopes_the_url_but_store_id_filters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/de/V1/orders"))
        .and(query_param(
            "searchCriteria[filter_groups][0][filters][0][field]",
            "store_id",
        ))
        .and(query_param(
            "searchCriteria[filter_groups][0][filters][0][value]",
            "2",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [], "total_count": 0})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = magento_client::Client::builder(server.uri())
        .credentials(magento_client::Credentials::integration_bearer("t"))
        .store_code("de")
        .build()
        .unwrap();
    let page = client
        .orders()
        .search(&magento_client::OrderFeed::new().store(2).base_criteria())
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(0));
}
