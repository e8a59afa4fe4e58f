//! One run at a time per website, with a lease that expires: a second run is refused with a
//! clear message (or waits with `--wait`); a run killed with SIGKILL blocks the next only until
//! its lease expires, and the rerun ends with the table of an uninterrupted run; cron mode
//! honours its interval and stops on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Child;

use common::*;
use sandbox::Faults;
use serde_json::Value;
use sqlx::sqlite::SqlitePool;

async fn lease_holders(pool: &SqlitePool) -> Vec<String> {
    sqlx::query_scalar("SELECT holder FROM import_leases")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

/// The next run summary printed in cron mode.
async fn next(received: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(TIMEOUT, received.recv())
        .await
        .expect("a run summary in time")
        .expect("a summary line")
}

/// Wait for a spawned child without blocking the sandbox's runtime.
async fn finish(child: Child) -> std::process::Output {
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"));
    tokio::time::timeout(TIMEOUT, waiting)
        .await
        .expect("finished in time")
        .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_concurrent_run_is_refused_or_waits() {
    let magento = magento(300).await;
    magento.set_faults(Faults {
        latency_ms: 40,
        ..Faults::none()
    });
    let dir = temp_dir("concurrent");
    let db = dir.join("customers.db");
    let config = config(&dir, &magento, "batch_size = 10");

    let first = importer(&magento, &config, &db).spawn().expect("spawn");
    let first_pid = first.id();
    // The first run's database exists once it holds a lease.
    until("the first run holds a lease", || async {
        rows_so_far(&db, "import_leases").await > 0
    })
    .await;

    // Both later runs ask for `main` only: the first run is importing it (`nl` next), and a
    // run for `nl` alone would rightly proceed in parallel.
    let mut second = importer(&magento, &config, &db);
    second.args(["--website", "main"]);
    let refused = run(second).await;
    assert_eq!(refused.status.code(), Some(3), "{}", both(&refused));
    let summary = summary(&refused);
    let refusal = summary["websites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["status"] == "refused")
        .unwrap_or_else(|| panic!("a refused website in {summary:#}"));
    let message = refusal["error"].as_str().unwrap();
    assert!(
        message.contains("another run is importing website"),
        "{message}"
    );
    assert!(message.contains(&format!("pid {first_pid}")), "{message}");
    assert!(message.contains("--wait"), "{message}");

    // With --wait, a second run waits its turn and finishes after the first.
    let mut waiting = importer(&magento, &config, &db);
    waiting.args(["--wait", "--website", "main"]);
    let waiter = waiting.spawn().expect("spawn the waiting run");
    let first = finish(first).await;
    assert_eq!(first.status.code(), Some(0), "{}", both(&first));
    let second = finish(waiter).await;
    assert_eq!(second.status.code(), Some(0), "{}", both(&second));

    // Two runs, one table: no duplicates, nothing lost.
    let pool = open(&db).await;
    let (want, want_without) = expected(&magento.entities("orders"));
    assert_eq!(customers(&pool).await, want);
    assert_eq!(without_email(&pool).await, want_without);
    assert!(lease_holders(&pool).await.is_empty(), "leases are released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_leaves_a_lease_that_expires_and_the_rerun_completes() {
    let magento = magento(300).await;
    magento.set_faults(Faults {
        latency_ms: 30,
        ..Faults::none()
    });
    let dir = temp_dir("sigkill");
    let db = dir.join("customers.db");
    let config = config(&dir, &magento, "batch_size = 10\nlease = \"6s\"");

    let mut victim = importer(&magento, &config, &db).spawn().expect("spawn");
    until("some batches written", || async {
        rows_so_far(&db, "customer_orders").await >= 20
    })
    .await;
    // `Child::kill` is SIGKILL on Unix: no cleanup, the lease is left behind.
    victim.kill().expect("SIGKILL");
    let _ = victim.wait();
    let pool = open(&db).await;
    assert_eq!(
        lease_holders(&pool).await.len(),
        1,
        "the dead run's lease remains"
    );

    // Until it expires, a new run is refused (not blocked forever: it says when).
    let refused = run(importer(&magento, &config, &db)).await;
    assert_eq!(refused.status.code(), Some(3), "{}", both(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("expires in"),
        "{}",
        both(&refused)
    );

    // A run with --wait proceeds once the lease has expired, and finishes the import.
    let mut rerun = importer(&magento, &config, &db);
    rerun.arg("--wait");
    magento.set_faults(Faults::none());
    let rerun = run(rerun).await;
    assert_eq!(rerun.status.code(), Some(0), "{}", both(&rerun));
    let summary = summary(&rerun);
    let resumed = website(&summary, "main");
    assert!(
        resumed["watermark_before"].is_string(),
        "the rerun resumed after the killed run's last batch: {resumed:#}"
    );

    // The same table as one uninterrupted run into a fresh database.
    let clean_db = dir.join("clean.db");
    let clean = run(importer(&magento, &config, &clean_db)).await;
    assert_eq!(clean.status.code(), Some(0), "{}", both(&clean));
    let clean_pool = open(&clean_db).await;
    let resumed_rows = customers(&pool).await;
    assert_eq!(resumed_rows, customers(&clean_pool).await);
    assert_eq!(without_email(&pool).await, without_email(&clean_pool).await);
    assert_eq!(
        imported_orders(&pool).await,
        imported_orders(&clean_pool).await
    );
    let (want, _) = expected(&magento.entities("orders"));
    assert_eq!(resumed_rows, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cron_mode_runs_at_the_interval_and_stops_on_sigterm() {
    let magento = magento(40).await;
    let dir = temp_dir("cron");
    let db = dir.join("customers.db");
    let config = config(&dir, &magento, "");
    let mut cmd = importer(&magento, &config, &db);
    cmd.args(["--every", "1s"]);
    let mut child = cmd.spawn().expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, mut received) = tokio::sync::mpsc::unbounded_channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str(&line) {
                let _ = lines.send(value);
            }
        }
    });
    let seen = |summary: &Value| -> u64 {
        summary["websites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["orders_seen"].as_u64().unwrap())
            .sum()
    };
    let started = |summary: &Value| -> chrono::DateTime<chrono::Utc> {
        summary["started_at"].as_str().unwrap().parse().unwrap()
    };

    let first = next(&mut received).await;
    assert_eq!(seen(&first), 40);
    grow(&magento, 40, 55).await;
    let mut runs = vec![first];
    while runs.iter().map(seen).sum::<u64>() < 55 {
        assert!(runs.len() < 20, "the new orders were never read");
        runs.push(next(&mut received).await);
    }
    for pair in runs.windows(2) {
        let gap = started(&pair[1]) - started(&pair[0]);
        assert!(
            gap >= chrono::Duration::milliseconds(950),
            "runs start an interval apart: {gap}"
        );
    }

    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(term.success());
    let status = tokio::task::spawn_blocking(move || child.wait().expect("wait"));
    let status = tokio::time::timeout(TIMEOUT, status)
        .await
        .expect("stopped in time")
        .expect("join");
    assert_eq!(status.code(), Some(0), "SIGTERM stops cron mode cleanly");

    let pool = open(&db).await;
    let (want, _) = expected(&magento.entities("orders"));
    assert_eq!(customers(&pool).await, want);
    assert!(lease_holders(&pool).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_after_the_batch_and_releases_the_lease() {
    let magento = magento(300).await;
    magento.set_faults(Faults {
        latency_ms: 40,
        ..Faults::none()
    });
    let dir = temp_dir("sigterm");
    let db = dir.join("customers.db");
    let config = config(&dir, &magento, "batch_size = 10");

    let child = importer(&magento, &config, &db).spawn().expect("spawn");
    until("some batches written", || async {
        rows_so_far(&db, "customer_orders").await >= 10
    })
    .await;
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(term.success());
    let stopped = finish(child).await;
    assert_eq!(stopped.status.code(), Some(2), "{}", both(&stopped));
    let summary = summary(&stopped);
    let cut = summary["websites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["status"] == "failed")
        .unwrap_or_else(|| panic!("a website cut short in {summary:#}"));
    assert!(
        cut["error"]
            .as_str()
            .unwrap()
            .contains("stopped by a signal"),
        "{cut:#}"
    );
    let pool = open(&db).await;
    assert!(
        lease_holders(&pool).await.is_empty(),
        "a stopped run gives its lease back at once"
    );

    // The next run needs no wait and finishes the import.
    magento.set_faults(Faults::none());
    let rerun = run(importer(&magento, &config, &db)).await;
    assert_eq!(rerun.status.code(), Some(0), "{}", both(&rerun));
    let (want, want_without) = expected(&magento.entities("orders"));
    assert_eq!(customers(&pool).await, want);
    assert_eq!(without_email(&pool).await, want_without);
}
