//! Shared by the end-to-end tests: a sandbox Magento on loopback, the importer binary pointed
//! at it, the database read back, and the customer table an ideal import would produce,
//! computed independently from the sandbox's own orders.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sandbox::Seed;
use sandbox::magento::{MagentoFake, MagentoOptions};
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

/// Long enough for a loaded 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(180);

/// A sandbox Magento with `orders` seeded orders (store 1: two orders in three; store 2: every
/// third).
pub async fn magento(orders: usize) -> MagentoFake {
    MagentoFake::start_with(MagentoOptions {
        seed: Seed::orders(orders),
        ..MagentoOptions::default()
    })
    .await
    .expect("start the Magento sandbox")
}

/// Grow a sandbox seeded by [`magento`]`(initial)` to `orders` orders with the same people: the
/// seed is deterministic, so the first orders stay the same and the rest are new (a shop that
/// took more orders, many from returning customers).
pub async fn grow(magento: &MagentoFake, initial: usize, orders: usize) {
    let seed = Seed {
        orders,
        ..Seed::orders(initial)
    };
    reqwest::Client::new()
        .post(format!("{}/_sandbox/seed", magento.base_url()))
        .json(&seed)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("reseed the sandbox");
}

/// A fresh folder under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mci-{name}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A config file: website `main` pinned to store 1, `nl` matched by its URL with the store
/// code; `extra` is appended (e.g. `lease`, `[retry]`).
pub fn config(dir: &Path, magento: &MagentoFake, extra: &str) -> PathBuf {
    let path = dir.join("import.toml");
    let text = format!(
        "{extra}\n\n[[website]]\nname = \"main\"\nstore_id = 1\n\n[[website]]\nname = \"nl\"\ndomain = \"{}/nl/\"\n",
        magento.base_url()
    );
    std::fs::write(&path, text).expect("write config");
    path
}

/// The importer, pointed at `magento` with OAuth 1.0a credentials from the environment,
/// printing its summary as JSON.
pub fn importer(magento: &MagentoFake, config: &Path, db: &Path) -> Command {
    let mut cmd = importer_with(magento, config, &format!("sqlite://{}", db.display()));
    cmd.arg("--json");
    cmd
}

/// The importer with any `--database` URL, printing its summary as a table.
pub fn importer_with(magento: &MagentoFake, config: &Path, database: &str) -> Command {
    let c = magento.credentials();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_magento-customer-import"));
    cmd.arg("--config")
        .arg(config)
        .arg("--database")
        .arg(database)
        .args(["--settle", "0s", "--quiet"])
        .env("MAGENTO_BASE_URL", magento.base_url())
        .env("MAGENTO_CONSUMER_KEY", c.consumer_key)
        .env("MAGENTO_CONSUMER_SECRET", c.consumer_secret)
        .env("MAGENTO_ACCESS_TOKEN", c.integration_token)
        .env("MAGENTO_ACCESS_TOKEN_SECRET", c.access_token_secret)
        .env_remove("MCI_CONFIG")
        .env_remove("MCI_DATABASE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Run to the end (on a blocking thread, so the in-process sandbox keeps answering).
pub async fn run(mut cmd: Command) -> Output {
    let child = tokio::task::spawn_blocking(move || cmd.output().expect("run the importer"));
    tokio::time::timeout(TIMEOUT, child)
        .await
        .expect("the importer finished in time")
        .expect("join")
}

/// The JSON summary on stdout.
pub fn summary(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "summary is not JSON ({e}); stdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The website's part of a summary.
pub fn website<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["websites"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["website"] == name))
        .unwrap_or_else(|| panic!("no website {name} in {summary:#}"))
}

/// Open the database the importer wrote.
pub async fn open(db: &Path) -> SqlitePool {
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(db)
                .busy_timeout(Duration::from_secs(15)),
        )
        .await
        .expect("open the database")
}

/// A customer row as compared by the tests.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CustomerRow {
    /// Website.
    pub website: String,
    /// Key.
    pub email_key: String,
    /// First purchase: placed at, order id.
    pub first: (String, i64),
    /// Last purchase: placed at, order id, product.
    pub last: (String, i64, Option<String>),
    /// Orders counted.
    pub orders: i64,
}

/// Every customer row.
pub async fn customers(pool: &SqlitePool) -> BTreeSet<CustomerRow> {
    sqlx::query("SELECT * FROM customers")
        .fetch_all(pool)
        .await
        .expect("read customers")
        .iter()
        .map(|r| CustomerRow {
            website: r.get("website"),
            email_key: r.get("email_key"),
            first: (r.get("first_purchase_at"), r.get("first_order_id")),
            last: (
                r.get("last_purchase_at"),
                r.get("last_order_id"),
                r.get("last_product"),
            ),
            orders: r.get("orders"),
        })
        .collect()
}

/// `(website, order id)` of every order recorded without an email.
pub async fn without_email(pool: &SqlitePool) -> BTreeSet<(String, i64)> {
    sqlx::query("SELECT website, order_id FROM orders_without_email")
        .fetch_all(pool)
        .await
        .expect("read orders_without_email")
        .iter()
        .map(|r| (r.get("website"), r.get("order_id")))
        .collect()
}

/// Rows in `table` of the file at `db`, 0 while the file or its tables do not exist yet (a run
/// being watched may still be creating them).
pub async fn rows_so_far(db: &Path, table: &str) -> i64 {
    if !db.exists() {
        return 0;
    }
    let pool = open(db).await;
    let count = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&pool)
        .await
        .unwrap_or(0);
    pool.close().await;
    count
}

/// Orders applied to customers.
pub async fn imported_orders(pool: &SqlitePool) -> BTreeSet<(String, i64)> {
    sqlx::query("SELECT website, order_id FROM customer_orders")
        .fetch_all(pool)
        .await
        .expect("read customer_orders")
        .iter()
        .map(|r| (r.get("website"), r.get("order_id")))
        .collect()
}

/// The watermark of a website's store (sync-core's table).
pub async fn watermark(pool: &SqlitePool, website: &str, store: u32) -> Option<String> {
    sqlx::query_scalar("SELECT value FROM sync_watermarks WHERE tenant = ?1")
        .bind(format!("website:{website}/store:{store}"))
        .fetch_optional(pool)
        .await
        .expect("read sync_watermarks")
}

/// Open dead letters: (record key, reason, attempts).
pub async fn dead_letters(pool: &SqlitePool) -> Vec<(String, String, i64)> {
    sqlx::query(
        "SELECT record_key, reason, attempts FROM sync_dead_letters WHERE replayed_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .expect("read sync_dead_letters")
    .iter()
    .map(|r| (r.get("record_key"), r.get("reason"), r.get("attempts")))
    .collect()
}

/// The website a sandbox order belongs to in [`config`].
pub fn website_of(order: &Value) -> &'static str {
    match order["store_id"].as_u64() {
        Some(2) => "nl",
        _ => "main",
    }
}

/// The key of a sandbox order's email by the rule the app promises (trimmed, lower-cased, one
/// `@`, no blanks), or `None` when it has no usable email. Written independently of the app.
pub fn email_key(order: &Value) -> Option<String> {
    let email = order["customer_email"].as_str()?.trim();
    let ok = email.matches('@').count() == 1
        && !email.starts_with('@')
        && !email.ends_with('@')
        && !email.chars().any(char::is_whitespace);
    ok.then(|| email.to_lowercase())
}

/// `2026-10-01 08:37:00` → `2026-10-01T08:37:00Z`.
pub fn rfc3339(magento_time: &str) -> String {
    format!("{}Z", magento_time.replace(' ', "T"))
}

/// What an ideal import of `orders` leaves: one row per (website, email key) with the earliest
/// and latest purchase, and the orders without a usable email.
pub fn expected(orders: &[Value]) -> (BTreeSet<CustomerRow>, BTreeSet<(String, i64)>) {
    let mut rows: BTreeMap<(String, String), CustomerRow> = BTreeMap::new();
    let mut without = BTreeSet::new();
    for order in orders {
        let website = website_of(order).to_string();
        let id = order["entity_id"].as_i64().expect("entity_id");
        let Some(key) = email_key(order) else {
            without.insert((website, id));
            continue;
        };
        let at = rfc3339(order["created_at"].as_str().expect("created_at"));
        let product = order["items"][0]["name"].as_str().map(str::to_string);
        let row = rows
            .entry((website.clone(), key.clone()))
            .or_insert_with(|| CustomerRow {
                website,
                email_key: key,
                first: (at.clone(), id),
                last: (at.clone(), id, product.clone()),
                orders: 0,
            });
        row.orders += 1;
        if (at.clone(), id) < row.first {
            row.first = (at.clone(), id);
        }
        if (at.clone(), id) > (row.last.0.clone(), row.last.1) {
            row.last = (at, id, product);
        }
    }
    (rows.into_values().collect(), without)
}

/// Poll `check` until it holds (or panic after [`TIMEOUT`]).
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + TIMEOUT;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Text of both streams, for assertion messages.
pub fn both(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
