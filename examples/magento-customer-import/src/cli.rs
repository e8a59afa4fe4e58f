//! Command line (clap, every option also from the environment).

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Imports Magento 2 orders as customers: one row per (website, email), first and last
/// purchase kept, orders without an email recorded, failing orders retried then
/// dead-lettered, never skipped. Runs on a built-in sandbox unless a Magento URL is given.
#[derive(Debug, Clone, Parser)]
#[command(name = "magento-customer-import", version)]
pub struct Args {
    /// The TOML configuration file (websites, Magento URL, auth mode, tuning). Secrets are
    /// never read from it: they come from the environment.
    #[arg(long, short, env = "MCI_CONFIG")]
    pub config: Option<PathBuf>,

    /// Where customers, watermarks and dead letters live: a SQLite file path or
    /// `sqlite://<path>` (default `sqlite://magento-customers.db`). `postgres://` URLs are
    /// refused for now.
    #[arg(long, env = "MCI_DATABASE")]
    pub database: Option<String>,

    /// The Magento storefront root (`https://shop.example.com`), or a running sandbox. Without
    /// it (and without `[magento] base_url`), a sandbox Magento is started in this process.
    #[arg(long, env = "MAGENTO_BASE_URL")]
    pub magento_url: Option<String>,

    /// Import only this website (repeat for several); default: every configured website.
    #[arg(long = "website", value_name = "NAME")]
    pub websites: Vec<String>,

    /// Orders per batch (one Magento page, one database transaction).
    #[arg(long, env = "MCI_BATCH_SIZE")]
    pub batch_size: Option<u32>,

    /// Read only orders older than this (`5m`; `0s` off): order ids become visible out of
    /// order while checkouts overlap. Default 5m against Magento, 0s on the sandbox.
    #[arg(long, env = "MCI_SETTLE")]
    pub settle: Option<String>,

    /// How long a run's lease on a website lasts without renewal (`2m`): a run that dies
    /// blocks the next one at most this long.
    #[arg(long, env = "MCI_LEASE")]
    pub lease: Option<String>,

    /// When another run holds a website's lease, wait for it instead of exiting.
    #[arg(long)]
    pub wait: bool,

    /// Cron mode: run, then again every interval (`6h`, `30m`) until Ctrl-C or SIGTERM.
    #[arg(long, env = "MCI_EVERY", value_name = "INTERVAL")]
    pub every: Option<String>,

    /// Orders in the built-in sandbox.
    #[arg(long, env = "MCI_SANDBOX_ORDERS", default_value_t = 500)]
    pub sandbox_orders: usize,

    /// Print the summary as JSON on stdout (one object per run).
    #[arg(long)]
    pub json: bool,

    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,

    /// Log line format on stderr (level from `RUST_LOG`, default `warn`).
    #[arg(long, value_enum, env = "MCI_LOG_FORMAT", default_value_t = LogFormat::Text)]
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
