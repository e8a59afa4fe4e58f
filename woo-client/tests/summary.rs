//! WooCommerce models → sync-core summaries, on the documented payloads in `tests/fixtures`.
//! Non-ASCII names and a Mollie gateway are patched into copies of those payloads in code
//! (the fixture files stay byte for byte as documented).

use chrono::{TimeZone, Utc};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use sync_core::money::Money;
use sync_core::summary::{CustomerSummary, OrderSummary};
use woo_client::models::{Customer, Order, Subscription};
use woo_client::summary::{SOURCE, customer_from_order};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The documented order, billed to a Dutch customer with non-ASCII names, paid by iDEAL.
fn dutch_order() -> Order {
    let mut raw = fixture("order.json");
    raw["billing"]["first_name"] = json!("Zoë");
    raw["billing"]["last_name"] = json!("van 't Höf");
    raw["billing"]["email"] = json!(" zoe@example.nl ");
    raw["payment_method"] = json!("mollie_wc_gateway_ideal");
    raw["payment_method_title"] = json!("iDEAL");
    raw["customer_id"] = json!(26);
    serde_json::from_value(raw).unwrap()
}

#[test]
fn order_summary_takes_exact_total_gmt_dates_and_gateway_id() {
    let summary = OrderSummary::from(&dutch_order());

    assert_eq!(summary.source, SOURCE);
    assert_eq!(summary.id, "727");
    assert_eq!(summary.number.as_deref(), Some("727"));
    assert_eq!(summary.status, "processing");
    assert_eq!(summary.total, Money::new(dec!(29.35), "USD"));
    assert_eq!(summary.total.amount.scale(), 2, "the exact decimal as sent");
    // `date_created` is 16:28:02 site time; the summary takes `date_created_gmt`.
    assert_eq!(
        summary.created_at,
        Utc.with_ymd_and_hms(2017, 3, 22, 19, 28, 2).unwrap()
    );
    assert_eq!(
        summary.paid_at,
        Some(Utc.with_ymd_and_hms(2017, 3, 22, 19, 28, 8).unwrap())
    );
    assert_eq!(summary.modified_at, summary.paid_at);
    assert_eq!(
        summary.payment_method_id.as_deref(),
        Some("mollie_wc_gateway_ideal"),
        "the gateway id, not the title"
    );
    assert_eq!(summary.email.as_deref(), Some("zoe@example.nl"));
    assert_eq!(summary.first_name.as_deref(), Some("Zoë"));
    assert_eq!(summary.last_name.as_deref(), Some("van 't Höf"));
    assert_eq!(
        summary.line_items,
        [
            "Woo Single #1",
            "Ship Your Idea &ndash; Color: Black, Size: M Test"
        ]
    );
}

#[test]
fn unknown_status_and_missing_payment_are_kept_as_sent() {
    let mut raw = fixture("order.json");
    raw["status"] = json!("shipped");
    raw["payment_method"] = json!("");
    raw["date_paid_gmt"] = Value::Null;
    let summary = OrderSummary::from(&serde_json::from_value::<Order>(raw).unwrap());
    assert_eq!(summary.status, "shipped");
    assert_eq!(summary.payment_method_id, None);
    assert_eq!(summary.paid_at, None);
}

#[test]
fn subscription_summary_uses_recurring_total_and_its_status() {
    let raw = fixture("subscription.json");
    let subscription: Subscription = serde_json::from_value(raw).unwrap();
    let summary = OrderSummary::from(&subscription);

    assert_eq!(summary.status, "active");
    assert_eq!(summary.number.as_deref(), Some("1300"));
    assert_eq!(summary.total, Money::new(dec!(32.65), "USD"));
    assert_eq!(
        summary.created_at,
        Utc.with_ymd_and_hms(2021, 4, 22, 10, 44, 41).unwrap()
    );
    assert_eq!(
        summary.paid_at,
        Some(Utc.with_ymd_and_hms(2021, 4, 22, 10, 44, 45).unwrap())
    );
    assert_eq!(summary.payment_method_id.as_deref(), Some("stripe"));
    assert_eq!(summary.email.as_deref(), Some("james.allan@automattic.com"));
    assert_eq!(summary.line_items, ["Weekly"]);
}

#[test]
fn customer_summary_from_account() {
    let mut raw = fixture("customer.json");
    raw["first_name"] = json!("Åsa");
    raw["last_name"] = json!("Ødegård");
    let customer: Customer = serde_json::from_value(raw).unwrap();
    let summary = CustomerSummary::from(&customer);

    assert_eq!(summary.id.as_deref(), Some("25"));
    assert_eq!(summary.email, "john.doe@example.com");
    assert_eq!(summary.first_name.as_deref(), Some("Åsa"));
    assert_eq!(summary.last_name.as_deref(), Some("Ødegård"));
    assert_eq!(
        summary.created_at,
        Some(Utc.with_ymd_and_hms(2017, 3, 21, 19, 9, 28).unwrap())
    );
    // wc/v3 customers carry no order totals: nothing is invented.
    assert_eq!((summary.orders_count, &summary.total_spent), (0, &None));
}

#[test]
fn customer_summary_from_an_orders_billing() {
    let summary = customer_from_order(&dutch_order()).unwrap();

    assert_eq!(summary.source, SOURCE);
    assert_eq!(summary.id.as_deref(), Some("26"));
    assert_eq!(summary.email, "zoe@example.nl");
    assert_eq!(summary.first_name.as_deref(), Some("Zoë"));
    assert_eq!(summary.last_name.as_deref(), Some("van 't Höf"));
    assert_eq!(summary.orders_count, 1);
    assert_eq!(summary.total_spent, Some(Money::new(dec!(29.35), "USD")));
    let placed = Utc.with_ymd_and_hms(2017, 3, 22, 19, 28, 2).unwrap();
    assert_eq!(summary.first_order_at, Some(placed));
    assert_eq!(summary.last_order_at, Some(placed));
}

#[test]
fn guest_order_without_billing_email_gives_no_customer() {
    let mut raw = fixture("order.json");
    raw["billing"]["email"] = json!("  ");
    let order: Order = serde_json::from_value(raw).unwrap();
    assert_eq!(customer_from_order(&order), None);

    // The documented order is a guest's (customer_id 0): no customer id.
    let guest: Order = serde_json::from_value(fixture("order.json")).unwrap();
    assert_eq!(customer_from_order(&guest).unwrap().id, None);
}
