//! The runner: polls on an interval, an inbox worker and a sweeper together, progress events,
//! `/healthz`, and graceful shutdown that leaves no lease behind.
#![cfg(all(feature = "axum", feature = "sqlite", feature = "http"))]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sync_core::inbox_worker::{InboxWorker, handler_fn};
use sync_core::runtime::axum::healthz;
use sync_core::runtime::{Runner, RunnerEvent};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{InboxStore, MemoryWatermarks, NewOutboxEntry, OutboxStore};
use sync_core::sweeper::{Destinations, Sweeper};
use sync_core::{
    Ack, Pipeline, Sink, SinkRecord, SourceOrder, SourceRecord, StageError, StreamKey, VecSource,
};

struct Accepting;

#[async_trait]
impl Sink<serde_json::Value> for Accepting {
    async fn write(
        &self,
        batch: &[SinkRecord<'_, serde_json::Value>],
    ) -> Result<Vec<Ack>, StageError> {
        Ok(vec![Ack::Delivered; batch.len()])
    }
}

struct Poisoned;

#[async_trait]
impl Sink<serde_json::Value> for Poisoned {
    async fn write(
        &self,
        batch: &[SinkRecord<'_, serde_json::Value>],
    ) -> Result<Vec<Ack>, StageError> {
        Ok(vec![Ack::rejected("400 invalid email"); batch.len()])
    }
}

#[tokio::test]
async fn runs_everything_reports_health_and_shuts_down_gracefully() {
    let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let crm = StreamKey::new("shop-to-crm", "contacts", "shop");
    for key in ["d-1", "d-2", "d-3"] {
        store
            .store(
                "shop",
                key,
                &serde_json::json!({}),
                br#"{"email":"a@example.com"}"#,
            )
            .await
            .unwrap();
    }
    let outbox = store.clone();
    let to = crm.clone();
    let worker = InboxWorker::new(
        store.clone(),
        handler_fn(move |delivery| {
            let (outbox, to) = (outbox.clone(), to.clone());
            async move {
                let entry =
                    NewOutboxEntry::new(to, delivery.dedupe_key.clone(), serde_json::json!({}));
                outbox
                    .enqueue(entry)
                    .await
                    .map_err(StageError::from_classified)?;
                Ok(())
            }
        }),
    )
    .poll_interval(Duration::from_millis(5));
    let sweeper = Sweeper::new(
        store.clone(),
        Destinations::new().sink(crm.clone(), Accepting),
    )
    .poll_interval(Duration::from_millis(5));
    let records = (1..=4u64)
        .map(|id| SourceRecord {
            key: format!("o-{id}"),
            cursor: id,
            data: serde_json::json!({"id": id}),
        })
        .collect();
    let poll = Pipeline::builder(
        StreamKey::new("magento-to-chatwoot", "orders", "shop"),
        VecSource::new(records, SourceOrder::Sorted, 2),
        Poisoned,
    )
    .watermarks(Arc::new(MemoryWatermarks::new()))
    .dead_letters(store.clone())
    .build()
    .unwrap();

    let runner = Runner::new()
        .poll(Duration::from_millis(20), poll)
        .inbox_worker("webhooks", worker)
        .sweeper("crm", sweeper);
    let health = runner.health();
    let mut events = runner.subscribe();

    let app = axum::Router::new().route("/healthz", healthz(health.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/healthz", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(runner.run_until(async {
        let _ = stopped.await;
    }));
    let (mut delivered, mut polled) = (0, 0);
    while delivered < 3 || polled < 2 {
        match tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            RunnerEvent::Swept { report, .. } => delivered += report.delivered,
            RunnerEvent::Polled { outcome, .. } => {
                assert!(outcome.is_ok());
                polled += 1;
            }
            _ => {}
        }
    }
    let answer: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["outboxes"]["crm"]["pending"], 0);
    // The poll dead-lettered its 4 poisoned records once (a re-run finds them done).
    assert_eq!(answer["outboxes"]["crm"]["open_dead_letters"], 4);
    assert!(answer["streams"]["magento-to-chatwoot/orders/shop"]["last_success"].is_string());
    assert_eq!(answer["inboxes"]["webhooks"]["pending"], 0);

    let _ = stop.send(());
    let totals = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((totals.inbox.processed, totals.outbox.delivered), (3, 3));
    assert!(totals.polls >= 2);
    let inbox = InboxStore::stats(&*store).await.unwrap();
    let outbox = OutboxStore::stats(&*store).await.unwrap();
    assert_eq!(
        (inbox.leased, outbox.leased),
        (0, 0),
        "no lease left behind"
    );
}

/// A poll whose mapper panics on the vendor's data.
struct PanickingPoll(StreamKey);

#[async_trait]
impl sync_core::runtime::Poll for PanickingPoll {
    fn stream(&self) -> &StreamKey {
        &self.0
    }
    async fn run_once(&mut self) -> Result<sync_core::RunReport, sync_core::RunError> {
        panic!("unexpected null in order.items")
    }
}

#[tokio::test]
async fn a_panicking_poll_is_a_failed_poll_and_the_runner_keeps_going() {
    let stream = StreamKey::new("magento-to-chatwoot", "orders", "shop");
    let runner = Runner::new().poll(Duration::from_millis(10), PanickingPoll(stream));
    let mut events = runner.subscribe();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(runner.run_until(async {
        let _ = stopped.await;
    }));
    let mut failed = 0;
    while failed < 2 {
        if let RunnerEvent::Polled { outcome, .. } =
            tokio::time::timeout(Duration::from_secs(10), events.recv())
                .await
                .unwrap()
                .unwrap()
        {
            let error = outcome.unwrap_err();
            assert!(error.contains("panicked: unexpected null"), "{error}");
            failed += 1;
        }
    }
    let _ = stop.send(());
    let totals = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .unwrap()
        .expect("the runner survives the panic");
    assert!(totals.failed_polls >= 2);
}
