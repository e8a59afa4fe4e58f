//! One run: every website in turn, each under its lease, through the sync-core pipeline.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use magento_client::sync::{ORDERS_STREAM, OrderSource};
use magento_client::{Client, StoreConfig};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{DeadLetterQuery, DeadLetterStore};
use sync_core::{ExponentialBackoff, OnExhausted, Pipeline, StreamKey};

use crate::config::{Settings, WebsiteConfig};
use crate::progress::Bars;
use crate::sink::{Counts, CustomerSink};
use crate::stop::Stop;
use crate::store::{Acquire, CustomerDb, LeaseToken};
use crate::summary::{DeadLetterShown, RunSummary, Status, WebsiteSummary};
use crate::target::Magento;
use crate::websites;

/// The connector name in watermark and dead-letter keys.
pub const CONNECTOR: &str = "magento-customer-import";

/// What every website's run shares.
#[derive(Debug)]
pub struct Context {
    /// Settings.
    pub settings: Settings,
    /// The Magento and its websites.
    pub magento: Magento,
    /// The client.
    pub client: Client,
    /// Customer tables and leases.
    pub db: CustomerDb,
    /// Watermarks and dead letters (sync-core, same file).
    pub engine: Arc<SqliteStore>,
    /// Progress bars.
    pub bars: Bars,
    /// Signals.
    pub stop: Arc<Stop>,
    /// Who holds leases (`pid 4242 on host`).
    pub holder: String,
}

/// `pid <pid> on <host>`: shown to a run that finds the lease taken.
pub fn holder() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this host".into());
    format!("pid {} on {host}", std::process::id())
}

/// The watermark key of a website's store view.
pub fn stream_key(website: &str, store_id: u32) -> StreamKey {
    StreamKey::new(
        CONNECTOR,
        ORDERS_STREAM,
        format!("website:{website}/store:{store_id}"),
    )
}

/// Run every selected website once.
pub async fn run_once(ctx: &Context) -> RunSummary {
    let mut summary = RunSummary {
        started_at: Utc::now(),
        magento: ctx.magento.base_url.clone(),
        mode: match &ctx.magento.sandbox {
            Some(_) => format!("sandbox, {}", ctx.magento.auth.mode()),
            None => ctx.magento.auth.mode().to_string(),
        },
        database: ctx.db.path().to_string(),
        websites: Vec::new(),
    };
    let selected: Vec<&WebsiteConfig> = ctx
        .magento
        .websites
        .iter()
        .filter(|w| ctx.settings.only.is_empty() || ctx.settings.only.contains(&w.name))
        .collect();
    for name in &ctx.settings.only {
        if !ctx.magento.websites.iter().any(|w| &w.name == name) {
            let mut w = WebsiteSummary::empty(name, Status::Failed);
            w.error = Some(format!(
                "--website {name}: no such website in the configuration"
            ));
            summary.websites.push(w);
        }
    }
    let configs = match ctx.client.stores().store_configs(&[]).await {
        Ok(configs) => configs,
        Err(error) => {
            for website in selected {
                let mut w = WebsiteSummary::empty(&website.name, Status::Failed);
                w.error = Some(format!(
                    "reading Magento's store configs (GET /V1/store/storeConfigs; the \
                     integration needs Magento_Backend::store): {error}"
                ));
                summary.websites.push(w);
            }
            return summary;
        }
    };
    for website in selected {
        if ctx.stop.is_set() {
            break;
        }
        summary
            .websites
            .push(run_website(ctx, website, &configs).await);
    }
    summary
}

async fn run_website(
    ctx: &Context,
    website: &WebsiteConfig,
    configs: &[StoreConfig],
) -> WebsiteSummary {
    let name = website.name.as_str();
    let mut summary = WebsiteSummary::empty(name, Status::Failed);
    let store = match websites::resolve(website, configs) {
        Ok(store) => store,
        Err(error) => {
            summary.error = Some(error.to_string());
            return summary;
        }
    };
    tracing::info!(website = name, store_id = store.id, code = %store.code, found_by = %store.found_by, "store view");
    summary.store = Some(store.clone());

    let lease = match take_lease(ctx, name).await {
        Ok(lease) => lease,
        Err((status, message)) => {
            summary.status = status;
            summary.error = Some(message);
            return summary;
        }
    };
    let heartbeat = heartbeat(ctx.db.clone(), lease.clone());

    let counts = Arc::new(Mutex::new(Counts::default()));
    let sink = CustomerSink::new(
        ctx.db.clone(),
        name,
        lease.clone(),
        counts.clone(),
        ctx.stop.flag(),
    );
    let source = OrderSource::new(ctx.client.clone())
        .store(store.id)
        .page_size(ctx.settings.batch_size)
        .settle(ctx.magento.settle);
    let stream = stream_key(name, store.id);
    let retry = ctx.settings.retry;
    let built = Pipeline::builder(stream.clone(), source, sink)
        .watermarks(ctx.engine.clone())
        .dead_letters(ctx.engine.clone())
        .retry_policy(
            ExponentialBackoff::default()
                .initial(retry.initial)
                .max_delay(retry.max_delay)
                .max_attempts(retry.attempts),
        )
        // A failing order is retried, then dead-lettered with its reason; the watermark moves
        // past it only once the dead letter is stored.
        .on_exhausted(OnExhausted::DeadLetter)
        .redactor(ctx.client.redactor().clone())
        .build();
    let mut pipeline = match built {
        Ok(pipeline) => pipeline,
        Err(error) => {
            summary.error = Some(error.to_string());
            finish_lease(ctx, heartbeat, &lease).await;
            return summary;
        }
    };

    let started = Utc::now();
    let follow = ctx.bars.follow(name, pipeline.subscribe());
    let result = pipeline.run().await;
    follow.finish();
    finish_lease(ctx, heartbeat, &lease).await;

    let report = match result {
        Ok(report) => {
            summary.status = Status::Completed;
            report
        }
        Err(error) => {
            summary.error = Some(error.kind.to_string());
            error.report
        }
    };
    let counts = counts.lock().expect("sink counts").clone();
    summary.orders_seen = report.seen;
    summary.customers_created = counts.created;
    summary.customers_updated = counts.updated;
    summary.already_imported = counts.already_imported;
    summary.without_email = counts.without_email;
    summary.retries = report.retries;
    summary.watermark_before = report.watermark_before.clone();
    summary.watermark_after = report.watermark_after.clone();
    summary.elapsed_seconds = report.elapsed.as_secs_f64();
    summary.orders_per_second = if summary.elapsed_seconds > 0.0 {
        (report.delivered + report.dead_lettered) as f64 / summary.elapsed_seconds
    } else {
        0.0
    };
    match ctx.engine.list(&DeadLetterQuery::open(stream)).await {
        Ok(letters) => {
            summary.open_dead_letters = letters.len() as u64;
            summary.dead_lettered = letters
                .into_iter()
                .filter(|l| l.failed_at >= started)
                .map(|l| DeadLetterShown {
                    order: l.letter.record_key,
                    reason: l.letter.reason,
                    attempts: l.letter.attempts,
                })
                .collect();
        }
        Err(error) => tracing::warn!(%error, "could not list dead letters"),
    }
    summary
}

/// Take the website's lease, waiting for it with `--wait`.
async fn take_lease(ctx: &Context, website: &str) -> Result<LeaseToken, (Status, String)> {
    loop {
        let attempt = ctx
            .db
            .try_acquire(website, &ctx.holder, ctx.settings.lease)
            .await
            .map_err(|e| (Status::Failed, e.to_string()))?;
        match attempt {
            Acquire::Acquired(lease) => return Ok(lease),
            Acquire::Held { holder, expires_at } => {
                let left = (expires_at - Utc::now()).to_std().unwrap_or_default();
                if !ctx.settings.wait {
                    return Err((
                        Status::Refused,
                        format!(
                            "another run is importing website {website:?} ({holder}); its lease \
                             expires in {}s unless renewed. Run again later, or pass --wait to \
                             wait for it",
                            left.as_secs() + 1
                        ),
                    ));
                }
                tracing::info!(website, %holder, "waiting for another run's lease");
                let pause = left.clamp(Duration::from_millis(100), Duration::from_secs(1));
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = ctx.stop.wait() => {
                        return Err((Status::Failed, "stopped by a signal while waiting for the lease".into()));
                    }
                }
            }
        }
    }
}

/// Renew the lease a few times per period while the run lives.
fn heartbeat(db: CustomerDb, lease: LeaseToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = (lease.ttl / 3).max(Duration::from_millis(100));
        loop {
            tokio::time::sleep(every).await;
            match db.renew(&lease).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::error!(website = %lease.website, "lease lost: the next batch stops the run");
                    return;
                }
                Err(error) => tracing::warn!(%error, "lease renewal failed; retrying"),
            }
        }
    })
}

async fn finish_lease(ctx: &Context, heartbeat: tokio::task::JoinHandle<()>, lease: &LeaseToken) {
    heartbeat.abort();
    if let Err(error) = ctx.db.release(lease).await {
        tracing::warn!(%error, "could not release the lease; it expires by itself");
    }
}
