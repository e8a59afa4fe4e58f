//! ContactSink driven by sync-core's Pipeline against a wiremock Chatwoot.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chatwoot_client::context::{OrderStatus, OrderSummary};
use chatwoot_client::{ContactSink, ContextRules, CustomerSnapshot};
use chrono::{TimeZone, Utc};
use common::*;
use rust_decimal_macros::dec;
use serde_json::json;
use sync_core::store::{DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks};
use sync_core::{Pipeline, SourceOrder, SourceRecord, StreamKey, VecSource};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn customers() -> Vec<SourceRecord<CustomerSnapshot, u64>> {
    let order = |id: &str, day: u32, total| OrderSummary {
        id: id.into(),
        placed_at: Utc.with_ymd_and_hms(2024, 4, day, 8, 0, 0).unwrap(),
        total,
        currency: "EUR".into(),
        status: OrderStatus::Completed,
    };
    vec![
        SourceRecord {
            key: "customer-1001".into(),
            cursor: 1001,
            data: CustomerSnapshot {
                identifier: Some("woo:1001".into()),
                email: Some("ada@example.com".into()),
                name: Some("Ada Lovelace".into()),
                orders: vec![
                    order("5001", 1, dec!(84.939999)),
                    order("5002", 11, dec!(15.06)),
                ],
                ..Default::default()
            },
        },
        SourceRecord {
            key: "customer-1002".into(),
            cursor: 1002,
            data: CustomerSnapshot {
                identifier: Some("woo:1002".into()),
                email: Some("grace@example.com".into()),
                orders: vec![order("5003", 2, dec!(20))],
                ..Default::default()
            },
        },
        SourceRecord {
            // A guest checkout without email: cannot be matched, so it is rejected.
            key: "customer-guest-7".into(),
            cursor: 1003,
            data: CustomerSnapshot {
                name: Some("Guest".into()),
                ..Default::default()
            },
        },
    ]
}

/// A small stateful stand-in for Chatwoot's contact endpoints: filter by one standard
/// attribute, create (refusing taken emails/identifiers), and update with attribute merge.
#[derive(Clone, Default)]
struct FakeContacts {
    contacts: Arc<Mutex<Vec<serde_json::Value>>>,
    lookups: Arc<AtomicUsize>,
    first_lookup: FirstLookup,
}

/// How the fake answers the very first contact lookup, to stage races.
#[derive(Clone, Copy, Default)]
enum FirstLookup {
    #[default]
    Normal,
    /// Answered after 300 ms: a concurrent second lookup would overtake it.
    Slow,
    /// 503, which the sink answers with retry-later.
    Unavailable,
}

impl FakeContacts {
    fn with(contacts: Vec<serde_json::Value>) -> Self {
        FakeContacts {
            contacts: Arc::new(Mutex::new(contacts)),
            ..Default::default()
        }
    }

    fn first_lookup(mut self, first: FirstLookup) -> Self {
        self.first_lookup = first;
        self
    }

    fn snapshot(&self) -> Vec<serde_json::Value> {
        self.contacts.lock().unwrap().clone()
    }

    async fn mount(&self, server: &MockServer) {
        let store = self.clone();
        Mock::given(method("POST"))
            .and(path(app_path("contacts/filter")))
            .respond_with(move |req: &Request| {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
                let condition = &body["payload"][0];
                let key = condition["attribute_key"].as_str().unwrap().to_string();
                let wanted = condition["values"][0].as_str().unwrap().to_lowercase();
                let first = store.lookups.fetch_add(1, Ordering::SeqCst) == 0;
                if first && matches!(store.first_lookup, FirstLookup::Unavailable) {
                    return ResponseTemplate::new(503).set_body_string("Service Unavailable");
                }
                let found: Vec<_> = store
                    .snapshot()
                    .into_iter()
                    .filter(|c| c[&key].as_str().is_some_and(|v| v.to_lowercase() == wanted))
                    .collect();
                let answer = ResponseTemplate::new(200).set_body_json(
                    json!({"meta": {"count": found.len(), "current_page": 1}, "payload": found}),
                );
                if first && matches!(store.first_lookup, FirstLookup::Slow) {
                    answer.set_delay(Duration::from_millis(300))
                } else {
                    answer
                }
            })
            .mount(server)
            .await;
        let store = self.clone();
        Mock::given(method("POST"))
            .and(path(app_path("contacts")))
            .respond_with(move |req: &Request| {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
                let mut contacts = store.contacts.lock().unwrap();
                let taken = contacts
                    .iter()
                    .any(|c| c["email"] == body["email"] || c["identifier"] == body["identifier"]);
                if taken {
                    return ResponseTemplate::new(422).set_body_json(
                        json!({"message": "Email has already been taken", "attributes": ["email"]}),
                    );
                }
                let id = 100 + contacts.len() as u64;
                let mut contact = contact_json(
                    id,
                    body["email"].as_str().unwrap(),
                    body["identifier"].as_str(),
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
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
                let mut contacts = store.contacts.lock().unwrap();
                let contact = contacts.iter_mut().find(|c| c["id"] == json!(id)).unwrap();
                for field in ["name", "email", "identifier", "phone_number"] {
                    if let Some(v) = body.get(field) {
                        contact[field] = v.clone();
                    }
                }
                // Chatwoot merges custom attributes key by key.
                if let Some(attrs) = body["custom_attributes"].as_object() {
                    for (k, v) in attrs {
                        contact["custom_attributes"][k] = v.clone();
                    }
                }
                ResponseTemplate::new(200).set_body_json(json!({"payload": contact.clone()}))
            })
            .mount(server)
            .await;
    }
}

fn writes(requests: &[Request]) -> usize {
    requests
        .iter()
        .filter(|r| r.method.as_str() == "PUT" || r.url.path().ends_with("/contacts"))
        .count()
}

#[tokio::test]
async fn pipeline_creates_updates_and_dead_letters_then_a_replay_writes_nothing() {
    let server = MockServer::start().await;
    // Ada exists from an earlier sync, with an attribute set by someone else.
    let mut ada = contact_json(42, "ada@example.com", Some("woo:1001"));
    ada["name"] = json!("Ada Lovelace");
    ada["custom_attributes"] = json!({"loyalty_card": "AL-77", "shop_order_count": 1});
    let fake = FakeContacts::with(vec![ada]);
    fake.mount(&server).await;

    let stream = StreamKey::new("shop-to-chatwoot", "customers", "shop.test");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let run = |watermarks: Arc<MemoryWatermarks>| {
        Pipeline::builder(
            stream.clone(),
            VecSource::new(customers(), SourceOrder::Sorted, 10),
            ContactSink::new(app(&server)).rules(ContextRules::default().currency("EUR")),
        )
        .watermarks(watermarks)
        .dead_letters(dead_letters.clone())
        .build()
        .unwrap()
    };

    let report = run(Arc::new(MemoryWatermarks::new())).run().await.unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (2, 1));
    assert_eq!(report.watermark_after.as_deref(), Some("1003"));

    let contacts = fake.snapshot();
    assert_eq!(contacts.len(), 2);
    let ada = &contacts[0]["custom_attributes"];
    // 84.939999 + 15.06 at the cent is 100.00; the stranger's attribute survives the merge.
    assert_eq!(ada["shop_order_count"], json!(2));
    assert_eq!(ada["shop_total_spent_display"], "€100.00");
    assert_eq!(ada["shop_average_order_value_display"], "€50.00");
    assert_eq!(ada["shop_purchase_frequency"], "every 10.0 days");
    assert_eq!(ada["shop_customer_tier"], "returning");
    assert_eq!(ada["loyalty_card"], "AL-77");
    let grace = &contacts[1];
    assert_eq!(
        (
            grace["identifier"].as_str(),
            grace["custom_attributes"]["shop_customer_tier"].as_str()
        ),
        (Some("woo:1002"), Some("new"))
    );

    let letters = dead_letters
        .list(&DeadLetterQuery::open(stream.clone()))
        .await
        .unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.record_key, "customer-guest-7");
    assert!(
        letters[0].letter.reason.contains("customer-guest-7"),
        "{}",
        letters[0].letter.reason
    );
    assert!(
        letters[0].letter.reason.contains("email or an identifier"),
        "{}",
        letters[0].letter.reason
    );

    // Replay everything from scratch (a lost watermark, a re-import): no duplicate, no write.
    let writes_before = writes(&server.received_requests().await.unwrap());
    assert_eq!(writes_before, 2);
    let report = run(Arc::new(MemoryWatermarks::new())).run().await.unwrap();
    assert_eq!(report.delivered, 2);
    assert_eq!(fake.snapshot().len(), 2);
    assert_eq!(
        writes(&server.received_requests().await.unwrap()),
        writes_before
    );
}

#[tokio::test]
async fn an_up_to_date_contact_costs_one_lookup_and_no_write() {
    let server = MockServer::start().await;
    let sink = ContactSink::new(app(&server));
    let snapshot = &customers()[0].data;
    // The contact already holds exactly what the sink would write.
    let mut ada = contact_json(42, "ada@example.com", Some("woo:1001"));
    ada["name"] = json!("Ada Lovelace");
    ada["custom_attributes"] =
        serde_json::Value::Object(sink.contact_input(snapshot).custom_attributes);
    Mock::given(method("POST"))
        .and(path(app_path("contacts/filter")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"meta": {"count": 1}, "payload": [ada]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let done = sink.sync_customer(snapshot).await.unwrap();
    assert_eq!(
        done.outcome,
        chatwoot_client::contacts::UpsertOutcome::Unchanged
    );
}

#[tokio::test]
async fn a_refused_token_stops_the_run_without_dead_letters() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts/filter")))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "Invalid Access Token"})),
        )
        .mount(&server)
        .await;
    let stream = StreamKey::new("shop-to-chatwoot", "customers", "shop.test");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let mut pipeline = Pipeline::builder(
        stream.clone(),
        VecSource::new(customers()[..2].to_vec(), SourceOrder::Sorted, 10),
        ContactSink::new(app(&server)),
    )
    .watermarks(Arc::new(MemoryWatermarks::new()))
    .dead_letters(dead_letters.clone())
    .build()
    .unwrap();
    let err = pipeline.run().await.unwrap_err();
    assert!(err.to_string().contains("access token"), "{err}");
    assert_eq!(err.report.delivered, 0);
    assert!(err.report.watermark_after.is_none());
    assert!(
        dead_letters
            .list(&DeadLetterQuery::open(stream))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn throttling_is_answered_with_retry_later() {
    use sync_core::{Ack, Sink, SinkRecord};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts/filter")))
        .respond_with(
            // rack-attack's answer: no Retry-After, so the engine's policy picks the wait.
            ResponseTemplate::new(429)
                .insert_header("content-type", "text/plain")
                .set_body_string("Retry later\n"),
        )
        .mount(&server)
        .await;
    let sink = ContactSink::new(app(&server));
    let data = customers().remove(1).data;
    let acks = sink
        .write(&[SinkRecord {
            key: "customer-1002",
            data: &data,
        }])
        .await
        .unwrap();
    let [Ack::RetryLater { reason, after }] = acks.as_slice() else {
        panic!("{acks:?}")
    };
    assert_eq!(*after, None);
    assert!(
        reason.contains("customer-1002") && reason.contains("Retry later"),
        "{reason}"
    );
}

/// Two snapshots of one customer: the older with one order, the newer with two.
fn two_snapshots_of_ada() -> (CustomerSnapshot, CustomerSnapshot) {
    let order = |id: &str, day: u32| OrderSummary {
        id: id.into(),
        placed_at: Utc.with_ymd_and_hms(2024, 4, day, 8, 0, 0).unwrap(),
        total: dec!(30),
        currency: "EUR".into(),
        status: OrderStatus::Completed,
    };
    let older = CustomerSnapshot {
        identifier: Some("woo:1001".into()),
        email: Some("ada@example.com".into()),
        name: Some("Ada Lovelace".into()),
        orders: vec![order("5001", 1)],
        ..Default::default()
    };
    let newer = CustomerSnapshot {
        // Same customer, matched by email whatever its case.
        email: Some("ADA@example.com".into()),
        orders: vec![order("5001", 1), order("5002", 11)],
        ..older.clone()
    };
    (older, newer)
}

/// Two snapshots of one customer in one batch, the older one's lookup slow enough that, run
/// concurrently, the newer would be written first and then overwritten. Written one after the
/// other, the newer snapshot's attributes stay, for a new contact and an existing one alike.
#[tokio::test]
async fn snapshots_of_one_customer_in_a_batch_are_written_in_order() {
    use sync_core::{Ack, Sink, SinkRecord};
    for existing in [false, true] {
        let server = MockServer::start().await;
        let contacts = if existing {
            vec![contact_json(42, "ada@example.com", Some("woo:1001"))]
        } else {
            Vec::new()
        };
        let fake = FakeContacts::with(contacts).first_lookup(FirstLookup::Slow);
        fake.mount(&server).await;
        let sink = ContactSink::new(app(&server)).concurrency(4);
        let (older, newer) = two_snapshots_of_ada();
        let acks = sink
            .write(&[
                SinkRecord {
                    key: "ada-v1",
                    data: &older,
                },
                SinkRecord {
                    key: "ada-v2",
                    data: &newer,
                },
            ])
            .await
            .unwrap();
        assert_eq!(
            acks,
            vec![Ack::Delivered, Ack::Delivered],
            "existing: {existing}"
        );
        let contacts = fake.snapshot();
        assert_eq!(contacts.len(), 1, "one contact (existing: {existing})");
        let attributes = &contacts[0]["custom_attributes"];
        assert_eq!(
            attributes["shop_order_count"],
            json!(2),
            "the later snapshot wins (existing: {existing}): {attributes}"
        );
        assert_eq!(attributes["shop_customer_tier"], "returning");
    }
}

/// When the older snapshot must be retried, the newer one waits for it (retry-later, nothing
/// written) instead of being written now and overwritten by the retry; an unrelated customer
/// in the same batch is written.
#[tokio::test]
async fn a_later_snapshot_waits_while_an_earlier_one_is_retried() {
    use sync_core::{Ack, Sink, SinkRecord};
    let server = MockServer::start().await;
    let fake = FakeContacts::default().first_lookup(FirstLookup::Unavailable);
    fake.mount(&server).await;
    let sink = ContactSink::new(app(&server));
    let (older, newer) = two_snapshots_of_ada();
    let grace = customers().remove(1).data;
    let acks = sink
        .write(&[
            SinkRecord {
                key: "ada-v1",
                data: &older,
            },
            SinkRecord {
                key: "grace",
                data: &grace,
            },
            SinkRecord {
                key: "ada-v2",
                data: &newer,
            },
        ])
        .await
        .unwrap();
    assert!(matches!(acks[0], Ack::RetryLater { .. }), "{acks:?}");
    assert_eq!(acks[1], Ack::Delivered);
    let Ack::RetryLater { reason, .. } = &acks[2] else {
        panic!("{acks:?}")
    };
    assert!(
        reason.contains("ada-v2") && reason.contains("earlier snapshot"),
        "{reason}"
    );
    let contacts = fake.snapshot();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["email"], "grace@example.com");
}
