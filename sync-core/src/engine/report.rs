//! [`RunReport`] and [`RunError`]: how a run ended.

use std::fmt;
use std::time::Duration;

use crate::cursor::CursorError;
use crate::error::StageError;
use crate::store::{StoreError, StreamKey};

/// The counts of a run, successful or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Records read from the source.
    pub seen: u64,
    /// Records the sink confirmed.
    pub delivered: u64,
    /// Records written to dead letters.
    pub dead_lettered: u64,
    /// Sink attempts that were retries.
    pub retries: u64,
    /// Batches processed.
    pub batches: u64,
    /// The watermark when the run started, encoded.
    pub watermark_before: Option<String>,
    /// The watermark when the run ended, encoded.
    pub watermark_after: Option<String>,
    /// How long the run took.
    pub elapsed: Duration,
}

/// Why a run stopped early. The watermark was moved no further than the engine's rule allows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunErrorKind {
    /// The source failed.
    #[error("source failed: {0}")]
    Source(#[source] StageError),
    /// The sink failed for the whole batch with a configuration error (credentials, URL).
    #[error("sink refused the batch: {0}")]
    Sink(#[source] StageError),
    /// The sink answered with the wrong number of acknowledgements.
    #[error("sink answered {got} acknowledgements for {expected} records")]
    SinkContract {
        /// Records sent.
        expected: usize,
        /// Answers received.
        got: usize,
    },
    /// Retries ran out for records the sink kept refusing as transient; they stay unfinished
    /// and the next run tries them again.
    #[error("{} record(s) still failing after {attempts} attempts, first {first_key:?}: {reason}", .keys.len())]
    RetriesExhausted {
        /// Keys of the unfinished records.
        keys: Vec<String>,
        /// The first unfinished record's key.
        first_key: String,
        /// Its last failure reason.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A store could not be read or written.
    #[error("store failed: {0}")]
    Store(#[source] StoreError),
    /// Another worker moved the watermark during this run.
    #[error("watermark of {stream} was moved by another writer (expected {expected:?})")]
    WatermarkConflict {
        /// The stream.
        stream: StreamKey,
        /// The value this run started from.
        expected: Option<String>,
    },
    /// The stored watermark could not be read back.
    #[error(transparent)]
    Cursor(#[from] CursorError),
    /// A source declared sorted yielded a record before an earlier one.
    #[error("source declared sorted went backwards at record {key:?}: {cursor} after {previous}")]
    SortViolation {
        /// The record's key.
        key: String,
        /// Its cursor.
        cursor: String,
        /// The cursor before it.
        previous: String,
    },
    /// A record could not be serialized into a dead letter.
    #[error("record {key:?} could not be serialized for the dead-letter store: {source}")]
    Serialize {
        /// The record's key.
        key: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
}

/// A run that stopped early, with what it had done.
#[derive(Debug)]
pub struct RunError {
    /// Why it stopped.
    pub kind: RunErrorKind,
    /// What it did before stopping.
    pub report: RunReport,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (after {} seen, {} delivered, {} dead-lettered; watermark {:?})",
            self.kind,
            self.report.seen,
            self.report.delivered,
            self.report.dead_lettered,
            self.report.watermark_after
        )
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}
