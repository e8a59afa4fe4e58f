//! What a batch reports per failed item ([`BatchItemError`]) and as a whole ([`BatchFailure`],
//! held by [`Error::Batch`](super::Error::Batch)). The batch requests themselves are in
//! [`crate::batch`], which depends on this module and not the other way round.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use sync_core::{Classify, PermanentKind, Verdict};

use super::{ApiError, Error};

/// Which list an item was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchOp {
    /// `create`.
    Create,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
}

impl fmt::Display for BatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BatchOp::Create => "create",
            BatchOp::Update => "update",
            BatchOp::Delete => "delete",
        })
    }
}

/// Why one item failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ItemFailure {
    /// WooCommerce rejected the item (its inline `error`).
    Rejected(ApiError),
    /// The item came back with an `error` that is not a `{code, message, data}` object (a
    /// plugin's own shape); the raw value is kept. The item failed.
    RejectedRaw(Value),
    /// The request carrying the item failed as a whole; the item may or may not have been
    /// applied if the failure came after the server received it.
    Request(Arc<Error>),
    /// A request before this item's failed, so this item was not sent.
    NotSent,
    /// The response had no element for this item.
    Missing,
    /// The response element for this item did not decode (the item may have been applied).
    Unreadable(Arc<Error>),
}

/// One failed item, named by its list, its position in that list and its id.
#[derive(Debug, Clone)]
pub struct BatchItemError {
    /// The list.
    pub op: BatchOp,
    /// Position in the list you passed (0-based), to correlate failed creates (which have no id).
    pub index: usize,
    /// The record id (`None` for creates).
    pub id: Option<u64>,
    /// What went wrong.
    pub failure: ItemFailure,
}

impl fmt::Display for BatchItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            Some(id) => write!(f, "{} #{} (item {})", self.op, id, self.index)?,
            None => write!(f, "{} item {}", self.op, self.index)?,
        }
        match &self.failure {
            ItemFailure::Rejected(api) => write!(f, ": {api}"),
            ItemFailure::RejectedRaw(error) => write!(f, ": rejected: {error}"),
            ItemFailure::Request(e) => write!(f, ": request failed: {e}"),
            ItemFailure::NotSent => f.write_str(": not sent (an earlier chunk failed)"),
            ItemFailure::Missing => f.write_str(": missing from the response"),
            ItemFailure::Unreadable(e) => write!(f, ": unreadable in the response: {e}"),
        }
    }
}

impl Classify for BatchItemError {
    fn verdict(&self) -> Verdict {
        match &self.failure {
            ItemFailure::Rejected(api) => match api.status() {
                Some(status) if status >= 400 => Verdict::from_status(status, None),
                _ => Verdict::Permanent(PermanentKind::Data),
            },
            ItemFailure::RejectedRaw(_) => Verdict::Permanent(PermanentKind::Data),
            ItemFailure::Request(e) | ItemFailure::Unreadable(e) => e.verdict(),
            ItemFailure::NotSent | ItemFailure::Missing => Verdict::Retry { after: None },
        }
    }
}

impl std::error::Error for BatchItemError {}

/// The failed items of a batch, without the typed successes (see [`PartialBatch`](crate::batch::PartialBatch) for those).
#[derive(Debug, Clone)]
pub struct BatchFailure {
    /// The operation.
    pub operation: &'static str,
    /// Items sent or meant to be sent.
    pub total: usize,
    /// Items that succeeded.
    pub succeeded: usize,
    /// Items that failed.
    pub failed: Vec<BatchItemError>,
}

impl fmt::Display for BatchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} of {} batch items failed",
            self.operation,
            self.failed.len(),
            self.total
        )?;
        for (i, item) in self.failed.iter().take(3).enumerate() {
            write!(f, "{} {item}", if i == 0 { ";" } else { "," })?;
        }
        if self.failed.len() > 3 {
            write!(f, ", and {} more", self.failed.len() - 3)?;
        }
        Ok(())
    }
}

impl std::error::Error for BatchFailure {}

impl Classify for BatchFailure {
    /// Retry when any item may succeed later; otherwise the first failure's verdict.
    fn verdict(&self) -> Verdict {
        let verdicts: Vec<Verdict> = self.failed.iter().map(|e| e.verdict()).collect();
        verdicts
            .iter()
            .copied()
            .find(Verdict::is_retryable)
            .or_else(|| verdicts.first().copied())
            .unwrap_or(Verdict::Permanent(PermanentKind::Data))
    }
}
