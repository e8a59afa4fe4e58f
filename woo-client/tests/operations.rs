//! The operations a shop integration needs beyond reads (issue 10 §3): product and variation
//! delete, customer create/delete/batch, refund create, subscription create/delete/notes, and
//! coupons. Payload shapes from WooCommerce's REST API docs (tests/fixtures/SOURCES.md).

mod common;

use rust_decimal_macros::dec;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use woo_client::batch::BatchRequest;
use woo_client::models::{NewOrderNote, NewRefund};

use common::{basic_client, fixture_json, received};

fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn woo_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"code": code, "message": message, "data": {"status": status}}))
}

/// `POST /coupons` answer from the REST API docs.
fn coupon_json() -> Value {
    json!({
        "id": 719, "code": "10off", "amount": "10.00",
        "date_created": "2017-03-21T15:23:00", "date_created_gmt": "2017-03-21T18:23:00",
        "date_modified": "2017-03-21T15:23:00", "date_modified_gmt": "2017-03-21T18:23:00",
        "discount_type": "percent", "description": "", "date_expires": null,
        "date_expires_gmt": null, "usage_count": 0, "individual_use": true,
        "product_ids": [], "excluded_product_ids": [], "usage_limit": null,
        "usage_limit_per_user": null, "limit_usage_to_x_items": null, "free_shipping": false,
        "product_categories": [], "excluded_product_categories": [], "exclude_sale_items": true,
        "minimum_amount": "100.00", "maximum_amount": "0.00", "email_restrictions": [],
        "used_by": [], "meta_data": []
    })
}

fn note_json() -> Value {
    json!({
        "id": 281, "author": "system", "date_created": "2017-03-21T16:46:41",
        "date_created_gmt": "2017-03-21T19:46:41",
        "note": "Order ok!!!", "customer_note": false
    })
}

#[tokio::test]
async fn products_and_variations_can_be_deleted() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/products/794"))
        .and(query_param("force", "false"))
        .respond_with(ok_json(fixture_json("product.json")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // The retry of a trash whose answer was lost.
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/products/794"))
        .and(query_param("force", "false"))
        .respond_with(woo_error(
            410,
            "woocommerce_rest_already_trashed",
            "The product has already been deleted.",
        ))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/products/22/variations/732"))
        .and(query_param("force", "true"))
        .respond_with(ok_json(fixture_json("product_variation.json")))
        .expect(1)
        .mount(&server)
        .await;

    let client = basic_client(&server.uri());
    let first = client.products().delete(794, false).await.unwrap();
    assert_eq!(first.record().unwrap().id, 794);
    assert!(
        client
            .products()
            .delete(794, false)
            .await
            .unwrap()
            .was_already_gone()
    );
    let variation = client.products().variations(22).delete(732).await.unwrap();
    assert_eq!(variation.record().unwrap().id, 732);
}

#[tokio::test]
async fn customers_can_be_created_deleted_and_batched() {
    let server = MockServer::start().await;
    let new_customer = json!({
        "email": "john.doe@example.com", "first_name": "John", "last_name": "Doe",
        "username": "john.doe"
    });
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/customers"))
        .and(body_json(new_customer.clone()))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture_json("customer.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/customers/25"))
        .and(query_param("force", "true"))
        .and(query_param("reassign", "1"))
        .respond_with(ok_json(fixture_json("customer.json")))
        .expect(1)
        .mount(&server)
        .await;
    let mut updated = fixture_json("customer.json");
    updated["billing"]["phone"] = json!("(555) 555-5555");
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/customers/batch"))
        .and(body_json(json!({
            "create": [new_customer],
            "update": [{"id": 25, "billing": {"phone": "(555) 555-5555"}}],
            "delete": [26]
        })))
        .respond_with(ok_json(json!({
            "create": [fixture_json("customer.json")],
            "update": [updated],
            "delete": [{"id": 26, "error": {"code": "woocommerce_rest_invalid_id",
                "message": "Invalid resource id.", "data": {"status": 400}}}]
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = basic_client(&server.uri());
    let created = client.customers().create(&new_customer).await.unwrap();
    assert_eq!(created.id, 25);
    let deleted = client.customers().delete(25, Some(1)).await.unwrap();
    assert_eq!(deleted.record().unwrap().email, "john.doe@example.com");

    let request = BatchRequest::new()
        .create(new_customer.clone())
        .update(25, json!({"billing": {"phone": "(555) 555-5555"}}))
        .delete(26);
    // One item failed: the batch is not reported as a success.
    let partial = client.customers().batch(&request).await.unwrap_err();
    assert_eq!(partial.outcome.created[0].as_ref().unwrap().id, 25);
    assert!(partial.outcome.deleted[0].is_err());
}

#[tokio::test]
async fn a_refund_is_created_with_api_refund_explicit() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/723/refunds"))
        .and(body_json(
            json!({"amount": "10.00", "reason": "Damaged in transit", "api_refund": false}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 726, "date_created": "2017-03-21T17:07:11",
            "date_created_gmt": "2017-03-21T20:07:11", "amount": "10.00",
            "reason": "Damaged in transit", "refunded_by": 1, "refunded_payment": false,
            "meta_data": [], "line_items": []
        })))
        .expect(1)
        .mount(&server)
        .await;
    let refund = basic_client(&server.uri())
        .orders()
        .create_refund(
            723,
            &NewRefund::manual(dec!(10.00)).reason("Damaged in transit"),
        )
        .await
        .unwrap();
    assert_eq!((refund.id, refund.amount), (726, dec!(10.00)));
}

#[tokio::test]
async fn subscriptions_can_be_created_deleted_and_annotated() {
    let server = MockServer::start().await;
    let new_subscription = json!({
        "customer_id": 1, "status": "active", "billing_period": "month",
        "billing_interval": 1, "start_date": "2024-01-01 00:00:00",
        "payment_method": "stripe",
        "line_items": [{"product_id": 1277, "quantity": 1}]
    });
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/subscriptions"))
        .and(body_json(new_subscription.clone()))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture_json("subscription.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/subscriptions/1300"))
        .and(query_param("force", "true"))
        .respond_with(woo_error(
            404,
            "woocommerce_rest_shop_subscription_invalid_id",
            "Invalid ID.",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/subscriptions/1300/notes"))
        .respond_with(ok_json(json!([note_json()])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/subscriptions/1300/notes"))
        .and(body_json(
            json!({"note": "Order ok!!!", "customer_note": false, "added_by_user": false}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(note_json()))
        .expect(1)
        .mount(&server)
        .await;

    let subscriptions = basic_client(&server.uri()).subscriptions();
    assert_eq!(
        subscriptions.create(&new_subscription).await.unwrap().id,
        1300
    );
    // Deleted for good already (a retried request): not an error.
    assert!(
        subscriptions
            .delete(1300, true)
            .await
            .unwrap()
            .was_already_gone()
    );
    assert_eq!(subscriptions.notes(1300).await.unwrap()[0].id, 281);
    let note = subscriptions
        .add_note(1300, &NewOrderNote::private("Order ok!!!"))
        .await
        .unwrap();
    assert_eq!(note.note, "Order ok!!!");
}

#[tokio::test]
async fn coupons_list_get_create_update_delete() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/coupons"))
        .and(query_param("code", "10off"))
        .respond_with(
            ok_json(json!([coupon_json()]))
                .insert_header("X-WP-Total", "1")
                .insert_header("X-WP-TotalPages", "1"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/coupons/719"))
        .respond_with(ok_json(coupon_json()))
        .expect(1)
        .mount(&server)
        .await;
    let new_coupon = json!({"code": "10off", "discount_type": "percent", "amount": "10",
        "individual_use": true, "exclude_sale_items": true, "minimum_amount": "100.00"});
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/coupons"))
        .and(body_json(new_coupon.clone()))
        .respond_with(ResponseTemplate::new(201).set_body_json(coupon_json()))
        .expect(1)
        .mount(&server)
        .await;
    let mut updated = coupon_json();
    updated["amount"] = json!("5.00");
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/coupons/719"))
        .and(body_json(json!({"amount": "5"})))
        .respond_with(ok_json(updated))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/wp-json/wc/v3/coupons/719"))
        .and(query_param("force", "true"))
        .respond_with(ok_json(coupon_json()))
        .expect(1)
        .mount(&server)
        .await;

    let coupons = basic_client(&server.uri()).coupons();
    let page = coupons.list().code("10off").send().await.unwrap();
    assert_eq!(page.items[0].code, "10off");
    assert_eq!(coupons.get(719).await.unwrap().amount, dec!(10.00));
    assert_eq!(coupons.create(&new_coupon).await.unwrap().id, 719);
    let changed = coupons.update(719, &json!({"amount": "5"})).await.unwrap();
    assert_eq!(changed.amount, dec!(5.00));
    assert_eq!(
        coupons
            .delete(719, true)
            .await
            .unwrap()
            .record()
            .unwrap()
            .discount_type,
        "percent"
    );
    assert_eq!(received(&server).await.len(), 5);
}
