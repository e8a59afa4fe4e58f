//! [`InboxStore`] for [`SqliteStore`].
//!
//! `store` is one insert (answering the webhook sender fast); claims work like the outbox's: one
//! `UPDATE … RETURNING`, with `available_at` holding the lease expiry while a delivery is leased.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{
    SQLITE_MAX_LENGTH, SqliteStore, db_error, duration_ms, is_too_big, json_text, ms_to_time,
    now_ms, opt_ms_to_time, parse_json, time_to_ms, to_u32, to_u64,
};
use crate::store::{InboxDelivery, InboxStats, InboxStore, Lease, Received, StoreError};

const CLAIM: &str = "
UPDATE sync_inbox
SET attempts = attempts + 1, lease_token = ?1, available_at = ?2
WHERE id IN (
    SELECT id FROM sync_inbox
    WHERE processed_at IS NULL AND available_at <= ?3
    ORDER BY available_at, id
    LIMIT ?4
)
RETURNING id, source, dedupe_key, headers, body, received_at, attempts, last_error";

fn delivery_from_row(
    row: &SqliteRow,
    token: i64,
    until: DateTime<Utc>,
) -> Result<InboxDelivery, StoreError> {
    let id: i64 = row.try_get("id").map_err(db_error)?;
    Ok(InboxDelivery {
        source: row.try_get("source").map_err(db_error)?,
        dedupe_key: row.try_get("dedupe_key").map_err(db_error)?,
        headers: parse_json(
            &row.try_get::<String, _>("headers").map_err(db_error)?,
            "sync_inbox.headers",
        )?,
        body: row.try_get("body").map_err(db_error)?,
        received_at: ms_to_time(
            row.try_get("received_at").map_err(db_error)?,
            "sync_inbox.received_at",
        )?,
        attempts: to_u32(
            row.try_get("attempts").map_err(db_error)?,
            "sync_inbox.attempts",
        )?,
        last_error: row.try_get("last_error").map_err(db_error)?,
        lease: Lease::new(id, token, until),
    })
}

#[async_trait]
impl InboxStore for SqliteStore {
    /// One `INSERT … ON CONFLICT DO NOTHING`; only a duplicate costs a second (read) statement.
    async fn store(
        &self,
        source: &str,
        dedupe_key: &str,
        headers: &serde_json::Value,
        body: &[u8],
    ) -> Result<Received, StoreError> {
        // Refused before SQLite sees it: a retry would fail the same way, so this is permanent
        // (a backend error would be retried).
        let too_large = |size: usize, limit: usize| StoreError::TooLarge {
            what: format!("inbox body from {source}"),
            size,
            limit,
        };
        if body.len() > self.max_inbox_body {
            return Err(too_large(body.len(), self.max_inbox_body));
        }
        let headers = json_text(headers)?;
        // A duplicate costs a second, read-only statement. Should the first copy be pruned
        // between the two, the next round stores this one as new.
        for _ in 0..3 {
            let now = now_ms();
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO sync_inbox
                     (source, dedupe_key, headers, body, received_at, available_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (source, dedupe_key) DO NOTHING
                 RETURNING id",
            )
            .bind(source.to_string())
            .bind(dedupe_key.to_string())
            .bind(headers.clone())
            .bind(body.to_vec())
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| {
                // Headers over the limit: as permanent as a body over it.
                if is_too_big(&e) {
                    too_large(body.len().max(headers.len()), SQLITE_MAX_LENGTH)
                } else {
                    db_error(e)
                }
            })?;
            if let Some(id) = inserted {
                return Ok(Received::New(id));
            }
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM sync_inbox WHERE source = ?1 AND dedupe_key = ?2",
            )
            .bind(source.to_string())
            .bind(dedupe_key.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
            if let Some(id) = existing {
                return Ok(Received::Duplicate(id));
            }
        }
        Err(StoreError::Corrupt(format!(
            "inbox delivery {source}/{dedupe_key} conflicts with a row that cannot be found"
        )))
    }

    async fn claim(&self, limit: u32, lease: Duration) -> Result<Vec<InboxDelivery>, StoreError> {
        let claimed = self.claim_rows(CLAIM, limit, lease).await?;
        let mut deliveries = claimed
            .rows
            .iter()
            .map(|row| delivery_from_row(row, claimed.token, claimed.until))
            .collect::<Result<Vec<_>, _>>()?;
        deliveries.sort_by_key(InboxDelivery::id);
        Ok(deliveries)
    }

    async fn ack(&self, lease: &Lease) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE sync_inbox SET processed_at = ?2, lease_token = NULL
             WHERE id = ?1 AND processed_at IS NULL",
        )
        .bind(lease.id())
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(result.rows_affected() == 1)
    }

    async fn fail(
        &self,
        lease: &Lease,
        reason: &str,
        retry_in: Duration,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE sync_inbox SET lease_token = NULL, available_at = ?3, last_error = ?4
             WHERE id = ?1 AND lease_token = ?2 AND processed_at IS NULL",
        )
        .bind(lease.id())
        .bind(lease.token())
        .bind(now_ms().saturating_add(duration_ms(retry_in)))
        .bind(reason.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(result.rows_affected() == 1)
    }

    async fn prune_processed(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "DELETE FROM sync_inbox WHERE processed_at IS NOT NULL AND processed_at < ?1",
        )
        .bind(time_to_ms(before))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(result.rows_affected())
    }

    async fn stats(&self) -> Result<InboxStats, StoreError> {
        let row = sqlx::query(
            "SELECT
                 COUNT(*) FILTER (WHERE processed_at IS NULL) AS pending,
                 COUNT(*) FILTER (WHERE processed_at IS NULL AND lease_token IS NOT NULL
                                  AND available_at > ?1) AS leased,
                 COUNT(*) FILTER (WHERE processed_at IS NOT NULL) AS processed,
                 MIN(received_at) FILTER (WHERE processed_at IS NULL) AS oldest_pending
             FROM sync_inbox",
        )
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(InboxStats {
            pending: to_u64(row.try_get("pending").map_err(db_error)?),
            leased: to_u64(row.try_get("leased").map_err(db_error)?),
            processed: to_u64(row.try_get("processed").map_err(db_error)?),
            oldest_pending: opt_ms_to_time(
                row.try_get("oldest_pending").map_err(db_error)?,
                "sync_inbox.received_at",
            )?,
        })
    }
}
