//! The sync-core sink: per-record answers on the bulk and the per-contact paths.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ac_client::bulk_import::PollOptions;
use ac_client::fields::FieldKey;
use ac_client::sync::{ContactSink, MappedContact, SinkOptions};
use chrono::NaiveDate;
use common::{body_json, client};
use serde_json::json;
use sync_core::{Ack, Classify, PermanentKind, Sink, SinkRecord, Verdict};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[derive(Debug, Clone)]
struct Customer {
    id: u32,
    email: String,
    status: &'static str,
}

fn customers(n: u32) -> Vec<Customer> {
    (1..=n)
        .map(|id| Customer {
            id,
            email: format!("customer{id}@example.test"),
            status: if id % 2 == 0 { "active" } else { "cancelled" },
        })
        .collect()
}

fn mapping(c: &Customer) -> Result<MappedContact, String> {
    if c.email == "unmappable" {
        return Err("billing email is missing".into());
    }
    Ok(MappedContact::new(&c.email)
        .first_name(format!("Customer {}", c.id))
        .field(FieldKey::perstag("SUB_STATUS"), c.status)
        .field(
            FieldKey::title("Next payment"),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        )
        .tag("shop-customer")
        .subscribe(2))
}

type Mapper = fn(&Customer) -> Result<MappedContact, String>;

fn fast_options() -> SinkOptions {
    SinkOptions::default().poll(PollOptions {
        initial_delay: Duration::from_millis(10),
        interval: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    })
}

async fn mount_fields(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/3/fields"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "fields": [
                {"id": "7", "title": "Subscription status", "perstag": "SUB_STATUS", "type": "dropdown"},
                {"id": "8", "title": "Next payment", "perstag": "NEXT_PAYMENT", "type": "date"}
            ],
            "meta": {"total": "2"}
        })))
        .mount(server)
        .await;
}

async fn write(
    sink: &ContactSink<Customer, Mapper>,
    records: &[Customer],
) -> Result<Vec<Ack>, sync_core::StageError> {
    let keys: Vec<String> = records
        .iter()
        .map(|c| format!("customer-{}", c.id))
        .collect();
    let batch: Vec<SinkRecord<'_, Customer>> = records
        .iter()
        .zip(&keys)
        .map(|(data, key)| SinkRecord { key, data })
        .collect();
    sink.write(&batch).await
}

fn sink(server: &MockServer) -> ContactSink<Customer, Mapper> {
    ContactSink::new(
        client(server),
        mapping as fn(&Customer) -> Result<MappedContact, String>,
    )
    .with_options(fast_options())
}

/// 30 customers: one cannot be mapped, one has an unusable email, two are refused by the
/// importer. Each gets its own answer; the rest are delivered.
#[tokio::test]
async fn bulk_path_reports_partial_failures_per_contact() {
    let server = MockServer::start().await;
    mount_fields(&server).await;
    let imported = Arc::new(Mutex::new(Vec::new()));
    let seen = imported.clone();
    Mock::given(method("POST"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(move |req: &Request| {
            let body = body_json(req);
            seen.lock().unwrap().push(body.clone());
            ResponseTemplate::new(200).set_body_json(json!({
                "success": 1, "queued_contacts": body["contacts"].as_array().unwrap().len(),
                "batchId": "batch-1"
            }))
        })
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/import/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "completed", "success": ["501", "502"],
            "failure": ["customer5@example.test", "CUSTOMER17@example.test"]
        })))
        .mount(&server)
        .await;

    let mut records = customers(30);
    records[9].email = "unmappable".into();
    records[20].email = "customer21 at example.test".into();
    let acks = write(&sink(&server), &records).await.unwrap();
    assert_eq!(acks.len(), 30);

    let rejected: Vec<(usize, String)> = acks
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            Ack::Rejected { reason, .. } => Some((i, reason.clone())),
            _ => None,
        })
        .collect();
    let indexes: Vec<usize> = rejected.iter().map(|r| r.0).collect();
    assert_eq!(indexes, [4, 9, 16, 20]);
    assert!(
        rejected[0].1.contains("customer-5") && rejected[0].1.contains("batch-1"),
        "{}",
        rejected[0].1
    );
    assert!(
        rejected[1].1.contains("billing email is missing"),
        "{}",
        rejected[1].1
    );
    assert!(
        rejected[3].1.contains("not an email address"),
        "{}",
        rejected[3].1
    );
    assert_eq!(acks.iter().filter(|a| **a == Ack::Delivered).count(), 26);

    // One import of the 28 sendable contacts, with resolved field ids, tag names and the list.
    let bodies = imported.lock().unwrap();
    let contacts = bodies[0]["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 28);
    assert_eq!(
        contacts[1],
        json!({"email": "customer2@example.test", "first_name": "Customer 2",
               "tags": ["shop-customer"],
               "fields": [{"id": 7, "value": "active"}, {"id": 8, "value": "2026-12-01"}],
               "subscribe": [{"listid": 2}]})
    );
}

/// The importer refuses a whole request because of one row: the sink halves the chunk until the
/// bad row is alone, syncs the small remainder one by one, and only that row is rejected.
#[tokio::test]
async fn a_refused_chunk_is_split_to_isolate_the_bad_contact() {
    let server = MockServer::start().await;
    mount_fields(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(|req: &Request| {
            let body = body_json(req);
            let poisoned = body["contacts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["email"] == "customer13@example.test");
            if poisoned {
                ResponseTemplate::new(400).set_body_json(json!({
                    "success": 0, "message": "Request validation failed",
                    "failureReasons": ["a contact has an invalid field value"]
                }))
            } else {
                ResponseTemplate::new(200).set_body_json(json!({"success": 1, "batchId": "ok"}))
            }
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/import/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "completed"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/contact/sync"))
        .respond_with(|req: &Request| {
            let body = body_json(req);
            if body["contact"]["email"] == "customer13@example.test" {
                ResponseTemplate::new(422).set_body_json(json!({"errors": [{
                    "title": "Field value is invalid", "detail": "Next payment must be a date",
                    "code": "field_invalid", "source": {"pointer": "/data/attributes/fieldValues/1"}
                }]}))
            } else {
                ResponseTemplate::new(201).set_body_json(json!({"contact": {
                    "id": "900", "email": body["contact"]["email"]
                }}))
            }
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tags": [{"id": "3", "tag": "shop-customer"}], "meta": {"total": "1"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/contactTags"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"contactTag": {
                "id": "1", "contact": "900", "tag": "3"
            }})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/contactLists"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"contactList": {
                "contact": "900", "list": "2", "status": "1"
            }})),
        )
        .mount(&server)
        .await;

    let acks = write(&sink(&server), &customers(40)).await.unwrap();
    for (i, ack) in acks.iter().enumerate() {
        if i == 12 {
            let Ack::Rejected { reason, response } = ack else {
                panic!("{ack:?}")
            };
            assert!(reason.contains("Next payment must be a date"), "{reason}");
            assert!(response.as_deref().unwrap().contains("fieldValues/1"));
        } else {
            assert_eq!(ack, &Ack::Delivered, "record {i}");
        }
    }
    let received = server.received_requests().await.unwrap();
    let imports = received
        .iter()
        .filter(|r| r.url.path().ends_with("bulk_import"))
        .count();
    let syncs = received
        .iter()
        .filter(|r| r.url.path().ends_with("contact/sync"))
        .count();
    // The bad row is #13 (index 12): 40 ✗ → [0,20) ✗ + [20,40) ✓ → [0,10) ✓ + [10,20) ✗ →
    // [10,15) ✗ + [15,20) ✓ → [10,12) one by one + [12,15) ✗ → [12] and [13,15) one by one.
    // Eight imports and five single syncs instead of forty syncs.
    assert_eq!(imports, 8, "{imports} imports");
    assert_eq!(syncs, 5, "{syncs} single syncs");
}

/// A small batch: one sync per contact, then its tag (looked up once) and list.
#[tokio::test]
async fn small_batches_sync_each_contact_with_tags_and_lists() {
    let server = MockServer::start().await;
    mount_fields(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/3/contact/sync"))
        .respond_with(|req: &Request| {
            let body = body_json(req);
            let email = body["contact"]["email"].as_str().unwrap().to_string();
            let id = email
                .trim_start_matches("customer")
                .split('@')
                .next()
                .unwrap()
                .to_string();
            ResponseTemplate::new(201).set_body_json(json!({"contact": {"id": id, "email": email},
                "fieldValues": body["contact"]["fieldValues"]}))
        })
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tags": [{"id": "3", "tag": "Shop-Customer"}], "meta": {"total": "1"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/contactTags"))
        .respond_with(|req: &Request| {
            let b = body_json(req)["contactTag"].clone();
            ResponseTemplate::new(201).set_body_json(json!({"contactTag": {
                "id": "1", "contact": b["contact"].to_string(), "tag": b["tag"].to_string()
            }}))
        })
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/contactLists"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"contactList": {
                "contact": "1", "list": "2", "status": "1"
            }})),
        )
        .expect(3)
        .mount(&server)
        .await;

    let acks = write(&sink(&server), &customers(3)).await.unwrap();
    assert_eq!(acks, vec![Ack::Delivered; 3]);
    let received = server.received_requests().await.unwrap();
    let sync = received
        .iter()
        .find(|r| r.url.path().ends_with("contact/sync"))
        .unwrap();
    let fv = &body_json(sync)["contact"]["fieldValues"];
    assert_eq!(fv[0]["field"], "7");
    assert_eq!(fv[1], json!({"field": "8", "value": "2026-12-01"}));
    assert!(
        !received
            .iter()
            .any(|r| r.url.path().ends_with("bulk_import"))
    );
}

/// The same customer twice in one batch: the later record is written after the earlier one.
#[tokio::test]
async fn repeated_emails_are_written_in_order() {
    let server = MockServer::start().await;
    mount_fields(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/3/contact/sync"))
        .respond_with(|req: &Request| {
            ResponseTemplate::new(201).set_body_json(json!({"contact": {
                "id": "1", "email": body_json(req)["contact"]["email"]
            }}))
        })
        .mount(&server)
        .await;
    for p in ["/api/3/contactTags", "/api/3/contactLists"] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "contactTag": {"id": "1", "contact": "1", "tag": "3"},
                "contactList": {"contact": "1", "list": "2", "status": "1"}
            })))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/api/3/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tags": [{"id": "3", "tag": "shop-customer"}], "meta": {"total": "1"}
        })))
        .mount(&server)
        .await;
    let mut records = customers(2);
    records[1].email = records[0].email.to_uppercase();
    let acks = write(&sink(&server), &records).await.unwrap();
    assert_eq!(acks, vec![Ack::Delivered; 2]);
    let statuses: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("contact/sync"))
        .map(|r| {
            body_json(r)["contact"]["fieldValues"][0]["value"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        statuses,
        ["cancelled", "active"],
        "first record, then the second"
    );
}

#[tokio::test]
async fn a_failed_or_unfinished_import_is_retried_later() {
    let server = MockServer::start().await;
    mount_fields(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"success": 1, "batchId": "b"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/import/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "interrupted"})))
        .mount(&server)
        .await;
    let acks = write(&sink(&server), &customers(12)).await.unwrap();
    for ack in &acks {
        let Ack::RetryLater { reason, .. } = ack else {
            panic!("{ack:?}")
        };
        assert!(
            reason.contains("interrupted") && reason.contains("safe"),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn a_bad_token_or_unknown_field_fails_the_batch_as_configuration() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/fields"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"message": "Forbidden"})))
        .mount(&server)
        .await;
    let err = write(&sink(&server), &customers(2)).await.unwrap_err();
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/fields"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "fields": [{"id": "7", "title": "Subscription status", "perstag": "SUB_STATUS"}],
            "meta": {"total": "1"}
        })))
        .mount(&server)
        .await;
    let err = write(&sink(&server), &customers(2)).await.unwrap_err();
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    assert!(err.to_string().contains("Next payment"), "{err}");
}

/// A sink whose client waits `wait` when the bulk importer says "Rate limit exceeded.".
fn sink_waiting(server: &MockServer, wait: Duration) -> ContactSink<Customer, Mapper> {
    let client = ac_client::Client::builder(server.uri())
        .credentials(ac_client::ApiToken::new(common::TOKEN))
        .options(
            sync_core::http::ClientOptions::new()
                .rate_quota(sync_core::http::RateQuota::per_second(1000))
                .retry_policy(
                    sync_core::ExponentialBackoff::default()
                        .initial(Duration::from_millis(5))
                        .max_attempts(3),
                ),
        )
        .bulk_throttle_wait(wait)
        .build()
        .unwrap();
    ContactSink::new(
        client,
        mapping as fn(&Customer) -> Result<MappedContact, String>,
    )
    .with_options(fast_options())
}

/// The importer's throttling answer: HTTP 400, not 429 (ActiveCampaign's bulk importer).
fn bulk_rate_limited() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({
        "success": 0, "message": "Rate limit exceeded.", "failureReasons": []
    }))
}

/// Arrival time and contact count of every bulk import request.
type Imports = Arc<Mutex<Vec<(std::time::Instant, usize)>>>;

async fn mount_import(
    server: &MockServer,
    answer: impl Fn(usize, &serde_json::Value) -> ResponseTemplate + Send + Sync + 'static,
) -> Imports {
    let imports: Imports = Arc::default();
    let seen = imports.clone();
    Mock::given(method("POST"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(move |req: &Request| {
            let body = body_json(req);
            let mut log = seen.lock().unwrap();
            log.push((
                std::time::Instant::now(),
                body["contacts"].as_array().unwrap().len(),
            ));
            answer(log.len() - 1, &body)
        })
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/import/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "completed"})))
        .mount(server)
        .await;
    imports
}

fn single_syncs(received: &[Request]) -> usize {
    received
        .iter()
        .filter(|r| r.url.path().ends_with("contact/sync"))
        .count()
}

/// "Rate limit exceeded." comes as a 400: the sink waits and sends the same 40 contacts again,
/// never splits them, and delivers every one.
#[tokio::test]
async fn a_throttled_import_waits_and_is_resent_whole() {
    let server = MockServer::start().await;
    mount_fields(&server).await;
    let imports = mount_import(&server, |n, _| match n {
        0 => bulk_rate_limited(),
        _ => ResponseTemplate::new(200).set_body_json(json!({
            "success": 1, "queued_contacts": 40, "batchId": "b-throttled"
        })),
    })
    .await;
    let wait = Duration::from_millis(800);
    let acks = write(&sink_waiting(&server, wait), &customers(40))
        .await
        .unwrap();
    assert!(acks.iter().all(|a| *a == Ack::Delivered), "{acks:?}");

    let imports = imports.lock().unwrap().clone();
    let sizes: Vec<usize> = imports.iter().map(|i| i.1).collect();
    assert_eq!(sizes, [40, 40], "sent again whole, not halved");
    let gap = imports[1].0.duration_since(imports[0].0);
    assert!(
        gap >= wait,
        "resent after {gap:?}, before the {wait:?} wait"
    );
    assert_eq!(single_syncs(&server.received_requests().await.unwrap()), 0);
}

/// A throttle that does not lift: every record is retried later (a rate limit, not bad data);
/// none is rejected and the chunk is never split.
#[tokio::test]
async fn a_throttle_that_persists_is_retried_later_not_rejected() {
    let server = MockServer::start().await;
    mount_fields(&server).await;
    let imports = mount_import(&server, |_, _| bulk_rate_limited()).await;
    let acks = write(
        &sink_waiting(&server, Duration::from_millis(20)),
        &customers(40),
    )
    .await
    .unwrap();
    for ack in &acks {
        let Ack::RetryLater { reason, after } = ack else {
            panic!("{ack:?}")
        };
        assert!(reason.contains("Rate limit exceeded"), "{reason}");
        assert_eq!(*after, Some(Duration::from_millis(20)));
    }
    let sizes: Vec<usize> = imports.lock().unwrap().iter().map(|i| i.1).collect();
    assert_eq!(
        sizes,
        vec![40; ac_client::bulk_import::MAX_THROTTLED_ATTEMPTS as usize]
    );
    assert_eq!(single_syncs(&server.received_requests().await.unwrap()), 0);
}

/// A validation 400 names the bad rows by their index in `contacts`: exactly those are
/// rejected with ActiveCampaign's reasons, and the other 248 are imported again at once.
#[tokio::test]
async fn a_validation_400_rejects_exactly_the_named_rows() {
    let server = MockServer::start().await;
    mount_fields(&server).await;
    let imports = mount_import(&server, |_, body| {
        let contacts = body["contacts"].as_array().unwrap();
        let bad: Vec<serde_json::Value> = contacts
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let email = c["email"].as_str().unwrap();
                match email {
                    "customer18@example.test" => Some(json!({
                        "contact": i,
                        "failureReason": "Field 'Next payment' (id 8) expects a date, got 'soon'"
                    })),
                    "customer231@example.test" => Some(json!({
                        "contact": i,
                        "failureReason": format!("Email address {email} is in the exclusion list")
                    })),
                    _ => None,
                }
            })
            .collect();
        if bad.is_empty() {
            ResponseTemplate::new(200).set_body_json(json!({
                "success": 1, "queued_contacts": contacts.len(), "batchId": "b-rest"
            }))
        } else {
            ResponseTemplate::new(400).set_body_json(json!({
                "success": 0, "message": "Request validation failed", "failureReasons": bad
            }))
        }
    })
    .await;
    let acks = write(&sink(&server), &customers(250)).await.unwrap();

    for (i, ack) in acks.iter().enumerate() {
        match i {
            17 => {
                let Ack::Rejected { reason, .. } = ack else {
                    panic!("{ack:?}")
                };
                assert!(
                    reason.contains("customer-18") && reason.contains("expects a date"),
                    "{reason}"
                );
            }
            230 => {
                let Ack::Rejected { reason, .. } = ack else {
                    panic!("{ack:?}")
                };
                assert!(
                    reason.contains("customer-231") && reason.contains("exclusion list"),
                    "{reason}"
                );
            }
            _ => assert_eq!(ack, &Ack::Delivered, "record {i}"),
        }
    }
    let sizes: Vec<usize> = imports.lock().unwrap().iter().map(|i| i.1).collect();
    assert_eq!(
        sizes,
        [250, 248],
        "one refusal, then the rest in one import"
    );
    assert_eq!(single_syncs(&server.received_requests().await.unwrap()), 0);
}
