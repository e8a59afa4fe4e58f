//! Property test of the composed path — accept → inbox → worker → outbox → batched sink — with
//! crashes injected at every step (the running futures are dropped and the service restarts
//! from the same SQLite file): every delivery that got a 2xx ends with its effects applied at
//! an idempotent sink or dead-lettered with a reason, none lost, and batches reach the bulk
//! sink as batches.
#![cfg(all(feature = "sqlite", feature = "axum"))]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use support::TempDb;
use sync_core::inbox_worker::{InboxWorker, handler_fn};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::sqlite::{Durability, SqliteStore, SqliteStoreOptions};
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, InboxDelivery, InboxStats, InboxStore, Lease, NewOutboxEntry,
    OutboxLimits, OutboxStore, Received, ReplayOutcome, inbox_dead_letter_stream,
};
use sync_core::sweeper::{Destinations, Sweeper};
use sync_core::webhook::axum::WebhookEndpoint;
use sync_core::webhook::{Accepted, Acceptor, Refused, StoredHeaders};
use sync_core::{Ack, PermanentKind, Sink, SinkRecord, StageError, StoreError, StreamKey, Verdict};
use tokio::sync::Notify;

const LEASE: Duration = Duration::from_millis(40);

#[derive(Debug, Clone)]
struct Delivery {
    id: u32,
    /// The body does not parse: the worker dead-letters it.
    bad_body: bool,
    /// The sender sends it twice.
    duplicate: bool,
    /// The bulk sink rejects it.
    poison: bool,
    /// The bulk sink asks to retry it this many times first.
    transient: u8,
}

#[derive(Debug, Clone)]
struct Scenario {
    deliveries: Vec<Delivery>,
    /// Crash when the global step counter reaches these values.
    crashes: BTreeSet<u32>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(
            (
                prop::bool::weighted(0.1),
                prop::bool::weighted(0.2),
                prop::bool::weighted(0.1),
                prop_oneof![3 => Just(0u8), 1 => 1u8..3],
            ),
            2..25,
        ),
        prop::collection::btree_set(1u32..80, 0..5),
    )
        .prop_map(|(fates, crashes)| Scenario {
            deliveries: fates
                .into_iter()
                .enumerate()
                .map(|(i, (bad_body, duplicate, poison, transient))| Delivery {
                    id: 1000 + i as u32,
                    bad_body,
                    duplicate,
                    poison,
                    transient,
                })
                .collect(),
            crashes,
        })
}

/// What survives restarts: the outside world.
#[derive(Default)]
struct World {
    crashes: BTreeSet<u32>,
    step: Mutex<u32>,
    crash: Notify,
    /// Effects applied at each idempotent sink (by key), and how often each was written.
    applied: Mutex<BTreeMap<&'static str, BTreeMap<String, u32>>>,
    transient_left: Mutex<BTreeMap<String, u8>>,
    bulk_batches: Mutex<Vec<usize>>,
}

impl World {
    /// A crash point: count a step; at a scheduled step, signal the crash and never return.
    async fn step(&self) {
        let crash = {
            let mut step = self.step.lock().unwrap();
            *step += 1;
            self.crashes.contains(&step)
        };
        if crash {
            self.crash.notify_one();
            std::future::pending::<()>().await;
        }
    }

    /// Run `fut`; `None` if a crash point fired (the future is dropped: a restart).
    async fn run<T>(&self, fut: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            out = fut => Some(out),
            _ = self.crash.notified() => None,
        }
    }
}

/// The inbox, with a crash point after each commit (stored, but no answer sent).
#[derive(Debug)]
struct CrashingInbox {
    inner: SqliteStore,
    world: Arc<WorldRef>,
}

struct WorldRef(Arc<World>);
impl std::fmt::Debug for WorldRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("World")
    }
}

#[async_trait]
impl InboxStore for CrashingInbox {
    async fn store(
        &self,
        source: &str,
        key: &str,
        headers: &serde_json::Value,
        body: &[u8],
    ) -> Result<Received, StoreError> {
        let received = self.inner.store(source, key, headers, body).await?;
        self.world.0.step().await;
        Ok(received)
    }
    async fn claim(&self, limit: u32, lease: Duration) -> Result<Vec<InboxDelivery>, StoreError> {
        self.inner.claim(limit, lease).await
    }
    async fn ack(&self, lease: &Lease) -> Result<bool, StoreError> {
        self.inner.ack(lease).await
    }
    async fn fail(
        &self,
        lease: &Lease,
        reason: &str,
        retry_in: Duration,
    ) -> Result<bool, StoreError> {
        self.inner.fail(lease, reason, retry_in).await
    }
    async fn dead_letter_delivery(
        &self,
        lease: &Lease,
        reason: &str,
    ) -> Result<Option<i64>, StoreError> {
        self.inner.dead_letter_delivery(lease, reason).await
    }
    async fn replay_delivery(&self, id: i64) -> Result<ReplayOutcome, StoreError> {
        self.inner.replay_delivery(id).await
    }
    async fn prune_processed(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.inner.prune_processed(before).await
    }
    async fn stats(&self) -> Result<InboxStats, StoreError> {
        InboxStore::stats(&self.inner).await
    }
}

struct KeyedAcceptor;

impl Acceptor for KeyedAcceptor {
    fn accept(&self, headers: &http::HeaderMap, _: &[u8]) -> Result<Accepted, Refused> {
        let stored = StoredHeaders::from(headers).only(["x-delivery"]);
        let key = stored
            .get("x-delivery")
            .ok_or_else(|| Refused::new(400, "no delivery id"))?;
        Ok(Accepted::new(key.to_string(), stored.clone()))
    }
}

/// An idempotent sink (effects keyed) with a crash point after applying a write.
struct WorldSink {
    name: &'static str,
    world: Arc<World>,
}

#[async_trait]
impl Sink<serde_json::Value> for WorldSink {
    async fn write(
        &self,
        batch: &[SinkRecord<'_, serde_json::Value>],
    ) -> Result<Vec<Ack>, StageError> {
        if self.name == "bulk" {
            self.world.bulk_batches.lock().unwrap().push(batch.len());
        }
        let acks = batch
            .iter()
            .map(|r| {
                if self.name == "bulk" && r.data["poison"] == true {
                    return Ack::rejected(format!("{}: 422 email is invalid", r.key));
                }
                if self.name == "bulk" {
                    let mut left = self.world.transient_left.lock().unwrap();
                    let n = left
                        .entry(r.key.to_string())
                        .or_insert(r.data["transient"].as_u64().unwrap_or(0) as u8);
                    if *n > 0 {
                        *n -= 1;
                        return Ack::retry("429 from bulk import");
                    }
                }
                *self
                    .world
                    .applied
                    .lock()
                    .unwrap()
                    .entry(self.name)
                    .or_default()
                    .entry(r.key.to_string())
                    .or_default() += 1;
                Ack::Delivered
            })
            .collect();
        self.world.step().await;
        Ok(acks)
    }
}

fn bulk() -> StreamKey {
    StreamKey::new("shop-to-crm", "contacts", "shop")
}
fn audience() -> StreamKey {
    StreamKey::new("shop-to-meta", "audience", "shop")
}

async fn open(db: &TempDb) -> SqliteStore {
    SqliteStoreOptions::file(db.path())
        .durability(Durability::Normal)
        .open()
        .await
        .unwrap()
}

fn no_wait() -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::ZERO)
        .jitter(Jitter::None)
}

async fn check(scenario: Scenario) {
    let db = TempDb::new("composed");
    let world = Arc::new(World {
        crashes: scenario.crashes.clone(),
        ..Default::default()
    });
    // The sender: every delivery until it gets a 2xx (and duplicates once more after).
    let mut to_send: Vec<(u32, bool)> = scenario
        .deliveries
        .iter()
        .flat_map(|d| std::iter::repeat_n((d.id, d.bad_body), 1 + usize::from(d.duplicate)))
        .collect();
    let mut accepted = BTreeSet::new();
    let deliveries: BTreeMap<u32, Delivery> = scenario
        .deliveries
        .iter()
        .map(|d| (d.id, d.clone()))
        .collect();

    for _round in 0..200 {
        // A (re)started service: fresh handles on the same file.
        let store = Arc::new(open(&db).await);
        let inbox = Arc::new(CrashingInbox {
            inner: (*store).clone(),
            world: Arc::new(WorldRef(world.clone())),
        });
        let endpoint = WebhookEndpoint::new("shop", KeyedAcceptor, inbox.clone());
        let mut crashed = false;
        while let Some(&(id, bad)) = to_send.first() {
            let body = if bad {
                format!(r#"{{"id":{id},"bil"#)
            } else {
                format!(r#"{{"id":{id}}}"#)
            };
            let mut headers = http::HeaderMap::new();
            headers.insert("x-delivery", format!("d-{id}").parse().unwrap());
            match world.run(endpoint.receive(&headers, body.into())).await {
                Some(answer) => {
                    assert_eq!(answer.status(), 200);
                    accepted.insert(id);
                    to_send.remove(0);
                }
                None => {
                    crashed = true;
                    break;
                }
            }
        }
        if crashed {
            continue;
        }

        let outbox = store.clone();
        let hw = world.clone();
        let fates = deliveries.clone();
        let worker = InboxWorker::new(
            inbox.clone(),
            handler_fn(move |delivery| {
                let (outbox, world, fates) = (outbox.clone(), hw.clone(), fates.clone());
                async move {
                    let order: serde_json::Value = serde_json::from_slice(&delivery.body)
                        .map_err(|e| StageError::new(Verdict::Permanent(PermanentKind::Data), e))?;
                    let id = order["id"].as_u64().unwrap() as u32;
                    let fate = &fates[&id];
                    let payload = serde_json::json!({"id": id, "poison": fate.poison, "transient": fate.transient});
                    let limits = OutboxLimits::new(10, None);
                    for (n, to) in [bulk(), audience()].into_iter().enumerate() {
                        let entry = NewOutboxEntry::new(to, format!("order-{id}"), payload.clone()).limits(limits);
                        outbox.enqueue(entry).await.map_err(StageError::from_classified)?;
                        if n == 0 {
                            world.step().await; // crash between the two effects
                        }
                    }
                    Ok(())
                }
            }),
        )
        .lease(LEASE)
        .retry_policy(no_wait())
        .batch_size(8);
        let sweeper = Sweeper::new(
            store.clone(),
            Destinations::new()
                .sink(
                    bulk(),
                    WorldSink {
                        name: "bulk",
                        world: world.clone(),
                    },
                )
                .sink(
                    audience(),
                    WorldSink {
                        name: "audience",
                        world: world.clone(),
                    },
                ),
        )
        .lease(LEASE)
        .retry_policy(no_wait())
        .batch_size(10);

        if world.run(worker.work()).await.is_none() || world.run(sweeper.sweep()).await.is_none() {
            tokio::time::sleep(LEASE + Duration::from_millis(10)).await; // leases expire
            continue;
        }
        let inbox_stats = InboxStore::stats(&*store).await.unwrap();
        let outbox_stats = OutboxStore::stats(&*store).await.unwrap();
        if inbox_stats.pending == 0 && outbox_stats.pending == 0 {
            break;
        }
        if inbox_stats.leased + outbox_stats.leased > 0 {
            tokio::time::sleep(LEASE + Duration::from_millis(10)).await;
        }
    }
    let store = open(&db).await;
    assert!(to_send.is_empty(), "the sender never got its 2xx");
    assert_eq!(InboxStore::stats(&store).await.unwrap().pending, 0);
    assert_eq!(OutboxStore::stats(&store).await.unwrap().pending, 0);

    let letters = store.list(&DeadLetterQuery::default()).await.unwrap();
    let letter = |stream: &StreamKey, key: &str| {
        letters
            .iter()
            .find(|l| l.letter.stream == *stream && l.letter.record_key == key)
            .map(|l| l.letter.reason.clone())
    };
    let applied = world.applied.lock().unwrap().clone();
    let mut good_in_bulk = 0;
    for id in &accepted {
        let d = &deliveries[id];
        if d.bad_body {
            let reason = letter(&inbox_dead_letter_stream("shop"), &format!("d-{id}"))
                .unwrap_or_else(|| panic!("delivery {id} lost: no effect, no dead letter"));
            assert!(reason.contains("EOF"), "{reason}");
            continue;
        }
        let key = format!("order-{id}");
        assert!(
            applied["audience"].contains_key(&key),
            "audience effect of {id} lost"
        );
        if d.poison {
            let reason = letter(&bulk(), &key).unwrap_or_else(|| panic!("poisoned {id} lost"));
            assert!(reason.contains("422 email is invalid"), "{reason}");
        } else {
            assert!(
                applied["bulk"].contains_key(&key),
                "bulk effect of {id} lost"
            );
            good_in_bulk += 1;
        }
    }
    // Nothing applied that was not accepted.
    for sink in applied.values() {
        for key in sink.keys() {
            let id: u32 = key.trim_start_matches("order-").parse().unwrap();
            assert!(accepted.contains(&id));
        }
    }
    if good_in_bulk
        + deliveries
            .values()
            .filter(|d| d.poison && !d.bad_body)
            .count()
        >= 2
    {
        let batches = world.bulk_batches.lock().unwrap();
        assert!(
            batches.iter().any(|&n| n > 1),
            "the bulk sink never got a batch: {batches:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_accepted_delivery_is_applied_or_dead_lettered(scenario in scenario()) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(check(scenario));
    }
}
