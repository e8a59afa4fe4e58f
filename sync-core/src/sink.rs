//! [`Sink`]: where records go, with an answer per record.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::StageError;

/// A record handed to a sink.
#[derive(Debug, Clone, Copy)]
pub struct SinkRecord<'a, R> {
    /// The record's natural key (use it to make writes idempotent).
    pub key: &'a str,
    /// The record.
    pub data: &'a R,
}

/// A sink's answer for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ack {
    /// Durably written.
    Delivered,
    /// Not written this time; try again (no sooner than `after`, when given).
    RetryLater {
        /// Why, for logs and, if retries run out, the dead letter.
        reason: String,
        /// The server's wait, if it gave one.
        after: Option<Duration>,
    },
    /// This record will never be accepted as it is: it goes to dead letters with the reason.
    Rejected {
        /// Why (which field, what the server said).
        reason: String,
        /// The server's response, if any, kept with the dead letter.
        response: Option<String>,
    },
}

impl Ack {
    /// A retry-later answer.
    pub fn retry(reason: impl Into<String>) -> Ack {
        Ack::RetryLater {
            reason: reason.into(),
            after: None,
        }
    }

    /// A rejection.
    pub fn rejected(reason: impl Into<String>) -> Ack {
        Ack::Rejected {
            reason: reason.into(),
            response: None,
        }
    }
}

/// Writes batches and answers per record.
///
/// Sinks must be idempotent (upserts, natural keys, idempotency keys): the engine delivers at
/// least once, so a record may arrive again after a crash or a retry.
///
/// Return `Err` only when the whole batch failed for one reason. A configuration error
/// ([`PermanentKind::Config`](crate::PermanentKind::Config)) stops the run without dead-lettering
/// anything, because the records are fine and the setup is not.
#[async_trait]
pub trait Sink<R: Send + Sync>: Send + Sync {
    /// Write `batch`; answer with exactly one [`Ack`] per record, in order.
    async fn write(&self, batch: &[SinkRecord<'_, R>]) -> Result<Vec<Ack>, StageError>;
}
