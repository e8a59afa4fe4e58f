//! The app's database: customers, orders without email and run leases, in one SQLite file
//! that also holds sync-core's watermarks and dead letters (its tables are prefixed `sync_`).
//!
//! The schema is the app's own migrations (`migrations/*.sql`), applied on open.

mod customers;
mod lease;
mod migrations;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use customers::{Applied, BatchError};
pub use lease::{Acquire, LeaseToken};

/// Where the database is, as given by `--database` / `database =`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseLocation {
    /// The SQLite file.
    pub path: PathBuf,
}

/// The database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// A PostgreSQL URL: not supported yet.
    #[error(
        "{url:?}: PostgreSQL is not supported yet. sync-core has no PostgreSQL store for \
         watermarks and dead letters, and the customer table must live beside them so a run \
         never counts an order done that the database did not keep. Use a SQLite file \
         (`--database sqlite://customers.db`, the default)"
    )]
    PostgresNotSupported {
        /// The URL given (without its password).
        url: String,
    },
    /// A URL scheme this app does not know.
    #[error("{url:?}: unknown database URL; use a SQLite file path or `sqlite://<path>`")]
    UnknownScheme {
        /// The URL given.
        url: String,
    },
    /// SQLite failed.
    #[error("customer database {path}: {source}")]
    Sqlite {
        /// The file.
        path: String,
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// The app's migrations failed.
    #[error("customer database {path}: migrations failed: {source}")]
    Migrate {
        /// The file.
        path: String,
        /// What sqlx said.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
}

impl DatabaseLocation {
    /// Read `--database`: a path, `sqlite://<path>` or `sqlite:<path>`. `postgres://` and
    /// `postgresql://` are refused with the reason.
    pub fn parse(url: &str) -> Result<Self, DatabaseError> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Err(DatabaseError::PostgresNotSupported {
                url: without_password(url),
            });
        }
        let path = if let Some(rest) = url.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            rest
        } else if url.contains("://") {
            return Err(DatabaseError::UnknownScheme {
                url: without_password(url),
            });
        } else {
            url
        };
        Ok(DatabaseLocation {
            path: PathBuf::from(path),
        })
    }
}

/// `scheme://user:secret@host` → `scheme://user:…@host`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:…@{host}")
        }
        None => url.to_string(),
    }
}

/// The customer tables.
#[derive(Debug, Clone)]
pub struct CustomerDb {
    pool: SqlitePool,
    path: String,
}

impl CustomerDb {
    /// Open (creating if missing) and migrate.
    pub async fn open(path: &Path) -> Result<Self, DatabaseError> {
        let shown = path.display().to_string();
        let sqlite = |source| DatabaseError::Sqlite {
            path: shown.clone(),
            source,
        };
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Another process (a second run, sync-core's store) may be writing.
            .busy_timeout(Duration::from_secs(15));
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(connect)
            .await
            .map_err(sqlite)?;
        migrations::run(&pool)
            .await
            .map_err(|source| DatabaseError::Migrate {
                path: shown.clone(),
                source,
            })?;
        Ok(CustomerDb { pool, path: shown })
    }

    /// The file, for messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn failed(&self, source: sqlx::Error) -> DatabaseError {
        DatabaseError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Close the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        let path = |u: &str| DatabaseLocation::parse(u).unwrap().path;
        assert_eq!(path("sqlite://data/c.db"), PathBuf::from("data/c.db"));
        assert_eq!(path("sqlite:c.db"), PathBuf::from("c.db"));
        assert_eq!(path("/var/lib/c.db"), PathBuf::from("/var/lib/c.db"));
        let refused = DatabaseLocation::parse("postgres://app:s3cret@db/shop").unwrap_err();
        let text = refused.to_string();
        assert!(text.contains("PostgreSQL is not supported yet"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(matches!(
            DatabaseLocation::parse("mysql://db/shop"),
            Err(DatabaseError::UnknownScheme { .. })
        ));
    }
}
