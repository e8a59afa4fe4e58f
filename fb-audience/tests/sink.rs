//! The audience sink under sync-core's pipeline: subscribed customers are added, unsubscribed
//! ones removed, unusable records dead-lettered with the reason, and the watermark moves past
//! every finished record.

use std::sync::Arc;
use std::time::Duration;

use fb_audience::{AudienceChange, AudienceSink, Client, CountryCode, Credentials, Normalizer};
use serde::Serialize;
use serde_json::{Value, json};
use sync_core::http::ClientOptions;
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::{DeadLetterQuery, MemoryDeadLetters, MemoryWatermarks};
use sync_core::{
    Ack, DeadLetterStore, Pipeline, Sink, SinkRecord, SourceOrder, SourceRecord, StreamKey,
    VecSource, WatermarkStore,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[derive(Debug, Clone, Serialize)]
struct Customer {
    email: String,
    phone: String,
    subscribed: bool,
    test_account: bool,
}

fn customer(i: u64, email: &str, phone: &str, subscribed: bool) -> SourceRecord<Customer, u64> {
    SourceRecord {
        key: format!("customer-{i}"),
        cursor: i,
        data: Customer {
            email: email.into(),
            phone: phone.into(),
            subscribed,
            test_account: false,
        },
    }
}

fn sink(server: &MockServer) -> AudienceSink<Customer> {
    let client = Client::builder()
        .credentials(Credentials::new("token-abc".to_string()))
        .base_url(server.uri())
        .options(
            ClientOptions::new()
                .retry_policy(
                    ExponentialBackoff::default()
                        .initial(Duration::from_millis(5))
                        .jitter(Jitter::None)
                        .max_attempts(2),
                )
                .max_server_wait(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    AudienceSink::new(
        client.audience("777"),
        "EMAIL,PHONE".parse().unwrap(),
        Normalizer::builder()
            .default_country(CountryCode::US)
            .build(),
        |c: &Customer| {
            if c.test_account {
                return AudienceChange::Ignore;
            }
            let values = vec![c.email.clone(), c.phone.clone()];
            if c.subscribed {
                AudienceChange::Add(values)
            } else {
                AudienceChange::Remove(values)
            }
        },
    )
}

/// The `payload` query parameter of a removal, parsed.
fn removal_payload(request: &Request) -> Value {
    let payload = request
        .url
        .query_pairs()
        .find(|(k, _)| k == "payload")
        .expect("a removal carries `payload` in the query string")
        .1;
    serde_json::from_str(&payload).unwrap()
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "audience_id": "777", "session_id": "1", "num_received": 1,
        "num_invalid_entries": 0, "invalid_entry_samples": {}
    }))
}

#[tokio::test]
async fn pipeline_keeps_the_audience_in_step() {
    let server = MockServer::start().await;
    // Add 1, remove 2, (3 unusable), add 4: three uploads, in that order.
    Mock::given(method("POST"))
        .and(path("/v25.0/777/users"))
        .respond_with(ok())
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v25.0/777/users"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;

    let source = VecSource::new(
        vec![
            customer(1, "mary@example.com", "(650) 555-1212", true),
            customer(2, "left@example.com", "", false),
            customer(3, "not-an-email", "n/a", true),
            customer(4, "ann@example.com", "+44 20 7183 8750", true),
        ],
        SourceOrder::Sorted,
        10,
    );
    let watermarks = Arc::new(MemoryWatermarks::new());
    let dead = Arc::new(MemoryDeadLetters::new());
    let stream = StreamKey::new("fb-audience", "customers", "shop-1");
    let mut pipeline = Pipeline::builder(stream.clone(), source, sink(&server))
        .watermarks(watermarks.clone())
        .dead_letters(dead.clone())
        .build()
        .unwrap();
    let report = pipeline.run().await.unwrap();
    assert_eq!(report.seen, 4);
    assert_eq!(report.delivered, 3);
    assert_eq!(report.dead_lettered, 1);
    assert_eq!(
        watermarks.load(&stream).await.unwrap().as_deref(),
        Some("4")
    );

    let letters = dead.list(&DeadLetterQuery::open(stream)).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.record_key, "customer-3");
    assert!(
        letters[0]
            .letter
            .reason
            .contains("EMAIL: not an email address"),
        "{}",
        letters[0].letter.reason
    );

    let requests = server.received_requests().await.unwrap();
    let methods: Vec<&str> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST", "DELETE", "POST"]);
    let added: usize = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["payload"]["data"].as_array().unwrap().len()
        })
        .sum();
    assert_eq!(added, 2);
    let remove = removal_payload(
        requests
            .iter()
            .find(|r| r.method.as_str() == "DELETE")
            .unwrap(),
    );
    assert_eq!(
        remove["data"][0][1], "",
        "no phone: empty, not sha256(\"\")"
    );
}

#[tokio::test]
async fn acks_follow_the_verdicts() {
    let server = MockServer::start().await;
    // Invalid parameter on remove, then throttled on add: the rejected run does not hold
    // back the later one, which is sent and answered on its own.
    Mock::given(method("POST"))
        .and(path("/v25.0/777/users"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"message": "(#613) Calls to this api have exceeded the rate limit.", "code": 613, "error_subcode": 1487742}
        })))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v25.0/777/users"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"message": "Invalid parameter", "code": 100, "fbtrace_id": "X"}
        })))
        .mount(&server)
        .await;
    let s = sink(&server);
    let records = [
        customer(1, "left@example.com", "", false).data,
        customer(2, "mary@example.com", "", true).data,
        Customer {
            test_account: true,
            ..customer(3, "t@example.com", "", true).data
        },
    ];
    let keys = ["customer-1", "customer-2", "customer-3"];
    let batch: Vec<SinkRecord<'_, Customer>> = records
        .iter()
        .zip(keys)
        .map(|(data, key)| SinkRecord { key, data })
        .collect();
    let acks = s.write(&batch).await.unwrap();
    match &acks[0] {
        Ack::Rejected { reason, response } => {
            assert!(reason.contains("Invalid parameter"), "{reason}");
            assert!(response.as_deref().unwrap().contains("\"code\":100"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(acks[1], Ack::RetryLater { .. }), "{:?}", acks[1]);
    assert_eq!(acks[2], Ack::Delivered);
}

fn batch_of<'a>(records: &'a [Customer], keys: &'a [&'a str]) -> Vec<SinkRecord<'a, Customer>> {
    records
        .iter()
        .zip(keys)
        .map(|(data, key)| SinkRecord { key, data })
        .collect()
}

#[tokio::test]
async fn an_unsubscribe_then_resubscribe_in_one_batch_ends_subscribed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v25.0/777/users"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v25.0/777/users"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let s = sink(&server);
    // The same person twice: unsubscribed, then subscribed again.
    let records = [
        customer(1, "mary@example.com", "", false).data,
        customer(1, "mary@example.com", "", true).data,
    ];
    let acks = s
        .write(&batch_of(&records, &["customer-1", "customer-1"]))
        .await
        .unwrap();
    assert_eq!(acks, vec![Ack::Delivered, Ack::Delivered]);
    let methods: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(
        methods,
        ["DELETE", "POST"],
        "the latest change (the add) must reach Meta last"
    );
}

#[tokio::test]
async fn runs_follow_input_order_and_group_neighbours() {
    let server = MockServer::start().await;
    Mock::given(path("/v25.0/777/users"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let s = sink(&server);
    let records = [
        customer(1, "a@example.com", "", true).data,
        customer(2, "b@example.com", "", true).data,
        customer(3, "c@example.com", "", false).data,
        customer(4, "d@example.com", "", true).data,
    ];
    let acks = s
        .write(&batch_of(&records, &["c-1", "c-2", "c-3", "c-4"]))
        .await
        .unwrap();
    assert!(acks.iter().all(|a| *a == Ack::Delivered), "{acks:?}");
    let requests = server.received_requests().await.unwrap();
    let sent: Vec<(String, usize)> = requests
        .iter()
        .map(|r| {
            let rows = if r.method.as_str() == "DELETE" {
                removal_payload(r)["data"].as_array().unwrap().len()
            } else {
                let body: Value = serde_json::from_slice(&r.body).unwrap();
                body["payload"]["data"].as_array().unwrap().len()
            };
            (r.method.to_string(), rows)
        })
        .collect();
    assert_eq!(
        sent,
        [
            ("POST".to_string(), 2),
            ("DELETE".to_string(), 1),
            ("POST".to_string(), 1)
        ]
    );
}

#[tokio::test]
async fn a_change_to_retry_holds_back_the_changes_after_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v25.0/777/users"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"message": "(#613) Calls to this api have exceeded the rate limit.", "code": 613}
        })))
        .mount(&server)
        .await;
    // Sending the removal now would let the retried add land after it.
    Mock::given(method("DELETE"))
        .and(path("/v25.0/777/users"))
        .respond_with(ok())
        .expect(0)
        .mount(&server)
        .await;
    let s = sink(&server);
    let records = [
        customer(1, "mary@example.com", "", true).data,
        customer(1, "mary@example.com", "", false).data,
    ];
    let acks = s
        .write(&batch_of(&records, &["customer-1", "customer-1"]))
        .await
        .unwrap();
    assert!(matches!(acks[0], Ack::RetryLater { .. }), "{:?}", acks[0]);
    match &acks[1] {
        Ack::RetryLater { reason, .. } => {
            assert!(reason.contains("earlier change"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bad_token_stops_the_run() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}
        })))
        .mount(&server)
        .await;
    let s = sink(&server);
    let c = customer(1, "mary@example.com", "", true).data;
    let err = s
        .write(&[SinkRecord {
            key: "customer-1",
            data: &c,
        }])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("access token"), "{err}");
    assert!(!err.to_string().contains("token-abc"));
}
