//! Shared by the demo's tests: the sandbox started in the test process, the demo binary run
//! against it as a child process, and the no-loss check through the sandbox's inspection API
//! and the demo's dead letters.

#![allow(dead_code)] // each test file uses a part

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sandbox::Seed;
use sandbox::suite::{Suite, SuiteOptions};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{DeadLetterQuery, DeadLetterStore};

/// Generous: the machine is shared and loaded.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(240);

/// A fresh folder under the system temp dir, unique per test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "commerce-sync-demo-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The sandbox in this process, with the same shape of data the demo seeds itself.
pub async fn start_suite(orders: usize) -> Suite {
    let shop = Seed {
        orders,
        customers: 30,
        products: 12,
        subscriptions: 12,
        seed: 42,
    };
    Suite::start(SuiteOptions::new(shop))
        .await
        .expect("sandbox")
}

/// Writes the suite's endpoints where the demo's `--endpoints` reads them.
pub fn endpoints_file(suite: &Suite, dir: &Path) -> PathBuf {
    let path = dir.join("endpoints.json");
    std::fs::write(&path, serde_json::to_vec(&suite.endpoints()).unwrap()).unwrap();
    path
}

/// The demo command against the suite, with state in `db`, JSON summary, no bars.
pub fn demo(endpoints: &Path, db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demo"));
    cmd.arg("--endpoints")
        .arg(endpoints)
        .arg("--db")
        .arg(db)
        .arg("--json")
        .arg("--quiet")
        .env_remove("DEMO_DB")
        .env_remove("DEMO_ORDERS")
        .env_remove("DEMO_ENDPOINTS")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs a command to completion off the async runtime (the fakes keep serving meanwhile).
pub async fn run_to_end(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || {
        let child = cmd.spawn().expect("spawn demo");
        wait_with_timeout(child, RUN_TIMEOUT)
    })
    .await
    .expect("join")
}

fn wait_with_timeout(mut child: Child, timeout: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "demo did not finish in {timeout:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A finished run's JSON summary; panics with stderr when it failed.
pub fn summary(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "demo exited with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON summary")
}

/// A stream's row of a summary.
pub fn row<'a>(summary: &'a Value, stream: &str) -> &'a Value {
    summary["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .find(|r| r["stream"] == stream)
        .unwrap_or_else(|| panic!("no row {stream} in {summary}"))
}

/// How the seeded shop spelled an email: the sandbox's seed makes exactly these kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// Usable after trimming and lower-casing.
    Usable,
    /// Empty.
    Missing,
    /// `x@@y` or `x at y`.
    Malformed,
}

pub fn email_kind(raw: &str) -> EmailKind {
    let e = raw.trim();
    if e.is_empty() {
        EmailKind::Missing
    } else if e.contains("@@") || e.contains(" at ") {
        EmailKind::Malformed
    } else {
        EmailKind::Usable
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Dead letters in the demo's state, by stream name: record key → reason.
pub async fn dead_letters(db: &Path) -> HashMap<String, BTreeMap<String, String>> {
    let store = SqliteStore::open(db).await.expect("open demo db");
    let letters = store
        .list(&DeadLetterQuery::default())
        .await
        .expect("dead letters");
    store.close().await;
    let mut by_stream: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    for l in letters {
        by_stream
            .entry(l.letter.stream.stream.clone())
            .or_default()
            .insert(l.letter.record_key, l.letter.reason);
    }
    by_stream
}

/// What [`check_no_loss`] counted.
#[derive(Debug, Default)]
pub struct Tally {
    /// Source records checked.
    pub records: usize,
    /// Of those, dead-lettered with a reason.
    pub dead_lettered: usize,
    /// Writes to destination entities beyond the first (redeliveries absorbed by upserts).
    pub duplicate_writes: u64,
}

/// The rule of the issue: every source record was written at its destinations (exactly one
/// entity per person: upserts absorb redeliveries) or dead-lettered with a reason; none is
/// missing from both, none is in both.
pub async fn check_no_loss(suite: &Suite, db: &Path) -> Tally {
    let letters = dead_letters(db).await;
    let empty = BTreeMap::new();
    let letters_of = |stream: &str| letters.get(stream).unwrap_or(&empty);
    let letter_for = |stream: &str, prefix: &str| {
        letters_of(stream)
            .iter()
            .find(|(k, _)| k.starts_with(prefix))
            .map(|(_, reason)| reason.clone())
    };
    let mut tally = Tally::default();

    // Destinations, as the fakes hold them.
    let ac_contacts = suite.activecampaign.entities("contacts");
    let mut ac_by_email: HashMap<String, usize> = HashMap::new();
    for c in &ac_contacts {
        *ac_by_email
            .entry(c["email"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    assert!(
        ac_by_email.values().all(|n| *n == 1),
        "ActiveCampaign holds a contact twice: {ac_by_email:?}"
    );
    let audience_id = suite.meta.credentials().audience_id;
    let members = suite.meta.members(&audience_id);
    let chatwoot_contacts = suite.chatwoot.entities("contacts");
    let mut chatwoot_by_email: HashMap<String, usize> = HashMap::new();
    for c in &chatwoot_contacts {
        if let Some(e) = c["email"].as_str() {
            *chatwoot_by_email.entry(e.to_owned()).or_default() += 1;
        }
    }
    assert!(
        chatwoot_by_email.values().all(|n| *n == 1),
        "Chatwoot holds a contact twice: {chatwoot_by_email:?}"
    );

    let mut expect = |what: String, raw_email: &str, written: bool, letter: Option<String>| {
        tally.records += 1;
        match email_kind(raw_email) {
            EmailKind::Usable => {
                assert!(written, "{what} ({raw_email:?}) was not written");
                assert!(
                    letter.is_none(),
                    "{what} was written and dead-lettered: {letter:?}"
                );
            }
            EmailKind::Missing | EmailKind::Malformed => {
                let reason = letter.unwrap_or_else(|| {
                    panic!("{what} ({raw_email:?}) was neither written nor dead-lettered")
                });
                assert!(
                    !reason.trim().is_empty(),
                    "{what}: dead letter without a reason"
                );
                tally.dead_lettered += 1;
            }
        }
    };

    for order in suite.woocommerce.entities("orders") {
        let id = order["id"].as_u64().unwrap();
        let raw = order["billing"]["email"].as_str().unwrap_or_default();
        let email = raw.trim().to_lowercase();
        let key = format!("order:{id}@");
        expect(
            format!("woo order {id} → ActiveCampaign"),
            raw,
            ac_by_email.contains_key(&email),
            letter_for("activecampaign.contacts", &key),
        );
        let hashed = sha256_hex(&email);
        expect(
            format!("woo order {id} → Meta"),
            raw,
            members.iter().filter(|m| m.contains(&hashed)).count() == 1,
            letter_for("meta.audience", &key),
        );
    }
    for sub in suite.woocommerce.entities("subscriptions") {
        let id = sub["id"].as_u64().unwrap();
        let raw = sub["billing"]["email"].as_str().unwrap_or_default();
        let email = raw.trim().to_lowercase();
        let tagged = ac_by_email.contains_key(&email);
        expect(
            format!("woo subscription {id} → ActiveCampaign"),
            raw,
            tagged,
            letter_for("activecampaign.contacts", &format!("subscription:{id}@")),
        );
    }
    for order in suite.magento.entities("orders") {
        let id = order["entity_id"].as_u64().unwrap();
        let raw = order["customer_email"].as_str().unwrap_or_default();
        let email = raw.trim().to_lowercase();
        expect(
            format!("magento order {id} → Chatwoot"),
            raw,
            chatwoot_by_email.contains_key(&email),
            letters_of("magento.orders").get(&id.to_string()).cloned(),
        );
    }

    for c in &ac_contacts {
        let id = c["id"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .or(c["id"].as_u64());
        if let Some(id) = id {
            tally.duplicate_writes += suite
                .activecampaign
                .writes("contacts", id)
                .saturating_sub(1);
        }
    }
    tally
}
