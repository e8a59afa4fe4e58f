//! The sink inside sync-core's pipeline engine: every record is either delivered or
//! dead-lettered with the importer's reason, and the watermark covers them all.

mod common;

use std::sync::Arc;
use std::time::Duration;

use ac_client::bulk_import::PollOptions;
use ac_client::fields::FieldKey;
use ac_client::sync::{ContactSink, MappedContact, SinkOptions};
use common::client;
use serde::Serialize;
use serde_json::json;
use sync_core::store::{DeadLetterQuery, MemoryDeadLetters, MemoryWatermarks};
use sync_core::{DeadLetterStore, OnExhausted, Pipeline, SourceOrder, SourceRecord, StreamKey};
use sync_core::{ExponentialBackoff, VecSource};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[derive(Debug, Clone, Serialize)]
struct Customer {
    id: u64,
    email: String,
}

#[tokio::test]
async fn a_run_delivers_or_dead_letters_every_customer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/fields"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "fields": [{"id": "7", "title": "Subscription status", "perstag": "SUB_STATUS"}],
            "meta": {"total": "1"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/import/bulk_import"))
        .respond_with(|req: &Request| {
            let n = serde_json::from_slice::<serde_json::Value>(&req.body).unwrap()["contacts"]
                .as_array()
                .unwrap()
                .len();
            ResponseTemplate::new(200).set_body_json(
                json!({"success": 1, "queued_contacts": n, "batchId": format!("b{n}")}),
            )
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/import/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "completed", "success": [],
            "failure": ["bounced-17@example.test", "bounced-230@example.test"]
        })))
        .mount(&server)
        .await;

    let records: Vec<SourceRecord<Customer, u64>> = (1..=300)
        .map(|id| {
            let email = if id == 17 || id == 230 {
                format!("bounced-{id}@example.test")
            } else {
                format!("customer{id}@example.test")
            };
            SourceRecord {
                key: format!("customer-{id}"),
                cursor: id,
                data: Customer { id, email },
            }
        })
        .collect();
    let source = VecSource::new(records, SourceOrder::Sorted, 150);
    let sink = ContactSink::new(client(&server), |c: &Customer| {
        Ok(MappedContact::new(&c.email)
            .field(FieldKey::perstag("SUB_STATUS"), "active")
            .tag("customer"))
    })
    .with_options(SinkOptions::default().poll(PollOptions {
        initial_delay: Duration::from_millis(10),
        interval: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    }));

    let stream = StreamKey::new("woocommerce-activecampaign", "customers", "shop-1");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let mut pipeline = Pipeline::builder(stream.clone(), source, sink)
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(dead_letters.clone())
        .retry_policy(ExponentialBackoff::default().initial(Duration::from_millis(5)))
        .on_exhausted(OnExhausted::DeadLetter)
        .build()
        .unwrap();
    let report = pipeline.run().await.unwrap();
    assert_eq!(report.seen, 300);
    assert_eq!(report.delivered, 298);
    assert_eq!(report.dead_lettered, 2);
    assert_eq!(report.watermark_after.as_deref(), Some("300"));

    let letters = dead_letters
        .list(&DeadLetterQuery::open(stream))
        .await
        .unwrap();
    let keys: Vec<&str> = letters
        .iter()
        .map(|l| l.letter.record_key.as_str())
        .collect();
    assert_eq!(keys, ["customer-17", "customer-230"]);
    assert!(
        letters[0].letter.reason.contains("bulk importer refused"),
        "{}",
        letters[0].letter.reason
    );
    assert_eq!(
        letters[0].letter.payload["email"],
        "bounced-17@example.test"
    );
}
