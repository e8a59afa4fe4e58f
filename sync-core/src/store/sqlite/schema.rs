//! The schema and its versioned migrations.
//!
//! `MIGRATIONS[i]` takes a database from version `i` to `i + 1`. Add a migration by appending a
//! new entry; never edit one that has shipped.

use sqlx::sqlite::SqlitePool;

use super::{db_error, now_ms, to_u32};
use crate::store::StoreError;

/// The schema version this build of sync-core writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

const MIGRATIONS: &[&str] = &[
    // 1: watermarks, dead letters, outbox, inbox.
    r#"
CREATE TABLE IF NOT EXISTS sync_watermarks (
    connector  TEXT    NOT NULL,
    stream     TEXT    NOT NULL,
    tenant     TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (connector, stream, tenant)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sync_dead_letters (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    connector     TEXT    NOT NULL,
    stream        TEXT    NOT NULL,
    tenant        TEXT    NOT NULL,
    record_key    TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    last_response TEXT,
    attempts      INTEGER NOT NULL,
    failed_at     INTEGER NOT NULL,
    replayed_at   INTEGER
);
CREATE INDEX IF NOT EXISTS sync_dead_letters_open
    ON sync_dead_letters (connector, stream, tenant, id) WHERE replayed_at IS NULL;

-- While an entry is leased, next_attempt_at holds the lease's expiry: a due entry is one whose
-- next_attempt_at has passed, whether it was waiting for a retry or held by a crashed sweeper.
CREATE TABLE IF NOT EXISTS sync_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    connector       TEXT    NOT NULL,
    stream          TEXT    NOT NULL,
    tenant          TEXT    NOT NULL,
    dedupe_key      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    next_attempt_at INTEGER NOT NULL,
    lease_token     INTEGER,
    last_error      TEXT,
    last_response   TEXT,
    replay_of       INTEGER REFERENCES sync_dead_letters (id) ON DELETE SET NULL,
    delivered_at    INTEGER,
    UNIQUE (connector, stream, tenant, dedupe_key)
);
CREATE INDEX IF NOT EXISTS sync_outbox_due
    ON sync_outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS sync_outbox_delivered
    ON sync_outbox (delivered_at) WHERE delivered_at IS NOT NULL;

-- available_at works like the outbox's next_attempt_at: lease expiry while leased, retry time
-- after a failure.
CREATE TABLE IF NOT EXISTS sync_inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT    NOT NULL,
    dedupe_key   TEXT    NOT NULL,
    headers      TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    received_at  INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    available_at INTEGER NOT NULL,
    lease_token  INTEGER,
    last_error   TEXT,
    processed_at INTEGER,
    UNIQUE (source, dedupe_key)
);
CREATE INDEX IF NOT EXISTS sync_inbox_pending
    ON sync_inbox (available_at, id) WHERE processed_at IS NULL;
CREATE INDEX IF NOT EXISTS sync_inbox_processed
    ON sync_inbox (processed_at) WHERE processed_at IS NOT NULL;
"#,
    // 2: inbox deliveries replayed from dead letters remember their letter.
    r#"
ALTER TABLE sync_inbox ADD COLUMN replay_of INTEGER REFERENCES sync_dead_letters (id) ON DELETE SET NULL;
"#,
];

const CREATE_VERSION_TABLE: &str = "
CREATE TABLE IF NOT EXISTS sync_schema_version (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    applied_at INTEGER NOT NULL
)";

/// Bring the database to [`SCHEMA_VERSION`] in one immediate transaction, so two processes
/// opening a new file at once do not both migrate it.
pub(super) async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_error)?;
    sqlx::query(CREATE_VERSION_TABLE)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    let stored: Option<i64> =
        sqlx::query_scalar("SELECT version FROM sync_schema_version WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
    let stored = to_u32(stored.unwrap_or(0), "sync_schema_version.version")?;
    if stored > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {stored}, written by a newer sync-core; this one \
             knows versions up to {SCHEMA_VERSION}: upgrade sync-core to open it"
        )));
    }
    if stored == SCHEMA_VERSION {
        return Ok(()); // dropping the transaction rolls back the no-op
    }
    for migration in &MIGRATIONS[stored as usize..] {
        sqlx::raw_sql(*migration)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
    }
    sqlx::query(
        "INSERT INTO sync_schema_version (id, version, applied_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at",
    )
    .bind(i64::from(SCHEMA_VERSION))
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    tracing::debug!(
        from = stored,
        to = SCHEMA_VERSION,
        "sqlite store schema migrated"
    );
    Ok(())
}

pub(super) async fn stored_version(pool: &SqlitePool) -> Result<u32, StoreError> {
    let version: i64 = sqlx::query_scalar("SELECT version FROM sync_schema_version WHERE id = 1")
        .fetch_one(pool)
        .await
        .map_err(db_error)?;
    to_u32(version, "sync_schema_version.version")
}
