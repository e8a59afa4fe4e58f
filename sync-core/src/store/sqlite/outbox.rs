//! [`OutboxStore`] for [`SqliteStore`].
//!
//! Claims are one `UPDATE … RETURNING` statement: SQLite runs one writer at a time, so two
//! claimers can never both see an entry as due. While leased, an entry's `next_attempt_at` holds
//! the lease expiry, which makes an abandoned claim due again without any cleanup job.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{
    SqliteStore, db_error, duration_ms, finish_leased, json_text, ms_to_time, now_ms,
    opt_ms_to_time, parse_json, stream_key, time_to_ms, to_u32, to_u64,
};
use crate::store::{
    Enqueued, Lease, NewOutboxEntry, OutboxEntry, OutboxLimits, OutboxStats, OutboxStore,
    ReplayOutcome, StoreError, StreamKey,
};

const CLAIM: &str = "
UPDATE sync_outbox
SET attempts = attempts + 1, lease_token = ?1, next_attempt_at = ?2
WHERE id IN (
    SELECT id FROM sync_outbox
    WHERE delivered_at IS NULL AND next_attempt_at <= ?3
    ORDER BY next_attempt_at, id
    LIMIT ?4
)
RETURNING id, connector, stream, tenant, dedupe_key, payload, attempts, max_attempts, created_at,
          expires_at, last_error, last_response, replay_of";

/// Mark leased entries delivered, fenced by their tokens (see `finish_leased`).
const MARK_DELIVERED: &str = "
UPDATE sync_outbox SET delivered_at = ?2, lease_token = NULL
FROM (SELECT value ->> 0 AS id, value ->> 1 AS token FROM json_each(?1)) AS lease
WHERE sync_outbox.id = lease.id AND sync_outbox.lease_token = lease.token
  AND sync_outbox.delivered_at IS NULL
RETURNING sync_outbox.id, sync_outbox.replay_of";

fn entry_from_row(
    row: &SqliteRow,
    token: i64,
    until: DateTime<Utc>,
) -> Result<OutboxEntry, StoreError> {
    let get_str = |name: &str| row.try_get::<String, _>(name).map_err(db_error);
    let id: i64 = row.try_get("id").map_err(db_error)?;
    Ok(OutboxEntry {
        destination: stream_key(
            get_str("connector")?,
            get_str("stream")?,
            get_str("tenant")?,
        ),
        dedupe_key: get_str("dedupe_key")?,
        payload: parse_json(&get_str("payload")?, "sync_outbox.payload")?,
        attempts: to_u32(
            row.try_get("attempts").map_err(db_error)?,
            "sync_outbox.attempts",
        )?,
        max_attempts: to_u32(
            row.try_get("max_attempts").map_err(db_error)?,
            "sync_outbox.max_attempts",
        )?,
        created_at: ms_to_time(
            row.try_get("created_at").map_err(db_error)?,
            "sync_outbox.created_at",
        )?,
        expires_at: opt_ms_to_time(
            row.try_get("expires_at").map_err(db_error)?,
            "sync_outbox.expires_at",
        )?,
        last_error: row.try_get("last_error").map_err(db_error)?,
        last_response: row.try_get("last_response").map_err(db_error)?,
        replay_of: row.try_get("replay_of").map_err(db_error)?,
        lease: Lease::new(id, token, until),
    })
}

fn expires_at(created_at: i64, limits: &OutboxLimits) -> Option<i64> {
    limits
        .max_age
        .map(|age| created_at.saturating_add(duration_ms(age)))
}

async fn existing_id(
    conn: &mut sqlx::SqliteConnection,
    destination: &StreamKey,
    dedupe_key: &str,
) -> Result<Option<i64>, StoreError> {
    sqlx::query_scalar(
        "SELECT id FROM sync_outbox
         WHERE connector = ?1 AND stream = ?2 AND tenant = ?3 AND dedupe_key = ?4",
    )
    .bind(destination.connector.clone())
    .bind(destination.stream.clone())
    .bind(destination.tenant.clone())
    .bind(dedupe_key.to_string())
    .fetch_optional(conn)
    .await
    .map_err(db_error)
}

/// Enqueue `entries` inside the caller's transaction in one statement (idempotent per
/// destination and key, a repeat within `entries` included), when the caller needs no ids.
pub(super) async fn enqueue_all(
    conn: &mut sqlx::SqliteConnection,
    entries: &[&NewOutboxEntry],
    now: i64,
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = entries
        .iter()
        .map(|entry| {
            Ok(serde_json::json!([
                entry.destination.connector,
                entry.destination.stream,
                entry.destination.tenant,
                entry.dedupe_key,
                json_text(&entry.payload)?,
                entry.limits.max_attempts.max(1),
                expires_at(now, &entry.limits),
                entry.not_before.map_or(now, time_to_ms),
            ]))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    sqlx::query(
        // `WHERE true` tells the parser the ON CONFLICT belongs to the INSERT, not a join.
        "INSERT INTO sync_outbox
             (connector, stream, tenant, dedupe_key, payload, max_attempts, created_at,
              expires_at, next_attempt_at)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
                ?2, value ->> 6, value ->> 7
         FROM json_each(?1) WHERE true
         ON CONFLICT (connector, stream, tenant, dedupe_key) DO NOTHING",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .bind(now)
    .execute(conn)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Enqueue `entry` inside the caller's transaction (idempotent per destination and key).
pub(super) async fn enqueue_in(
    conn: &mut sqlx::SqliteConnection,
    entry: &NewOutboxEntry,
    now: i64,
) -> Result<Enqueued, StoreError> {
    let due = entry.not_before.map_or(now, time_to_ms);
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO sync_outbox
             (connector, stream, tenant, dedupe_key, payload, max_attempts, created_at,
              expires_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (connector, stream, tenant, dedupe_key) DO NOTHING
         RETURNING id",
    )
    .bind(entry.destination.connector.clone())
    .bind(entry.destination.stream.clone())
    .bind(entry.destination.tenant.clone())
    .bind(entry.dedupe_key.clone())
    .bind(json_text(&entry.payload)?)
    .bind(i64::from(entry.limits.max_attempts.max(1)))
    .bind(now)
    .bind(expires_at(now, &entry.limits))
    .bind(due)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(match inserted {
        Some(id) => Enqueued::New(id),
        None => {
            let id = existing_id(conn, &entry.destination, &entry.dedupe_key)
                .await?
                .ok_or_else(|| {
                    StoreError::Corrupt("outbox insert conflicted with no row".into())
                })?;
            Enqueued::Duplicate(id)
        }
    })
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn enqueue(&self, entry: NewOutboxEntry) -> Result<Enqueued, StoreError> {
        Ok(self.enqueue_many(vec![entry]).await?.remove(0))
    }

    /// One `IMMEDIATE` transaction for all of them.
    async fn enqueue_many(
        &self,
        entries: Vec<NewOutboxEntry>,
    ) -> Result<Vec<Enqueued>, StoreError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        // The insert and the duplicate's lookup share a connection and a transaction, so the
        // duplicate's row cannot be pruned in between.
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let mut done = Vec::with_capacity(entries.len());
        for entry in &entries {
            done.push(enqueue_in(&mut tx, entry, now).await?);
        }
        tx.commit().await.map_err(db_error)?;
        Ok(done)
    }

    async fn claim_due(&self, limit: u32, lease: Duration) -> Result<Vec<OutboxEntry>, StoreError> {
        let claimed = self.claim_rows(CLAIM, limit, lease).await?;
        let mut entries = claimed
            .rows
            .iter()
            .map(|row| entry_from_row(row, claimed.token, claimed.until))
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING gives no order guarantee.
        entries.sort_by_key(OutboxEntry::id);
        Ok(entries)
    }

    /// One fenced `UPDATE` for the whole batch, in one transaction.
    async fn mark_delivered_many(&self, leases: &[Lease]) -> Result<Vec<bool>, StoreError> {
        if leases.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let done = finish_leased(&mut tx, MARK_DELIVERED, leases, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(done)
    }

    async fn mark_delivered(&self, lease: &Lease) -> Result<bool, StoreError> {
        Ok(self
            .mark_delivered_many(std::slice::from_ref(lease))
            .await?[0])
    }

    async fn mark_failed(
        &self,
        lease: &Lease,
        next_attempt_at: DateTime<Utc>,
        error: &str,
        last_response: Option<&str>,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let result = sqlx::query(
            "UPDATE sync_outbox
             SET lease_token = NULL, next_attempt_at = ?3, last_error = ?4,
                 last_response = COALESCE(?5, last_response)
             WHERE id = ?1 AND lease_token = ?2 AND delivered_at IS NULL",
        )
        .bind(lease.id())
        .bind(lease.token())
        .bind(time_to_ms(next_attempt_at))
        .bind(error.to_string())
        .bind(last_response.map(str::to_string))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(result.rows_affected() == 1)
    }

    async fn move_to_dead_letters(
        &self,
        lease: &Lease,
        reason: &str,
        last_response: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(
            "DELETE FROM sync_outbox
             WHERE id = ?1 AND lease_token = ?2 AND delivered_at IS NULL
             RETURNING connector, stream, tenant, dedupe_key, payload, attempts, last_response,
                       replay_of",
        )
        .bind(lease.id())
        .bind(lease.token())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        else {
            return Ok(None);
        };
        let response: Option<String> = match last_response {
            Some(r) => Some(r.to_string()),
            None => row.try_get("last_response").map_err(db_error)?,
        };
        let attempts: i64 = row.try_get("attempts").map_err(db_error)?;
        let replay_of: Option<i64> = row.try_get("replay_of").map_err(db_error)?;
        // A failed replay updates its letter rather than writing a second one.
        let updated: Option<i64> = match replay_of {
            Some(letter) => sqlx::query_scalar(
                "UPDATE sync_dead_letters
                 SET reason = ?2, last_response = COALESCE(?3, last_response),
                     attempts = attempts + ?4, failed_at = ?5, replayed_at = NULL
                 WHERE id = ?1
                 RETURNING id",
            )
            .bind(letter)
            .bind(reason.to_string())
            .bind(response.clone())
            .bind(attempts)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?,
            None => None,
        };
        let letter_id = match updated {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO sync_dead_letters
                     (connector, stream, tenant, record_key, payload, reason, last_response,
                      attempts, failed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 RETURNING id",
            )
            .bind(row.try_get::<String, _>("connector").map_err(db_error)?)
            .bind(row.try_get::<String, _>("stream").map_err(db_error)?)
            .bind(row.try_get::<String, _>("tenant").map_err(db_error)?)
            .bind(row.try_get::<String, _>("dedupe_key").map_err(db_error)?)
            .bind(row.try_get::<String, _>("payload").map_err(db_error)?)
            .bind(reason.to_string())
            .bind(response)
            .bind(attempts)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?,
        };
        tx.commit().await.map_err(db_error)?;
        Ok(Some(letter_id))
    }

    async fn replay_dead_letter(
        &self,
        dead_letter_id: i64,
        limits: OutboxLimits,
    ) -> Result<ReplayOutcome, StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let Some(letter) = sqlx::query(
            "SELECT connector, stream, tenant, record_key, payload FROM sync_dead_letters
             WHERE id = ?1 AND replayed_at IS NULL",
        )
        .bind(dead_letter_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        else {
            return Ok(ReplayOutcome::NotFound);
        };
        let get_str = |name: &str| letter.try_get::<String, _>(name).map_err(db_error);
        let destination = stream_key(
            get_str("connector")?,
            get_str("stream")?,
            get_str("tenant")?,
        );
        let record_key = get_str("record_key")?;
        // A delivered row with the same key is revived for the replay; a pending one wins.
        let queued: Option<i64> = sqlx::query_scalar(
            "INSERT INTO sync_outbox
                 (connector, stream, tenant, dedupe_key, payload, max_attempts, created_at,
                  expires_at, next_attempt_at, replay_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?9)
             ON CONFLICT (connector, stream, tenant, dedupe_key) DO UPDATE SET
                 payload = excluded.payload, attempts = 0, max_attempts = excluded.max_attempts,
                 created_at = excluded.created_at, expires_at = excluded.expires_at,
                 next_attempt_at = excluded.next_attempt_at, lease_token = NULL,
                 last_error = NULL, last_response = NULL, replay_of = excluded.replay_of,
                 delivered_at = NULL
             WHERE sync_outbox.delivered_at IS NOT NULL
             RETURNING id",
        )
        .bind(destination.connector.clone())
        .bind(destination.stream.clone())
        .bind(destination.tenant.clone())
        .bind(record_key.clone())
        .bind(get_str("payload")?)
        .bind(i64::from(limits.max_attempts.max(1)))
        .bind(now)
        .bind(expires_at(now, &limits))
        .bind(dead_letter_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let outcome = match queued {
            Some(id) => ReplayOutcome::Queued(id),
            None => {
                let id = existing_id(&mut tx, &destination, &record_key)
                    .await?
                    .ok_or_else(|| {
                        StoreError::Corrupt("outbox replay conflicted with no row".into())
                    })?;
                ReplayOutcome::AlreadyQueued(id)
            }
        };
        tx.commit().await.map_err(db_error)?;
        Ok(outcome)
    }

    async fn prune_delivered(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let _turn = self.write_turn().await;
        let result = sqlx::query(
            "DELETE FROM sync_outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?1",
        )
        .bind(time_to_ms(before))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(result.rows_affected())
    }

    async fn stats(&self) -> Result<OutboxStats, StoreError> {
        let row = sqlx::query(
            "SELECT
                 COUNT(*) FILTER (WHERE delivered_at IS NULL) AS pending,
                 COUNT(*) FILTER (WHERE delivered_at IS NULL AND next_attempt_at <= ?1) AS due,
                 COUNT(*) FILTER (WHERE delivered_at IS NULL AND lease_token IS NOT NULL
                                  AND next_attempt_at > ?1) AS leased,
                 COUNT(*) FILTER (WHERE delivered_at IS NOT NULL) AS delivered,
                 MIN(created_at) FILTER (WHERE delivered_at IS NULL) AS oldest_pending,
                 MIN(next_attempt_at) FILTER (WHERE delivered_at IS NULL
                                              AND next_attempt_at <= ?1) AS oldest_due
             FROM sync_outbox",
        )
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(OutboxStats {
            pending: to_u64(row.try_get("pending").map_err(db_error)?),
            due: to_u64(row.try_get("due").map_err(db_error)?),
            leased: to_u64(row.try_get("leased").map_err(db_error)?),
            delivered: to_u64(row.try_get("delivered").map_err(db_error)?),
            oldest_pending: opt_ms_to_time(
                row.try_get("oldest_pending").map_err(db_error)?,
                "sync_outbox.created_at",
            )?,
            oldest_due: opt_ms_to_time(
                row.try_get("oldest_due").map_err(db_error)?,
                "sync_outbox.next_attempt_at",
            )?,
        })
    }
}
