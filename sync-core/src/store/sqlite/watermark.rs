//! [`WatermarkStore`] for [`SqliteStore`]: compare-and-set is one SQL statement.

use async_trait::async_trait;

use super::{SqliteStore, db_error, now_ms};
use crate::store::{StoreError, StreamKey, WatermarkStore};

#[async_trait]
impl WatermarkStore for SqliteStore {
    async fn load(&self, key: &StreamKey) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT value FROM sync_watermarks WHERE connector = ?1 AND stream = ?2 AND tenant = ?3",
        )
        .bind(&key.connector)
        .bind(&key.stream)
        .bind(&key.tenant)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)
    }

    /// Atomic: the comparison and the write are one statement, so of two writers expecting the
    /// same value exactly one succeeds, across connections and processes.
    async fn compare_and_set(
        &self,
        key: &StreamKey,
        expected: Option<&str>,
        new: &str,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let sql = match expected {
            // First value: the insert loses to any row that already exists.
            None => {
                "INSERT INTO sync_watermarks (connector, stream, tenant, value, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (connector, stream, tenant) DO NOTHING"
            }
            Some(_) => {
                "UPDATE sync_watermarks SET value = ?4, updated_at = ?5
                 WHERE connector = ?1 AND stream = ?2 AND tenant = ?3 AND value = ?6"
            }
        };
        let mut query = sqlx::query(sql)
            .bind(key.connector.clone())
            .bind(key.stream.clone())
            .bind(key.tenant.clone())
            .bind(new.to_string())
            .bind(now_ms());
        if let Some(expected) = expected {
            query = query.bind(expected.to_string());
        }
        let result = query.execute(&self.pool).await.map_err(db_error)?;
        Ok(result.rows_affected() == 1)
    }
}
