//! Throughput of the webhook hub on SQLite: accepts into the inbox (one client, then many
//! concurrent clients sharing the inbox's group commit), and the composed path stored
//! deliveries → inbox worker (each delivery's outbox entry enqueued atomically with its ack)
//! → sweeper → a no-op bulk sink. Default durability (`synchronous = FULL`, WAL) on a file.
//!
//! Run: `cargo bench -p sync-core --bench runtime` (optionally `-- <deliveries> <clients>`,
//! default 20000 and 64). A load generator rather than criterion: it prints deliveries per
//! second for one run of each stage. `SYNC_BENCH_DURABILITY=normal` measures
//! `synchronous = NORMAL`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sync_core::inbox_worker::{InboxWorker, effects_fn};
use sync_core::store::sqlite::{Durability, SqliteStore, SqliteStoreOptions};
use sync_core::store::{InboxStore, NewOutboxEntry, OutboxStore};
use sync_core::sweeper::{Destinations, Sweeper};
use sync_core::webhook::axum::WebhookEndpoint;
use sync_core::webhook::{Accepted, Acceptor, HeaderMap, Refused, StoredHeaders};
use sync_core::{Ack, Sink, SinkRecord, StageError, StreamKey};
use tokio::sync::Notify;

/// Accepts everything; counts records so a run knows when the last one arrived without
/// polling the store (a `COUNT(*)` every few ms would be part of the measurement).
#[derive(Clone, Default)]
struct NoOp {
    records: Arc<AtomicUsize>,
    arrived: Arc<Notify>,
}

#[async_trait]
impl Sink<serde_json::Value> for NoOp {
    async fn write(
        &self,
        batch: &[SinkRecord<'_, serde_json::Value>],
    ) -> Result<Vec<Ack>, StageError> {
        self.records.fetch_add(batch.len(), Ordering::SeqCst);
        self.arrived.notify_one();
        Ok(vec![Ack::Delivered; batch.len()])
    }
}

/// Keys deliveries by WooCommerce's delivery id header (signature checks are benched in
/// woo-client).
struct ByDeliveryId;

impl Acceptor for ByDeliveryId {
    fn accept(&self, headers: &HeaderMap, _: &[u8]) -> Result<Accepted, Refused> {
        let kept =
            StoredHeaders::from(headers).only(["x-wc-webhook-delivery-id", "x-wc-webhook-topic"]);
        let id = kept
            .get("x-wc-webhook-delivery-id")
            .ok_or_else(|| Refused::new(400, "no delivery id"))?
            .to_string();
        Ok(Accepted::new(id, kept))
    }
}

const BODY: &[u8] =
    br#"{"id":727,"status":"processing","billing":{"email":"jan@example.com"},"total":"29.35"}"#;

fn main() {
    // `cargo bench` passes `--bench`; take the numbers as deliveries and clients.
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = numbers.first().copied().unwrap_or(20_000);
    let clients = numbers.get(1).copied().unwrap_or(64).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(n, clients));
}

fn durability() -> Durability {
    match std::env::var("SYNC_BENCH_DURABILITY").as_deref() {
        Ok("normal") => Durability::Normal,
        _ => Durability::Full,
    }
}

struct Db {
    path: std::path::PathBuf,
    store: Arc<SqliteStore>,
}

impl Db {
    async fn new(name: &str) -> Db {
        let path = std::env::temp_dir().join(format!(
            "sync-core-bench-runtime-{name}-{}.db",
            std::process::id()
        ));
        let store = Arc::new(
            SqliteStoreOptions::file(&path)
                .durability(durability())
                .open()
                .await
                .unwrap(),
        );
        Db { path, store }
    }

    async fn remove(self) {
        self.store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

fn headers() -> serde_json::Value {
    StoredHeaders::new()
        .with("x-wc-webhook-topic", "order.updated")
        .with("x-wc-webhook-source", "https://shop.example.com/")
        .with(
            "x-wc-webhook-delivery-id",
            "a4f2c1d0-9f1e-4b53-8f3a-2f1c0e9d7b11",
        )
        .to_json()
}

/// `n` accepts from `clients` concurrent callers; returns the elapsed time.
async fn accept(store: &Arc<SqliteStore>, n: usize, clients: usize) -> Duration {
    let headers = Arc::new(headers());
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (store, headers) = (store.clone(), headers.clone());
            tokio::spawn(async move {
                for i in (client..n).step_by(clients) {
                    let received = store
                        .store("woo:shop", &format!("d-{i}"), &headers, BODY)
                        .await
                        .unwrap();
                    assert!(received.is_new());
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

fn worker(
    store: &Arc<SqliteStore>,
) -> InboxWorker<impl sync_core::inbox_worker::InboxHandler + use<>> {
    let to = StreamKey::new("woo-to-ac", "contacts", "shop");
    InboxWorker::new(
        store.clone(),
        effects_fn(move |delivery| {
            let to = to.clone();
            async move {
                let order: serde_json::Value = serde_json::from_slice(&delivery.body)
                    .map_err(|e| StageError::transient(e.to_string()))?;
                Ok(vec![NewOutboxEntry::new(
                    to,
                    delivery.dedupe_key.clone(),
                    order,
                )])
            }
        }),
    )
    .batch_size(500)
    .concurrency(16)
    .poll_interval(Duration::from_millis(5))
}

fn sweeper(store: &Arc<SqliteStore>, sink: NoOp) -> Sweeper<Destinations> {
    Sweeper::new(
        store.clone(),
        Destinations::new().sink(StreamKey::new("woo-to-ac", "contacts", "shop"), sink),
    )
    .batch_size(500)
    .poll_interval(Duration::from_millis(5))
}

async fn run(n: usize, clients: usize) {
    let rate = |count: usize, d: Duration| count as f64 / d.as_secs_f64();
    println!(
        "deliveries: {n}, clients: {clients}, durability: {:?}",
        durability()
    );

    // 1. Accepts, one client: every store waits for its own commit.
    let one = n.min(5_000);
    let db = Db::new("one-client").await;
    let elapsed = accept(&db.store, one, 1).await;
    println!(
        "accept, 1 client ({one}):                 {:>9.0}/s",
        rate(one, elapsed)
    );
    db.remove().await;

    // 2. Accepts, many concurrent clients: the group commit stores many per transaction.
    let db = Db::new("accept").await;
    let accept_time = accept(&db.store, n, clients).await;
    println!(
        "accept, {clients} clients (group commit):      {:>9.0}/s",
        rate(n, accept_time)
    );
    assert_eq!(
        InboxStore::stats(&*db.store).await.unwrap().pending,
        n as u64
    );

    // 2b. The same through the axum request path (body read, acceptor, store, JSON answer),
    // called in-process: no sockets, so the figure is the service's, not the load generator's.
    let http_db = Db::new("endpoint").await;
    let endpoint = WebhookEndpoint::new("woo:shop", ByDeliveryId, http_db.store.clone());
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let endpoint = endpoint.clone();
            tokio::spawn(async move {
                for i in (client..n).step_by(clients) {
                    let mut headers = HeaderMap::new();
                    headers.insert("x-wc-webhook-delivery-id", i.into());
                    headers.insert("x-wc-webhook-topic", "order.updated".parse().unwrap());
                    let answer = endpoint.receive(&headers, BODY.into()).await;
                    assert_eq!(answer.status(), 200);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    println!(
        "webhook endpoint, {clients} clients (in-process): {:>6.0}/s",
        rate(n, started.elapsed())
    );
    http_db.remove().await;

    // 3. The stored deliveries through the worker and the sweeper, one stage after the other.
    let t = Instant::now();
    let worked = worker(&db.store).work().await.unwrap();
    let work_time = t.elapsed();
    let t = Instant::now();
    let swept = sweeper(&db.store, NoOp::default()).sweep().await.unwrap();
    let sweep_time = t.elapsed();
    assert_eq!(worked.processed as usize, n);
    assert_eq!(swept.delivered as usize, n);
    println!(
        "inbox -> worker -> outbox (ack+enqueue):  {:>9.0}/s",
        rate(n, work_time)
    );
    println!(
        "outbox -> sweeper -> no-op sink:          {:>9.0}/s",
        rate(n, sweep_time)
    );
    println!(
        "inbox -> no-op sink, stages in turn:      {:>9.0}/s",
        rate(n, work_time + sweep_time)
    );
    db.remove().await;

    // 4. Everything at once, as a service runs: clients accepting while the worker and the
    // sweeper drain; timed until the last delivery reached the sink.
    let db = Db::new("service").await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    let sink = NoOp::default();
    let started = Instant::now();
    let working = {
        let (worker, stopped) = (worker(&db.store), stopped.clone());
        tokio::spawn(async move { worker.run_until(until_stopped(stopped)).await })
    };
    let sweeping = {
        let (sweeper, stopped) = (sweeper(&db.store, sink.clone()), stopped.clone());
        tokio::spawn(async move { sweeper.run_until(until_stopped(stopped)).await })
    };
    let accepted_in = accept(&db.store, n, clients).await;
    while sink.records.load(Ordering::SeqCst) < n {
        sink.arrived.notified().await;
    }
    let total = started.elapsed();
    stop.send(true).unwrap();
    let (worked, swept) = (working.await.unwrap(), sweeping.await.unwrap());
    assert_eq!(worked.processed as usize, n);
    assert_eq!(swept.delivered as usize, n);
    assert_eq!(
        OutboxStore::stats(&*db.store).await.unwrap().delivered as usize,
        n
    );
    println!(
        "service: accepts while draining:          {:>9.0}/s",
        rate(n, accepted_in)
    );
    println!(
        "service: accept -> no-op sink, end to end: {:>8.0}/s",
        rate(n, total)
    );
    db.remove().await;
}
