//! Property test of the composed path — accept → inbox → worker → outbox → batched sink — with
//! crashes injected at every step (the running futures are dropped and the service restarts
//! from the same SQLite file):
//!
//! - a crash point before and after every store call of the request path, the worker and the
//!   sweeper (claim, ack with effects, fail, dead-letter, enqueue, mark delivered, reschedule),
//!   inside the handler (before it works, between two separate enqueues) and inside the sinks
//!   (before writing, and after applying but before answering: between sink success and mark);
//! - records that crash the process on every attempt (in the handler, or in a sink), so the
//!   limits must end the loop with a dead letter whose reason says why;
//! - handlers that return their effects (enqueued atomically with the inbox ack) and handlers
//!   that enqueue themselves (ack and enqueue separate).
//!
//! Every delivery that got a 2xx ends with its effects applied at an idempotent sink or
//! dead-lettered with a reason, none lost, and batches reach the bulk sink as batches.
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
use sync_core::inbox_worker::{InboxWorker, effects_fn, handler_fn};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::sqlite::{Durability, SqliteStore, SqliteStoreOptions};
use sync_core::store::{
    DeadLetter, DeadLetterQuery, DeadLetterStore, Enqueued, InboxDelivery, InboxStats, InboxStore,
    Lease, NewDeadLetter, NewOutboxEntry, OutboxEntry, OutboxLimits, OutboxStats, OutboxStore,
    Received, ReplayOutcome, inbox_dead_letter_stream,
};
use sync_core::sweeper::{Destinations, Sweeper};
use sync_core::webhook::axum::WebhookEndpoint;
use sync_core::webhook::{Accepted, Acceptor, Refused, StoredHeaders};
use sync_core::{Ack, PermanentKind, Sink, SinkRecord, StageError, StoreError, StreamKey, Verdict};
use tokio::sync::Notify;

const LEASE: Duration = Duration::from_millis(60);
const INBOX_ATTEMPTS: u32 = 3;
const OUTBOX_ATTEMPTS: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Good,
    /// The body does not parse: the worker dead-letters it.
    BadBody,
    /// The bulk sink rejects it.
    Poison,
    /// The bulk sink asks to retry it once or twice first.
    Transient(u8),
    /// Handling it crashes the process, every time.
    CrashesHandler,
    /// Writing it to the audience sink crashes the process, every time.
    CrashesSink,
}

#[derive(Debug, Clone)]
struct Delivery {
    id: u32,
    fate: Fate,
    /// The sender sends it twice.
    duplicate: bool,
}

#[derive(Debug, Clone)]
struct Scenario {
    deliveries: Vec<Delivery>,
    /// Crash when the global step counter reaches these values.
    crashes: BTreeSet<u32>,
    /// Handlers return effects (atomic with the ack) or enqueue them themselves.
    atomic_effects: bool,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        12 => Just(Fate::Good),
        1 => Just(Fate::BadBody),
        1 => Just(Fate::Poison),
        2 => (1u8..3).prop_map(Fate::Transient),
        1 => Just(Fate::CrashesHandler),
        1 => Just(Fate::CrashesSink),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec((fate(), prop::bool::weighted(0.2)), 2..20),
        prop::collection::btree_set(1u32..200, 0..10),
        any::<bool>(),
    )
        .prop_map(|(fates, crashes, atomic_effects)| Scenario {
            deliveries: fates
                .into_iter()
                .enumerate()
                .map(|(i, (fate, duplicate))| Delivery {
                    id: 1000 + i as u32,
                    fate,
                    duplicate,
                })
                .collect(),
            crashes,
            atomic_effects,
        })
}

/// What survives restarts: the outside world.
#[derive(Default)]
struct World {
    crashes: BTreeSet<u32>,
    step: Mutex<u32>,
    crash: Notify,
    /// Crash points passed, by name (to check every one is reachable).
    passed: Mutex<BTreeSet<&'static str>>,
    /// Effects applied at each idempotent sink (by key), and how often each was written.
    applied: Mutex<BTreeMap<&'static str, BTreeMap<String, u32>>>,
    transient_left: Mutex<BTreeMap<String, u8>>,
    bulk_batches: Mutex<Vec<usize>>,
    /// Crashes caused by records that crash every time.
    forced_crashes: Mutex<u32>,
}

impl World {
    /// A crash point: count a step; at a scheduled step, signal the crash and never return.
    async fn step(&self, name: &'static str) {
        self.passed.lock().unwrap().insert(name);
        let crash = {
            let mut step = self.step.lock().unwrap();
            *step += 1;
            self.crashes.contains(&step)
        };
        if crash {
            self.crash_now().await;
        }
    }

    async fn crash_now(&self) {
        self.crash.notify_one();
        std::future::pending::<()>().await;
    }

    /// Run `fut`; `None` if a crash point fired (the future is dropped: a restart).
    async fn run<T>(&self, fut: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            out = fut => Some(out),
            _ = self.crash.notified() => None,
        }
    }
}

#[derive(Clone)]
struct WorldRef(Arc<World>);

impl std::fmt::Debug for WorldRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("World")
    }
}

/// The SQLite store as inbox and outbox, with a crash point before and after every call that
/// writes.
#[derive(Debug, Clone)]
struct Crashing {
    inner: SqliteStore,
    world: WorldRef,
}

impl Crashing {
    async fn around<T>(
        &self,
        before: &'static str,
        after: &'static str,
        call: impl Future<Output = T>,
    ) -> T {
        self.world.0.step(before).await;
        let out = call.await;
        self.world.0.step(after).await;
        out
    }
}

#[async_trait]
impl InboxStore for Crashing {
    async fn store(
        &self,
        source: &str,
        key: &str,
        headers: &serde_json::Value,
        body: &[u8],
    ) -> Result<Received, StoreError> {
        let storing = self.inner.store(source, key, headers, body);
        self.around(
            "accept: before store",
            "accept: stored, not answered",
            storing,
        )
        .await
    }
    async fn claim(&self, limit: u32, lease: Duration) -> Result<Vec<InboxDelivery>, StoreError> {
        let claiming = self.inner.claim(limit, lease);
        self.around("inbox: before claim", "inbox: claimed", claiming)
            .await
    }
    async fn ack(&self, lease: &Lease) -> Result<bool, StoreError> {
        Ok(self.ack_many(std::slice::from_ref(lease)).await?[0])
    }
    async fn ack_many(&self, leases: &[Lease]) -> Result<Vec<bool>, StoreError> {
        let acking = self.inner.ack_many(leases);
        self.around("inbox: before ack", "inbox: acked", acking)
            .await
    }
    async fn ack_with_effects(
        &self,
        items: &[(Lease, Vec<NewOutboxEntry>)],
    ) -> Result<Vec<bool>, StoreError> {
        let acking = self.inner.ack_with_effects(items);
        self.around(
            "inbox: handled, before ack + enqueue",
            "inbox: acked + enqueued",
            acking,
        )
        .await
    }
    async fn fail(
        &self,
        lease: &Lease,
        reason: &str,
        retry_in: Duration,
    ) -> Result<bool, StoreError> {
        let failing = self.inner.fail(lease, reason, retry_in);
        self.around("inbox: before fail", "inbox: failed", failing)
            .await
    }
    async fn dead_letter_delivery(
        &self,
        lease: &Lease,
        reason: &str,
    ) -> Result<Option<i64>, StoreError> {
        let moving = self.inner.dead_letter_delivery(lease, reason);
        self.around("inbox: before dead letter", "inbox: dead-lettered", moving)
            .await
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

#[async_trait]
impl DeadLetterStore for Crashing {
    async fn put(&self, letter: NewDeadLetter) -> Result<i64, StoreError> {
        self.inner.put(letter).await
    }
    async fn list(&self, query: &DeadLetterQuery) -> Result<Vec<DeadLetter>, StoreError> {
        self.inner.list(query).await
    }
    async fn mark_replayed(&self, id: i64) -> Result<bool, StoreError> {
        self.inner.mark_replayed(id).await
    }
    async fn record_failure(
        &self,
        id: i64,
        reason: &str,
        response: Option<&str>,
    ) -> Result<(), StoreError> {
        self.inner.record_failure(id, reason, response).await
    }
}

#[async_trait]
impl OutboxStore for Crashing {
    async fn enqueue(&self, entry: NewOutboxEntry) -> Result<Enqueued, StoreError> {
        let enqueueing = self.inner.enqueue(entry);
        self.around("outbox: before enqueue", "outbox: enqueued", enqueueing)
            .await
    }
    async fn claim_due(&self, limit: u32, lease: Duration) -> Result<Vec<OutboxEntry>, StoreError> {
        let claiming = self.inner.claim_due(limit, lease);
        self.around("outbox: before claim", "outbox: claimed", claiming)
            .await
    }
    async fn mark_delivered(&self, lease: &Lease) -> Result<bool, StoreError> {
        Ok(self
            .mark_delivered_many(std::slice::from_ref(lease))
            .await?[0])
    }
    async fn mark_delivered_many(&self, leases: &[Lease]) -> Result<Vec<bool>, StoreError> {
        let marking = self.inner.mark_delivered_many(leases);
        self.around(
            "outbox: sink succeeded, before mark",
            "outbox: marked delivered",
            marking,
        )
        .await
    }
    async fn mark_failed(
        &self,
        lease: &Lease,
        at: DateTime<Utc>,
        error: &str,
        response: Option<&str>,
    ) -> Result<bool, StoreError> {
        let failing = self.inner.mark_failed(lease, at, error, response);
        self.around("outbox: before reschedule", "outbox: rescheduled", failing)
            .await
    }
    async fn move_to_dead_letters(
        &self,
        lease: &Lease,
        reason: &str,
        response: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        let moving = self.inner.move_to_dead_letters(lease, reason, response);
        self.around(
            "outbox: before dead letter",
            "outbox: dead-lettered",
            moving,
        )
        .await
    }
    async fn replay_dead_letter(
        &self,
        id: i64,
        limits: OutboxLimits,
    ) -> Result<ReplayOutcome, StoreError> {
        self.inner.replay_dead_letter(id, limits).await
    }
    async fn prune_delivered(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.inner.prune_delivered(before).await
    }
    async fn stats(&self) -> Result<OutboxStats, StoreError> {
        OutboxStore::stats(&self.inner).await
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

/// An idempotent sink (effects keyed), with crash points before writing and after applying.
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
        self.world.step("sink: before write").await;
        if self.name == "audience" && batch.iter().any(|r| r.data["crashes_sink"] == true) {
            *self.world.forced_crashes.lock().unwrap() += 1;
            self.world.crash_now().await;
        }
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
        // Applied at the destination, not yet answered: the mark never happens.
        self.world.step("sink: applied, not answered").await;
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

/// The order's effects: one entry per destination.
fn effects(id: u32, fate: Fate) -> Vec<NewOutboxEntry> {
    let payload = serde_json::json!({
        "id": id,
        "poison": fate == Fate::Poison,
        "transient": match fate { Fate::Transient(n) => n, _ => 0 },
        "crashes_sink": fate == Fate::CrashesSink,
    });
    let limits = OutboxLimits::new(OUTBOX_ATTEMPTS, None);
    [bulk(), audience()]
        .into_iter()
        .map(|to| NewOutboxEntry::new(to, format!("order-{id}"), payload.clone()).limits(limits))
        .collect()
}

/// Parse the stored order and find its fate; crash for a record that always crashes.
async fn handle(
    world: &World,
    fates: &BTreeMap<u32, Delivery>,
    delivery: &InboxDelivery,
) -> Result<(u32, Fate), StageError> {
    world.step("handler: before work").await;
    let order: serde_json::Value = serde_json::from_slice(&delivery.body)
        .map_err(|e| StageError::new(Verdict::Permanent(PermanentKind::Data), e))?;
    let id = order["id"].as_u64().unwrap() as u32;
    let fate = fates[&id].fate;
    if fate == Fate::CrashesHandler {
        *world.forced_crashes.lock().unwrap() += 1;
        world.crash_now().await;
    }
    Ok((id, fate))
}

fn worker(
    scenario: &Scenario,
    world: &Arc<World>,
    store: &Arc<Crashing>,
    fates: &BTreeMap<u32, Delivery>,
) -> InboxWorker<Arc<dyn sync_core::inbox_worker::InboxHandler>> {
    let (world, fates) = (world.clone(), Arc::new(fates.clone()));
    let handler: Arc<dyn sync_core::inbox_worker::InboxHandler> = if scenario.atomic_effects {
        Arc::new(effects_fn(move |delivery| {
            let (world, fates) = (world.clone(), fates.clone());
            async move {
                let (id, fate) = handle(&world, &fates, &delivery).await?;
                world.step("handler: effects computed").await;
                Ok(effects(id, fate))
            }
        }))
    } else {
        let outbox = store.clone();
        Arc::new(handler_fn(move |delivery| {
            let (world, fates, outbox) = (world.clone(), fates.clone(), outbox.clone());
            async move {
                let (id, fate) = handle(&world, &fates, &delivery).await?;
                // Two separate commits, and the ack a third: a crash between them leaves the
                // delivery unacknowledged, so it is handled again (the enqueue deduplicates).
                for entry in effects(id, fate) {
                    outbox
                        .enqueue(entry)
                        .await
                        .map_err(StageError::from_classified)?;
                }
                Ok(())
            }
        }))
    };
    InboxWorker::new(store.clone(), handler)
        .lease(LEASE)
        .retry_policy(no_wait())
        .max_attempts(INBOX_ATTEMPTS)
        .batch_size(8)
}

/// Run a scenario to the end; returns the crash points passed and how many steps there were.
async fn check(scenario: Scenario) -> (BTreeSet<&'static str>, u32) {
    let db = TempDb::new("composed");
    let world = Arc::new(World {
        crashes: scenario.crashes.clone(),
        ..Default::default()
    });
    // The sender: every delivery until it gets a 2xx (and duplicates once more after).
    let mut to_send: Vec<(u32, bool)> = scenario
        .deliveries
        .iter()
        .flat_map(|d| {
            std::iter::repeat_n(
                (d.id, d.fate == Fate::BadBody),
                1 + usize::from(d.duplicate),
            )
        })
        .collect();
    let mut accepted = BTreeSet::new();
    let deliveries: BTreeMap<u32, Delivery> = scenario
        .deliveries
        .iter()
        .map(|d| (d.id, d.clone()))
        .collect();

    let mut finished = false;
    for _round in 0..400 {
        // A (re)started service: fresh handles on the same file.
        let store = Arc::new(Crashing {
            inner: open(&db).await,
            world: WorldRef(world.clone()),
        });
        let endpoint = WebhookEndpoint::new("shop", KeyedAcceptor, store.clone());
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

        let worker = worker(&scenario, &world, &store, &deliveries);
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
        let inbox_stats = InboxStore::stats(&store.inner).await.unwrap();
        let outbox_stats = OutboxStore::stats(&store.inner).await.unwrap();
        if inbox_stats.pending == 0 && outbox_stats.pending == 0 {
            finished = true;
            break;
        }
        if inbox_stats.leased + outbox_stats.leased > 0 {
            tokio::time::sleep(LEASE + Duration::from_millis(10)).await;
        }
    }
    assert!(finished, "the service never drained");
    let store = open(&db).await;
    assert!(to_send.is_empty(), "the sender never got its 2xx");

    let letters = store.list(&DeadLetterQuery::default()).await.unwrap();
    let letter = |stream: &StreamKey, key: &str| {
        letters
            .iter()
            .find(|l| l.letter.stream == *stream && l.letter.record_key == key)
            .map(|l| l.letter.reason.clone())
    };
    let applied = world.applied.lock().unwrap().clone();
    let was_applied =
        |sink: &str, key: &str| applied.get(sink).is_some_and(|s| s.contains_key(key));
    let mut in_bulk = 0;
    for id in &accepted {
        let fate = deliveries[id].fate;
        let inbox_letter = letter(&inbox_dead_letter_stream("shop"), &format!("d-{id}"));
        match fate {
            Fate::BadBody => {
                let reason = inbox_letter
                    .unwrap_or_else(|| panic!("delivery {id} lost: no effect, no dead letter"));
                // Its own parse error, or the crashes of a batch it shared with a crashing one.
                assert!(
                    reason.contains("EOF") || reason.contains("attempt limit"),
                    "{reason}"
                );
                continue;
            }
            Fate::CrashesHandler => {
                // Crashed every attempt until the attempt limit dead-lettered it, with why.
                let reason = inbox_letter.unwrap_or_else(|| panic!("crashing {id} lost"));
                assert!(
                    reason.contains("attempt limit") && reason.contains("never answered"),
                    "{reason}"
                );
                continue;
            }
            _ => {}
        }
        if let Some(reason) = inbox_letter {
            // An innocent delivery claimed in a batch with a crashing one shares its crashes.
            assert!(reason.contains("attempt limit"), "{id}: {reason}");
            continue;
        }
        let key = format!("order-{id}");
        for (sink, to) in [("bulk", bulk()), ("audience", audience())] {
            if was_applied(sink, &key) {
                if sink == "bulk" {
                    in_bulk += 1;
                }
                assert!(
                    !matches!(
                        (fate, sink),
                        (Fate::Poison, "bulk") | (Fate::CrashesSink, "audience")
                    ),
                    "{id} applied at {sink} despite {fate:?}"
                );
                continue;
            }
            let reason = letter(&to, &key)
                .unwrap_or_else(|| panic!("{sink} effect of {id} ({fate:?}) lost: {letters:#?}"));
            match (fate, sink) {
                (Fate::CrashesSink, "audience") => assert!(
                    reason.contains("attempt limit") && reason.contains("never answered"),
                    "{reason}"
                ),
                (Fate::Poison, "bulk") => assert!(
                    reason.contains("422 email is invalid") || reason.contains("attempt limit"),
                    "{reason}"
                ),
                // Others only fail by sharing batches with a crashing record.
                _ => assert!(reason.contains("attempt limit"), "{id} at {sink}: {reason}"),
            }
        }
    }
    // Nothing applied that was not accepted.
    for sink in applied.values() {
        for key in sink.keys() {
            let id: u32 = key.trim_start_matches("order-").parse().unwrap();
            assert!(accepted.contains(&id));
        }
    }
    if in_bulk >= 2 {
        let batches = world.bulk_batches.lock().unwrap();
        assert!(
            batches.iter().any(|&n| n > 1),
            "the bulk sink never got a batch: {batches:?}"
        );
    }
    let passed = world.passed.lock().unwrap().clone();
    let steps = *world.step.lock().unwrap();
    (passed, steps)
}

fn block_on<T>(fut: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fut)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_accepted_delivery_is_applied_or_dead_lettered(scenario in scenario()) {
        block_on(check(scenario));
    }
}

/// A crash at every single step, one run per step number, for both handler styles; and the
/// runs together pass every crash point there is.
#[test]
fn a_crash_at_any_step_loses_nothing() {
    let deliveries: Vec<Delivery> = [
        Fate::Good,
        Fate::Transient(1),
        Fate::Good,
        Fate::Poison,
        Fate::Good,
        Fate::BadBody,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, fate)| Delivery {
        id: 2000 + i as u32,
        fate,
        duplicate: i == 2,
    })
    .collect();
    let mut passed = BTreeSet::new();
    for atomic_effects in [true, false] {
        // A run without crashes counts the steps; then crash at each of them in turn.
        let (points, steps) = block_on(check(Scenario {
            deliveries: deliveries.clone(),
            crashes: BTreeSet::new(),
            atomic_effects,
        }));
        passed.extend(points);
        for crash_at in 1..=steps {
            let scenario = Scenario {
                deliveries: deliveries.clone(),
                crashes: BTreeSet::from([crash_at]),
                atomic_effects,
            };
            passed.extend(block_on(check(scenario)).0);
        }
    }
    for point in [
        "accept: before store",
        "accept: stored, not answered",
        "inbox: before claim",
        "inbox: claimed",
        "handler: before work",
        "handler: effects computed",
        "inbox: handled, before ack + enqueue",
        "inbox: acked + enqueued",
        "outbox: before enqueue",
        "outbox: enqueued",
        "inbox: before dead letter",
        "inbox: dead-lettered",
        "outbox: before claim",
        "outbox: claimed",
        "sink: before write",
        "sink: applied, not answered",
        "outbox: sink succeeded, before mark",
        "outbox: marked delivered",
        "outbox: before reschedule",
        "outbox: rescheduled",
        "outbox: before dead letter",
        "outbox: dead-lettered",
    ] {
        assert!(
            passed.contains(point),
            "crash point {point:?} never reached"
        );
    }
}

/// Records that crash the process on every attempt, in the handler and in a sink: the limits
/// end the loop with dead letters that say why (`check` asserts the reasons).
#[test]
fn records_that_crash_every_attempt_are_dead_lettered_with_the_reason() {
    for (atomic_effects, crashing) in [
        (true, Fate::CrashesHandler),
        (false, Fate::CrashesHandler),
        (true, Fate::CrashesSink),
        (false, Fate::CrashesSink),
    ] {
        let deliveries: Vec<Delivery> = [Fate::Good, crashing, Fate::Good, Fate::Good]
            .into_iter()
            .enumerate()
            .map(|(i, fate)| Delivery {
                id: 3000 + i as u32,
                fate,
                duplicate: false,
            })
            .collect();
        let (passed, _) = block_on(check(Scenario {
            deliveries,
            crashes: BTreeSet::new(),
            atomic_effects,
        }));
        let moved = match crashing {
            Fate::CrashesHandler => "inbox: dead-lettered",
            _ => "outbox: dead-lettered",
        };
        assert!(passed.contains(moved), "{crashing:?}: {passed:?}");
    }
}
