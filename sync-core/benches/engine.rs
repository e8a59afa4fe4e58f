//! Engine overhead per record: a pipeline over a no-op sink, with the in-memory watermark store
//! and with SQLite (one watermark commit per batch).
//!
//! Run: `cargo bench -p sync-core --bench engine`

use std::sync::Arc;

use async_trait::async_trait;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sync_core::engine::Pipeline;
use sync_core::store::{MemoryDeadLetters, MemoryWatermarks};
use sync_core::{Ack, Sink, SinkRecord, Source, SourceOrder, SourceRecord, StageError, StreamKey};

/// Hands out pre-built batches so the bench measures the engine, not record construction.
struct PreparedSource {
    batches: Vec<Vec<SourceRecord<u64, u64>>>,
}

#[async_trait]
impl Source for PreparedSource {
    type Record = u64;
    type Cursor = u64;
    fn order(&self) -> SourceOrder {
        SourceOrder::Sorted
    }
    async fn start(&mut self, _after: Option<u64>) -> Result<(), StageError> {
        self.batches.reverse();
        Ok(())
    }
    async fn next_batch(&mut self) -> Result<Option<Vec<SourceRecord<u64, u64>>>, StageError> {
        Ok(self.batches.pop())
    }
}

struct NoopSink;

#[async_trait]
impl Sink<u64> for NoopSink {
    async fn write(&self, batch: &[SinkRecord<'_, u64>]) -> Result<Vec<Ack>, StageError> {
        Ok(vec![Ack::Delivered; batch.len()])
    }
}

fn prepared(records: u64, batch: u64) -> PreparedSource {
    let keys: Vec<String> = (0..records).map(|i| format!("order-{i}")).collect();
    let mut batches = Vec::new();
    let mut current = Vec::with_capacity(batch as usize);
    for (i, key) in keys.into_iter().enumerate() {
        current.push(SourceRecord {
            key,
            cursor: i as u64,
            data: i as u64,
        });
        if current.len() == batch as usize {
            batches.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        batches.push(current);
    }
    PreparedSource { batches }
}

const RECORDS: u64 = 100_000;

fn memory(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("engine/memory");
    group.throughput(Throughput::Elements(RECORDS));
    for batch in [100u64, 1_000] {
        group.bench_function(format!("batch_{batch}"), |b| {
            b.iter_batched(
                || prepared(RECORDS, batch),
                |source| {
                    rt.block_on(async {
                        let mut p = Pipeline::builder(
                            StreamKey::new("bench", "orders", "t"),
                            source,
                            NoopSink,
                        )
                        .watermarks(Arc::new(MemoryWatermarks::new()))
                        .dead_letters(Arc::new(MemoryDeadLetters::new()))
                        .build()
                        .unwrap();
                        let report = p.run().await.unwrap();
                        assert_eq!(report.delivered, RECORDS);
                    })
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

#[cfg(feature = "sqlite")]
fn sqlite(c: &mut Criterion) {
    use sync_core::store::sqlite::SqliteStore;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("sync-core-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(
        rt.block_on(SqliteStore::open(dir.join("bench.db")))
            .unwrap(),
    );
    let mut group = c.benchmark_group("engine/sqlite");
    group.throughput(Throughput::Elements(RECORDS));
    let runs = std::sync::atomic::AtomicU64::new(0);
    for batch in [100u64, 1_000] {
        group.bench_function(format!("batch_{batch}"), |b| {
            b.iter_batched(
                || prepared(RECORDS, batch),
                |source| {
                    // A fresh stream each iteration, so every run commits every batch.
                    let run = runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    rt.block_on(async {
                        let key = StreamKey::new("bench", "orders", format!("run-{run}"));
                        let mut p = Pipeline::builder(key, source, NoopSink)
                            .watermarks(store.clone())
                            .dead_letters(store.clone())
                            .build()
                            .unwrap();
                        let report = p.run().await.unwrap();
                        assert_eq!(report.delivered, RECORDS);
                    })
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(not(feature = "sqlite"))]
fn sqlite(_: &mut Criterion) {}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = memory, sqlite
}
criterion_main!(benches);
