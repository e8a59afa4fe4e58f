//! Batch writes (`POST <resource>/batch`): chunks of at most 100 items, and a result per item.
//!
//! WooCommerce answers a batch with `200 OK` even when items fail; the failures sit inline as
//! `{"id": …, "error": {"code", "message", "data"}}`. This module reads every element, so a
//! failed item is never reported as a success: every `batch` method (for example
//! [`Orders::batch`](crate::orders::Orders::batch)) returns `Ok` only when every item
//! succeeded, and otherwise a [`PartialBatch`] with the full per-item outcome.
//!
//! **Batch `delete` is permanent**: WooCommerce forces it, bypassing the trash.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sync_core::http::ApiRequest;
use sync_core::{Classify, Redactor, Verdict};

use crate::client::Client;
use crate::error::{ApiError, Error};
pub use crate::error::{BatchFailure, BatchItemError, BatchOp, ItemFailure};

/// WooCommerce's default limit on `create + update + delete` per request
/// (filter `woocommerce_rest_batch_items_limit`).
pub const MAX_BATCH_ITEMS: usize = 100;

/// One update in a batch: the record id and the fields to change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchUpdate<U> {
    /// The record to update.
    pub id: u64,
    /// The changes (serialized next to `id`).
    #[serde(flatten)]
    pub changes: U,
}

/// The three lists of a batch request. Any length: it is split into requests of at most
/// [`MAX_BATCH_ITEMS`] items.
///
/// ```
/// use woo_client::batch::BatchRequest;
/// use woo_client::models::{OrderPatch, OrderStatus};
///
/// let batch: BatchRequest<serde_json::Value, OrderPatch> = BatchRequest::new()
///     .update(727, OrderPatch::status(OrderStatus::Completed))
///     .delete(723);
/// assert_eq!(batch.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest<C = Value, U = Value> {
    /// Records to create.
    pub create: Vec<C>,
    /// Records to update.
    pub update: Vec<BatchUpdate<U>>,
    /// Ids to delete **permanently**.
    pub delete: Vec<u64>,
}

impl<C, U> Default for BatchRequest<C, U> {
    fn default() -> Self {
        BatchRequest {
            create: Vec::new(),
            update: Vec::new(),
            delete: Vec::new(),
        }
    }
}

impl<C, U> BatchRequest<C, U> {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a record to create.
    pub fn create(mut self, record: C) -> Self {
        self.create.push(record);
        self
    }

    /// Add an update.
    pub fn update(mut self, id: u64, changes: U) -> Self {
        self.update.push(BatchUpdate { id, changes });
        self
    }

    /// Add an id to delete permanently (batch deletes bypass the trash).
    pub fn delete(mut self, id: u64) -> Self {
        self.delete.push(id);
        self
    }

    /// Items in all three lists.
    pub fn len(&self) -> usize {
        self.create.len() + self.update.len() + self.delete.len()
    }

    /// `true` when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The per-item result of a batch, in the order of the lists you passed.
#[derive(Debug, Clone)]
pub struct BatchOutcome<T> {
    /// One result per `create` item.
    pub created: Vec<Result<T, BatchItemError>>,
    /// One result per `update` item.
    pub updated: Vec<Result<T, BatchItemError>>,
    /// One result per `delete` item (the deleted record as it was).
    pub deleted: Vec<Result<T, BatchItemError>>,
}

impl<T> BatchOutcome<T> {
    /// Every failure, in list order.
    pub fn failures(&self) -> impl Iterator<Item = &BatchItemError> {
        self.created
            .iter()
            .chain(&self.updated)
            .chain(&self.deleted)
            .filter_map(|r| r.as_ref().err())
    }

    /// Items that succeeded.
    pub fn succeeded(&self) -> usize {
        self.created
            .iter()
            .chain(&self.updated)
            .chain(&self.deleted)
            .filter(|r| r.is_ok())
            .count()
    }

    /// Items in all lists.
    pub fn len(&self) -> usize {
        self.created.len() + self.updated.len() + self.deleted.len()
    }

    /// `true` for an empty batch.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A batch where at least one item failed. Holds the whole outcome, successes included, so you
/// can tell what was applied. Converts into [`Error::Batch`] with `?`.
#[derive(Debug)]
pub struct PartialBatch<T> {
    /// Where the batch went (`orders.batch`).
    pub operation: &'static str,
    /// Every item's result.
    pub outcome: BatchOutcome<T>,
}

impl<T> PartialBatch<T> {
    fn summary(&self) -> BatchFailure {
        BatchFailure {
            operation: self.operation,
            total: self.outcome.len(),
            succeeded: self.outcome.succeeded(),
            failed: self.outcome.failures().cloned().collect(),
        }
    }
}

impl<T> fmt::Display for PartialBatch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.summary(), f)
    }
}

impl<T: fmt::Debug> std::error::Error for PartialBatch<T> {}

impl<T> Classify for PartialBatch<T> {
    fn verdict(&self) -> Verdict {
        self.summary().verdict()
    }
}

impl<T> From<PartialBatch<T>> for Error {
    fn from(partial: PartialBatch<T>) -> Error {
        Error::Batch(partial.summary())
    }
}

#[derive(Deserialize)]
struct BatchResponse {
    #[serde(default)]
    create: Vec<Value>,
    #[serde(default)]
    update: Vec<Value>,
    #[serde(default)]
    delete: Vec<Value>,
}

/// One element of a batch response: a record, or `{id, error}`.
fn read_item<T: DeserializeOwned>(
    op: BatchOp,
    index: usize,
    id: Option<u64>,
    element: Option<Value>,
    operation: &str,
    redactor: &Redactor,
) -> Result<T, BatchItemError> {
    let fail = |failure| BatchItemError {
        op,
        index,
        id,
        failure,
    };
    let Some(element) = element else {
        return Err(fail(ItemFailure::Missing));
    };
    // Any non-null `error` marks a failed item, whatever its shape: a plugin's odd error must not
    // decode as a record (models default their fields) and count as a success.
    if let Some(error) = element.get("error").filter(|e| !e.is_null()) {
        return Err(fail(
            match serde_json::from_value::<ApiError>(error.clone()) {
                Ok(api) => ItemFailure::Rejected(api),
                Err(_) => ItemFailure::RejectedRaw(error.clone()),
            },
        ));
    }
    let bytes = serde_json::to_vec(&element).unwrap_or_default();
    sync_core::http::decode_json::<T>(&bytes).map_err(|mut source| {
        // serde quotes the refused value, which may be anything the server sent.
        source.message = redactor.text(&source.message);
        fail(ItemFailure::Unreadable(Arc::new(Error::Decode {
            operation: operation.to_string(),
            source,
        })))
    })
}

#[derive(Serialize)]
struct Chunk<'a, C, U> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    create: &'a [C],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    update: &'a [BatchUpdate<U>],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    delete: &'a [u64],
}

/// Send `request` in chunks of at most `chunk_size` items (clamped to 1..=100): creates first,
/// then updates, then deletes, as WooCommerce processes them. Stops at the first chunk whose
/// request fails; the items of later chunks are reported as [`ItemFailure::NotSent`].
pub(crate) async fn run<T, C, U>(
    client: &Client,
    operation: &'static str,
    path: &str,
    request: &BatchRequest<C, U>,
    chunk_size: usize,
) -> Result<BatchOutcome<T>, PartialBatch<T>>
where
    T: DeserializeOwned,
    C: Serialize,
    U: Serialize,
{
    let chunk_size = chunk_size.clamp(1, MAX_BATCH_ITEMS);
    let redactor = client.redactor();
    let mut outcome = BatchOutcome {
        created: Vec::with_capacity(request.create.len()),
        updated: Vec::with_capacity(request.update.len()),
        deleted: Vec::with_capacity(request.delete.len()),
    };
    let (mut c, mut u, mut d) = (0usize, 0usize, 0usize);
    // After a chunk fails as a whole, later chunks are not sent.
    let mut stopped = false;

    while c < request.create.len() || u < request.update.len() || d < request.delete.len() {
        // Fill this chunk in WooCommerce's processing order.
        let mut room = chunk_size;
        let c_end = (c + room).min(request.create.len());
        room -= c_end - c;
        let u_end = (u + room).min(request.update.len());
        room -= u_end - u;
        let d_end = (d + room).min(request.delete.len());

        let chunk = Chunk {
            create: &request.create[c..c_end],
            update: &request.update[u..u_end],
            delete: &request.delete[d..d_end],
        };
        let ids_update: Vec<u64> = chunk.update.iter().map(|x| x.id).collect();

        let sent = if stopped {
            None
        } else {
            Some(send_chunk(client, operation, path, &chunk).await)
        };
        let delete_ids = &request.delete[d..d_end];
        match sent {
            None => push_failures(
                &mut outcome,
                c..c_end,
                &ids_update,
                u,
                delete_ids,
                d,
                || ItemFailure::NotSent,
            ),
            Some(Err(e)) => {
                let e = Arc::new(e);
                push_failures(
                    &mut outcome,
                    c..c_end,
                    &ids_update,
                    u,
                    delete_ids,
                    d,
                    || ItemFailure::Request(e.clone()),
                );
                stopped = true;
            }
            Some(Ok(raw)) => {
                let mut items = raw.create.into_iter();
                for i in c..c_end {
                    let item =
                        read_item(BatchOp::Create, i, None, items.next(), operation, redactor);
                    outcome.created.push(item);
                }
                let mut items = raw.update.into_iter();
                for (k, id) in ids_update.iter().enumerate() {
                    let item = read_item(
                        BatchOp::Update,
                        u + k,
                        Some(*id),
                        items.next(),
                        operation,
                        redactor,
                    );
                    outcome.updated.push(item);
                }
                let mut items = raw.delete.into_iter();
                for (k, id) in delete_ids.iter().enumerate() {
                    let item = read_item(
                        BatchOp::Delete,
                        d + k,
                        Some(*id),
                        items.next(),
                        operation,
                        redactor,
                    );
                    outcome.deleted.push(item);
                }
            }
        }
        (c, u, d) = (c_end, u_end, d_end);
    }

    if outcome.failures().next().is_some() {
        Err(PartialBatch { operation, outcome })
    } else {
        Ok(outcome)
    }
}

/// Send one chunk. A batch is not idempotent as a whole (creates), so it is never re-sent after
/// a timeout; rate limits and 5xx answers, which come before processing, are still retried.
async fn send_chunk<C: Serialize, U: Serialize>(
    client: &Client,
    operation: &'static str,
    path: &str,
    chunk: &Chunk<'_, C, U>,
) -> Result<BatchResponse, Error> {
    let request = ApiRequest::<BatchResponse>::post(operation, path)
        .json(chunk)
        .map_err(|e| Error::InvalidInput {
            field: "batch",
            message: e.to_string(),
        })?;
    client.send(request).await
}

fn push_failures<T>(
    outcome: &mut BatchOutcome<T>,
    creates: std::ops::Range<usize>,
    update_ids: &[u64],
    update_start: usize,
    delete_ids: &[u64],
    delete_start: usize,
    failure: impl Fn() -> ItemFailure,
) {
    for i in creates {
        outcome.created.push(Err(BatchItemError {
            op: BatchOp::Create,
            index: i,
            id: None,
            failure: failure(),
        }));
    }
    for (k, id) in update_ids.iter().enumerate() {
        outcome.updated.push(Err(BatchItemError {
            op: BatchOp::Update,
            index: update_start + k,
            id: Some(*id),
            failure: failure(),
        }));
    }
    for (k, id) in delete_ids.iter().enumerate() {
        outcome.deleted.push(Err(BatchItemError {
            op: BatchOp::Delete,
            index: delete_start + k,
            id: Some(*id),
            failure: failure(),
        }));
    }
}
