//! [`Health`]: what a running service reports on `/healthz`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::{InboxStore, OutboxStore, StoreError};

/// One polled stream's health.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamHealth {
    /// When its last run completed without error.
    pub last_success: Option<DateTime<Utc>>,
    /// When its last run ended (either way).
    pub last_run: Option<DateTime<Utc>>,
    /// The last run's error, if it failed.
    pub last_error: Option<String>,
}

/// One inbox's depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxHealth {
    /// Deliveries not yet processed.
    pub pending: u64,
    /// Of those, under a lease now.
    pub leased: u64,
    /// When the oldest unprocessed delivery arrived.
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// One outbox's depth, and its open dead letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxHealth {
    /// Entries not yet delivered.
    pub pending: u64,
    /// Of those, due now.
    pub due: u64,
    /// When the longest-waiting due entry became due.
    pub oldest_due: Option<DateTime<Utc>>,
    /// Dead letters not replayed (in the outbox's store, all streams).
    pub open_dead_letters: u64,
}

/// A snapshot of a [`Runner`](super::Runner)'s health, serializable for `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    /// `false` when a store could not be read or a stream's last run failed.
    pub ok: bool,
    /// Per polled stream (by its `connector/stream/tenant`).
    pub streams: BTreeMap<String, StreamHealth>,
    /// Per inbox worker (by name).
    pub inboxes: BTreeMap<String, InboxHealth>,
    /// Per sweeper (by name).
    pub outboxes: BTreeMap<String, OutboxHealth>,
    /// Stores that could not be read, with the error.
    pub errors: Vec<String>,
}

/// A cheap-to-clone handle on a runner's health: stream results as they happen, queue depths
/// read from the stores on every [`Health::report`].
#[derive(Clone, Default)]
pub struct Health {
    pub(crate) streams: Arc<Mutex<BTreeMap<String, StreamHealth>>>,
    pub(crate) inboxes: Vec<(String, Arc<dyn InboxStore>)>,
    pub(crate) outboxes: Vec<(String, Arc<dyn OutboxStore>)>,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health")
            .field(
                "streams",
                &self.streams.lock().map(|s| s.len()).unwrap_or(0),
            )
            .field("inboxes", &self.inboxes.len())
            .field("outboxes", &self.outboxes.len())
            .finish()
    }
}

impl Health {
    pub(crate) fn record_run(&self, stream: &str, error: Option<String>) {
        let now = Utc::now();
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let entry = streams.entry(stream.to_string()).or_default();
        entry.last_run = Some(now);
        if error.is_none() {
            entry.last_success = Some(now);
        }
        entry.last_error = error;
    }

    /// Read the queues and dead letters now and combine them with the streams' last runs.
    pub async fn report(&self) -> HealthReport {
        let mut errors = Vec::new();
        let mut inboxes = BTreeMap::new();
        for (name, inbox) in &self.inboxes {
            match inbox.stats().await {
                Ok(s) => {
                    inboxes.insert(
                        name.clone(),
                        InboxHealth {
                            pending: s.pending,
                            leased: s.leased,
                            oldest_pending: s.oldest_pending,
                        },
                    );
                }
                Err(e) => errors.push(format!("inbox {name}: {e}")),
            }
        }
        let mut outboxes = BTreeMap::new();
        for (name, outbox) in &self.outboxes {
            match outbox_health(&**outbox).await {
                Ok(h) => {
                    outboxes.insert(name.clone(), h);
                }
                Err(e) => errors.push(format!("outbox {name}: {e}")),
            }
        }
        let streams = self
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let ok = errors.is_empty() && streams.values().all(|s| s.last_error.is_none());
        HealthReport {
            ok,
            streams,
            inboxes,
            outboxes,
            errors,
        }
    }
}

async fn outbox_health(outbox: &dyn OutboxStore) -> Result<OutboxHealth, StoreError> {
    let stats = outbox.stats().await?;
    Ok(OutboxHealth {
        pending: stats.pending,
        due: stats.due,
        oldest_due: stats.oldest_due,
        open_dead_letters: outbox.count_open().await?,
    })
}
