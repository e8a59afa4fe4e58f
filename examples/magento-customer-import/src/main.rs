//! `magento-customer-import`: Magento orders → one customer per (website, email), through
//! magento-client and the sync-core engine. See the README for configuration and flags.
//!
//! Wiring only: arguments → settings → Magento (sandbox or real) → client → stores → runs →
//! summary.

mod cli;
mod clients;
mod config;
mod flows;
mod logging;
mod progress;
mod run;
mod sink;
mod stop;
mod store;
mod summary;
mod target;
mod websites;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use sync_core::store::sqlite::SqliteStoreOptions;

use crate::summary::RunSummary;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Args::parse();
    logging::init(args.log_format);
    match app(args).await {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(summary::exit::FAILED)
        }
    }
}

async fn app(args: cli::Args) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    let settings = config::Settings::load(&args)?;
    let magento = target::resolve(&settings).await?;
    let client = clients::magento(&magento.base_url, &magento.auth, settings.batch_size)?;
    let db = store::CustomerDb::open(&settings.database.path).await?;
    let engine = Arc::new(
        SqliteStoreOptions::file(&settings.database.path)
            .busy_timeout(Duration::from_secs(15))
            .open()
            .await?,
    );
    let ctx = run::Context {
        settings,
        magento,
        client,
        db,
        engine,
        bars: progress::Bars::new(args.quiet),
        stop: stop::Stop::install(),
        holder: run::holder(),
    };
    let code = match ctx.settings.every {
        None => {
            let summary = run::run_once(&ctx).await;
            print(&summary, args.json, false);
            summary.exit_code()
        }
        Some(interval) => every(&ctx, interval, args.json).await,
    };
    ctx.engine.close().await;
    ctx.db.close().await;
    Ok(code)
}

/// Cron mode: a run every `interval`, counted from each run's start (a run that takes longer
/// is followed at once by the next), until a signal.
async fn every(ctx: &run::Context, interval: Duration, json: bool) -> u8 {
    let mut next = tokio::time::Instant::now();
    loop {
        let summary = run::run_once(ctx).await;
        print(&summary, json, true);
        if ctx.stop.is_set() {
            // A service stopped on purpose; a run it cut short resumes at the next start.
            return summary::exit::OK;
        }
        next += interval;
        let now = tokio::time::Instant::now();
        if next < now {
            next = now;
        }
        tracing::info!(in_seconds = (next - now).as_secs(), "next run");
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = ctx.stop.wait() => return summary::exit::OK,
        }
    }
}

fn print(summary: &RunSummary, json: bool, one_line: bool) {
    if json {
        let text = if one_line {
            serde_json::to_string(summary)
        } else {
            serde_json::to_string_pretty(summary)
        };
        match text {
            Ok(text) => println!("{text}"),
            Err(error) => eprintln!("error: the summary could not be written as JSON: {error}"),
        }
    } else {
        print!("{}", summary.table());
    }
}
