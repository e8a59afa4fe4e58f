//! The demo's state: one SQLite file holding watermarks, the outbox and dead letters.

use std::path::Path;
use std::time::Duration;

use sync_core::store::sqlite::{SqliteStore, SqliteStoreOptions};

/// The state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// `--reset` could not delete it.
    #[error("--db {path}: cannot delete it for --reset: {source}")]
    Reset {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Its folder could not be created.
    #[error("--db {path}: cannot create its folder: {source}")]
    Folder {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite could not open it.
    #[error("--db {path}: cannot open it as a SQLite database: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: sync_core::StoreError,
    },
}

/// Whether a state file exists already (a run before this one).
pub fn exists(db: &Path) -> bool {
    db.exists()
}

/// Deletes the state file and its WAL companions.
pub fn reset(db: &Path) -> Result<(), StateError> {
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", db.display());
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StateError::Reset {
                    path: db.display().to_string(),
                    source,
                });
            }
        }
    }
    Ok(())
}

/// Opens (creating if needed) the state file, and its folder when [`Args::check`](crate::cli::Args::check) allowed it.
pub async fn open(db: &Path) -> Result<SqliteStore, StateError> {
    let path = db.display().to_string();
    if let Some(folder) = db.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|source| StateError::Folder {
            path: path.clone(),
            source,
        })?;
    }
    SqliteStoreOptions::file(db)
        .busy_timeout(Duration::from_secs(30))
        .open()
        .await
        .map_err(|source| StateError::Open { path, source })
}
