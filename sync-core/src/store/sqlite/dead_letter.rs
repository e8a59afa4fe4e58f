//! [`DeadLetterStore`] for [`SqliteStore`].

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{
    SqliteStore, db_error, json_text, ms_to_time, now_ms, opt_ms_to_time, parse_json, stream_key,
    to_u32,
};
use crate::store::{DeadLetter, DeadLetterQuery, DeadLetterStore, NewDeadLetter, StoreError};

const LIST: &str = "
SELECT id, connector, stream, tenant, record_key, payload, reason, last_response, attempts,
       failed_at, replayed_at
FROM sync_dead_letters
WHERE (?1 IS NULL OR (connector = ?1 AND stream = ?2 AND tenant = ?3))
  AND (?4 OR replayed_at IS NULL)
  AND id > ?5
ORDER BY id
LIMIT ?6";

fn letter_from_row(row: &SqliteRow) -> Result<DeadLetter, StoreError> {
    let get_str = |name: &str| row.try_get::<String, _>(name).map_err(db_error);
    Ok(DeadLetter {
        id: row.try_get("id").map_err(db_error)?,
        letter: NewDeadLetter {
            stream: stream_key(
                get_str("connector")?,
                get_str("stream")?,
                get_str("tenant")?,
            ),
            record_key: get_str("record_key")?,
            payload: parse_json(&get_str("payload")?, "sync_dead_letters.payload")?,
            reason: get_str("reason")?,
            last_response: row.try_get("last_response").map_err(db_error)?,
            attempts: to_u32(
                row.try_get("attempts").map_err(db_error)?,
                "sync_dead_letters.attempts",
            )?,
        },
        failed_at: ms_to_time(
            row.try_get("failed_at").map_err(db_error)?,
            "sync_dead_letters.failed_at",
        )?,
        replayed_at: opt_ms_to_time(
            row.try_get("replayed_at").map_err(db_error)?,
            "sync_dead_letters.replayed_at",
        )?,
    })
}

#[async_trait]
impl DeadLetterStore for SqliteStore {
    /// Durable once it returns: the letter is committed (see [`Durability`](super::Durability)).
    async fn put(&self, letter: NewDeadLetter) -> Result<i64, StoreError> {
        let _turn = self.write_turn().await;
        let payload = json_text(&letter.payload)?;
        // A repeat of an open letter (an unsorted source re-reading its lookback window) is
        // folded into it rather than piling up.
        let existing: Option<i64> = sqlx::query_scalar(
            "UPDATE sync_dead_letters
             SET reason = ?6, last_response = ?7, attempts = attempts + ?8, failed_at = ?9
             WHERE id = (SELECT id FROM sync_dead_letters
                         WHERE connector = ?1 AND stream = ?2 AND tenant = ?3
                           AND record_key = ?4 AND payload = ?5 AND replayed_at IS NULL
                         ORDER BY id LIMIT 1)
             RETURNING id",
        )
        .bind(&letter.stream.connector)
        .bind(&letter.stream.stream)
        .bind(&letter.stream.tenant)
        .bind(&letter.record_key)
        .bind(&payload)
        .bind(&letter.reason)
        .bind(&letter.last_response)
        .bind(i64::from(letter.attempts))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        if let Some(id) = existing {
            return Ok(id);
        }
        sqlx::query_scalar(
            "INSERT INTO sync_dead_letters
                 (connector, stream, tenant, record_key, payload, reason, last_response, attempts,
                  failed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             RETURNING id",
        )
        .bind(letter.stream.connector)
        .bind(letter.stream.stream)
        .bind(letter.stream.tenant)
        .bind(letter.record_key)
        .bind(payload)
        .bind(letter.reason)
        .bind(letter.last_response)
        .bind(i64::from(letter.attempts))
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)
    }

    async fn list(&self, query: &DeadLetterQuery) -> Result<Vec<DeadLetter>, StoreError> {
        let stream = query.stream.as_ref();
        let rows = sqlx::query(LIST)
            .bind(stream.map(|s| s.connector.clone()))
            .bind(stream.map(|s| s.stream.clone()))
            .bind(stream.map(|s| s.tenant.clone()))
            .bind(query.include_replayed)
            .bind(query.after_id.unwrap_or(i64::MIN))
            // SQLite reads a negative LIMIT as "no limit".
            .bind(query.limit.map_or(-1, i64::from))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(letter_from_row).collect()
    }

    async fn count_open(&self) -> Result<u64, StoreError> {
        let open: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sync_dead_letters WHERE replayed_at IS NULL")
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
        Ok(super::to_u64(open))
    }

    async fn mark_replayed(&self, id: i64) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let result = sqlx::query(
            "UPDATE sync_dead_letters SET replayed_at = ?2 WHERE id = ?1 AND replayed_at IS NULL",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(result.rows_affected() == 1)
    }

    async fn record_failure(
        &self,
        id: i64,
        reason: &str,
        last_response: Option<&str>,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "UPDATE sync_dead_letters
             SET reason = ?2, last_response = ?3, attempts = attempts + 1
             WHERE id = ?1",
        )
        .bind(id)
        .bind(reason.to_string())
        .bind(last_response.map(str::to_string))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }
}
