//! ContactSink fed with sync-core's vendor-neutral summaries: orders merged one at a time into
//! the contact (no history needed), redelivered and out-of-order orders, a shop's own customer
//! totals, and the history-fetching mode, against a stateful wiremock Chatwoot.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chatwoot_client::ContactSink;
use chatwoot_client::sync::{HistoryError, OrderHistory};
use chrono::{DateTime, Utc};
use common::*;
use serde_json::{Value, json};
use sync_core::money::Money;
use sync_core::summary::{CustomerSummary, OrderSummary};
use sync_core::{Ack, Sink, SinkRecord};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// WooCommerce's documented order 727 (`GET /wp-json/wc/v3/orders/727`) as sync-core's
/// summary, the way woo-client's `From<&Order>` fills it.
fn woo_order(id: &str, status: &str, total: &str, created: &str, modified: &str) -> OrderSummary {
    OrderSummary {
        source: "woocommerce:example.com".into(),
        id: id.into(),
        number: Some(id.into()),
        status: status.into(),
        email: Some("John.Doe@example.com".into()),
        first_name: Some("John".into()),
        last_name: Some("Doe".into()),
        total: Money::new(total.parse().unwrap(), "USD"),
        created_at: utc(created),
        paid_at: Some(utc(modified)),
        modified_at: Some(utc(modified)),
        line_items: vec![
            "Woo Single #1".into(),
            "Ship Your Idea &ndash; Color: Black, Size: M Test".into(),
        ],
        payment_method_id: Some("bacs".into()),
    }
}

fn order_727() -> OrderSummary {
    woo_order(
        "727",
        "processing",
        "29.35",
        "2017-03-22T19:28:02Z",
        "2017-03-22T19:28:08Z",
    )
}

/// Chatwoot's contact filter (by email), create, and update with attribute merge.
#[derive(Clone, Default)]
struct FakeChatwoot {
    contacts: Arc<Mutex<Vec<Value>>>,
    writes: Arc<AtomicUsize>,
}

impl FakeChatwoot {
    fn attributes(&self) -> Value {
        let contacts = self.contacts.lock().unwrap();
        assert_eq!(contacts.len(), 1, "{contacts:?}");
        contacts[0]["custom_attributes"].clone()
    }

    fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    async fn mount(&self, server: &MockServer) {
        let store = self.clone();
        Mock::given(method("POST"))
            .and(path(app_path("contacts/filter")))
            .respond_with(move |req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap();
                let wanted = body["payload"][0]["values"][0]
                    .as_str()
                    .unwrap()
                    .to_lowercase();
                let found: Vec<Value> = store
                    .contacts
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|c| c["email"].as_str() == Some(wanted.as_str()))
                    .cloned()
                    .collect();
                ResponseTemplate::new(200).set_body_json(
                    json!({"meta": {"count": found.len(), "current_page": 1}, "payload": found}),
                )
            })
            .mount(server)
            .await;
        let store = self.clone();
        Mock::given(method("POST"))
            .and(path(app_path("contacts")))
            .respond_with(move |req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap();
                store.writes.fetch_add(1, Ordering::SeqCst);
                let mut contacts = store.contacts.lock().unwrap();
                let mut contact = contact_json(
                    contacts.len() as u64 + 1,
                    body["email"].as_str().unwrap(),
                    None,
                );
                contact["name"] = body["name"].clone();
                contact["custom_attributes"] = body["custom_attributes"].clone();
                contacts.push(contact.clone());
                ResponseTemplate::new(200)
                    .set_body_json(json!({"payload": {"contact": contact, "contact_inbox": null}}))
            })
            .mount(server)
            .await;
        let store = self.clone();
        Mock::given(method("PUT"))
            .and(path_regex(r"^/api/v1/accounts/1/contacts/\d+$"))
            .respond_with(move |req: &Request| {
                let id: u64 = req.url.path().rsplit('/').next().unwrap().parse().unwrap();
                let body: Value = serde_json::from_slice(&req.body).unwrap();
                store.writes.fetch_add(1, Ordering::SeqCst);
                let mut contacts = store.contacts.lock().unwrap();
                let contact = contacts.iter_mut().find(|c| c["id"] == id).unwrap();
                // Chatwoot merges custom attributes key by key.
                for (k, v) in body["custom_attributes"].as_object().unwrap() {
                    contact["custom_attributes"][k] = v.clone();
                }
                ResponseTemplate::new(200).set_body_json(json!({"payload": contact.clone()}))
            })
            .mount(server)
            .await;
    }
}

async fn write_orders(sink: &ContactSink, orders: &[(&str, &OrderSummary)]) -> Vec<Ack> {
    let batch: Vec<SinkRecord<'_, OrderSummary>> = orders
        .iter()
        .map(|&(key, data)| SinkRecord { key, data })
        .collect();
    Sink::<OrderSummary>::write(sink, &batch).await.unwrap()
}

async fn setup() -> (MockServer, FakeChatwoot, ContactSink) {
    let server = MockServer::start().await;
    let fake = FakeChatwoot::default();
    fake.mount(&server).await;
    let sink = ContactSink::new(app(&server));
    (server, fake, sink)
}

#[tokio::test]
async fn orders_merge_one_at_a_time_and_a_redelivery_counts_once() {
    let (_server, fake, sink) = setup().await;

    let acks = write_orders(&sink, &[("order-727", &order_727())]).await;
    assert_eq!(acks, [Ack::Delivered]);
    let attrs = fake.attributes();
    assert_eq!(attrs["shop_order_count"], 1);
    assert_eq!(attrs["shop_total_spent_display"], "$29.35");
    assert_eq!(attrs["shop_customer_tier"], "new");

    // A later order, then an older one arriving late (a webhook retried hours after).
    let later = woo_order(
        "731",
        "completed",
        "15.06",
        "2017-04-01T09:00:00Z",
        "2017-04-02T10:00:00Z",
    );
    let older = woo_order(
        "715",
        "completed",
        "100",
        "2017-03-01T12:00:00Z",
        "2017-03-02T12:00:00Z",
    );
    write_orders(&sink, &[("order-731", &later)]).await;
    write_orders(&sink, &[("order-715", &older)]).await;
    let attrs = fake.attributes();
    assert_eq!(attrs["shop_order_count"], 3);
    assert_eq!(attrs["shop_total_spent"], json!(144.41));
    assert_eq!(attrs["shop_total_spent_display"], "$144.41");
    // The first order is the earliest placed, whatever the arrival order.
    assert_eq!(attrs["shop_first_order_at"], "2017-03-01T12:00:00Z");
    assert_eq!(attrs["shop_last_order_at"], "2017-04-01T09:00:00Z");
    assert_eq!(attrs["shop_customer_tier"], "returning");
    assert_eq!(fake.writes(), 3);

    // Every one of them again (a replay): counted once, and nothing is written.
    let acks = write_orders(
        &sink,
        &[
            ("order-727", &order_727()),
            ("order-731", &later),
            ("order-715", &older),
        ],
    )
    .await;
    assert_eq!(acks, [Ack::Delivered, Ack::Delivered, Ack::Delivered]);
    assert_eq!(fake.attributes()["shop_order_count"], 3);
    assert_eq!(fake.writes(), 3, "a redelivery writes nothing");
}

#[tokio::test]
async fn a_refund_takes_the_order_out_and_a_late_older_version_cannot_put_it_back() {
    let (_server, fake, sink) = setup().await;
    write_orders(&sink, &[("order-727", &order_727())]).await;
    let mut refunded = order_727();
    refunded.status = "refunded".into();
    refunded.modified_at = Some(utc("2017-03-25T08:00:00Z"));
    write_orders(&sink, &[("order-727-refund", &refunded)]).await;
    assert_eq!(fake.attributes()["shop_order_count"], 0);
    assert_eq!(fake.attributes()["shop_customer_tier"], "prospect");

    // The "processing" delivery again, after the refund: older, so ignored.
    let writes = fake.writes();
    write_orders(&sink, &[("order-727", &order_727())]).await;
    assert_eq!(fake.attributes()["shop_order_count"], 0);
    assert_eq!(fake.writes(), writes);
}

#[tokio::test]
async fn orders_of_one_customer_in_one_batch_are_all_counted() {
    let (_server, fake, sink) = setup().await;
    let second = woo_order(
        "728",
        "completed",
        "10.65",
        "2017-03-23T08:00:00Z",
        "2017-03-23T08:00:01Z",
    );
    let acks = write_orders(
        &sink,
        &[("order-727", &order_727()), ("order-728", &second)],
    )
    .await;
    assert_eq!(acks, [Ack::Delivered, Ack::Delivered]);
    // One contact (the second order found the one the first created), both orders counted.
    assert_eq!(fake.attributes()["shop_order_count"], 2);
    assert_eq!(fake.attributes()["shop_total_spent_display"], "$40.00");
}

#[tokio::test]
async fn a_contact_written_without_a_ledger_keeps_its_totals_as_the_baseline() {
    let (_server, fake, sink) = setup().await;
    // As the snapshot sink (or an earlier version) left it: totals, no ledger.
    let mut john = contact_json(1, "john.doe@example.com", Some("woo:1"));
    john["custom_attributes"] = json!({
        "shop_order_count": 2, "shop_total_spent": 250, "shop_currency": "USD",
        "shop_first_order_at": "2016-11-02T10:00:00Z", "shop_last_order_at": "2017-02-14T10:00:00Z",
        "shop_order_ledger": null
    });
    fake.contacts.lock().unwrap().push(john);

    write_orders(&sink, &[("order-727", &order_727())]).await;
    let attrs = fake.attributes();
    assert_eq!(attrs["shop_order_count"], 3);
    assert_eq!(attrs["shop_total_spent_display"], "$279.35");
    assert_eq!(
        attrs["shop_first_order_at"], "2016-11-02T10:00:00Z",
        "first order kept"
    );
    assert_eq!(attrs["shop_last_order_at"], "2017-03-22T19:28:02Z");

    // An order the baseline already counted (placed before its last order) is not added.
    let counted = woo_order(
        "640",
        "completed",
        "120",
        "2017-01-05T10:00:00Z",
        "2017-01-05T10:00:00Z",
    );
    let writes = fake.writes();
    write_orders(&sink, &[("order-640", &counted)]).await;
    assert_eq!(fake.attributes()["shop_order_count"], 3);
    assert_eq!(fake.writes(), writes, "nothing changed, nothing written");
    // The name the contact had stays.
    assert_eq!(fake.contacts.lock().unwrap()[0]["name"], "Contact 1");
}

#[tokio::test]
async fn a_shops_customer_totals_become_the_baseline_for_later_orders() {
    let (_server, fake, sink) = setup().await;
    let customer = CustomerSummary {
        source: "woocommerce:example.com".into(),
        id: Some("25".into()),
        email: "john.doe@example.com".into(),
        first_name: Some("John".into()),
        last_name: Some("Doe".into()),
        orders_count: 4,
        total_spent: Some(Money::new("1020.00".parse().unwrap(), "USD")),
        first_order_at: Some(utc("2016-05-01T10:00:00Z")),
        last_order_at: Some(utc("2017-03-01T10:00:00Z")),
        created_at: Some(utc("2016-04-30T09:00:00Z")),
    };
    let acks = Sink::<CustomerSummary>::write(
        &sink,
        &[SinkRecord {
            key: "customer-25",
            data: &customer,
        }],
    )
    .await
    .unwrap();
    assert_eq!(acks, [Ack::Delivered]);
    assert_eq!(fake.attributes()["shop_order_count"], 4);
    assert_eq!(fake.attributes()["shop_customer_tier"], "vip");
    let contacts = fake.contacts.lock().unwrap().clone();
    assert_eq!(contacts[0]["name"], "John Doe");

    write_orders(&sink, &[("order-727", &order_727())]).await;
    let attrs = fake.attributes();
    assert_eq!(attrs["shop_order_count"], 5);
    assert_eq!(attrs["shop_total_spent_display"], "$1,049.35");
    assert_eq!(attrs["shop_first_order_at"], "2016-05-01T10:00:00Z");
}

/// The shop's order list, as a history source would read it.
#[derive(Debug, Clone, Default)]
struct ShopHistory {
    orders: Vec<OrderSummary>,
    reads: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl OrderHistory for ShopHistory {
    async fn orders_for(&self, email: &str) -> Result<Vec<OrderSummary>, HistoryError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self
            .orders
            .iter()
            .filter(|o| o.email.as_deref().map(str::to_lowercase).as_deref() == Some(email))
            .cloned()
            .collect())
    }
}

#[tokio::test]
async fn with_fetch_history_the_context_comes_from_the_shops_whole_history() {
    let server = MockServer::start().await;
    let fake = FakeChatwoot::default();
    fake.mount(&server).await;
    // The contact holds a wrong ledger (edited by hand): the history mode does not read it.
    let mut john = contact_json(1, "john.doe@example.com", None);
    john["custom_attributes"] = json!({"shop_order_count": 40, "shop_order_ledger": "{}"});
    fake.contacts.lock().unwrap().push(john);
    let history = ShopHistory {
        orders: vec![
            woo_order(
                "700",
                "completed",
                "50",
                "2017-02-01T10:00:00Z",
                "2017-02-01T10:00:00Z",
            ),
            woo_order(
                "710",
                "cancelled",
                "70",
                "2017-02-10T10:00:00Z",
                "2017-02-10T10:00:00Z",
            ),
        ],
        ..Default::default()
    };
    let sink = ContactSink::new(app(&server)).fetch_history(history.clone());

    write_orders(&sink, &[("order-727", &order_727())]).await;
    assert_eq!(history.reads.load(Ordering::SeqCst), 1);
    let attrs = fake.attributes();
    // 700 and 727 (the cancelled 710 does not count); the order itself is included even when
    // the shop's list does not show it yet.
    assert_eq!(attrs["shop_order_count"], 2);
    assert_eq!(attrs["shop_total_spent_display"], "$79.35");
    assert_eq!(attrs["shop_first_order_at"], "2017-02-01T10:00:00Z");
}

#[tokio::test]
async fn an_order_without_email_is_rejected_without_a_request() {
    let (server, _fake, sink) = setup().await;
    let mut guest = order_727();
    guest.email = None;
    let acks = write_orders(&sink, &[("order-727", &guest)]).await;
    assert!(
        matches!(&acks[0], Ack::Rejected { reason, .. } if reason.contains("no email")),
        "{acks:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
