//! Models against the vendor's documented payloads: exact money, UTC dates, lossless round trips.

mod common;

use chrono::{TimeZone, Utc};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use woo_client::PaymentMethod;
use woo_client::models::{
    BillingPeriod, Customer, ManageStock, Order, OrderStatus, Product, ProductType,
    ProductVariation, StockStatus, Subscription, SubscriptionStatus, Webhook, WebhookStatus,
};

use common::{fixture, fixture_json};

/// Parse `name` as `T`, write it back, and require the same JSON (every field, known or not).
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(original: &Value) -> (T, Value) {
    let parsed: T = serde_json::from_value(original.clone()).unwrap();
    let written = serde_json::to_value(&parsed).unwrap();
    (parsed, written)
}

#[test]
fn order_fixture_reads_exactly_and_round_trips() {
    let original = fixture_json("order.json");
    let (order, written) = round_trip::<Order>(&original);
    assert_eq!(
        written, original,
        "an order must survive a round trip unchanged"
    );

    assert_eq!(order.id, 727);
    assert_eq!(order.number, "727");
    assert_eq!(order.status, OrderStatus::Processing);
    assert_eq!(order.total, dec!(29.35));
    assert_eq!(order.cart_tax, dec!(1.35));
    assert_eq!(order.shipping_total, dec!(10.00));
    // `line_items[].price` is a JSON number, read exactly.
    assert_eq!(order.line_items[0].price, dec!(3));
    assert_eq!(order.line_items[1].price, dec!(12));
    assert_eq!(order.line_items[1].taxes[0].total, Some(dec!(0.9)));
    // `_gmt` fields are UTC; the site-local ones stay naive and are 3 hours apart here.
    assert_eq!(
        order.date_modified_gmt,
        Some(Utc.with_ymd_and_hms(2017, 3, 22, 19, 28, 8).unwrap())
    );
    assert_eq!(
        order.date_modified.unwrap().to_string(),
        "2017-03-22 16:28:08"
    );
    assert_eq!(order.date_completed_gmt, None);
    assert_eq!(order.billing.email.as_deref(), Some("john.doe@example.com"));
    assert_eq!(order.shipping.email, None);
    assert_eq!(
        order.meta("_download_permissions_granted"),
        Some(&json!("yes"))
    );
    assert!(order.extra.contains_key("_links"));
    assert_eq!(order.payment(), PaymentMethod::Other("bacs".into()));
}

#[test]
fn order_list_fixture_parses() {
    let orders: Vec<Order> = serde_json::from_str(&fixture("orders_list.json")).unwrap();
    assert_eq!(orders.iter().map(|o| o.id).collect::<Vec<_>>(), [727, 723]);
    assert_eq!(orders[1].status, OrderStatus::Completed);
    let original = fixture_json("orders_list.json");
    assert_eq!(serde_json::to_value(&orders).unwrap(), original);
}

#[test]
fn meta_data_values_of_any_type_and_unknown_fields_survive() {
    // Variation of the order fixture: meta values of every JSON type, a line item with newer
    // fields (`parent_name`, `image`), an unknown top-level field and a mollie gateway id.
    let mut original = fixture_json("order.json");
    original["meta_data"] = json!([
        {"id": 1, "key": "_obj", "value": {"nested": [1, 2.50, "x"]}},
        {"id": 2, "key": "_arr", "value": [true, null]},
        {"id": 3, "key": "_num", "value": 12.3400},
        {"id": 4, "key": "_bool", "value": false}
    ]);
    original["line_items"][0]["parent_name"] = Value::Null;
    original["line_items"][0]["image"] = json!({"id": 7, "src": "https://example.com/a.jpg"});
    original["plugin_field"] = json!({"keep": "me"});
    original["payment_method"] = json!("mollie_wc_gateway_mistercash");

    let (order, written) = round_trip::<Order>(&original);
    assert_eq!(written, original);
    assert_eq!(order.meta("_obj"), Some(&json!({"nested": [1, 2.50, "x"]})));
    assert_eq!(order.extra["plugin_field"], json!({"keep": "me"}));
    assert_eq!(order.line_items[0].extra["image"]["id"], json!(7));
    assert!(order.payment().is_bancontact());
}

#[test]
fn numeric_prices_keep_every_digit() {
    // Floats would read 7.905138 as 7.90513799999999…; a Decimal keeps it.
    let sub: Subscription = serde_json::from_str(&fixture("subscription.json")).unwrap();
    assert_eq!(sub.line_items[0].price, dec!(7.905138));
    assert_eq!(sub.line_items[0].taxes[0].total, Some(dec!(0.790514)));
    let written = serde_json::to_value(&sub).unwrap();
    assert_eq!(written["line_items"][0]["price"].to_string(), "7.905138");
    // PHP's json_encode writes a double's shortest form, or 17 digits under the legacy
    // `serialize_precision = 17`: both read back as the number PHP meant.
    for (php_wrote, meant) in [
        ("84.939999", "84.939999"),
        ("84.938999999999993", "84.939"),
        ("0.10000000000000001", "0.1"),
    ] {
        let mut order = fixture_json("order.json");
        order["line_items"][0]["price"] = serde_json::from_str(php_wrote).unwrap();
        let parsed: Order = serde_json::from_value(order).unwrap();
        assert_eq!(parsed.line_items[0].price.to_string(), meant, "{php_wrote}");
    }
}

#[test]
fn subscription_fixture_reads_schedule_in_utc() {
    let original = fixture_json("subscription.json");
    let (sub, written) = round_trip::<Subscription>(&original);
    assert_eq!(
        written, original,
        "a subscription must survive a round trip unchanged"
    );
    assert_eq!(sub.id, 1300);
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.billing_period, BillingPeriod::Week);
    assert_eq!(sub.billing_interval, Some(1));
    assert_eq!(
        sub.next_payment_date_gmt,
        Some(Utc.with_ymd_and_hms(2021, 4, 29, 10, 44, 41).unwrap())
    );
    // Unset schedule dates arrive as "" and read as None.
    assert_eq!(sub.trial_end_date_gmt, None);
    assert_eq!(sub.end_date_gmt, None);
    assert_eq!(sub.total, dec!(32.65));
    assert_eq!(
        sub.fee_lines[0].taxes[0].subtotal, None,
        "blank tax reads as None"
    );
    assert_eq!(sub.shipping_lines[0].extra["instance_id"], json!("2"));

    let list_original = fixture_json("subscriptions_list.json");
    let list: Vec<Subscription> = serde_json::from_value(list_original.clone()).unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[1].billing_interval, Some(3));
    assert_eq!(serde_json::to_value(&list).unwrap(), list_original);
}

#[test]
fn product_variation_customer_and_webhook_fixtures_round_trip() {
    let original = fixture_json("product.json");
    let (product, written) = round_trip::<Product>(&original);
    assert_eq!(written, original);
    assert_eq!(product.kind, ProductType::Simple);
    assert_eq!(product.price, Some(dec!(21.99)));
    assert_eq!(product.sale_price, None, "blank sale price reads as None");
    assert_eq!(product.stock_status, StockStatus::InStock);
    assert_eq!(product.stock_quantity, None);
    assert_eq!(product.categories[1].slug, "t-shirts");

    let original = fixture_json("product_variation.json");
    let (variation, written) = round_trip::<ProductVariation>(&original);
    assert_eq!(written, original);
    assert_eq!(variation.regular_price, Some(dec!(9.00)));
    assert_eq!(variation.manage_stock, ManageStock::No);
    assert_eq!(variation.attributes[0].option, "Black");

    let original = fixture_json("customer.json");
    let (customer, written) = round_trip::<Customer>(&original);
    assert_eq!(written, original);
    assert_eq!(customer.email, "john.doe@example.com");
    assert_eq!(
        customer.date_modified_gmt,
        Some(Utc.with_ymd_and_hms(2017, 3, 21, 19, 9, 30).unwrap())
    );

    let original = fixture_json("webhook_resource.json");
    let (webhook, written) = round_trip::<Webhook>(&original);
    assert_eq!(written, original);
    assert_eq!(webhook.status, WebhookStatus::Active);
    assert_eq!(webhook.topic, "order.updated");
}

#[test]
fn unknown_statuses_are_kept_not_rejected() {
    let mut original = fixture_json("order.json");
    original["status"] = json!("awaiting-shipment");
    let (order, written) = round_trip::<Order>(&original);
    assert_eq!(order.status, OrderStatus::Other("awaiting-shipment".into()));
    assert_eq!(written["status"], json!("awaiting-shipment"));
}

#[test]
fn bad_money_names_the_field() {
    let mut original = fixture_json("orders_list.json");
    original[1]["line_items"][0]["total"] = json!("12,50");
    let text = serde_json::to_string(&original).unwrap();
    let err = sync_core::http::decode_json::<Vec<Order>>(text.as_bytes()).unwrap_err();
    assert_eq!(err.path, "[1].line_items[0].total");
    assert!(err.message.contains("12,50"), "{}", err.message);
}
