//! Property test of the engine's rule: whatever the source order, sink failures and crashes,
//! every record ends delivered or dead-lettered, and no committed watermark ever passes a record
//! that was not done at the moment of the commit.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use sync_core::engine::{OnExhausted, Pipeline};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks, WatermarkStore,
};
use sync_core::{
    Ack, Cursor, Sink, SinkRecord, SourceOrder, SourceRecord, StageError, StoreError, StreamKey,
    VecSource,
};
use tokio::sync::Notify;

/// How one record behaves at the sink.
#[derive(Debug, Clone)]
struct Fate {
    /// Always rejected (poison).
    poison: bool,
    /// Transient refusals before it goes through.
    transient: u8,
}

#[derive(Debug, Clone)]
struct Scenario {
    sorted: bool,
    /// Cursor steps (sorted: ties allowed) or minute offsets (unsorted).
    cursors: Vec<u64>,
    fates: Vec<Fate>,
    batch_size: usize,
    max_attempts: u32,
    dead_letter_exhausted: bool,
    /// Whole-batch transient errors at these sink call numbers.
    batch_errors: Vec<u32>,
    /// The engine is dropped at these sink call numbers.
    sink_crashes: Vec<u32>,
    /// The engine is dropped at these commit numbers (before or after the commit applies).
    commit_crashes: Vec<(u32, bool)>,
    lookback_min: u64,
    skew_min: u64,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<bool>(),
        1usize..50,
        1usize..9,
        1u32..4,
        any::<bool>(),
        prop::collection::vec(1u32..40, 0..3),
        prop::collection::vec(1u32..60, 0..4),
        prop::collection::vec((1u32..20, any::<bool>()), 0..3),
        0u64..60,
        0u64..10,
    )
        .prop_flat_map(
            |(
                sorted,
                n,
                batch_size,
                max_attempts,
                dl,
                batch_errors,
                sink_crashes,
                commit_crashes,
                lookback_min,
                skew_min,
            )| {
                let cursors = if sorted {
                    prop::collection::vec(0u64..3, n).boxed()
                } else {
                    prop::collection::vec(0u64..1200, n).boxed()
                };
                let fates = prop::collection::vec(
                    (
                        prop::bool::weighted(0.1),
                        prop_oneof![3 => Just(0u8), 2 => 1u8..4],
                    ),
                    n,
                );
                (cursors, fates).prop_map(move |(cursors, fates)| Scenario {
                    sorted,
                    cursors,
                    fates: fates
                        .into_iter()
                        .map(|(poison, transient)| Fate { poison, transient })
                        .collect(),
                    batch_size,
                    max_attempts,
                    dead_letter_exhausted: dl,
                    batch_errors: batch_errors.clone(),
                    sink_crashes: sink_crashes.clone(),
                    commit_crashes: commit_crashes.clone(),
                    lookback_min,
                    skew_min,
                })
            },
        )
}

/// Shared across restarts: what the outside world remembers.
#[derive(Debug, Default)]
struct World {
    delivered: Mutex<HashSet<String>>,
    transient_left: Mutex<HashMap<String, u8>>,
    sink_calls: Mutex<u32>,
    commits: Mutex<u32>,
    crash: Notify,
}

struct FlakySink {
    world: Arc<World>,
    poison: HashSet<String>,
    batch_errors: Vec<u32>,
    crashes: Vec<u32>,
}

#[async_trait]
impl Sink<String> for FlakySink {
    async fn write(&self, batch: &[SinkRecord<'_, String>]) -> Result<Vec<Ack>, StageError> {
        let call = {
            let mut calls = self.world.sink_calls.lock().unwrap();
            *calls += 1;
            *calls
        };
        if self.crashes.contains(&call) {
            self.world.crash.notify_one();
            std::future::pending::<()>().await;
        }
        if self.batch_errors.contains(&call) {
            return Err(StageError::transient("connection reset"));
        }
        let mut left = self.world.transient_left.lock().unwrap();
        let mut delivered = self.world.delivered.lock().unwrap();
        Ok(batch
            .iter()
            .map(|r| {
                if self.poison.contains(r.key) {
                    return Ack::rejected("poison");
                }
                let n = left.get_mut(r.key).expect("known key");
                if *n > 0 {
                    *n -= 1;
                    return Ack::retry("503");
                }
                delivered.insert(r.key.to_string());
                Ack::Delivered
            })
            .collect())
    }
}

/// Checks the rule at every commit, and crashes around commits on cue.
#[derive(Debug)]
struct CheckedWatermarks<C> {
    inner: MemoryWatermarks,
    world: Arc<World>,
    dead_letters: Arc<MemoryDeadLetters>,
    records: Vec<(String, C)>,
    crashes: Vec<(u32, bool)>,
    violations: Mutex<Vec<String>>,
}

#[async_trait]
impl<C: Cursor> WatermarkStore for CheckedWatermarks<C> {
    async fn load(&self, key: &StreamKey) -> Result<Option<String>, StoreError> {
        self.inner.load(key).await
    }

    async fn compare_and_set(
        &self,
        key: &StreamKey,
        expected: Option<&str>,
        new: &str,
    ) -> Result<bool, StoreError> {
        let n = {
            let mut commits = self.world.commits.lock().unwrap();
            *commits += 1;
            *commits
        };
        let crash = self
            .crashes
            .iter()
            .find(|(at, _)| *at == n)
            .map(|(_, after)| *after);
        if crash == Some(false) {
            self.world.crash.notify_one();
            std::future::pending::<()>().await;
        }
        let target = C::decode(new).unwrap();
        if let Some(old) = expected.map(|e| C::decode(e).unwrap())
            && target <= old
        {
            self.violations
                .lock()
                .unwrap()
                .push(format!("watermark moved back {old:?} -> {target:?}"));
        }
        let dead: HashSet<String> = self
            .dead_letters
            .list(&DeadLetterQuery::default())
            .await?
            .into_iter()
            .map(|l| l.letter.record_key)
            .collect();
        let delivered = self.world.delivered.lock().unwrap().clone();
        for (k, c) in &self.records {
            if *c <= target && !delivered.contains(k) && !dead.contains(k) {
                self.violations
                    .lock()
                    .unwrap()
                    .push(format!("commit {target:?} passes unfinished {k} at {c:?}"));
            }
        }
        let ok = self.inner.compare_and_set(key, expected, new).await?;
        if crash == Some(true) {
            self.world.crash.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(ok)
    }
}

fn minute(m: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(m as i64)
}

async fn check<C: Cursor>(
    s: &Scenario,
    cursors: Vec<C>,
    order: SourceOrder,
) -> Result<(), TestCaseError> {
    let key = StreamKey::new("prop", "orders", "t");
    let world = Arc::new(World::default());
    let records: Vec<SourceRecord<String, C>> = cursors
        .iter()
        .enumerate()
        .map(|(i, c)| SourceRecord {
            key: format!("r{i}"),
            cursor: c.clone(),
            data: format!("data {i}"),
        })
        .collect();
    let poison: HashSet<String> = s
        .fates
        .iter()
        .enumerate()
        .filter(|(_, f)| f.poison)
        .map(|(i, _)| format!("r{i}"))
        .collect();
    *world.transient_left.lock().unwrap() = s
        .fates
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("r{i}"), f.transient))
        .collect();
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let watermarks = Arc::new(CheckedWatermarks {
        inner: MemoryWatermarks::new(),
        world: world.clone(),
        dead_letters: dead_letters.clone(),
        records: records
            .iter()
            .map(|r| (r.key.clone(), r.cursor.clone()))
            .collect(),
        crashes: s.commit_crashes.clone(),
        violations: Mutex::new(Vec::new()),
    });

    let mut finished = false;
    for _run in 0..500 {
        let sink = FlakySink {
            world: world.clone(),
            poison: poison.clone(),
            batch_errors: s.batch_errors.clone(),
            crashes: s.sink_crashes.clone(),
        };
        let mut pipeline = Pipeline::builder(
            key.clone(),
            VecSource::new(records.clone(), order, s.batch_size),
            sink,
        )
        .watermarks(watermarks.clone())
        .dead_letters(dead_letters.clone())
        .retry_policy(
            ExponentialBackoff::default()
                .initial(Duration::ZERO)
                .jitter(Jitter::None)
                .max_attempts(s.max_attempts),
        )
        .on_exhausted(if s.dead_letter_exhausted {
            OnExhausted::DeadLetter
        } else {
            OnExhausted::Halt
        })
        .clock(|| minute(1000))
        .build()
        .unwrap();
        tokio::select! {
            result = pipeline.run() => {
                if result.is_ok() {
                    finished = true;
                    break;
                }
            }
            _ = world.crash.notified() => { /* the engine is dropped mid-run */ }
        }
    }
    prop_assert!(finished, "no run completed within 500 restarts");
    let violations = watermarks.violations.lock().unwrap().clone();
    prop_assert!(violations.is_empty(), "{violations:?}");

    let dead: HashSet<String> = dead_letters
        .list(&DeadLetterQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.letter.record_key)
        .collect();
    let delivered = world.delivered.lock().unwrap().clone();
    for r in &records {
        prop_assert!(
            delivered.contains(&r.key) || dead.contains(&r.key),
            "{} lost (cursor {:?})",
            r.key,
            r.cursor
        );
        if poison.contains(&r.key) {
            prop_assert!(dead.contains(&r.key) && !delivered.contains(&r.key));
        }
    }
    if !s.dead_letter_exhausted {
        prop_assert!(
            dead.is_subset(&poison),
            "only poison is dead-lettered under Halt"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn no_record_is_lost(s in scenario()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async {
            if s.sorted {
                let mut at = 0u64;
                let cursors: Vec<u64> = s.cursors.iter().map(|step| { at += step; at }).collect();
                check(&s, cursors, SourceOrder::Sorted).await
            } else {
                let cursors: Vec<DateTime<Utc>> = s.cursors.iter().map(|m| minute(*m)).collect();
                let order = SourceOrder::Unsorted {
                    lookback: Duration::from_secs(s.lookback_min * 60),
                    clock_skew: Duration::from_secs(s.skew_min * 60),
                };
                check(&s, cursors, order).await
            }
        })?;
    }
}
