//! (a) The demo binary against the sandbox: every source record is written at its destinations
//! exactly once or dead-lettered with a reason, and the summary says what happened.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_is_delivered_or_dead_lettered_with_its_reason() {
    let suite = start_suite(80).await;
    let dir = temp_dir("e2e");
    let endpoints = endpoints_file(&suite, &dir);
    let db = dir.join("demo.db");

    let out = run_to_end(demo(&endpoints, &db)).await;
    let summary = summary(&out);

    assert_eq!(summary["run"], "first");
    assert_eq!(summary["pending"], 0);
    assert_eq!(summary["errors"].as_array().unwrap().len(), 0);
    let orders = row(&summary, "woocommerce.orders → outbox");
    assert_eq!(orders["seen"], 80);
    assert_eq!(orders["new"], 80);
    assert!(orders["api_calls"].as_u64().unwrap() >= 1);
    let magento = row(&summary, "magento.orders → chatwoot");
    assert_eq!(magento["seen"], 80);
    // Every outbox entry handed to ActiveCampaign ended delivered or dead-lettered.
    let ac = row(&summary, "outbox → activecampaign.contacts");
    assert_eq!(
        ac["delivered"].as_u64().unwrap() + ac["dead_lettered"].as_u64().unwrap(),
        80 + 12,
        "{ac}"
    );

    let tally = check_no_loss(&suite, &db).await;
    assert_eq!(tally.records, 80 * 2 + 12 + 80);
    // The seed has orders without email and with malformed ones: they must be dead letters,
    // and the summary lists each with its reason.
    assert!(tally.dead_lettered > 0);
    let letters = summary["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), tally.dead_lettered);
    assert!(
        letters
            .iter()
            .all(|l| !l["reason"].as_str().unwrap().is_empty())
    );
    assert!(
        letters.iter().any(|l| l["reason"]
            .as_str()
            .unwrap()
            .contains("has no billing email")),
        "{letters:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
