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
