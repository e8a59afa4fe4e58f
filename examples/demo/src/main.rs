//! `demo`: the shop flows end to end, through the commerce-sync clients and engine, on a local
//! sandbox of every vendor. See the crate's README for the flows, the state and the flags.
//!
//! Wiring only: arguments → vendors → clients → state → run → summary.

mod api_calls;
mod cli;
mod clients;
mod counted;
mod flows;
mod logging;
mod map_sink;
mod outbox_fanout;
mod progress;
mod run;
mod state;
mod summary;
mod vendors;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::summary::RunKind;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Args::parse();
    logging::init(args.log_format);
    match demo(args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

async fn demo(args: cli::Args) -> Result<ExitCode, Box<dyn std::error::Error + Send + Sync>> {
    args.check()?;
    let vendors = match &args.endpoints {
        Some(path) => vendors::Vendors::from_file(path)?,
        None => vendors::Vendors::start_sandbox(args.orders).await?,
    };
    let clients = clients::Clients::build(&vendors.endpoints)?;

    if args.reset {
        state::reset(&args.db)?;
    }
    let kind = if state::exists(&args.db) {
        RunKind::Incremental
    } else {
        RunKind::First
    };
    let store = Arc::new(state::open(&args.db).await?);

    let bars = progress::Bars::new(args.quiet);
    let summary = run::run(run::Context {
        clients: &clients,
        endpoints: &vendors.endpoints,
        store: store.clone(),
        bars: &bars,
        kind,
        in_process: vendors.in_process,
        db: args.db.display().to_string(),
    })
    .await?;
    store.close().await;

    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", summary.table());
    }
    // The demo's malformed records are there on purpose: dead letters with reasons are a
    // finished run. Only records left neither delivered nor dead-lettered fail it.
    Ok(if summary.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
