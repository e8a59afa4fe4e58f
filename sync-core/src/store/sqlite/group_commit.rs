//! Group commit for the inbox's accept path: concurrent [`InboxStore::store`] calls are queued
//! and one writer commits many of them in one transaction, so a burst of webhooks costs one
//! `fsync` per batch instead of one per delivery.
//!
//! There is no background task to start or stop. A caller queues its delivery and then either
//! finds its answer ready (another caller committed it) or takes the writer lock, drains the
//! queue and commits what it found. The commit runs in a spawned task holding the lock, so a
//! caller that goes away (the sender hung up) never cuts a batch short, and every queued
//! delivery gets exactly one answer. The lock is the store's writer turn, shared with every
//! other write of the process. Each answer is sent only after its row is committed, so
//! a 2xx still means "durably stored"; dedupe works exactly as one insert per delivery would
//! (a later duplicate in the same batch sees the earlier row).
//!
//! [`InboxStore::store`]: crate::store::InboxStore::store

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::future::Either;
use sqlx::sqlite::SqlitePool;
use tokio::sync::oneshot;

use super::{SQLITE_MAX_LENGTH, db_error, is_too_big, now_ms};
use crate::store::{Received, StoreError};

/// At most this many deliveries per transaction: large enough to amortise the commit, small
/// enough that no one waits long behind one batch.
const MAX_BATCH: usize = 512;

/// A delivery waiting for its commit.
pub(super) struct Pending {
    pub(super) source: String,
    pub(super) dedupe_key: String,
    pub(super) headers: String,
    pub(super) body: Vec<u8>,
    answer: oneshot::Sender<Result<Received, StoreError>>,
}

/// The queue of deliveries to store.
#[derive(Default)]
pub(super) struct AcceptQueue {
    pending: Mutex<Vec<Pending>>,
}

impl AcceptQueue {
    /// Store one delivery (deduplicated by source and key) together with whatever else is
    /// queued; answer once it is committed. `writer` is the store's writer turn: the batch
    /// commits in it, like every other write of the process.
    pub(super) async fn store(
        &self,
        pool: &SqlitePool,
        writer: &Arc<tokio::sync::Mutex<()>>,
        source: &str,
        dedupe_key: &str,
        headers: String,
        body: Vec<u8>,
    ) -> Result<Received, StoreError> {
        let (answer, mut answered) = oneshot::channel();
        self.lock_pending().push(Pending {
            source: source.to_string(),
            dedupe_key: dedupe_key.to_string(),
            headers,
            body,
            answer,
        });
        loop {
            // Our answer first: someone else's commit may already have stored ours.
            let writing = std::pin::pin!(writer.clone().lock_owned());
            let writer = match futures_util::future::select(&mut answered, writing).await {
                Either::Left((result, _)) => {
                    return result.unwrap_or_else(|_| {
                        Err(StoreError::Backend(
                            "the inbox writer stopped before answering".into(),
                        ))
                    });
                }
                Either::Right((writer, _)) => writer,
            };
            let batch = {
                let mut pending = self.lock_pending();
                let take = pending.len().min(MAX_BATCH);
                pending.drain(..take).collect::<Vec<_>>()
            };
            if batch.is_empty() {
                continue; // ours was committed by the previous writer: the answer is there
            }
            let pool = pool.clone();
            // Spawned, holding the writer lock: it runs to the end even if this caller is
            // dropped, and the next writer starts only after it.
            tokio::spawn(async move {
                let _writer = writer;
                commit(&pool, batch).await;
            });
        }
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Insert `batch` in one transaction and answer every delivery: its own outcome when the
/// transaction commits, the commit's error when it does not.
async fn commit(pool: &SqlitePool, batch: Vec<Pending>) {
    match insert_all(pool, &batch).await {
        Ok(outcomes) => {
            for (pending, outcome) in batch.into_iter().zip(outcomes) {
                let _ = pending.answer.send(outcome);
            }
        }
        Err(error) => {
            let reason = error.to_string();
            for pending in batch {
                let _ = pending
                    .answer
                    .send(Err(StoreError::Backend(reason.clone().into())));
            }
        }
    }
}

/// One outcome per delivery, or an error that rolled the whole batch back.
async fn insert_all(
    pool: &SqlitePool,
    batch: &[Pending],
) -> Result<Vec<Result<Received, StoreError>>, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_error)?;
    let now = now_ms();
    let bytes: usize = batch
        .iter()
        .map(|p| 2 * p.body.len() + p.headers.len())
        .sum();
    let outcomes = if batch.len() > 1 && bytes <= MAX_BULK_BYTES {
        insert_in_one_statement(&mut tx, batch, now).await?
    } else {
        insert_one_by_one(&mut tx, batch, now).await?
    };
    tx.commit().await.map_err(db_error)?;
    Ok(outcomes)
}

/// Above this many bytes (bodies hex-encoded) a batch is inserted row by row: one statement
/// would need the whole batch as one string parameter.
const MAX_BULK_BYTES: usize = 8 * 1024 * 1024;

/// The batch in one `INSERT … SELECT FROM json_each` (one round trip to SQLite's thread
/// instead of one per delivery); duplicates are then looked up one by one.
async fn insert_in_one_statement(
    conn: &mut sqlx::SqliteConnection,
    batch: &[Pending],
    now: i64,
) -> Result<Vec<Result<Received, StoreError>>, StoreError> {
    use sqlx::Row;
    let rows: Vec<serde_json::Value> = batch
        .iter()
        .map(|p| serde_json::json!([p.source, p.dedupe_key, p.headers, hex(&p.body)]))
        .collect();
    let inserted = sqlx::query(
        // `WHERE true` tells the parser the ON CONFLICT belongs to the INSERT, not a join.
        // Rows go in `json_each` order, so of two copies in one batch the first is stored.
        "INSERT INTO sync_inbox (source, dedupe_key, headers, body, received_at, available_at)
         SELECT value ->> 0, value ->> 1, value ->> 2, unhex(value ->> 3), ?2, ?2
         FROM json_each(?1) WHERE true
         ORDER BY key
         ON CONFLICT (source, dedupe_key) DO NOTHING
         RETURNING id, source, dedupe_key",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .bind(now)
    .fetch_all(&mut *conn)
    .await;
    let inserted = match inserted {
        Ok(rows) => rows,
        // Something too big for one statement: row by row, each refused on its own.
        Err(error) if is_too_big(&error) => return insert_one_by_one(conn, batch, now).await,
        Err(error) => return Err(db_error(error)),
    };
    let mut new = HashMap::with_capacity(inserted.len());
    for row in &inserted {
        let key: (String, String) = (
            row.try_get(1).map_err(db_error)?,
            row.try_get(2).map_err(db_error)?,
        );
        new.insert(key, row.try_get::<i64, _>(0).map_err(db_error)?);
    }
    let mut seen: HashMap<(String, String), i64> = HashMap::new();
    let mut outcomes = Vec::with_capacity(batch.len());
    for pending in batch {
        let key = (pending.source.clone(), pending.dedupe_key.clone());
        let outcome = if let Some(id) = new.remove(&key) {
            seen.insert(key, id);
            Received::New(id)
        } else if let Some(&id) = seen.get(&key) {
            Received::Duplicate(id)
        } else {
            let id = existing_id(conn, pending).await?;
            seen.insert(key, id);
            Received::Duplicate(id)
        };
        outcomes.push(Ok(outcome));
    }
    Ok(outcomes)
}

/// The id of the stored delivery `pending` duplicates. Inside the transaction the row cannot
/// be pruned meanwhile.
async fn existing_id(
    conn: &mut sqlx::SqliteConnection,
    pending: &Pending,
) -> Result<i64, StoreError> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM sync_inbox WHERE source = ?1 AND dedupe_key = ?2")
            .bind(&pending.source)
            .bind(&pending.dedupe_key)
            .fetch_optional(conn)
            .await
            .map_err(db_error)?;
    id.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "inbox delivery {}/{} conflicts with a row that cannot be found",
            pending.source, pending.dedupe_key
        ))
    })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(DIGITS[usize::from(b >> 4)] as char);
        text.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    text
}

/// One `INSERT` per delivery; a delivery too big for SQLite is refused alone.
async fn insert_one_by_one(
    conn: &mut sqlx::SqliteConnection,
    batch: &[Pending],
    now: i64,
) -> Result<Vec<Result<Received, StoreError>>, StoreError> {
    let mut outcomes = Vec::with_capacity(batch.len());
    for pending in batch {
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO sync_inbox (source, dedupe_key, headers, body, received_at, available_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (source, dedupe_key) DO NOTHING
             RETURNING id",
        )
        .bind(&pending.source)
        .bind(&pending.dedupe_key)
        .bind(&pending.headers)
        .bind(&pending.body)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await;
        let outcome = match inserted {
            Ok(Some(id)) => Received::New(id),
            // Only this statement failed (SQLite keeps the transaction): refuse this delivery
            // for good, store the rest.
            Err(error) if is_too_big(&error) => {
                outcomes.push(Err(StoreError::TooLarge {
                    what: format!("inbox body from {}", pending.source),
                    size: pending.body.len().max(pending.headers.len()),
                    limit: SQLITE_MAX_LENGTH,
                }));
                continue;
            }
            Err(error) => return Err(db_error(error)),
            Ok(None) => Received::Duplicate(existing_id(conn, pending).await?),
        };
        outcomes.push(Ok(outcome));
    }
    Ok(outcomes)
}
