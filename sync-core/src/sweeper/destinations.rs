//! [`Destinations`]: the outbox delivers through the same [`Sink`] contract as the engine.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};
use tokio::time::Instant;

use super::{Answers, OutboxDelivery, past_lease, within};
use crate::redact::Redactor;
use crate::sink::{Ack, Sink, SinkRecord};
use crate::store::{OutboxEntry, StreamKey};
use crate::verdict::{Classify, PermanentKind, Verdict};

type DynSink = Arc<dyn Sink<serde_json::Value>>;

/// Routes outbox entries to [`Sink`]s by destination: a claimed batch is split per
/// destination and each sink gets its entries in **one** [`Sink::write`] (record key: the
/// entry's dedupe key; data: its payload), so a bulk API (ActiveCampaign's bulk import, a Graph
/// batch upload) gets a batch, not one call per entry. Per-record [`Ack`]s map back to the
/// entries: delivered → done, retry later → rescheduled, rejected → dead letter with the reason.
///
/// A sink that fails the whole write (`Err`) has every entry of the write retried until the
/// entries' limits. A permanent data error on a write of several entries has them written
/// one by one, so only the invalid ones are rejected. An entry for a destination with
/// no sink waits (retried) until its limits dead-letter it with that reason.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// use async_trait::async_trait;
/// use sync_core::store::sqlite::SqliteStore;
/// use sync_core::store::{NewOutboxEntry, OutboxStore};
/// use sync_core::sweeper::{Destinations, Sweeper};
/// use sync_core::{Ack, Sink, SinkRecord, StageError, StreamKey};
///
/// struct BulkImport;
/// #[async_trait]
/// impl Sink<serde_json::Value> for BulkImport {
///     async fn write(&self, batch: &[SinkRecord<'_, serde_json::Value>]) -> Result<Vec<Ack>, StageError> {
///         assert_eq!(batch.len(), 3); // one bulk call for the three contacts
///         Ok(vec![Ack::Delivered; batch.len()])
///     }
/// }
///
/// let store = Arc::new(SqliteStore::open(":memory:").await?);
/// let contacts = StreamKey::new("woo-to-ac", "contacts", "shop");
/// for id in 1..=3 {
///     store.enqueue(NewOutboxEntry::new(contacts.clone(), format!("c-{id}"), serde_json::json!({"id": id}))).await?;
/// }
/// let sweeper = Sweeper::new(store.clone(), Destinations::new().sink(contacts, BulkImport));
/// assert_eq!(sweeper.sweep().await?.delivered, 3);
/// # Ok::<_, sync_core::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct Destinations {
    exact: HashMap<StreamKey, DynSink>,
    any_tenant: HashMap<(String, String), DynSink>,
    fallback: Option<DynSink>,
    redactor: Redactor,
}

impl fmt::Debug for Destinations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Destinations")
            .field("exact", &self.exact.keys().collect::<Vec<_>>())
            .field("any_tenant", &self.any_tenant.keys().collect::<Vec<_>>())
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

impl Destinations {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries for exactly `destination` go to `sink`.
    pub fn sink(
        mut self,
        destination: StreamKey,
        sink: impl Sink<serde_json::Value> + 'static,
    ) -> Self {
        self.exact.insert(destination, Arc::new(sink));
        self
    }

    /// Entries for `connector`/`stream`, any tenant, go to `sink` (an exact route wins).
    pub fn sink_for_any_tenant(
        mut self,
        connector: impl Into<String>,
        stream: impl Into<String>,
        sink: impl Sink<serde_json::Value> + 'static,
    ) -> Self {
        self.any_tenant
            .insert((connector.into(), stream.into()), Arc::new(sink));
        self
    }

    /// Entries no other route matches go to `sink`.
    pub fn fallback(mut self, sink: impl Sink<serde_json::Value> + 'static) -> Self {
        self.fallback = Some(Arc::new(sink));
        self
    }

    /// Whole-write error texts go through this redactor (default [`Redactor::new`]).
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    fn route(&self, destination: &StreamKey) -> Option<&DynSink> {
        self.exact
            .get(destination)
            .or_else(|| {
                self.any_tenant
                    .get(&(destination.connector.clone(), destination.stream.clone()))
            })
            .or(self.fallback.as_ref())
    }

    /// Write `entries` (all for one sink); one answer per entry. When the sink rejects the
    /// whole write as bad data, the entries are written one by one so that one invalid record
    /// does not take the valid ones with it to dead letters.
    async fn write(&self, sink: &DynSink, entries: &[&OutboxEntry], deadline: Instant) -> Vec<Ack> {
        match self.write_once(sink, entries, deadline).await {
            Write::Answered(acks) => acks,
            Write::BadData(reason) if entries.len() <= 1 => {
                vec![Ack::rejected(reason); entries.len()]
            }
            Write::BadData(_) => {
                let mut acks = Vec::with_capacity(entries.len());
                for entry in entries {
                    let single = std::slice::from_ref(entry);
                    acks.push(match self.write_once(sink, single, deadline).await {
                        Write::Answered(mut one) => {
                            one.pop().unwrap_or_else(|| Ack::retry("no answer"))
                        }
                        Write::BadData(reason) => Ack::rejected(reason),
                    });
                }
                acks
            }
        }
    }

    /// One write of `entries`; a whole-write data rejection is left to the caller.
    async fn write_once(
        &self,
        sink: &DynSink,
        entries: &[&OutboxEntry],
        deadline: Instant,
    ) -> Write {
        let records: Vec<SinkRecord<'_, serde_json::Value>> = entries
            .iter()
            .map(|e| SinkRecord {
                key: &e.dedupe_key,
                data: &e.payload,
            })
            .collect();
        let all = |ack: Ack| Write::Answered(vec![ack; entries.len()]);
        // A panicking sink fails this write (retried), never the sweeper.
        let writing = std::panic::AssertUnwindSafe(sink.write(&records)).catch_unwind();
        match within(deadline, writing).await {
            None => all(past_lease("sink write")),
            Some(Err(panic)) => all(Ack::retry(crate::error::panic_reason(&*panic))),
            Some(Ok(Ok(acks))) if acks.len() == entries.len() => Write::Answered(acks),
            Some(Ok(Ok(acks))) => all(Ack::retry(format!(
                "the sink answered {} acks for {} records",
                acks.len(),
                entries.len()
            ))),
            Some(Ok(Err(error))) => {
                let reason = self.redactor.text(&error.to_string());
                match error.verdict() {
                    Verdict::Permanent(PermanentKind::Data) => Write::BadData(reason),
                    verdict => all(Ack::RetryLater {
                        reason,
                        after: verdict.after(),
                    }),
                }
            }
        }
    }
}

/// What one sink write answered.
enum Write {
    /// One ack per entry.
    Answered(Vec<Ack>),
    /// The whole write was refused as bad data, with the (redacted) reason.
    BadData(String),
}

impl OutboxDelivery for Destinations {
    /// One item per destination's write, as soon as it returns.
    fn deliver_batch<'a>(
        &'a self,
        entries: &'a [OutboxEntry],
        concurrency: usize,
        deadline: Instant,
    ) -> BoxStream<'a, Answers> {
        // Group by destination, keeping each entry's index to put its answer back.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            match groups
                .iter_mut()
                .find(|members| entries[members[0]].destination == entry.destination)
            {
                Some(members) => members.push(i),
                None => groups.push(vec![i]),
            }
        }
        futures_util::stream::iter(groups)
            .map(move |members| async move {
                let destination = &entries[members[0]].destination;
                let answers = match self.route(destination) {
                    Some(sink) => {
                        let batch: Vec<&OutboxEntry> =
                            members.iter().map(|&i| &entries[i]).collect();
                        self.write(sink, &batch, deadline).await
                    }
                    None => vec![
                        Ack::retry(format!("no sink for destination {destination}"));
                        members.len()
                    ],
                };
                members.into_iter().zip(answers).collect::<Answers>()
            })
            .buffer_unordered(concurrency.max(1))
            .boxed()
    }
}
