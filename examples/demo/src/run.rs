//! One run: the three source pipelines and the outbox sweeper side by side, until every record
//! is delivered or dead-lettered, then the counts for the summary.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ac_client::sync::ContactSink;
use fb_audience::{AudienceSink, Normalizer, Schema};
use sandbox::suite::Endpoints;
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{DeadLetterQuery, DeadLetterStore, OutboxStore};
use sync_core::sweeper::{Destinations, Sweeper};
use sync_core::{ExponentialBackoff, Pipeline, RunError, RunReport, StoreError, StreamKey};

use crate::api_calls::CallLog;
use crate::clients::Clients;
use crate::counted::{AckCounts, Counted};
use crate::flows::{self, ac_contacts, meta_audience};
use crate::map_sink::MapSink;
use crate::outbox_fanout::OutboxFanout;
use crate::progress::Bars;
use crate::summary::{DeadLetterRow, RunKind, StreamRow, Summary};

/// How long an outbox claim lasts: longer than one batch write takes (a bulk import with its
/// follow-up), short enough that entries claimed by a killed run are delivered by the next run
/// within a minute instead of the sweeper's default 5 minutes.
const LEASE: Duration = Duration::from_secs(60);

/// Outbox entries claimed at a time: one ActiveCampaign bulk import, one Graph upload.
const SWEEP_BATCH: u32 = 100;

/// How long to wait, once the sources are read, for outbox entries to be delivered or
/// dead-lettered (retries are scheduled seconds apart; leases of a killed run expire).
const DRAIN_LIMIT: Duration = Duration::from_secs(150);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Whose data a watermark is: the shop's address, or `sandbox` for the in-process sandbox,
/// whose address changes every run.
fn tenant(in_process: bool, url: &str) -> String {
    if in_process {
        "sandbox".to_owned()
    } else {
        url.trim_end_matches('/').to_owned()
    }
}

/// Everything a run needs.
#[derive(Debug)]
pub struct Context<'a> {
    /// The clients.
    pub clients: &'a Clients,
    /// Where the vendors are (for the audience id and the call counts).
    pub endpoints: &'a Endpoints,
    /// The state.
    pub store: Arc<SqliteStore>,
    /// Progress bars.
    pub bars: &'a Bars,
    /// First or incremental.
    pub kind: RunKind,
    /// The vendors run in this process on new ports every run (see [`Vendors`](crate::vendors::Vendors)).
    pub in_process: bool,
    /// The state file, for the summary.
    pub db: String,
}

/// Runs every flow once and returns the summary.
pub async fn run(ctx: Context<'_>) -> Result<Summary, BoxError> {
    let started = Instant::now();
    let Context {
        clients,
        endpoints,
        store,
        bars,
        kind,
        in_process,
        db,
    } = ctx;
    let letters_before = last_dead_letter_id(&*store).await?;
    let woo_tenant = tenant(in_process, &endpoints.woocommerce.site_url);
    let woo_orders_key = StreamKey::new("demo", "woocommerce.orders", woo_tenant.clone());
    let woo_subscriptions_key = StreamKey::new("demo", "woocommerce.subscriptions", woo_tenant);
    let calls = VendorCalls::mark(endpoints).await;

    // Destinations: the outbox hands each sink its entries in batches (bulk import, one
    // Graph upload per batch).
    let (ac, ac_counts) = Counted::new(ContactSink::new(
        clients.activecampaign.clone(),
        flows::activecampaign::contact,
    ));
    let schema: Schema = flows::meta::SCHEMA.parse()?;
    let (meta, meta_counts) = Counted::new(AudienceSink::new(
        clients.meta.audience(endpoints.meta.audience_id.clone()),
        schema,
        Normalizer::builder().build(),
        flows::meta::change,
    ));
    let sweeper = Sweeper::new(
        store.clone(),
        Destinations::new()
            .sink(ac_contacts(), ac)
            .sink(meta_audience(), meta),
    )
    .retry_policy(
        ExponentialBackoff::default()
            .initial(Duration::from_millis(500))
            .max_delay(Duration::from_secs(5)),
    )
    .lease(LEASE)
    .batch_size(SWEEP_BATCH);

    // Sources.
    let mut woo_orders = Pipeline::builder(
        woo_orders_key.clone(),
        woo_client::sync::OrderSource::new(clients.woo.clone()),
        OutboxFanout::new(store.clone(), flows::woo::order_entries),
    )
    .watermarks(store.clone())
    .dead_letters(store.clone())
    .build()?;
    let mut woo_subscriptions = Pipeline::builder(
        woo_subscriptions_key.clone(),
        woo_client::sync::SubscriptionSource::new(clients.woo.clone()),
        OutboxFanout::new(store.clone(), flows::woo::subscription_entries),
    )
    .watermarks(store.clone())
    .dead_letters(store.clone())
    .build()?;
    let magento_source = magento_client::sync::OrderSource::new(clients.magento.clone());
    // magento-client keys the watermark by shop address and store; the in-process sandbox's
    // address changes every run, so it is keyed by a fixed name instead.
    let magento_key = if in_process {
        StreamKey::new(
            "demo",
            magento_client::sync::ORDERS_STREAM,
            tenant(true, ""),
        )
    } else {
        magento_source.stream_key("demo")
    };
    let chatwoot = chatwoot_client::sync::ContactSink::new(clients.chatwoot.clone());
    if let Err(error) = chatwoot.ensure_attribute_definitions().await {
        tracing::warn!(%error, "could not create Chatwoot's customer attribute definitions");
    }
    let (chatwoot, chatwoot_counts) = Counted::new(MapSink::new(
        chatwoot,
        flows::magento_customers::order_summary,
    ));
    let mut magento = Pipeline::builder(magento_key.clone(), magento_source, chatwoot)
        .watermarks(store.clone())
        .dead_letters(store.clone())
        .build()?;

    for (name, pipeline) in [
        ("woocommerce.orders → outbox", woo_orders.subscribe()),
        (
            "woocommerce.subscriptions → outbox",
            woo_subscriptions.subscribe(),
        ),
        ("magento.orders → chatwoot", magento.subscribe()),
    ] {
        bars.row(name, move || {
            let p = pipeline.borrow();
            format!(
                "{} read, {} done, {} dead-lettered",
                p.seen, p.delivered, p.dead_lettered
            )
        });
    }
    for (name, counts) in [
        ("outbox → activecampaign.contacts", ac_counts.clone()),
        ("outbox → meta.audience", meta_counts.clone()),
    ] {
        bars.row(name, move || {
            format!(
                "{} delivered, {} rejected, {} retried",
                AckCounts::get(&counts.delivered),
                AckCounts::get(&counts.rejected),
                AckCounts::get(&counts.retried)
            )
        });
    }
    let ticker = bars.start();

    let woo_done = AtomicBool::new(false);
    let woo = async {
        let results = tokio::join!(woo_orders.run(), woo_subscriptions.run());
        woo_done.store(true, Ordering::SeqCst);
        results
    };
    // Several sweep loops share the outbox (claims are leased, so no entry is delivered twice
    // at once): while one waits on an ActiveCampaign bulk import, another sends.
    let sweeping = async {
        let (a, b, c) = tokio::join!(
            drain(&sweeper, &*store, &woo_done),
            drain(&sweeper, &*store, &woo_done),
            drain(&sweeper, &*store, &woo_done)
        );
        let (a, b, c) = (a?, b?, c?);
        Ok::<_, StoreError>((a.0.max(b.0).max(c.0), a.1.min(b.1).min(c.1)))
    };
    let ((orders, subscriptions), magento_result, drained) =
        tokio::join!(woo, magento.run(), sweeping);
    bars.finish(ticker);
    let (drain_elapsed, pending) = drained?;

    let mut errors = Vec::new();
    let mut report = |name: &str, result: Result<RunReport, RunError>| match result {
        Ok(report) => report,
        Err(error) => {
            errors.push(format!("{name}: {error}"));
            error.report
        }
    };
    let orders = report("woocommerce.orders", orders);
    let subscriptions = report("woocommerce.subscriptions", subscriptions);
    let magento_report = report("magento.orders", magento_result);

    let letters = dead_letters_since(
        &*store,
        letters_before,
        &[
            woo_orders_key,
            woo_subscriptions_key,
            magento_key.clone(),
            ac_contacts(),
            meta_audience(),
        ],
    )
    .await?;
    let dead =
        |stream: &StreamKey| letters.iter().filter(|l| l.stream == stream.stream).count() as u64;

    let source_row = |name: &str, r: &RunReport, new: u64, api_calls: Option<u64>| StreamRow {
        stream: name.to_owned(),
        seen: r.seen,
        new: Some(new),
        absorbed: Some(r.seen.saturating_sub(new)),
        delivered: r.delivered,
        dead_lettered: r.dead_lettered,
        retries: r.retries,
        api_calls,
        elapsed_ms: r.elapsed.as_millis() as u64,
    };
    let destination_row =
        |stream: &StreamKey, counts: &AckCounts, api_calls: Option<u64>| StreamRow {
            stream: format!("outbox → {}", stream.stream),
            seen: AckCounts::get(&counts.delivered) + dead(stream),
            new: None,
            absorbed: None,
            delivered: AckCounts::get(&counts.delivered),
            dead_lettered: dead(stream),
            retries: AckCounts::get(&counts.retried),
            api_calls,
            elapsed_ms: drain_elapsed.as_millis() as u64,
        };
    let streams = vec![
        source_row(
            "woocommerce.orders → outbox",
            &orders,
            woo_orders.sink().new_records(),
            calls
                .woo
                .since(|p| p.ends_with("/orders") || p.contains("/orders/"))
                .await,
        ),
        source_row(
            "woocommerce.subscriptions → outbox",
            &subscriptions,
            woo_subscriptions.sink().new_records(),
            calls.woo.since(|p| p.contains("/subscriptions")).await,
        ),
        destination_row(
            &ac_contacts(),
            &ac_counts,
            calls.activecampaign.since(|_| true).await,
        ),
        destination_row(
            &meta_audience(),
            &meta_counts,
            calls.meta.since(|_| true).await,
        ),
        StreamRow {
            // Keyset paging by entity_id commits after every batch: what it reads is new.
            api_calls: match (
                calls.magento.since(|_| true).await,
                calls.chatwoot.since(|_| true).await,
            ) {
                (Some(m), Some(c)) => Some(m + c),
                _ => None,
            },
            retries: magento_report.retries + AckCounts::get(&chatwoot_counts.retried),
            ..source_row(
                "magento.orders → chatwoot",
                &magento_report,
                magento_report.seen,
                None,
            )
        },
    ];
    Ok(Summary {
        run: kind,
        db,
        streams,
        dead_letters: letters,
        pending,
        errors,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// Sweeps the outbox until the sources are done and nothing is pending (or [`DRAIN_LIMIT`]
/// passed since the sources finished). Returns how long it ran and what is still pending.
async fn drain(
    sweeper: &Sweeper<Destinations>,
    outbox: &dyn OutboxStore,
    sources_done: &AtomicBool,
) -> Result<(Duration, u64), StoreError> {
    let started = Instant::now();
    let mut sources_done_at: Option<Instant> = None;
    loop {
        // Read before sweeping: everything queued before the sources finished is then swept.
        let done = sources_done.load(Ordering::SeqCst);
        let swept = sweeper.sweep().await?;
        if done {
            let since = *sources_done_at.get_or_insert_with(Instant::now);
            let pending = outbox.stats().await?.pending;
            if pending == 0 || since.elapsed() > DRAIN_LIMIT {
                return Ok((started.elapsed(), pending));
            }
        }
        if swept.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The newest dead letter's id, so this run's letters can be told apart.
async fn last_dead_letter_id(store: &dyn DeadLetterStore) -> Result<i64, StoreError> {
    let all = store
        .list(&DeadLetterQuery {
            include_replayed: true,
            ..DeadLetterQuery::default()
        })
        .await?;
    Ok(all.iter().map(|l| l.id).max().unwrap_or(0))
}

/// Dead letters written after `after_id` in `streams`.
async fn dead_letters_since(
    store: &dyn DeadLetterStore,
    after_id: i64,
    streams: &[StreamKey],
) -> Result<Vec<DeadLetterRow>, StoreError> {
    let mut rows = Vec::new();
    for stream in streams {
        let query = DeadLetterQuery {
            stream: Some(stream.clone()),
            after_id: Some(after_id),
            ..DeadLetterQuery::default()
        };
        for letter in store.list(&query).await? {
            rows.push(DeadLetterRow {
                stream: stream.stream.clone(),
                key: letter.letter.record_key,
                reason: letter.letter.reason,
            });
        }
    }
    Ok(rows)
}

/// The request-log position of every vendor at the start of the run.
struct VendorCalls {
    woo: CallLog,
    magento: CallLog,
    activecampaign: CallLog,
    meta: CallLog,
    chatwoot: CallLog,
}

impl VendorCalls {
    async fn mark(e: &Endpoints) -> Self {
        Self {
            woo: CallLog::mark(&e.woocommerce.site_url).await,
            magento: CallLog::mark(&e.magento.base_url).await,
            activecampaign: CallLog::mark(&e.activecampaign.base_url).await,
            meta: CallLog::mark(&e.meta.base_url).await,
            chatwoot: CallLog::mark(&e.chatwoot.base_url).await,
        }
    }
}
