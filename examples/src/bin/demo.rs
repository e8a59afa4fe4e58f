//! The commerce-sync demo: orders from a sandbox shop into a sandbox CRM through the sync-core
//! engine, with state in SQLite. Everything runs on loopback; no accounts needed.
//!
//! ```text
//! cargo run -p examples --bin demo                 # state in ./commerce-sync-demo.db
//! cargo run -p examples --bin demo -- --db /tmp/x.db --orders 500
//! ```
//!
//! It runs the pipeline three times: a first sync (the CRM throttles, fails now and then, and
//! rejects malformed emails, which land in dead letters with the reason), a second run that finds
//! nothing new, and a third after the shop takes more orders.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use examples::sandbox::crm::{ContactUpsert, Crm};
use examples::sandbox::shop::{Shop, ShopOrder};
use examples::sandbox::{self, Running};
use sync_core::engine::{Pipeline, Progress};
use sync_core::http::{HttpError, HttpExecutor, RateLimit, RateQuota, RequestMeta};
use sync_core::retry::ExponentialBackoff;
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{DeadLetterQuery, DeadLetterStore};
use sync_core::{
    Ack, Classify, PermanentKind, Sink, SinkRecord, Source, SourceOrder, SourceRecord, StageError,
    StreamKey, Verdict,
};

/// Reads the sandbox shop with keyset paging: sorted by id.
struct ShopOrders {
    http: HttpExecutor,
    base_url: String,
    after: u64,
    done: bool,
}

#[async_trait]
impl Source for ShopOrders {
    type Record = ShopOrder;
    type Cursor = u64;

    fn order(&self) -> SourceOrder {
        SourceOrder::Sorted
    }

    async fn start(&mut self, after: Option<u64>) -> Result<(), StageError> {
        self.after = after.unwrap_or(0);
        self.done = false;
        Ok(())
    }

    async fn next_batch(
        &mut self,
    ) -> Result<Option<Vec<SourceRecord<ShopOrder, u64>>>, StageError> {
        if self.done {
            return Ok(None);
        }
        let url = format!("{}/orders", self.base_url);
        let after = self.after;
        let response = self
            .http
            .send(RequestMeta::idempotent("orders.list"), |http| {
                http.get(&url)
                    .query(&[("after_id", after), ("per_page", 50)])
                    .build()
            })
            .await
            .map_err(StageError::from_classified)?;
        let orders: Vec<ShopOrder> = response
            .json()
            .map_err(|e| StageError::new(Verdict::Permanent(PermanentKind::Server), e))?;
        if orders.len() < 50 {
            self.done = true;
        }
        match orders.last() {
            Some(last) => self.after = last.id,
            None => return Ok(None),
        }
        Ok(Some(
            orders
                .into_iter()
                .map(|o| SourceRecord {
                    key: format!("order-{}", o.id),
                    cursor: o.id,
                    data: o,
                })
                .collect(),
        ))
    }
}

/// Upserts one contact per order into the sandbox CRM (idempotent by email).
struct CrmContacts {
    http: HttpExecutor,
    base_url: String,
}

impl CrmContacts {
    async fn upsert(&self, order: &ShopOrder) -> Result<Ack, StageError> {
        let url = format!("{}/contacts", self.base_url);
        let body = ContactUpsert {
            email: order.email.clone(),
            fields: [
                ("last_order_id".to_string(), order.id.to_string()),
                (
                    "last_order_total".to_string(),
                    format!("{} {}", order.total, order.currency),
                ),
            ]
            .into(),
        };
        // An upsert by email is idempotent, so the executor may retry it.
        let result = self
            .http
            .send(RequestMeta::idempotent("contacts.upsert"), |http| {
                http.post(&url).json(&body).build()
            })
            .await;
        match result {
            Ok(_) => Ok(Ack::Delivered),
            Err(error) => ack_for(error),
        }
    }
}

/// A bad record is dead-lettered; a bad setup (credentials, URL) stops the run instead.
fn ack_for(error: HttpError) -> Result<Ack, StageError> {
    match error.verdict() {
        Verdict::Permanent(PermanentKind::Config) => Err(StageError::from_classified(error)),
        Verdict::Permanent(_) => Ok(Ack::Rejected {
            reason: error.to_string(),
            response: error.response().map(|r| r.body_excerpt()),
        }),
        verdict => Ok(Ack::RetryLater {
            reason: error.to_string(),
            after: verdict.after(),
        }),
    }
}

#[async_trait]
impl Sink<ShopOrder> for CrmContacts {
    async fn write(&self, batch: &[SinkRecord<'_, ShopOrder>]) -> Result<Vec<Ack>, StageError> {
        let mut acks = Vec::with_capacity(batch.len());
        for record in batch {
            acks.push(self.upsert(record.data).await?);
        }
        Ok(acks)
    }
}

struct Args {
    db: String,
    orders: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        db: "commerce-sync-demo.db".into(),
        orders: 240,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--db" => args.db = it.next().ok_or("--db needs a path")?,
            "--orders" => {
                args.orders = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--orders needs a number")?
            }
            "-h" | "--help" => {
                println!("usage: demo [--db PATH] [--orders N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(args)
}

fn show(progress: &Progress) {
    println!(
        "    … {:>4} seen, {:>4} delivered, {:>2} dead-lettered, {:>3} retries, {:>6.0} records/s",
        progress.seen,
        progress.delivered,
        progress.dead_lettered,
        progress.retries,
        progress.rate_per_second()
    );
}

async fn run_once(
    title: &str,
    pipeline: &mut Pipeline<ShopOrders, CrmContacts>,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n{title}");
    let mut rx = pipeline.subscribe();
    let watcher = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let p = rx.borrow_and_update().clone();
            if p.batches > 0 && p.batches.is_multiple_of(2) {
                show(&p);
            }
        }
    });
    let report = pipeline.run().await?;
    watcher.abort();
    println!(
        "    done: {} seen, {} delivered, {} dead-lettered, {} retries in {:.1?}; watermark {:?} -> {:?}",
        report.seen,
        report.delivered,
        report.dead_lettered,
        report.retries,
        report.elapsed,
        report.watermark_before.as_deref().unwrap_or("none"),
        report.watermark_after.as_deref().unwrap_or("none"),
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,sync_core=error".into()),
        )
        .init();
    let args = parse_args()?;

    // The sandbox: a shop and a CRM that allows 40 requests/s and fails every 25th request.
    let shop = Shop::with_orders(args.orders);
    let crm = Crm::new(40, 25);
    let shop_server: Running = sandbox::serve(shop.router()).await?;
    let crm_server: Running = sandbox::serve(crm.router()).await?;
    println!("commerce-sync demo");
    println!(
        "  sandbox shop at {}, CRM at {}",
        shop_server.base_url(),
        crm_server.base_url()
    );

    // A fresh state file every time the demo starts, so the story is the same each run.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", args.db));
    }
    let store = Arc::new(SqliteStore::open(&args.db).await?);
    println!("  state in SQLite: {}", args.db);

    let shop_http = HttpExecutor::builder("sandbox-shop").build()?;
    // Stay a little under the CRM's limit; the executor still honours any 429's Retry-After.
    let crm_http = HttpExecutor::builder("sandbox-crm")
        .rate_limit(RateLimit::shared(
            "sandbox-crm:demo",
            RateQuota::per_second(35),
        ))
        .retry_policy(ExponentialBackoff::default().max_attempts(4))
        .attempt_timeout(Duration::from_secs(5))
        .build()?;

    let stream = StreamKey::new("shop-to-crm", "orders", "sandbox-shop");
    let source = ShopOrders {
        http: shop_http,
        base_url: shop_server.base_url(),
        after: 0,
        done: false,
    };
    let sink = CrmContacts {
        http: crm_http,
        base_url: crm_server.base_url(),
    };
    let mut pipeline = Pipeline::builder(stream.clone(), source, sink)
        .watermarks(store.clone())
        .dead_letters(store.clone())
        .build()?;

    run_once(
        &format!("1. first sync of {} orders", args.orders),
        &mut pipeline,
    )
    .await?;
    run_once(
        "2. run again: nothing new, nothing sent twice",
        &mut pipeline,
    )
    .await?;
    shop.add_orders(60);
    run_once("3. the shop takes 60 more orders", &mut pipeline).await?;

    let letters = store.list(&DeadLetterQuery::open(stream)).await?;
    println!(
        "\ndead letters ({}), each with its reason, replayable once fixed:",
        letters.len()
    );
    for letter in letters.iter().take(5) {
        println!(
            "  #{} {}: {}",
            letter.id, letter.letter.record_key, letter.letter.reason
        );
    }
    let stats = crm.stats();
    println!(
        "\nCRM saw {} requests: {} throttled (429), {} unavailable (503), {} rejected (422); {} contacts stored",
        stats.requests,
        stats.throttled,
        stats.unavailable,
        stats.rejected,
        crm.contact_count()
    );
    let expected_contacts = (args.orders + 60) - (args.orders + 60) / 41;
    if crm.contact_count() as u64 != expected_contacts {
        return Err(format!(
            "expected {expected_contacts} contacts, CRM has {}",
            crm.contact_count()
        )
        .into());
    }
    println!("every order is delivered or dead-lettered: nothing lost.");
    Ok(())
}
