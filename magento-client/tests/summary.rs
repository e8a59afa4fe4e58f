//! Magento models → sync-core summaries, on the documented payloads in `tests/fixtures`.
//! Non-ASCII names, an unrounded total and a configurable product's parent/child lines are
//! patched into copies of those payloads in code (the fixture files stay as documented).

use chrono::{TimeZone, Utc};
use magento_client::customer::SkipReason;
use magento_client::summary::{SOURCE, customer_summary_from_order};
use magento_client::{Customer, Order};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use sync_core::money::Money;
use sync_core::summary::{CustomerSummary, OrderSummary};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn order(patch: impl FnOnce(&mut Value)) -> Order {
    let mut raw = fixture("order.json");
    patch(&mut raw);
    serde_json::from_value(raw).unwrap()
}

#[test]
fn order_summary_from_the_documented_order() {
    let summary = OrderSummary::from(&order(|_| {}));

    assert_eq!(summary.source, SOURCE);
    assert_eq!(summary.id, "3");
    assert_eq!(summary.number.as_deref(), Some("000000003"));
    assert_eq!(summary.status, "pending", "the status label, not the state");
    assert_eq!(summary.total, Money::new(dec!(165), "USD"));
    assert_eq!(
        summary.created_at,
        Utc.with_ymd_and_hms(2017, 8, 21, 22, 22, 19).unwrap()
    );
    assert_eq!(
        summary.modified_at,
        Some(Utc.with_ymd_and_hms(2017, 8, 21, 22, 22, 20).unwrap())
    );
    assert_eq!(summary.paid_at, None);
    assert_eq!(summary.payment_method_id.as_deref(), Some("banktransfer"));
    assert_eq!(summary.email.as_deref(), Some("jdoe@example.com"));
    assert_eq!(summary.first_name.as_deref(), Some("Jane"));
    assert_eq!(summary.last_name.as_deref(), Some("Doe"));
    assert_eq!(summary.line_items, ["Radiant Tee-M-Orange"]);
}

#[test]
fn order_summary_keeps_the_exact_total_non_ascii_names_and_one_line_per_product() {
    let summary = OrderSummary::from(&order(|raw| {
        raw["order_currency_code"] = json!("EUR");
        raw["grand_total"] = json!(84.939999);
        raw["billing_address"]["firstname"] = json!("Zoë");
        raw["billing_address"]["lastname"] = json!("Ærø-Müller");
        let simple = raw["items"][0].clone();
        let mut parent = simple.clone();
        parent["item_id"] = json!(4);
        parent["name"] = json!("Hoodie «Élan»");
        parent["product_type"] = json!("configurable");
        let mut child = simple;
        child["item_id"] = json!(5);
        child["parent_item_id"] = json!(4);
        child["name"] = json!("Hoodie «Élan»-M-Blue");
        raw["items"].as_array_mut().unwrap().extend([parent, child]);
    }));

    assert_eq!(
        summary.total.amount,
        dec!(84.939999),
        "not rounded, not a float"
    );
    assert_eq!(summary.total.currency, "EUR");
    assert_eq!(summary.first_name.as_deref(), Some("Zoë"));
    assert_eq!(summary.last_name.as_deref(), Some("Ærø-Müller"));
    assert_eq!(
        summary.line_items,
        ["Radiant Tee-M-Orange", "Hoodie «Élan»"],
        "the configurable child line is left out"
    );
}

#[test]
fn customer_summary_from_an_order_follows_the_crates_name_rule() {
    let summary = customer_summary_from_order(&order(|raw| {
        raw["customer_firstname"] = json!("Søren");
        raw["customer_lastname"] = json!("Kierkegård");
    }))
    .unwrap();
    assert_eq!(summary.id.as_deref(), Some("3"));
    assert_eq!(summary.email, "jdoe@example.com");
    assert_eq!(summary.first_name.as_deref(), Some("Søren"));
    assert_eq!(summary.last_name.as_deref(), Some("Kierkegård"));
    assert_eq!(summary.orders_count, 1);
    assert_eq!(summary.total_spent, Some(Money::new(dec!(165), "USD")));
    let placed = Utc.with_ymd_and_hms(2017, 8, 21, 22, 22, 19).unwrap();
    assert_eq!(summary.first_order_at, Some(placed));
    assert_eq!(summary.last_order_at, Some(placed));

    // No order-level name: the billing name.
    let billing = customer_summary_from_order(&order(|raw| {
        raw.as_object_mut().unwrap().remove("customer_firstname");
        raw.as_object_mut().unwrap().remove("customer_lastname");
        raw["billing_address"]["firstname"] = json!("Zoë");
    }))
    .unwrap();
    assert_eq!(billing.first_name.as_deref(), Some("Zoë"));
    assert_eq!(billing.last_name.as_deref(), Some("Doe"));

    // No name anywhere: the email's local part, for a guest.
    let guest = customer_summary_from_order(&order(|raw| {
        for key in ["customer_firstname", "customer_lastname", "billing_address"] {
            raw.as_object_mut().unwrap().remove(key);
        }
        raw.as_object_mut().unwrap().remove("customer_id");
        raw["customer_is_guest"] = json!(1);
        raw["customer_email"] = json!("j.doe+shop@example.com");
    }))
    .unwrap();
    assert_eq!(guest.first_name.as_deref(), Some("j.doe+shop"));
    assert_eq!(guest.last_name, None);
    assert_eq!(guest.id, None);
}

#[test]
fn order_without_email_is_skipped_with_its_ids() {
    let skipped = customer_summary_from_order(&order(|raw| {
        raw["customer_email"] = json!(" ");
    }))
    .unwrap_err();
    assert_eq!(skipped.entity_id, 3);
    assert_eq!(skipped.increment_id, "000000003");
    assert_eq!(skipped.reason, SkipReason::MissingEmail);
}

#[test]
fn customer_summary_from_account() {
    let mut raw = fixture("customer.json");
    raw["firstname"] = json!("Åsa");
    let customer: Customer = serde_json::from_value(raw).unwrap();
    let summary = CustomerSummary::from(&customer);

    assert_eq!(summary.id.as_deref(), Some("2"));
    assert_eq!(summary.email, "jdoe@example.com");
    assert_eq!(summary.first_name.as_deref(), Some("Åsa"));
    assert_eq!(summary.last_name.as_deref(), Some("Doe"));
    assert_eq!(
        summary.created_at,
        Some(Utc.with_ymd_and_hms(2017, 8, 18, 18, 50, 20).unwrap())
    );
    assert_eq!((summary.orders_count, &summary.total_spent), (0, &None));
}
