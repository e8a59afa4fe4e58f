//! Custom fields (list, resolve, set values) and list memberships.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ac_client::fields::FieldKey;
use ac_client::{Error, FieldValue, ListStatus};
use chrono::{TimeZone, Utc};
use common::{body_json, client};
use serde_json::json;
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{body_json as body_is, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn field(id: u32, title: &str, perstag: &str, kind: &str) -> serde_json::Value {
    json!({"id": id.to_string(), "title": title, "perstag": perstag, "type": kind,
           "descript": "", "isrequired": "0", "defval": ""})
}

#[tokio::test]
async fn list_resolve_and_reload_on_a_new_field() {
    let server = MockServer::start().await;
    let loads = Arc::new(AtomicUsize::new(0));
    let n = loads.clone();
    Mock::given(method("GET"))
        .and(path("/api/3/fields"))
        .respond_with(move |req: &Request| {
            let q: std::collections::HashMap<_, _> = req.url.query_pairs().into_owned().collect();
            let offset: usize = q["offset"].parse().unwrap();
            // 101 fields over two pages; the second load also has a field created meanwhile.
            let generation = if offset == 0 {
                n.fetch_add(1, Ordering::SeqCst)
            } else {
                n.load(Ordering::SeqCst) - 1
            };
            let mut all: Vec<_> = (0..100)
                .map(|i| field(i + 1, &format!("Field {i}"), &format!("F{i}"), "text"))
                .collect();
            all.push(field(200, "Subscription status", "SUB_STATUS", "dropdown"));
            if generation >= 2 {
                all.push(field(201, "Next payment", "NEXT_PAYMENT", "datetime"));
            }
            let total = all.len();
            let page: Vec<_> = all.into_iter().skip(offset).take(100).collect();
            ResponseTemplate::new(200)
                .set_body_json(json!({"fields": page, "meta": {"total": total.to_string()}}))
        })
        .mount(&server)
        .await;

    let c = client(&server);
    let all = c.fields().list().await.unwrap();
    assert_eq!(all.len(), 101);
    assert_eq!(all[100].field_type, "dropdown");
    assert_eq!(all[0].extra["isrequired"], "0");

    let by_tag = c
        .fields()
        .resolve(&FieldKey::perstag("%sub_status%"))
        .await
        .unwrap();
    let by_title = c
        .fields()
        .resolve(&FieldKey::title("subscription STATUS"))
        .await
        .unwrap();
    assert_eq!((by_tag.id, by_title.id), (200, 200));
    let after_first = loads.load(Ordering::SeqCst);
    // Cached: resolving again costs nothing.
    c.fields()
        .resolve(&FieldKey::perstag("SUB_STATUS"))
        .await
        .unwrap();
    assert_eq!(loads.load(Ordering::SeqCst), after_first);
    // A field created after the first load: one reload finds it.
    let next = c
        .fields()
        .resolve(&FieldKey::perstag("NEXT_PAYMENT"))
        .await
        .unwrap();
    assert_eq!(next.id, 201);
    assert_eq!(loads.load(Ordering::SeqCst), after_first + 1);

    let err = c
        .fields()
        .resolve(&FieldKey::title("Loyalty tier"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    assert!(err.to_string().contains("\"Loyalty tier\""), "{err}");
}

#[tokio::test]
async fn set_values_one_and_many() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3/fieldValues"))
        .and(body_is(json!({"fieldValue": {"contact": 113, "field": 201, "value": "2026-12-01T09:30:00+00:00"}, "useDefaults": true})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "contacts": [{"id": "113", "email": "ada@example.com"}],
            "fieldValue": {"contact": 113, "field": "201", "value": "2026-12-01T09:30:00+00:00", "id": "66"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/fields"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "fields": [field(200, "Subscription status", "SUB_STATUS", "dropdown"),
                       field(202, "Plans", "PLANS", "listbox")],
            "meta": {"total": "2"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/3/contacts/113"))
        .and(body_is(json!({"contact": {"fieldValues": [
            {"field": "200", "value": "active"}, {"field": "202", "value": "||gold||monthly||"}
        ]}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "fieldValues": [], "contact": {"id": "113", "email": "ada@example.com"}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server);
    let next = Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap();
    let stored = c
        .fields()
        .set_value(113, 201, &FieldValue::datetime(next))
        .await
        .unwrap();
    assert_eq!(
        (stored.id, stored.field, stored.contact),
        (Some(66), 201, Some(113))
    );
    c.fields()
        .set_values(
            113,
            &[
                (FieldKey::perstag("SUB_STATUS"), FieldValue::text("active")),
                (
                    FieldKey::title("Plans"),
                    FieldValue::options(["gold", "monthly"]),
                ),
            ],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn subscribe_unsubscribe_resubscribe() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3/contactLists"))
        .respond_with(|req: &Request| {
            let b = body_json(req)["contactList"].clone();
            ResponseTemplate::new(201).set_body_json(json!({
                "contacts": [{"id": "113"}],
                "contactList": {"contact": b["contact"].to_string(), "list": b["list"].to_string(),
                                "status": b["status"].to_string(), "id": "9", "sourceid": b.get("sourceid")}
            }))
        })
        .expect(3)
        .mount(&server)
        .await;
    let c = client(&server);
    let sub = c.lists().subscribe(113, 2).await.unwrap();
    assert_eq!(
        (sub.contact, sub.list, sub.status),
        (113, 2, ListStatus::Active)
    );
    let unsub = c.lists().unsubscribe(113, 2).await.unwrap();
    assert_eq!(unsub.status, ListStatus::Unsubscribed);
    c.lists().resubscribe(113, 2).await.unwrap();
    let bodies: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(body_json)
        .collect();
    assert_eq!(
        bodies[0],
        json!({"contactList": {"list": 2, "contact": 113, "status": 1}})
    );
    assert_eq!(bodies[1]["contactList"]["status"], 2);
    assert_eq!(bodies[2]["contactList"]["sourceid"], 4);
}
