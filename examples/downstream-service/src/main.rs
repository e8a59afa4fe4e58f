//! A downstream service built on commerce-sync, as a user of the crates writes it:
//! WooCommerce webhooks into ActiveCampaign and a Meta custom audience, Magento orders into
//! Chatwoot. Every webhook is verified and stored before its 2xx; the effects go through the
//! outbox, in batches, with retries and dead letters; a poll reads Magento; Ctrl-C or SIGTERM
//! stops it gracefully. This file is the wiring; `effects.rs` says what an event means.

mod effects;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use sync_core::http::ConfigError;
use sync_core::inbox_worker::{InboxWorker, effects_fn};
use sync_core::json_sink::JsonSink;
use sync_core::runtime::axum::{healthz, serve};
use sync_core::runtime::{Runner, shutdown_signal};
use sync_core::source::map_records;
use sync_core::store::sqlite::SqliteStore;
use sync_core::summary::OrderSummary;
use sync_core::sweeper::{Destinations, Sweeper};
use sync_core::webhook::axum::WebhookEndpoint;
use sync_core::{Pipeline, StreamKey};

/// Settings; the vendors' credentials come from their documented environment variables
/// (`WOO_*`, `ACTIVECAMPAIGN_*`, `META_*`, `MAGENTO_*`, `CHATWOOT_*`).
#[derive(Debug, Parser)]
struct Args {
    /// The SQLite file holding the inbox, outbox, dead letters and watermarks.
    #[arg(long, env = "SERVICE_DB", default_value = "downstream-service.db")]
    db: String,
    /// Where webhooks are received.
    #[arg(long, env = "SERVICE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Seconds between Magento polls.
    #[arg(long, env = "SERVICE_POLL_SECONDS", default_value_t = 300)]
    poll_seconds: u64,
}

fn env(name: &str) -> Result<String, ConfigError> {
    std::env::var(name).map_err(|_| ConfigError::missing_env(name))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let store = Arc::new(SqliteStore::open(&args.db).await?);
    let (crm, ads) = (
        effects::destination("activecampaign"),
        effects::destination("meta"),
    );

    let woo_webhooks =
        woo_client::webhook_receive::WebhookVerifier::new(env("WOO_WEBHOOK_SECRET")?);
    let ac = ac_client::Client::from_env()?;
    let audience = fb_audience::Client::from_env()?.audience(env("META_AUDIENCE_ID")?);
    let chatwoot = chatwoot_client::Client::from_env()?;
    let magento = magento_client::Client::from_env()?;

    let targets = [crm.clone(), ads.clone()];
    let worker = InboxWorker::new(
        store.clone(),
        effects_fn(move |delivery| std::future::ready(effects::for_delivery(&delivery, &targets))),
    );
    let destinations = Destinations::new()
        .sink(
            crm,
            JsonSink::<OrderSummary, _>::new(ac_client::sync::ContactSink::new(
                ac,
                effects::ac_contact,
            )),
        )
        .sink(
            ads,
            JsonSink::<OrderSummary, _>::new(fb_audience::AudienceSink::new(
                audience,
                "EMAIL,FN,LN".parse()?,
                fb_audience::Normalizer::default(),
                effects::audience_change,
            )),
        );
    let magento_orders = Pipeline::builder(
        StreamKey::new("magento", "orders", "store"),
        map_records(magento_client::sync::OrderSource::new(magento), |o| {
            OrderSummary::from(&o)
        }),
        chatwoot_client::sync::ContactSink::new(chatwoot),
    )
    .watermarks(store.clone())
    .dead_letters(store.clone())
    .build()?;
    let runner = Runner::new()
        .inbox_worker("woocommerce-webhooks", worker)
        .sweeper("destinations", Sweeper::new(store.clone(), destinations))
        .poll(Duration::from_secs(args.poll_seconds), magento_orders);

    let app = axum::Router::new()
        .route(
            "/webhooks/woocommerce",
            WebhookEndpoint::new("woocommerce", woo_webhooks, store.clone()).into_route(),
        )
        .route("/healthz", healthz(runner.health()));
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    let report = serve(listener, app, runner, shutdown_signal()).await?;
    println!("{}", serde_json::to_string(&effects::summary(&report))?);
    if effects::dead_lettered(&report) {
        std::process::exit(1);
    }
    Ok(())
}
