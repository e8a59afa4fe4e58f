//! [`Counted`]: a sink wrapper that counts the answers a destination gave, for the summary and
//! the progress bars (the sweeper reports totals over all destinations, not per destination).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use sync_core::{Ack, Sink, SinkRecord, StageError};

/// Answers counted so far for one destination.
#[derive(Debug, Default)]
pub struct AckCounts {
    /// Records handed to the sink (retries included).
    pub handed: AtomicU64,
    /// `Delivered` answers.
    pub delivered: AtomicU64,
    /// `RetryLater` answers and failed writes (each a retry to come).
    pub retried: AtomicU64,
    /// `Rejected` answers (each becomes a dead letter).
    pub rejected: AtomicU64,
}

impl AckCounts {
    fn add(&self, counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Wraps a sink and counts its answers into shared [`AckCounts`].
#[derive(Debug)]
pub struct Counted<K> {
    inner: K,
    counts: Arc<AckCounts>,
}

impl<K> Counted<K> {
    /// Count what `inner` answers.
    pub fn new(inner: K) -> (Self, Arc<AckCounts>) {
        let counts = Arc::new(AckCounts::default());
        (
            Self {
                inner,
                counts: counts.clone(),
            },
            counts,
        )
    }
}

#[async_trait]
impl<R: Send + Sync, K: Sink<R>> Sink<R> for Counted<K> {
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError> {
        let c = &self.counts;
        c.add(&c.handed, batch.len() as u64);
        let answers = self.inner.write(batch).await;
        match &answers {
            Ok(acks) => {
                for ack in acks {
                    match ack {
                        Ack::Delivered => c.add(&c.delivered, 1),
                        Ack::RetryLater { .. } => c.add(&c.retried, 1),
                        Ack::Rejected { .. } => c.add(&c.rejected, 1),
                        _ => {}
                    }
                }
            }
            Err(_) => c.add(&c.retried, batch.len() as u64),
        }
        answers
    }
}
