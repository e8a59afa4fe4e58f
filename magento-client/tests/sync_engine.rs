//! The sync adapters under the sync-core engine, against a mock Magento: an order that fails
//! mid-page is retried or dead-lettered, never skipped; watermarks are per (store, stream).

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use common::*;
use magento_client::sync::{ChangedOrderSource, CustomerSink, OrderCustomerSource, OrderSource};
use magento_client::sync_core::engine::{RunErrorKind, replay_dead_letters};
use magento_client::sync_core::store::{
    DeadLetter, DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks,
    NewDeadLetter, StoreError, WatermarkStore,
};
use magento_client::sync_core::{Ack, OnExhausted, Pipeline, Sink, SinkRecord, StageError};
use magento_client::{Client, Order};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A sink that records every delivery and fails or rejects chosen keys.
#[derive(Default)]
struct Recorder {
    delivered: Mutex<Vec<String>>,
    failing: Mutex<HashSet<String>>,
    rejecting: Mutex<HashSet<String>>,
}

impl Recorder {
    fn failing(keys: &[&str]) -> Self {
        let r = Recorder::default();
        r.failing
            .lock()
            .unwrap()
            .extend(keys.iter().map(|k| k.to_string()));
        r
    }
    fn heal(&self) {
        self.failing.lock().unwrap().clear();
    }
    fn delivered(&self) -> Vec<String> {
        self.delivered.lock().unwrap().clone()
    }
    fn answer(&self, key: &str) -> Ack {
        if self.failing.lock().unwrap().contains(key) {
            return Ack::retry(format!("CRM timed out on {key}"));
        }
        if self.rejecting.lock().unwrap().contains(key) {
            return Ack::rejected(format!("CRM refused {key}: invalid email"));
        }
        self.delivered.lock().unwrap().push(key.to_string());
        Ack::Delivered
    }
}

#[async_trait]
impl<R: Send + Sync> Sink<R> for Recorder {
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError> {
        Ok(batch.iter().map(|r| self.answer(r.key)).collect())
    }
}

#[async_trait]
impl<R: Send + Sync> Sink<R> for &Recorder {
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError> {
        Ok(batch.iter().map(|r| self.answer(r.key)).collect())
    }
}

async fn magento(orders: Vec<serde_json::Value>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(FakeMagento::new(orders))
        .mount(&server)
        .await;
    server
}

fn keys(range: std::ops::RangeInclusive<u64>) -> Vec<String> {
    range.map(|i| i.to_string()).collect()
}

#[tokio::test]
async fn an_order_failing_mid_page_holds_the_watermark_and_is_retried_next_run() {
    let server = magento(orders(10)).await;
    let client = bearer_client(&server.uri());
    let watermarks = Arc::new(MemoryWatermarks::new());
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let sink = Recorder::failing(&["6"]);

    let source = OrderSource::new(client.clone()).store(1).page_size(4);
    let stream = source.stream_key("magento-to-crm");
    let mut pipeline = Pipeline::builder(stream.clone(), source, &sink)
        .watermarks(watermarks.clone())
        .dead_letters(dead_letters.clone())
        .retry_policy(fast_retries(3))
        .on_exhausted(OnExhausted::Halt)
        .build()
        .unwrap();

    // Run 1: pages [1..4] and [5..8]; order 6 keeps failing in the middle of page 2.
    let err = pipeline.run().await.unwrap_err();
    match &err.kind {
        RunErrorKind::RetriesExhausted {
            first_key,
            attempts,
            ..
        } => {
            assert_eq!(first_key, "6");
            assert_eq!(*attempts, 3);
        }
        other => panic!("{other:?}"),
    }
    // The watermark stops before 6, although 7 and 8 were delivered.
    assert_eq!(err.report.watermark_after.as_deref(), Some("5"));
    assert_eq!(
        watermarks.load(&stream).await.unwrap().as_deref(),
        Some("5")
    );
    assert!(!sink.delivered().contains(&"6".to_string()));
    assert!(sink.delivered().contains(&"7".to_string()));
    assert!(
        dead_letters
            .list(&DeadLetterQuery::open(stream.clone()))
            .await
            .unwrap()
            .is_empty()
    );

    // Run 2: the CRM is back. Reading resumes after 5, so 6 is delivered (7 and 8 again:
    // at-least-once, the sink upserts).
    sink.heal();
    let report = pipeline.run().await.unwrap();
    assert_eq!(report.watermark_before.as_deref(), Some("5"));
    assert_eq!(report.watermark_after.as_deref(), Some("10"));
    let delivered: HashSet<String> = sink.delivered().into_iter().collect();
    assert_eq!(
        delivered,
        keys(1..=10).into_iter().collect(),
        "no order skipped"
    );
    // The resumed read asked for `entity_id > 5`.
    let resumed = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .any(|r| {
            r.url.query_pairs().any(|(k, v)| {
                // Groups: store_id, created_at (settle window), entity_id.
                k == "searchCriteria[filter_groups][2][filters][0][value]" && v == "5"
            })
        });
    assert!(resumed);
}

#[tokio::test]
async fn an_order_failing_mid_page_is_dead_lettered_and_replayable() {
    let server = magento(orders(10)).await;
    let client = bearer_client(&server.uri());
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let sink = Recorder::failing(&["6"]);
    let source = OrderSource::new(client).store(1).page_size(4);
    let stream = source.stream_key("magento-to-crm");
    let mut pipeline = Pipeline::builder(stream.clone(), source, &sink)
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(dead_letters.clone())
        .retry_policy(fast_retries(2))
        .on_exhausted(OnExhausted::DeadLetter)
        .build()
        .unwrap();
    let report = pipeline.run().await.unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (9, 1));
    assert_eq!(report.watermark_after.as_deref(), Some("10"));

    let letters = dead_letters
        .list(&DeadLetterQuery::open(stream.clone()))
        .await
        .unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.record_key, "6");
    assert!(
        letters[0].letter.reason.contains("CRM timed out on 6"),
        "{}",
        letters[0].letter.reason
    );
    let order: Order = serde_json::from_value(letters[0].letter.payload.clone()).unwrap();
    assert_eq!(
        (order.entity_id, order.increment_id.as_str()),
        (6, "000000006")
    );

    // Once the CRM is fixed, the dead letter replays as a full order.
    sink.heal();
    let replay = replay_dead_letters::<Order, _>(
        dead_letters.as_ref(),
        &DeadLetterQuery::open(stream.clone()),
        &sink,
        10,
    )
    .await
    .unwrap();
    assert_eq!(replay.delivered, 1);
    assert!(sink.delivered().contains(&"6".to_string()));
}

#[tokio::test]
async fn a_rejected_order_goes_to_dead_letters_with_the_reason() {
    let server = magento(orders(5)).await;
    let sink = Recorder::default();
    sink.rejecting.lock().unwrap().insert("2".into());
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let source = OrderSource::new(bearer_client(&server.uri())).page_size(2);
    let stream = source.stream_key("c");
    let mut pipeline = Pipeline::builder(stream.clone(), source, &sink)
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(dead_letters.clone())
        .build()
        .unwrap();
    let report = pipeline.run().await.unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (4, 1));
    let letters = dead_letters
        .list(&DeadLetterQuery::open(stream))
        .await
        .unwrap();
    assert_eq!(letters[0].letter.reason, "CRM refused 2: invalid email");
}

#[tokio::test]
async fn magento_failing_mid_run_keeps_the_watermark_before_unread_orders() {
    let server = MockServer::start().await;
    // The page after entity_id 4 answers 500 until the retries (4 attempts) run out.
    // (Group 0 is the settle window's `created_at lt`, group 1 the keyset `entity_id gt`.)
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .and(query_param("searchCriteria[filter_groups][1][filters][0][value]", "4"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"message": "Internal Error. Details are available in Magento log file. Report ID: %1", "parameters": ["webapi-6570"]})))
        .up_to_n_times(4)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(FakeMagento::new(orders(10)))
        .mount(&server)
        .await;
    let sink = Recorder::default();
    let source = OrderSource::new(bearer_client(&server.uri())).page_size(4);
    let stream = source.stream_key("c");
    let watermarks = Arc::new(MemoryWatermarks::new());
    let mut pipeline = Pipeline::builder(stream.clone(), source, &sink)
        .watermarks(watermarks.clone())
        .dead_letters(Arc::new(MemoryDeadLetters::new()))
        .build()
        .unwrap();
    let err = pipeline.run().await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err.kind, RunErrorKind::Source(_)), "{text}");
    assert!(
        text.contains("Report ID: webapi-6570"),
        "Magento's message, filled in: {text}"
    );
    // Page 1 (1..4) was delivered; the watermark never passes an order not yet read.
    assert_eq!(sink.delivered(), keys(1..=4));
    let mark: u64 = watermarks
        .load(&stream)
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert!(mark <= 4, "watermark {mark}");

    let report = pipeline.run().await.unwrap();
    assert_eq!(report.watermark_after.as_deref(), Some("10"));
    let delivered: HashSet<String> = sink.delivered().into_iter().collect();
    assert_eq!(delivered, keys(1..=10).into_iter().collect());
}

#[tokio::test]
async fn changed_orders_reread_the_lookback_and_commit_capped_at_run_start() {
    let run_start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let mut table = vec![
        order_json(1, 1, "2026-11-20 10:00:00"),
        order_json(2, 1, "2026-11-20 11:50:00"),
        order_json(3, 1, "2026-11-20 10:15:00"),
    ];
    // Magento's clock runs ahead: this order claims to be from after our run start.
    table.push(order_json(4, 1, "2026-11-20 12:00:30"));
    let server = magento(table).await;
    let client = bearer_client(&server.uri());
    let sink = Recorder::default();
    let watermarks = Arc::new(MemoryWatermarks::new());
    let source = ChangedOrderSource::new(client)
        .store(1)
        .page_size(2)
        .lookback(Duration::from_secs(15 * 60))
        .clock_skew(Duration::from_secs(120));
    let stream = source.stream_key("magento-to-crm");
    assert_eq!(stream.stream, "magento.orders.changed");
    let mut pipeline = Pipeline::builder(stream.clone(), source, &sink)
        .watermarks(watermarks.clone())
        .dead_letters(Arc::new(MemoryDeadLetters::new()))
        .clock(move || run_start)
        .build()
        .unwrap();

    let report = pipeline.run().await.unwrap();
    assert_eq!(report.delivered, 4);
    // Capped at run start minus the 2-minute skew, not the server's 12:00:30.
    assert_eq!(
        report.watermark_after.as_deref(),
        Some("2026-11-20T11:58:00Z")
    );

    // The next run re-reads 15 minutes before the watermark, inclusive.
    pipeline.run().await.unwrap();
    let last = server.received_requests().await.unwrap().pop().unwrap();
    let pairs: Vec<(String, String)> = last.url.query_pairs().into_owned().collect();
    assert!(pairs.contains(&(
        "searchCriteria[filter_groups][1][filters][0][field]".into(),
        "updated_at".into()
    )));
    assert!(pairs.contains(&(
        "searchCriteria[filter_groups][1][filters][0][value]".into(),
        "2026-11-20 11:43:00".into()
    )));
    assert!(pairs.contains(&(
        "searchCriteria[filter_groups][1][filters][0][condition_type]".into(),
        "gteq".into()
    )));
    // Orders 2 and 4 fall in that window and are delivered again (idempotent sinks).
    let mut second: Vec<String> = sink.delivered()[4..].to_vec();
    second.sort();
    assert_eq!(second, vec!["2", "4"]);
}

#[tokio::test]
async fn a_failed_changed_orders_run_commits_nothing() {
    let server = magento(orders(6)).await;
    let sink = Recorder::failing(&["3"]);
    let watermarks = Arc::new(MemoryWatermarks::new());
    let source = ChangedOrderSource::new(bearer_client(&server.uri())).page_size(2);
    let stream = source.stream_key("c");
    let mut pipeline = Pipeline::builder(stream.clone(), source, &sink)
        .watermarks(watermarks.clone())
        .dead_letters(Arc::new(MemoryDeadLetters::new()))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    assert!(pipeline.run().await.is_err());
    assert_eq!(watermarks.load(&stream).await.unwrap(), None);
}

/// A dead-letter store that is down: `put` fails, so nothing counts as done.
#[derive(Debug, Default)]
struct DeadLettersDown;

#[async_trait]
impl DeadLetterStore for DeadLettersDown {
    async fn put(&self, _: NewDeadLetter) -> Result<i64, StoreError> {
        Err(StoreError::Backend("dead-letter database is down".into()))
    }
    async fn list(&self, _: &DeadLetterQuery) -> Result<Vec<DeadLetter>, StoreError> {
        Ok(Vec::new())
    }
    async fn mark_replayed(&self, _: i64) -> Result<bool, StoreError> {
        Ok(false)
    }
    async fn record_failure(&self, _: i64, _: &str, _: Option<&str>) -> Result<(), StoreError> {
        Ok(())
    }
}

fn orders_some_without_email() -> Vec<serde_json::Value> {
    let mut table = orders(6);
    table[1].as_object_mut().unwrap().remove("customer_email");
    table[4]["customer_email"] = json!("   ");
    table[2]["customer_email"] = json!("Kim.Lee@Example.com");
    table
}

#[tokio::test]
async fn orders_without_email_end_in_dead_letters_with_their_id_and_reason() {
    let server = magento(orders_some_without_email()).await;
    let client = bearer_client(&server.uri());
    let crm = Recorder::default();
    let source = OrderCustomerSource::new(OrderSource::new(client.clone()).page_size(4));
    let stream = source.inner().stream_key("magento-to-crm");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let watermarks = Arc::new(MemoryWatermarks::new());
    let mut pipeline = Pipeline::builder(
        stream.clone(),
        source,
        CustomerSink::new(&crm, client.redactor().clone()),
    )
    .watermarks(watermarks.clone())
    .dead_letters(dead_letters.clone())
    .redactor(client.redactor().clone())
    .build()
    .unwrap();
    let report = pipeline.run().await.unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (4, 2));
    assert_eq!(report.watermark_after.as_deref(), Some("6"));
    assert!(
        crm.delivered().contains(&"kim.lee@example.com".to_string()),
        "keyed by email"
    );

    let letters = dead_letters
        .list(&DeadLetterQuery::open(stream))
        .await
        .unwrap();
    let got: Vec<(&str, &str)> = letters
        .iter()
        .map(|l| (l.letter.record_key.as_str(), l.letter.reason.as_str()))
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "order:2");
    assert!(
        got[0]
            .1
            .starts_with("order 2 (increment id 000000002) has no customer email"),
        "{}",
        got[0].1
    );
    assert_eq!(got[1].0, "order:5");
    // The payload names the order, for whoever fixes it and replays the letter.
    assert_eq!(letters[0].letter.payload["entity_id"], json!(2));
}

#[tokio::test]
async fn the_watermark_does_not_pass_an_order_without_email_until_it_is_dead_lettered() {
    let server = magento(orders_some_without_email()).await;
    let client = bearer_client(&server.uri());
    let crm = Recorder::default();
    let source = OrderCustomerSource::new(OrderSource::new(client.clone()).page_size(4));
    let stream = source.inner().stream_key("magento-to-crm");
    let watermarks = Arc::new(MemoryWatermarks::new());
    let mut pipeline = Pipeline::builder(
        stream.clone(),
        source,
        CustomerSink::new(&crm, client.redactor().clone()),
    )
    .watermarks(watermarks.clone())
    .dead_letters(Arc::new(DeadLettersDown))
    .build()
    .unwrap();
    // Order 2 cannot be recorded anywhere: the run fails and the watermark stays before it.
    assert!(pipeline.run().await.is_err());
    let mark = watermarks.load(&stream).await.unwrap();
    assert!(
        mark.as_deref()
            .is_none_or(|m| m.parse::<u64>().unwrap() < 2),
        "{mark:?}"
    );
}

#[tokio::test]
async fn watermarks_are_kept_per_store_and_stream() {
    let mut table = orders(4);
    table.push(order_json(5, 2, "2026-11-20 10:00:05"));
    table.push(order_json(6, 2, "2026-11-20 10:00:06"));
    let server = magento(table).await;
    let client: Client = bearer_client(&server.uri());
    let watermarks: Arc<MemoryWatermarks> = Arc::new(MemoryWatermarks::new());
    let sink = Recorder::default();
    let mut keys_seen = Vec::new();
    for store in [1, 2] {
        let source = OrderSource::new(client.clone()).store(store);
        let stream = source.stream_key("magento-to-crm");
        keys_seen.push(stream.clone());
        let mut pipeline = Pipeline::builder(stream, source, &sink)
            .watermarks(watermarks.clone())
            .dead_letters(Arc::new(MemoryDeadLetters::new()))
            .build()
            .unwrap();
        pipeline.run().await.unwrap();
    }
    assert_ne!(keys_seen[0], keys_seen[1]);
    assert!(
        keys_seen[0].tenant.ends_with("/store:1"),
        "{}",
        keys_seen[0]
    );
    assert_eq!(
        watermarks.load(&keys_seen[0]).await.unwrap().as_deref(),
        Some("4")
    );
    assert_eq!(
        watermarks.load(&keys_seen[1]).await.unwrap().as_deref(),
        Some("6")
    );
    let changed = ChangedOrderSource::new(client)
        .store(1)
        .stream_key("magento-to-crm");
    assert_ne!(
        changed, keys_seen[0],
        "changed orders have their own watermark"
    );
}

/// `created_at` as Magento writes it, `ago` before now.
fn created_ago(ago: Duration) -> String {
    magento_client::time::format_magento_time(Utc::now() - chrono::Duration::from_std(ago).unwrap())
}

#[tokio::test]
async fn an_order_committed_out_of_id_order_is_not_passed_by_the_watermark() {
    // Two overlapping checkouts: order 5 took its id first, but order 6 committed first. At the
    // time of run 1, order 5 is invisible and order 6 (placed seconds ago) is visible.
    let mut table = orders(4);
    let mut six = order_json(6, 1, "2026-11-20 10:00:06");
    six["created_at"] = json!(created_ago(Duration::from_secs(5)));
    table.push(six);
    let fake = FakeMagento::new(table);
    let table = fake.orders.clone();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(fake)
        .mount(&server)
        .await;
    let sink = Recorder::default();
    let source = OrderSource::new(bearer_client(&server.uri())).page_size(10);
    assert_eq!(source.settle_window(), Duration::from_secs(300));
    let stream = source.stream_key("c");
    let watermarks = Arc::new(MemoryWatermarks::new());
    let mut pipeline = Pipeline::builder(stream.clone(), source, &sink)
        .watermarks(watermarks.clone())
        .dead_letters(Arc::new(MemoryDeadLetters::new()))
        .build()
        .unwrap();

    // Run 1: order 6 is inside the settle window, so the watermark stops at 4.
    let report = pipeline.run().await.unwrap();
    assert_eq!(report.watermark_after.as_deref(), Some("4"));
    assert_eq!(sink.delivered(), keys(1..=4));
    // The query asked for `created_at < now − 5 min`.
    let requests = server.received_requests().await.unwrap();
    let pairs: Vec<(String, String)> = requests[0].url.query_pairs().into_owned().collect();
    let group = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == &format!("searchCriteria[filter_groups][0][filters][0][{key}]"))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(group("field"), "created_at");
    assert_eq!(group("condition_type"), "lt");
    let cutoff = magento_client::time::parse_magento_time(&group("value")).unwrap();
    let expected = Utc::now() - chrono::Duration::minutes(5);
    assert!(
        (expected - cutoff).num_seconds().abs() < 30,
        "cutoff {cutoff}"
    );

    // Order 5's checkout commits; both orders are now older than the window.
    {
        let mut table = table.lock().unwrap();
        let mut five = order_json(5, 1, "2026-11-20 10:00:05");
        five["created_at"] = json!(created_ago(Duration::from_secs(10 * 60)));
        table.insert(4, five);
        table[5]["created_at"] = json!(created_ago(Duration::from_secs(10 * 60)));
    }
    let report = pipeline.run().await.unwrap();
    assert_eq!(report.watermark_after.as_deref(), Some("6"));
    assert_eq!(sink.delivered(), keys(1..=6), "order 5 was not skipped");
}

#[tokio::test]
async fn a_zero_settle_window_sends_no_created_at_filter() {
    let server = magento(orders(3)).await;
    let sink = Recorder::default();
    let source = OrderSource::new(bearer_client(&server.uri())).settle(Duration::ZERO);
    let mut pipeline = Pipeline::builder(source.stream_key("c"), source, &sink)
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(Arc::new(MemoryDeadLetters::new()))
        .build()
        .unwrap();
    pipeline.run().await.unwrap();
    assert_eq!(sink.delivered(), keys(1..=3));
    for request in server.received_requests().await.unwrap() {
        assert!(!request.url.query_pairs().any(|(_, v)| v == "created_at"));
    }
}
