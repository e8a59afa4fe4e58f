//! (b) A run killed with SIGKILL at several points resumes without loss: after the kills, one
//! run to completion leaves every source record written (one entity per person: redeliveries
//! are absorbed by upserts and counted) or dead-lettered with a reason.
//!
//! The kill points are found by watching the sandbox (what it has received), not by fixed
//! sleeps: as soon as the shops are being read; once ActiveCampaign got its first writes; once
//! Chatwoot got some contacts; and a kill right after start.

mod common;

use std::time::{Duration, Instant};

use common::*;
use sandbox::suite::Suite;

/// What the sandbox must have received before the kill.
#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// Right after the process started.
    AtStart,
    /// The shops have answered some reads.
    ShopsRead(usize),
    /// ActiveCampaign has received writes.
    AcWrites(usize),
    /// Chatwoot has received requests.
    ChatwootRequests(usize),
}

/// The sandbox counter a kill point watches, and how much it must grow during the run.
fn counter(suite: &Suite, point: KillPoint) -> (usize, usize) {
    let writes =
        |fake: &sandbox::Fake| fake.received().iter().filter(|r| r.method != "GET").count();
    match point {
        KillPoint::AtStart => (0, 0),
        KillPoint::ShopsRead(n) => (
            suite.woocommerce.received().len() + suite.magento.received().len(),
            n,
        ),
        KillPoint::AcWrites(n) => (writes(&suite.activecampaign), n),
        KillPoint::ChatwootRequests(n) => (suite.chatwoot.received().len(), n),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_runs_resume_without_loss() {
    let suite = start_suite(150).await;
    let dir = temp_dir("sigkill");
    let endpoints = endpoints_file(&suite, &dir);
    let db = dir.join("demo.db");

    let points = [
        KillPoint::AtStart,
        KillPoint::ShopsRead(2),
        KillPoint::AcWrites(1),
        KillPoint::ChatwootRequests(40),
    ];
    let mut killed = 0;
    for point in points {
        // The fakes count across runs: the kill waits for this run's own progress.
        let (base, _) = counter(&suite, point);
        let mut child = demo(&endpoints, &db).spawn().expect("spawn demo");
        let deadline = Instant::now() + RUN_TIMEOUT;
        let finished_first = loop {
            if child.try_wait().expect("wait").is_some() {
                break true;
            }
            let (now, grow) = counter(&suite, point);
            if now >= base + grow {
                break false;
            }
            assert!(
                Instant::now() < deadline,
                "kill point {point:?} never reached"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        if !finished_first {
            // `Child::kill` sends SIGKILL on Unix: no cleanup, no graceful shutdown.
            child.kill().expect("SIGKILL");
            killed += 1;
        }
        let _ = child.wait();
    }
    assert!(killed >= 3, "only {killed} runs were killed mid-way");

    // Rerun to completion: it resumes (outbox entries of killed runs, leases expired).
    let out = run_to_end(demo(&endpoints, &db)).await;
    let summary = summary(&out);
    assert_eq!(summary["run"], "incremental");
    assert_eq!(summary["pending"], 0, "{summary}");

    let tally = check_no_loss(&suite, &db).await;
    assert_eq!(tally.records, 150 * 2 + 12 + 150);
    assert!(tally.dead_lettered > 0);
    eprintln!(
        "after {killed} kills: {} records checked, {} dead-lettered with reasons, {} contact \
         writes beyond the first absorbed by upserts",
        tally.records, tally.dead_lettered, tally.duplicate_writes
    );

    // A final run finds nothing new and writes nothing twice.
    let ac_writes_before = suite.activecampaign.received().len();
    let again = summary_of(run_to_end(demo(&endpoints, &db)).await);
    assert_eq!(again["run"], "incremental");
    let new: u64 = again["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["new"].as_u64())
        .sum();
    assert_eq!(new, 0, "{again}");
    assert_eq!(suite.activecampaign.received().len(), ac_writes_before);
    std::fs::remove_dir_all(&dir).ok();
}

fn summary_of(out: std::process::Output) -> serde_json::Value {
    summary(&out)
}
