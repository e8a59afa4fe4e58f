//! [`OutboxFanout`]: a pipeline sink that puts each record into the outbox once per
//! destination, so one source read feeds several destinations that fail independently.
//!
//! This is glue sync-core does not have yet (a `Sink` that enqueues): listed as a gap in the
//! demo's README. A record is "delivered" to the pipeline once its entries are durably in the
//! outbox; the [`Sweeper`](sync_core::sweeper::Sweeper) then delivers them. Enqueueing is
//! idempotent per (destination, dedupe key), so a record read twice (a lookback, a run killed
//! before its watermark commit) adds nothing the second time, and is counted as a duplicate.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use sync_core::store::{NewOutboxEntry, OutboxStore};
use sync_core::{Ack, Sink, SinkRecord, StageError};

/// What one record becomes: outbox entries, or the reason it cannot be sent anywhere.
pub type Fanout<R> = dyn Fn(&R) -> Result<Vec<NewOutboxEntry>, String> + Send + Sync;

/// Enqueues each record's entries; see the [module docs](self).
pub struct OutboxFanout<R> {
    outbox: Arc<dyn OutboxStore>,
    fanout: Box<Fanout<R>>,
    new_records: AtomicU64,
}

impl<R> std::fmt::Debug for OutboxFanout<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxFanout").finish_non_exhaustive()
    }
}

impl<R> OutboxFanout<R> {
    /// Enqueue into `outbox` what `fanout` makes of each record.
    pub fn new(
        outbox: Arc<dyn OutboxStore>,
        fanout: impl Fn(&R) -> Result<Vec<NewOutboxEntry>, String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            outbox,
            fanout: Box::new(fanout),
            new_records: AtomicU64::new(0),
        }
    }

    /// Records that added at least one new outbox entry: new work.
    pub fn new_records(&self) -> u64 {
        self.new_records.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl<R: Send + Sync> Sink<R> for OutboxFanout<R> {
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError> {
        let mut acks = Vec::with_capacity(batch.len());
        for record in batch {
            let entries = match (self.fanout)(record.data) {
                Ok(entries) => entries,
                Err(reason) => {
                    acks.push(Ack::rejected(reason));
                    continue;
                }
            };
            let mut any_new = false;
            for entry in entries {
                let queued = self
                    .outbox
                    .enqueue(entry)
                    .await
                    .map_err(StageError::from_classified)?;
                any_new |= queued.is_new();
            }
            if any_new {
                self.new_records.fetch_add(1, Ordering::Relaxed);
            }
            acks.push(Ack::Delivered);
        }
        Ok(acks)
    }
}
