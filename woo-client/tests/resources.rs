//! Each resource's routes, methods and bodies.

mod common;

use chrono::{TimeZone, Utc};
use futures_util::TryStreamExt;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use woo_client::ClientError;
use woo_client::models::{
    NewOrderNote, ProductPatch, SubscriptionStatus, WebhookSpec, WebhookStatus,
};

use common::{basic_client, fixture, fixture_json, query_value, received};

fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn subscriptions_list_get_update_and_move_the_next_payment_in_gmt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/subscriptions"))
        .and(query_param("status[0]", "active"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("subscriptions_list.json"), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/subscriptions/1300"))
        .and(body_json(
            json!({"next_payment_date": "2021-07-23 10:45:00"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("subscription.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/subscriptions/statuses"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("subscription_statuses.json"), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/subscriptions/1300/orders"))
        .respond_with(ok_json(json!([fixture_json("order.json")])))
        .mount(&server)
        .await;
    let subs = basic_client(&server.uri()).subscriptions();

    let page = subs
        .list()
        .status([SubscriptionStatus::Active])
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);
    let updated = subs
        .set_next_payment_date(1300, Utc.with_ymd_and_hms(2021, 7, 23, 10, 45, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(updated.id, 1300);
    let statuses = subs.statuses().await.unwrap();
    assert_eq!(statuses["wc-pending-cancel"], "Pending Cancellation");
    assert_eq!(subs.orders(1300).await.unwrap()[0].id, 727);
}

#[tokio::test]
async fn customers_never_send_a_date_filter_and_scan_filters_locally() {
    let server = MockServer::start().await;
    let mut old = fixture_json("customer.json");
    old["id"] = json!(24);
    old["date_modified_gmt"] = json!("2016-01-01T00:00:00");
    let recent = fixture_json("customer.json");
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/customers"))
        .respond_with(ok_json(json!([old, recent])).insert_header("X-WP-TotalPages", "1"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/customers/25"))
        .and(body_json(json!({"first_name": "Jane"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("customer.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let customers = basic_client(&server.uri()).customers();

    let changed: Vec<_> = customers
        .scan_modified_since(Utc.with_ymd_and_hms(2017, 1, 1, 0, 0, 0).unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(changed.iter().map(|c| c.id).collect::<Vec<_>>(), [25]);
    let request = &received(&server).await[0];
    assert!(
        query_value(request, "modified_after").is_none()
            && query_value(request, "dates_are_gmt").is_none(),
        "a filter WooCommerce ignores is never sent"
    );

    let patch = woo_client::models::CustomerPatch {
        first_name: Some("Jane".into()),
        ..Default::default()
    };
    customers.update(25, &patch).await.unwrap();
}

#[tokio::test]
async fn order_notes_and_refunds() {
    let server = MockServer::start().await;
    let note = json!({"id": 281, "author": "system", "date_created": "2017-03-21T16:46:41", "date_created_gmt": "2017-03-21T19:46:41", "note": "Order ok!!!", "customer_note": false});
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/723/notes"))
        .respond_with(ok_json(json!([note.clone()])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/723/notes"))
        .and(body_json(
            json!({"note": "Shipped", "customer_note": true, "added_by_user": false}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(note.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let refund = json!({"id": 726, "date_created": "2017-03-21T17:07:11", "date_created_gmt": "2017-03-21T20:07:11", "amount": "10.00", "reason": "", "refunded_by": 1, "refunded_payment": false, "meta_data": [], "line_items": []});
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/723/refunds"))
        .respond_with(ok_json(json!([refund.clone()])).insert_header("X-WP-TotalPages", "1"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/723/refunds/726"))
        .respond_with(ok_json(refund))
        .mount(&server)
        .await;
    let orders = basic_client(&server.uri()).orders();

    assert_eq!(orders.notes(723).await.unwrap()[0].note, "Order ok!!!");
    orders
        .add_note(723, &NewOrderNote::to_customer("Shipped"))
        .await
        .unwrap();
    let refunds = orders.refunds(723).all().await.unwrap();
    assert_eq!(refunds[0].amount, dec!(10.00));
    assert_eq!(orders.refund(723, 726).await.unwrap().id, 726);

    // The list fixture's refunds carry a leading minus; the total reads as positive.
    let listed: Vec<woo_client::models::Order> =
        serde_json::from_str(&fixture("orders_list.json")).unwrap();
    assert_eq!(listed[1].refunded_total(), dec!(19.00));
}

#[tokio::test]
async fn products_and_variations() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/products/794"))
        .and(body_json(
            json!({"regular_price": "24.90", "sale_price": "", "stock_quantity": 5}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("product.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/products/22/variations/732"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("product_variation.json"), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/products"))
        .and(query_param("sku", "Bar3"))
        .respond_with(ok_json(json!([fixture_json("product.json")])))
        .mount(&server)
        .await;
    let products = basic_client(&server.uri()).products();

    let patch = ProductPatch {
        regular_price: Some(Some(dec!(24.90))),
        sale_price: Some(None),
        stock_quantity: Some(5),
        ..Default::default()
    };
    assert_eq!(products.update(794, &patch).await.unwrap().id, 794);
    let variation = products.variations(22).get(732).await.unwrap();
    assert_eq!(variation.price, Some(dec!(9.00)));
    assert_eq!(
        products.list().sku("Bar3").send().await.unwrap().items[0].id,
        794
    );
}

#[tokio::test]
async fn webhooks_crud_sends_the_secret_but_never_shows_it() {
    let server = MockServer::start().await;
    let mut created = fixture_json("webhook_resource.json");
    created["secret"] = json!("whsec-abc123");
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/webhooks"))
        .and(body_json(json!({
            "name": "Order updated", "status": "active", "topic": "order.updated",
            "delivery_url": "https://hooks.example/woo", "secret": "whsec-abc123"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(created))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/webhooks/142"))
        .and(body_json(json!({"status": "active"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("webhook_resource.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/webhooks/142"))
        .and(query_param("force", "true"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("webhook_resource.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/webhooks"))
        .and(query_param("status", "disabled"))
        .respond_with(ok_json(json!([])))
        .mount(&server)
        .await;
    let webhooks = basic_client(&server.uri()).webhooks();

    let spec = WebhookSpec::new(
        "Order updated",
        "order.updated",
        "https://hooks.example/woo",
        SecretString::from("whsec-abc123"),
    );
    assert!(!format!("{spec:?}").contains("whsec-abc123"));
    let hook = webhooks.create(&spec).await.unwrap();
    assert!(hook.secret.is_some());
    assert!(!format!("{hook:?}").contains("whsec-abc123"));
    assert!(
        !serde_json::to_string(&hook)
            .unwrap()
            .contains("whsec-abc123")
    );
    webhooks
        .update(142, &WebhookSpec::reactivate())
        .await
        .unwrap();
    webhooks.delete(142).await.unwrap();
    assert!(
        webhooks
            .list()
            .status(WebhookStatus::Disabled)
            .send()
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn raw_access_for_unmodelled_routes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/reports/sales"))
        .and(query_param("period", "week"))
        .respond_with(ok_json(json!([{"total_sales": "14.00"}])))
        .mount(&server)
        .await;
    let client = basic_client(&server.uri());
    let report: Value = client
        .get_json("reports/sales", &[("period", "week")])
        .await
        .unwrap();
    assert_eq!(report[0]["total_sales"], "14.00");
}

#[tokio::test]
async fn order_delete_retried_after_it_worked_reports_already_gone_not_an_error() {
    let server = MockServer::start().await;
    // The first attempt trashed the order but its answer was lost (a 503 from a proxy); the
    // retry then finds the order in the trash.
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/orders/727"))
        .and(query_param("force", "false"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>timeout</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/orders/727"))
        .and(query_param("force", "false"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "code": "woocommerce_rest_already_trashed",
            "message": "The order has already been deleted.",
            "data": {"status": 410}
        })))
        .mount(&server)
        .await;
    // With `force`, the same situation answers 404 invalid id.
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/orders/728"))
        .and(query_param("force", "true"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "woocommerce_rest_shop_order_invalid_id",
            "message": "Invalid ID.",
            "data": {"status": 404}
        })))
        .mount(&server)
        .await;
    // A 404 when only trashing means a wrong id: still an error.
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/orders/729"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "woocommerce_rest_shop_order_invalid_id",
            "message": "Invalid ID.",
            "data": {"status": 404}
        })))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/orders/723"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("order.json"), "application/json"),
        )
        .mount(&server)
        .await;
    let orders = basic_client(&server.uri()).orders();

    let trashed = orders.delete(727, false).await.unwrap();
    assert!(trashed.was_already_gone(), "{trashed:?}");
    assert_eq!(trashed.order(), None);
    match &trashed {
        woo_client::orders::OrderDeletion::AlreadyGone(api) => {
            assert_eq!(api.code, "woocommerce_rest_already_trashed")
        }
        other => panic!("{other:?}"),
    }
    let forced = orders.delete(728, true).await.unwrap();
    assert!(forced.was_already_gone());

    let err = orders.delete(729, false).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));

    let deleted = orders.delete(723, false).await.unwrap();
    assert!(!deleted.was_already_gone());
    assert_eq!(
        deleted.order().map(|o| o.id),
        Some(727),
        "the fixture's order"
    );

    let attempts_727 = received(&server)
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/727"))
        .count();
    assert_eq!(attempts_727, 2, "retried once after the 503");
}
