//! SQLite stores, the embedded default: one [`SqliteStore`] handle is a [`WatermarkStore`], a
//! [`DeadLetterStore`], an [`OutboxStore`] and an [`InboxStore`] over one database file.
//!
//! # Durability and concurrency
//!
//! - Files are opened in WAL mode: readers never block the writer, and a committed write
//!   survives a crash of the process. With the default [`Durability::Full`] it also survives
//!   an operating-system crash or power loss (one `fsync` per commit).
//! - Every write that must be atomic is a single SQL statement or an `IMMEDIATE` transaction,
//!   so several handles — in one process or in several processes sharing the file — can work
//!   on one database. Writers wait up to the busy timeout for each other.
//! - The schema is created on open (`CREATE TABLE IF NOT EXISTS`) and versioned in the
//!   `sync_schema_version` table; a database written by a newer schema is refused rather than
//!   misread. Tables are prefixed `sync_` so the file can be shared with an application's own.
//! - `":memory:"` opens a private in-memory database on a single connection, kept open for the
//!   life of the handle (and its clones): for tests and runs that may start over.
//!
//! Times are stored as Unix milliseconds (UTC).
//!
//! [`WatermarkStore`]: super::WatermarkStore
//! [`DeadLetterStore`]: super::DeadLetterStore
//! [`OutboxStore`]: super::OutboxStore
//! [`InboxStore`]: super::InboxStore
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use sync_core::store::sqlite::SqliteStore;
//! use sync_core::{StreamKey, WatermarkStore};
//!
//! let store = SqliteStore::open(":memory:").await?;
//! let key = StreamKey::new("woo-to-ac", "orders", "shop.example.com");
//! assert!(store.compare_and_set(&key, None, "1042").await?);
//! // A writer that still expects the old value loses.
//! assert!(!store.compare_and_set(&key, None, "1043").await?);
//! assert_eq!(store.load(&key).await?.as_deref(), Some("1042"));
//! # Ok::<_, sync_core::StoreError>(())
//! # }).unwrap();
//! ```

mod dead_letter;
mod group_commit;
mod inbox;
mod outbox;
mod schema;
mod watermark;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{Lease, StoreError, StreamKey};

pub use schema::SCHEMA_VERSION;

/// The largest string or blob SQLite stores (its compiled-in `SQLITE_MAX_LENGTH`, 10⁹ bytes in
/// the bundled library), and the default and ceiling of
/// [`SqliteStoreOptions::max_inbox_body_bytes`].
pub const SQLITE_MAX_LENGTH: usize = 1_000_000_000;

/// SQLite's `SQLITE_TOOBIG` result code: a string or blob over [`SQLITE_MAX_LENGTH`].
const SQLITE_TOOBIG: i32 = 18;

/// How hard a commit tries to reach the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// `synchronous = FULL`: a commit survives a process crash, an OS crash and power loss.
    /// The default, because the engine counts a record as done once it is committed.
    #[default]
    Full,
    /// `synchronous = NORMAL`: a commit survives a process crash; an OS crash or power loss may
    /// roll back the last commits (never corrupts). Faster on slow disks.
    Normal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    File(PathBuf),
    Memory,
}

/// How to open a [`SqliteStore`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use sync_core::store::sqlite::{Durability, SqliteStoreOptions};
///
/// let path = std::env::temp_dir().join(format!("sync-core-doc-{}.db", std::process::id()));
/// let store = SqliteStoreOptions::file(&path)
///     .max_connections(4)
///     .busy_timeout(Duration::from_secs(10))
///     .durability(Durability::Normal)
///     .open()
///     .await?;
/// store.close().await;
/// # for suffix in ["", "-wal", "-shm"] {
/// #     let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
/// # }
/// # Ok::<_, sync_core::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStoreOptions {
    location: Location,
    max_connections: u32,
    busy_timeout: Duration,
    durability: Durability,
    create_if_missing: bool,
    max_inbox_body: usize,
}

impl SqliteStoreOptions {
    /// A database file at `path` (`":memory:"` means [`SqliteStoreOptions::in_memory`]). By
    /// default it is created if missing, with 4 connections, a 5 s busy timeout and
    /// [`Durability::Full`].
    pub fn file(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let location = if path == Path::new(":memory:") {
            Location::Memory
        } else {
            Location::File(path.to_path_buf())
        };
        SqliteStoreOptions {
            location,
            max_connections: 4,
            busy_timeout: Duration::from_secs(5),
            durability: Durability::Full,
            create_if_missing: true,
            max_inbox_body: SQLITE_MAX_LENGTH,
        }
    }

    /// A private in-memory database on one connection; it lives as long as the store handle.
    pub fn in_memory() -> Self {
        Self::file(":memory:")
    }

    /// The most connections the pool opens (at least 1; in-memory stores always use 1). WAL
    /// lets readers run beside the one writer; more than a handful rarely helps.
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a write waits for another connection's write to finish before failing with a
    /// (retryable) [`StoreError::Backend`].
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How hard commits try to reach the disk.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The largest webhook body the inbox stores (default and ceiling [`SQLITE_MAX_LENGTH`]).
    /// A larger one is refused with [`StoreError::TooLarge`], which is permanent: the receiver
    /// answers it as a client error instead of asking the sender to retry forever.
    pub fn max_inbox_body_bytes(mut self, limit: usize) -> Self {
        self.max_inbox_body = limit.min(SQLITE_MAX_LENGTH);
        self
    }

    /// Whether to create the file when it does not exist (default `true`).
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }

    /// Open the database, switch it to WAL and create or upgrade the schema.
    pub async fn open(self) -> Result<SqliteStore, StoreError> {
        let synchronous = match self.durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        let connect = SqliteConnectOptions::new()
            .busy_timeout(self.busy_timeout)
            .synchronous(synchronous)
            .foreign_keys(true);
        let pool = match &self.location {
            Location::File(path) => {
                let connect = connect
                    .filename(path)
                    .create_if_missing(self.create_if_missing)
                    .journal_mode(SqliteJournalMode::Wal);
                SqlitePoolOptions::new()
                    .max_connections(self.max_connections)
                    .connect_with(connect)
                    .await
            }
            // A private in-memory database exists only inside its connection, so the pool
            // holds exactly one and never lets it go.
            Location::Memory => {
                let connect = connect.in_memory(true);
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(connect)
                    .await
            }
        }
        .map_err(db_error)?;
        schema::migrate(&pool).await?;
        let location = match self.location {
            Location::File(path) => path.display().to_string(),
            Location::Memory => ":memory:".to_string(),
        };
        Ok(SqliteStore {
            pool,
            location: location.into(),
            max_inbox_body: self.max_inbox_body,
            accepts: Arc::default(),
            writer: Arc::default(),
        })
    }
}

/// Watermarks, dead letters, the outbox and the webhook inbox in one SQLite database.
///
/// Cheap to clone: clones share one connection pool. See the [module docs](self) for the
/// durability and concurrency guarantees.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    location: Arc<str>,
    max_inbox_body: usize,
    /// Webhook deliveries waiting for the inbox's group commit (shared by clones).
    accepts: Arc<group_commit::AcceptQueue>,
    /// Writers of this process (all clones) take turns here before SQLite's own write lock;
    /// see `SqliteStore::write_turn`.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.location)
            .field("connections", &self.pool.size())
            .field("closed", &self.pool.is_closed())
            .field("max_inbox_body", &self.max_inbox_body)
            .finish()
    }
}

impl SqliteStore {
    /// Open (creating if missing) the database file at `path` with default
    /// [`SqliteStoreOptions`]; `":memory:"` opens a private in-memory database.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        SqliteStoreOptions::file(path).open().await
    }

    /// Open a private in-memory database.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        SqliteStoreOptions::in_memory().open().await
    }

    /// Where the database lives (a path, or `":memory:"`).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The schema version stored in the database.
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        schema::stored_version(&self.pool).await
    }

    /// Close every connection, waiting for running queries. Later calls on this handle or its
    /// clones fail; an in-memory database is gone.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A write transaction (`BEGIN IMMEDIATE`) holding this process's writer turn until it is
/// committed or dropped (rolled back).
struct WriteTx {
    // Declared first, so it is dropped (rolled back) before the turn is handed on.
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl WriteTx {
    async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl SqliteStore {
    /// Wait for this process's writer turn. SQLite runs one writer at a time; when several
    /// connections of one process race for it, the losers sleep in SQLite's busy handler (in
    /// steps of up to 100 ms), which costs far more than queueing here first. Other processes
    /// sharing the file still meet at SQLite's lock and its busy timeout.
    async fn write_turn(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.writer.clone().lock_owned().await
    }

    /// Start a write transaction in this process's writer turn.
    async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let turn = self.write_turn().await;
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)?;
        Ok(WriteTx { tx, _turn: turn })
    }
}

/// Finish leased rows in one statement, fenced by each lease's token: `sql` is an
/// `UPDATE … FROM` over the leases (`?1`, a JSON array of `[id, token]`, `?2` now) returning
/// `id, replay_of` of the rows it changed. Letters the finished rows replay are marked
/// replayed in the same transaction. One answer per lease, in order.
async fn finish_leased(
    conn: &mut sqlx::SqliteConnection,
    sql: &'static str,
    leases: &[Lease],
    now: i64,
) -> Result<Vec<bool>, StoreError> {
    use sqlx::Row;
    let pairs: Vec<[i64; 2]> = leases.iter().map(|l| [l.id(), l.token()]).collect();
    let pairs = serde_json::to_string(&pairs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let rows = sqlx::query(sql)
        .bind(pairs)
        .bind(now)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    let mut finished = std::collections::HashSet::with_capacity(rows.len());
    let mut letters = Vec::new();
    for row in &rows {
        finished.insert(row.try_get::<i64, _>(0).map_err(db_error)?);
        if let Some(letter) = row.try_get::<Option<i64>, _>(1).map_err(db_error)? {
            letters.push(letter);
        }
    }
    if !letters.is_empty() {
        let letters =
            serde_json::to_string(&letters).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "UPDATE sync_dead_letters SET replayed_at = ?2
             WHERE id IN (SELECT value FROM json_each(?1)) AND replayed_at IS NULL",
        )
        .bind(letters)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    }
    // A lease listed twice finishes its row once: only the first answer is `true`.
    Ok(leases.iter().map(|l| finished.remove(&l.id())).collect())
}

/// Map a driver error: decoding problems mean the stored data is not what we wrote; everything
/// else (I/O, busy, a closed pool) is a backend failure worth retrying.
/// `true` when SQLite refused a string or blob over its length limit.
fn is_too_big(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .and_then(|code| code.parse::<i32>().ok())
        // The low byte is the primary result code, whatever the extended one.
        .is_some_and(|code| code & 0xff == SQLITE_TOOBIG)
}

fn db_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => StoreError::Corrupt(error.to_string()),
        other => StoreError::Backend(Box::new(other)),
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn time_to_ms(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn ms_to_time(ms: i64, column: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("{column} holds an impossible time: {ms}")))
}

fn opt_ms_to_time(ms: Option<i64>, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    ms.map(|ms| ms_to_time(ms, column)).transpose()
}

fn to_u32(value: i64, column: &str) -> Result<u32, StoreError> {
    u32::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("{column} is out of range: {value}")))
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn json_text(value: &serde_json::Value) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("payload: {e}")))
}

fn parse_json(text: &str, column: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("{column} is not valid JSON: {e}")))
}

fn stream_key(connector: String, stream: String, tenant: String) -> StreamKey {
    StreamKey {
        connector,
        stream,
        tenant,
    }
}

/// A fresh, unguessable claim token.
fn new_token() -> i64 {
    fastrand::i64(..)
}

/// Rows claimed under a lease, with the token and expiry they were leased under.
struct Claimed {
    rows: Vec<sqlx::sqlite::SqliteRow>,
    token: i64,
    until: DateTime<Utc>,
}

impl SqliteStore {
    /// Run a claim statement that binds `?1` token, `?2` lease expiry (ms), `?3` now (ms) and
    /// `?4` limit, and returns the claimed rows.
    async fn claim_rows(
        &self,
        sql: &'static str,
        limit: u32,
        lease: Duration,
    ) -> Result<Claimed, StoreError> {
        if limit == 0 {
            return Ok(Claimed {
                rows: Vec::new(),
                token: 0,
                until: Utc::now(),
            });
        }
        // The turn first: the lease is timed from when the claim can actually run.
        let _turn = self.write_turn().await;
        let now = now_ms();
        let until_ms = now.saturating_add(duration_ms(lease));
        let until = ms_to_time(until_ms, "lease expiry")?;
        let token = new_token();
        let rows = sqlx::query(sql)
            .bind(token)
            .bind(until_ms)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(Claimed { rows, token, until })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_length_errors_are_recognised() {
        let store = SqliteStore::open_in_memory().await.unwrap();
        // zeroblob checks the length before allocating anything.
        let too_big = sqlx::query("SELECT zeroblob(?1)")
            .bind(i64::try_from(SQLITE_MAX_LENGTH).unwrap() + 1)
            .fetch_one(&store.pool)
            .await
            .unwrap_err();
        assert!(is_too_big(&too_big), "{too_big:?}");
        let other = sqlx::query("SELECT * FROM no_such_table")
            .fetch_one(&store.pool)
            .await
            .unwrap_err();
        assert!(!is_too_big(&other), "{other:?}");
    }
}
