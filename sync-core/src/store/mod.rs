//! Durable state: watermarks and dead letters (traits and in-memory versions here; SQLite in
//! [`sqlite`] behind the `sqlite` feature), the outbox and the webhook inbox.

mod dead_letter;
mod inbox;
mod memory;
mod outbox;
mod watermark;

pub use inbox::{InboxDelivery, InboxStats, InboxStore, Received, inbox_dead_letter_stream};
pub use outbox::{
    Enqueued, Lease, NewOutboxEntry, OutboxEntry, OutboxLimits, OutboxStats, OutboxStore,
    ReplayOutcome,
};

#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use dead_letter::{DeadLetter, DeadLetterQuery, DeadLetterStore, NewDeadLetter};
pub use memory::{MemoryDeadLetters, MemoryWatermarks};
pub use watermark::{StreamKey, WatermarkStore};

/// A store could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (I/O, a locked database, a lost connection): retry later.
    #[error("store backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Stored data could not be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A value is larger than the store accepts. Permanent: a retry would send the same bytes.
    #[error("{what} of {size} bytes is over the store's {limit}-byte limit")]
    TooLarge {
        /// What was refused (for example `inbox body`).
        what: String,
        /// Its size in bytes.
        size: usize,
        /// The limit it passed, in bytes.
        limit: usize,
    },
}

impl crate::Classify for StoreError {
    fn verdict(&self) -> crate::Verdict {
        match self {
            StoreError::Backend(_) => crate::Verdict::Retry { after: None },
            StoreError::Corrupt(_) => crate::Verdict::Permanent(crate::PermanentKind::Server),
            StoreError::TooLarge { .. } => crate::Verdict::Permanent(crate::PermanentKind::Data),
        }
    }
}
