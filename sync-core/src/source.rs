//! [`Source`]: where records come from, in batches after a cursor.

use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

use crate::cursor::Cursor;
use crate::error::StageError;

/// One record as a source yields it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord<R, C> {
    /// The record's natural key (order id, email…): it names the record in dead letters and
    /// lets sinks be idempotent.
    pub key: String,
    /// The record's position.
    pub cursor: C,
    /// The record.
    pub data: R,
}

/// Whether a source yields records in cursor order, which decides when the engine may commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceOrder {
    /// Records come in non-decreasing cursor order, and a read after cursor `c` returns every
    /// record with a cursor greater than `c` (keyset paging by id). The watermark is committed
    /// after every batch, so a run can resume where it stopped.
    Sorted,
    /// Records may come in any order (modification-time filters, offset paging over changing
    /// data). Progress is committed only when a run completes, capped at run start minus
    /// `clock_skew`, and every run re-reads `lookback` before the watermark.
    Unsorted {
        /// How far before the watermark every run starts reading.
        lookback: Duration,
        /// How far the source's clock may run ahead of ours.
        clock_skew: Duration,
    },
}

/// A stream of records after a cursor.
///
/// A run calls [`Source::start`] once, then [`Source::next_batch`] until it returns `None`.
#[async_trait]
pub trait Source: Send {
    /// The record type.
    type Record: Serialize + Send + Sync + 'static;
    /// The cursor type.
    type Cursor: Cursor;

    /// How this source orders its records.
    fn order(&self) -> SourceOrder;

    /// Begin reading records after `after` (`None`: from the beginning). For unsorted sources
    /// the engine has already moved `after` back by the lookback window.
    async fn start(&mut self, after: Option<Self::Cursor>) -> Result<(), StageError>;

    /// The next batch, or `None` when the source has nothing more for this run.
    async fn next_batch(
        &mut self,
    ) -> Result<Option<Vec<SourceRecord<Self::Record, Self::Cursor>>>, StageError>;
}

/// A [`Source`] whose records are turned into another type on the way out: a shop's orders
/// as vendor-neutral [`OrderSummary`](crate::summary::OrderSummary)s for a destination sink,
/// with keys, cursors and order unchanged. Built by [`map_records`].
pub struct MapRecords<S, F> {
    inner: S,
    map: F,
}

impl<S: std::fmt::Debug, F> std::fmt::Debug for MapRecords<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapRecords")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// `source`, with each record passed through `map`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use sync_core::source::map_records;
/// use sync_core::{Source, SourceOrder, SourceRecord, VecSource};
///
/// let orders = vec![SourceRecord { key: "o-1".to_string(), cursor: 1u64, data: 1999u32 }];
/// let mut cents_to_text = map_records(VecSource::new(orders, SourceOrder::Sorted, 10), |cents: u32| {
///     format!("{}.{:02}", cents / 100, cents % 100)
/// });
/// cents_to_text.start(None).await.unwrap();
/// let batch = cents_to_text.next_batch().await.unwrap().unwrap();
/// assert_eq!((batch[0].key.as_str(), batch[0].data.as_str()), ("o-1", "19.99"));
/// # });
/// ```
pub fn map_records<S, F, R>(source: S, map: F) -> MapRecords<S, F>
where
    S: Source,
    F: Fn(S::Record) -> R + Send + Sync,
    R: Serialize + Send + Sync + 'static,
{
    MapRecords { inner: source, map }
}

#[async_trait]
impl<S, F, R> Source for MapRecords<S, F>
where
    S: Source,
    F: Fn(S::Record) -> R + Send + Sync,
    R: Serialize + Send + Sync + 'static,
{
    type Record = R;
    type Cursor = S::Cursor;

    fn order(&self) -> SourceOrder {
        self.inner.order()
    }

    async fn start(&mut self, after: Option<Self::Cursor>) -> Result<(), StageError> {
        self.inner.start(after).await
    }

    async fn next_batch(
        &mut self,
    ) -> Result<Option<Vec<SourceRecord<Self::Record, Self::Cursor>>>, StageError> {
        let batch = self.inner.next_batch().await?;
        Ok(batch.map(|records| {
            records
                .into_iter()
                .map(|r| SourceRecord {
                    key: r.key,
                    cursor: r.cursor,
                    data: (self.map)(r.data),
                })
                .collect()
        }))
    }
}
