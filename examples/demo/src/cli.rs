//! Command line and environment: what the demo is told, checked before anything starts.

use std::path::{Path, PathBuf};

use clap::{Parser, ValueEnum};

/// Where state goes by default (its folder is created on a fresh clone).
pub const DEFAULT_DB: &str = "demo-state/demo.db";

/// Syncs a WooCommerce shop and a Magento store into ActiveCampaign, a Meta custom audience
/// and Chatwoot, through the commerce-sync clients and engine, on a local sandbox of every
/// vendor. State lives in SQLite: run it twice and the second run is incremental.
#[derive(Debug, Clone, Parser)]
#[command(name = "demo", version)]
pub struct Args {
    /// The SQLite state file (watermarks, outbox, dead letters). Its folder must exist, except
    /// the default `demo-state/`, which is created.
    #[arg(long, env = "DEMO_DB", default_value = DEFAULT_DB)]
    pub db: PathBuf,

    /// Delete the state file first and start over.
    #[arg(long)]
    pub reset: bool,

    /// Orders in each sandbox shop (WooCommerce and Magento). Raising it between runs appends
    /// orders: Magento's keyset source reads exactly those; WooCommerce's modification-time
    /// sources read what was modified after their watermark (the seeded dates are historical).
    #[arg(long, env = "DEMO_ORDERS", default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub orders: u64,

    /// Use vendors already running (a JSON file of base URLs and credentials, the shape of
    /// `sandbox::suite::Endpoints`) instead of starting the sandbox in this process.
    #[arg(long, env = "DEMO_ENDPOINTS")]
    pub endpoints: Option<PathBuf>,

    /// Print the summary as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,

    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,

    /// Log line format on stderr (level from `RUST_LOG`, default `error`).
    #[arg(long, value_enum, env = "DEMO_LOG_FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Input the demo cannot work with, said in terms of the flag to fix.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// The folder the state file goes in does not exist and cannot be created.
    #[error("--db {}: the folder {} does not exist (create it, or pick another path)", db.display(), missing.display())]
    DbFolder {
        /// The `--db` value.
        db: PathBuf,
        /// The folder that is missing.
        missing: PathBuf,
    },
    /// `--endpoints` names no usable file.
    #[error("--endpoints {}: {why}", path.display())]
    EndpointsFile {
        /// The `--endpoints` value.
        path: PathBuf,
        /// Why it could not be used.
        why: String,
    },
}

impl Args {
    /// Checks what can be checked before starting: the state file's folder.
    ///
    /// Only the default folder is created; any other `--db` must point into an existing folder,
    /// so a typo such as `/nonexistent/x.db` is named instead of creating folders.
    pub fn check(&self) -> Result<(), ArgsError> {
        let folder = self.db.parent().unwrap_or(Path::new(""));
        if folder.as_os_str().is_empty() || folder.is_dir() || self.db == Path::new(DEFAULT_DB) {
            return Ok(());
        }
        Err(ArgsError::DbFolder {
            db: self.db.clone(),
            missing: folder.to_path_buf(),
        })
    }
}
