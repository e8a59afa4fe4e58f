//! Throughput of the composed path on SQLite: stored webhook deliveries → inbox worker (each
//! enqueues one outbox entry) → sweeper → a no-op bulk sink, with the default durability
//! (`synchronous = FULL`, WAL) on a file database.
//!
//! Run: `cargo bench -p sync-core --bench runtime` (optionally `-- <deliveries>`, default 5000).
//! A load generator rather than criterion: it reports deliveries per second per stage and end
//! to end, for one run of N deliveries. `SYNC_BENCH_DURABILITY=normal` measures
//! `synchronous = NORMAL`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sync_core::inbox_worker::{InboxWorker, handler_fn};
use sync_core::store::sqlite::{Durability, SqliteStoreOptions};
use sync_core::store::{InboxStore, NewOutboxEntry, OutboxStore};
use sync_core::sweeper::{Destinations, Sweeper};
use sync_core::webhook::StoredHeaders;
use sync_core::{Ack, Sink, SinkRecord, StageError, StreamKey};

struct NoOp;

#[async_trait]
impl Sink<serde_json::Value> for NoOp {
    async fn write(
        &self,
        batch: &[SinkRecord<'_, serde_json::Value>],
    ) -> Result<Vec<Ack>, StageError> {
        Ok(vec![Ack::Delivered; batch.len()])
    }
}

fn main() {
    // `cargo bench` passes `--bench`; take the first number as the count.
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(n));
}

async fn run(n: usize) {
    let path =
        std::env::temp_dir().join(format!("sync-core-bench-runtime-{}.db", std::process::id()));
    // `SYNC_BENCH_DURABILITY=normal` for `synchronous = NORMAL` (no fsync per commit in WAL).
    let durability = match std::env::var("SYNC_BENCH_DURABILITY").as_deref() {
        Ok("normal") => Durability::Normal,
        _ => Durability::Full,
    };
    let store = Arc::new(
        SqliteStoreOptions::file(&path)
            .durability(durability)
            .open()
            .await
            .unwrap(),
    );
    let headers = StoredHeaders::new()
        .with("x-wc-webhook-topic", "order.updated")
        .with("x-wc-webhook-source", "https://shop.example.com/")
        .to_json();
    let body = br#"{"id":727,"status":"processing","billing":{"email":"jan@example.com"},"total":"29.35"}"#;

    let started = Instant::now();
    for i in 0..n {
        store
            .store("woo:shop", &format!("d-{i}"), &headers, body)
            .await
            .unwrap();
    }
    let stored = started.elapsed();

    let to = StreamKey::new("woo-to-ac", "contacts", "shop");
    let outbox = store.clone();
    let worker = InboxWorker::new(
        store.clone(),
        handler_fn(move |delivery| {
            let (outbox, to) = (outbox.clone(), to.clone());
            async move {
                let order: serde_json::Value = serde_json::from_slice(&delivery.body)
                    .map_err(|e| StageError::transient(e.to_string()))?;
                outbox
                    .enqueue(NewOutboxEntry::new(to, delivery.dedupe_key.clone(), order))
                    .await
                    .map_err(StageError::from_classified)?;
                Ok(())
            }
        }),
    )
    .batch_size(200)
    .concurrency(8);
    let sweeper = Sweeper::new(
        store.clone(),
        Destinations::new().sink(StreamKey::new("woo-to-ac", "contacts", "shop"), NoOp),
    )
    .batch_size(500);

    let t = Instant::now();
    let worked = worker.work().await.unwrap();
    let work_time = t.elapsed();
    let t = Instant::now();
    let swept = sweeper.sweep().await.unwrap();
    let sweep_time = t.elapsed();
    assert_eq!(worked.processed as usize, n);
    assert_eq!(swept.delivered as usize, n);
    assert_eq!(InboxStore::stats(&*store).await.unwrap().pending, 0);
    assert_eq!(OutboxStore::stats(&*store).await.unwrap().pending, 0);

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!("deliveries: {n}, durability: {durability:?}");
    println!(
        "inbox store (one commit each):      {:>9.0}/s",
        rate(stored)
    );
    println!(
        "inbox -> worker -> outbox enqueue:  {:>9.0}/s",
        rate(work_time)
    );
    println!(
        "outbox -> sweeper -> no-op sink:    {:>9.0}/s",
        rate(sweep_time)
    );
    println!(
        "inbox -> no-op sink, end to end:    {:>9.0}/s",
        rate(work_time + sweep_time)
    );
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
