//! [`InboxStore`] for [`SqliteStore`].
//!
//! `store` is one insert (answering the webhook sender fast); claims work like the outbox's: one
//! `UPDATE … RETURNING`, with `available_at` holding the lease expiry while a delivery is leased.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::outbox::enqueue_all;
use super::{
    SqliteStore, db_error, duration_ms, finish_leased, json_text, ms_to_time, now_ms,
    opt_ms_to_time, parse_json, time_to_ms, to_u32, to_u64,
};
use crate::store::{
    InboxDelivery, InboxStats, InboxStore, Lease, NewOutboxEntry, Received, ReplayOutcome,
    StoreError, inbox_dead_letter_stream,
};

const CLAIM: &str = "
UPDATE sync_inbox
SET attempts = attempts + 1, lease_token = ?1, available_at = ?2
WHERE id IN (
    SELECT id FROM sync_inbox
    WHERE processed_at IS NULL AND available_at <= ?3
    ORDER BY available_at, id
    LIMIT ?4
)
RETURNING id, source, dedupe_key, headers, body, received_at, attempts, last_error, replay_of";

/// Mark leased deliveries processed, fenced by their tokens (see `finish_leased`).
const ACK: &str = "
UPDATE sync_inbox SET processed_at = ?2, lease_token = NULL
FROM (SELECT value ->> 0 AS id, value ->> 1 AS token FROM json_each(?1)) AS lease
WHERE sync_inbox.id = lease.id AND sync_inbox.lease_token = lease.token
  AND sync_inbox.processed_at IS NULL
RETURNING sync_inbox.id, sync_inbox.replay_of";

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
        replay_of: row.try_get("replay_of").map_err(db_error)?,
        lease: Lease::new(id, token, until),
    })
}

#[async_trait]
impl InboxStore for SqliteStore {
    /// Group commit: concurrent calls are stored together, many deliveries per transaction
    /// (one `fsync`), each answered only once its row is committed. Dedupe is unchanged: one
    /// `INSERT … ON CONFLICT DO NOTHING` per delivery, a duplicate costs a second (read)
    /// statement.
    async fn store(
        &self,
        source: &str,
        dedupe_key: &str,
        headers: &serde_json::Value,
        body: &[u8],
    ) -> Result<Received, StoreError> {
        // Refused before SQLite sees it: a retry would fail the same way, so this is permanent
        // (a backend error would be retried).
        if body.len() > self.max_inbox_body {
            return Err(StoreError::TooLarge {
                what: format!("inbox body from {source}"),
                size: body.len(),
                limit: self.max_inbox_body,
            });
        }
        let headers = json_text(headers)?;
        self.accepts
            .store(
                &self.pool,
                &self.writer,
                source,
                dedupe_key,
                headers,
                body.to_vec(),
            )
            .await
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
        Ok(self.ack_many(std::slice::from_ref(lease)).await?[0])
    }

    async fn ack_many(&self, leases: &[Lease]) -> Result<Vec<bool>, StoreError> {
        let items: Vec<(Lease, Vec<NewOutboxEntry>)> =
            leases.iter().map(|lease| (*lease, Vec::new())).collect();
        self.ack_with_effects(&items).await
    }

    /// One transaction, two statements whatever the count: a fenced `UPDATE` for the acks and
    /// one `INSERT` for every accepted ack's outbox entries.
    async fn ack_with_effects(
        &self,
        items: &[(Lease, Vec<NewOutboxEntry>)],
    ) -> Result<Vec<bool>, StoreError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let leases: Vec<Lease> = items.iter().map(|(lease, _)| *lease).collect();
        let mut tx = self.begin_write().await?;
        let done = finish_leased(&mut tx, ACK, &leases, now).await?;
        // Refused by the fencing token: the new holder will enqueue the effects.
        let effects: Vec<&NewOutboxEntry> = items
            .iter()
            .zip(&done)
            .filter(|&(_, &acked)| acked)
            .flat_map(|((_, effects), _)| effects)
            .collect();
        enqueue_all(&mut tx, &effects, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(done)
    }

    async fn dead_letter_delivery(
        &self,
        lease: &Lease,
        reason: &str,
    ) -> Result<Option<i64>, StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        // Kept as processed, not deleted: a duplicate of a dead-lettered delivery is still
        // recognised as one.
        let Some(row) = sqlx::query(
            "UPDATE sync_inbox SET processed_at = ?3, lease_token = NULL, last_error = ?4
             WHERE id = ?1 AND lease_token = ?2 AND processed_at IS NULL
             RETURNING source, dedupe_key, headers, body, received_at, attempts, replay_of",
        )
        .bind(lease.id())
        .bind(lease.token())
        .bind(now)
        .bind(reason.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        else {
            return Ok(None);
        };
        let source: String = row.try_get("source").map_err(db_error)?;
        let dedupe_key: String = row.try_get("dedupe_key").map_err(db_error)?;
        let attempts: i64 = row.try_get("attempts").map_err(db_error)?;
        let replay_of: Option<i64> = row.try_get("replay_of").map_err(db_error)?;
        let updated: Option<i64> = match replay_of {
            Some(letter) => sqlx::query_scalar(
                "UPDATE sync_dead_letters
                 SET reason = ?2, attempts = attempts + ?3, failed_at = ?4, replayed_at = NULL
                 WHERE id = ?1
                 RETURNING id",
            )
            .bind(letter)
            .bind(reason.to_string())
            .bind(attempts)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?,
            None => None,
        };
        let letter_id = match updated {
            Some(id) => id,
            None => {
                let payload = letter_payload(
                    &source,
                    &dedupe_key,
                    parse_json(
                        &row.try_get::<String, _>("headers").map_err(db_error)?,
                        "sync_inbox.headers",
                    )?,
                    &row.try_get::<Vec<u8>, _>("body").map_err(db_error)?,
                    ms_to_time(
                        row.try_get("received_at").map_err(db_error)?,
                        "sync_inbox.received_at",
                    )?,
                );
                let stream = inbox_dead_letter_stream(&source);
                sqlx::query_scalar(
                    "INSERT INTO sync_dead_letters
                         (connector, stream, tenant, record_key, payload, reason, attempts,
                          failed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     RETURNING id",
                )
                .bind(stream.connector)
                .bind(stream.stream)
                .bind(stream.tenant)
                .bind(dedupe_key)
                .bind(json_text(&payload)?)
                .bind(reason.to_string())
                .bind(attempts)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?
            }
        };
        tx.commit().await.map_err(db_error)?;
        Ok(Some(letter_id))
    }

    async fn replay_delivery(&self, dead_letter_id: i64) -> Result<ReplayOutcome, StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let Some(payload) = sqlx::query_scalar::<_, String>(
            "SELECT payload FROM sync_dead_letters
             WHERE id = ?1 AND replayed_at IS NULL AND connector = 'inbox'",
        )
        .bind(dead_letter_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        else {
            return Ok(ReplayOutcome::NotFound);
        };
        let stored = StoredLetter::parse(&parse_json(&payload, "sync_dead_letters.payload")?)?;
        // The processed row (kept for deduplication) is revived; a pruned one is stored anew.
        // A pending row with the same key wins: it will be processed anyway.
        let queued: Option<i64> = sqlx::query_scalar(
            "INSERT INTO sync_inbox
                 (source, dedupe_key, headers, body, received_at, available_at, replay_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (source, dedupe_key) DO UPDATE SET
                 attempts = 0, available_at = excluded.available_at, lease_token = NULL,
                 last_error = NULL, processed_at = NULL, replay_of = excluded.replay_of
             WHERE sync_inbox.processed_at IS NOT NULL
             RETURNING id",
        )
        .bind(stored.source.clone())
        .bind(stored.dedupe_key.clone())
        .bind(json_text(&stored.headers)?)
        .bind(stored.body)
        .bind(stored.received_at)
        .bind(now)
        .bind(dead_letter_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let outcome = match queued {
            Some(id) => ReplayOutcome::Queued(id),
            None => {
                // Link the letter to the pending row so acking it closes the letter too
                // (unless the row already settles another letter).
                let id: i64 = sqlx::query_scalar(
                    "UPDATE sync_inbox SET replay_of = COALESCE(replay_of, ?3)
                     WHERE source = ?1 AND dedupe_key = ?2
                     RETURNING id",
                )
                .bind(stored.source)
                .bind(stored.dedupe_key)
                .bind(dead_letter_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
                ReplayOutcome::AlreadyQueued(id)
            }
        };
        tx.commit().await.map_err(db_error)?;
        Ok(outcome)
    }

    async fn fail(
        &self,
        lease: &Lease,
        reason: &str,
        retry_in: Duration,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
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
        let _turn = self.write_turn().await;
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

/// The dead letter's payload for an inbox delivery: everything needed to store it again.
fn letter_payload(
    source: &str,
    dedupe_key: &str,
    headers: serde_json::Value,
    body: &[u8],
    received_at: DateTime<Utc>,
) -> serde_json::Value {
    let mut payload = serde_json::json!({
        "source": source,
        "dedupe_key": dedupe_key,
        "headers": headers,
        "received_at": received_at.to_rfc3339(),
    });
    // Text stays readable in the letter; other bytes are kept exactly, as hex.
    payload["body"] = match std::str::from_utf8(body) {
        Ok(text) => serde_json::Value::from(text),
        Err(_) => serde_json::json!({ "hex": hex_encode(body) }),
    };
    payload
}

/// An inbox delivery read back from its dead letter's payload.
struct StoredLetter {
    source: String,
    dedupe_key: String,
    headers: serde_json::Value,
    body: Vec<u8>,
    received_at: i64,
}

impl StoredLetter {
    fn parse(payload: &serde_json::Value) -> Result<StoredLetter, StoreError> {
        let corrupt = |what: &str| {
            StoreError::Corrupt(format!("inbox dead letter payload has no valid {what}"))
        };
        let text = |name: &str| {
            payload[name]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| corrupt(name))
        };
        let body = match &payload["body"] {
            serde_json::Value::String(text) => text.as_bytes().to_vec(),
            other => other["hex"]
                .as_str()
                .and_then(hex_decode)
                .ok_or_else(|| corrupt("body"))?,
        };
        let received_at = DateTime::parse_from_rfc3339(&text("received_at")?)
            .map_err(|_| corrupt("received_at"))?;
        Ok(StoredLetter {
            source: text("source")?,
            dedupe_key: text("dedupe_key")?,
            headers: payload["headers"].clone(),
            body,
            received_at: time_to_ms(received_at.with_timezone(&Utc)),
        })
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
