//! Failing orders are retried, then dead-lettered with the reason, and the watermark passes
//! them only once the dead letter is stored; Magento failing mid-run stops the run where it
//! was, and the next run finishes with nothing lost.

mod common;

use common::*;
use sandbox::Faults;
use serde_json::Value;
use sqlx::Row;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_order_is_retried_then_dead_lettered_never_passed() {
    let magento = magento(90).await;
    let dir = temp_dir("dead-letter");
    let db = dir.join("customers.db");
    let config = config(
        &dir,
        &magento,
        "batch_size = 10\n[retry]\nattempts = 3\ninitial = \"10ms\"\nmax_delay = \"50ms\"",
    );
    // A first run for the other website creates the database.
    let mut nl_only = importer(&magento, &config, &db);
    nl_only.args(["--website", "nl"]);
    let first = run(nl_only).await;
    assert_eq!(first.status.code(), Some(0), "{}", both(&first));

    // Inject a fault for one order of `main` with a valid email: its write fails every time.
    let orders = magento.entities("orders");
    let poisoned = orders
        .iter()
        .filter(|o| website_of(o) == "main" && email_key(o).is_some())
        .nth(4)
        .expect("an order to fail");
    let poisoned_id = poisoned["entity_id"].as_i64().unwrap();
    let pool = open(&db).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TRIGGER inject_fault BEFORE INSERT ON customer_orders WHEN NEW.order_id = {poisoned_id}
         BEGIN SELECT RAISE(ABORT, 'injected fault: disk I/O error'); END"
    )))
    .execute(&pool)
    .await
    .expect("create the fault trigger");

    let output = run(importer(&magento, &config, &db)).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "dead letters exit 1: {}",
        both(&output)
    );
    let summary = summary(&output);
    let main = website(&summary, "main");
    assert_eq!(main["status"], "completed", "{main:#}");
    let letters = main["dead_lettered"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{main:#}");
    assert_eq!(letters[0]["order"], poisoned_id.to_string());
    let reason = letters[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("injected fault: disk I/O error"),
        "{reason}"
    );
    assert!(reason.contains("after 3 attempts"), "{reason}");
    assert!(main["retries"].as_u64().unwrap() >= 2, "{main:#}");

    // Stored with the order itself, so it can be replayed.
    let row = sqlx::query("SELECT record_key, payload, attempts FROM sync_dead_letters")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("record_key"), poisoned_id.to_string());
    assert_eq!(row.get::<i64, _>("attempts"), 3);
    let payload: Value = serde_json::from_str(&row.get::<String, _>("payload")).unwrap();
    assert_eq!(payload["entity_id"], poisoned_id);

    // Every other order is imported; the poisoned one is not in the table, only dead-lettered.
    let rest: Vec<Value> = orders
        .iter()
        .filter(|o| o["entity_id"].as_i64() != Some(poisoned_id))
        .cloned()
        .collect();
    let (want, _) = expected(&rest);
    assert_eq!(customers(&pool).await, want);
    assert!(
        !imported_orders(&pool)
            .await
            .contains(&("main".into(), poisoned_id))
    );
    // The watermark passed it only because the dead letter is stored.
    let last_main = orders
        .iter()
        .filter(|o| website_of(o) == "main")
        .filter_map(|o| o["entity_id"].as_i64())
        .max()
        .unwrap();
    assert!(poisoned_id < last_main);
    assert_eq!(
        watermark(&pool, "main", 1).await,
        Some(last_main.to_string())
    );
    assert_eq!(dead_letters(&pool).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn magento_failing_mid_run_loses_nothing() {
    let magento = magento(200).await;
    let dir = temp_dir("magento-fails");
    let db = dir.join("customers.db");
    let config = config(&dir, &magento, "batch_size = 10");

    // Transient errors are retried by the client: the run completes.
    magento.set_faults(Faults::fail_next(2, 503));
    let mut main_only = importer(&magento, &config, &db);
    main_only.args(["--website", "main"]);
    let ok = run(main_only).await;
    assert_eq!(ok.status.code(), Some(0), "{}", both(&ok));
    assert!(
        magento
            .received()
            .iter()
            .filter(|r| r.status == Some(503))
            .count()
            >= 2
    );

    // Magento starts failing for good while `nl` is being read.
    magento.set_faults(Faults {
        latency_ms: 20,
        ..Faults::none()
    });
    let pool = open(&db).await;
    let child = importer(&magento, &config, &db);
    let running = tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.output().expect("run")
    });
    until("nl batches imported", || async {
        imported_orders(&pool)
            .await
            .iter()
            .filter(|(w, _)| w == "nl")
            .count()
            >= 10
    })
    .await;
    magento.set_faults(Faults {
        error_rate: 1.0,
        error_status: 500,
        ..Faults::none()
    });
    let failed = tokio::time::timeout(TIMEOUT, running)
        .await
        .expect("finished")
        .expect("join");
    assert_eq!(failed.status.code(), Some(2), "{}", both(&failed));
    let failed_summary = summary(&failed);
    let nl = website(&failed_summary, "nl");
    assert_eq!(nl["status"], "failed", "{nl:#}");
    assert!(
        nl["error"].as_str().unwrap().contains("source failed"),
        "{nl:#}"
    );
    let stopped_at: i64 = watermark(&pool, "nl", 2)
        .await
        .expect("a watermark after the first batches")
        .parse()
        .unwrap();
    let orders = magento.entities("orders");
    let last_nl = orders
        .iter()
        .filter(|o| website_of(o) == "nl")
        .filter_map(|o| o["entity_id"].as_i64())
        .max()
        .unwrap();
    assert!(stopped_at < last_nl, "the run stopped part-way");
    // The watermark trails the last written batch by at most that batch (the engine commits
    // below the batch's last cursor); what lies past it is read again and not counted twice.
    let written_past: Vec<i64> = imported_orders(&pool)
        .await
        .into_iter()
        .filter(|(w, id)| w == "nl" && *id > stopped_at)
        .map(|(_, id)| id)
        .collect();
    assert!(written_past.len() <= 10, "{written_past:?}");

    // Magento is back: the next run resumes at the watermark and ends with the full table.
    magento.set_faults(Faults::none());
    let rerun = run(importer(&magento, &config, &db)).await;
    assert_eq!(rerun.status.code(), Some(0), "{}", both(&rerun));
    let summary = summary(&rerun);
    let nl = website(&summary, "nl");
    assert_eq!(nl["watermark_before"], stopped_at.to_string());
    assert_eq!(
        nl["already_imported"].as_u64(),
        Some(written_past.len() as u64),
        "{nl:#}"
    );
    let (want, want_without) = expected(&orders);
    assert_eq!(customers(&pool).await, want);
    assert_eq!(without_email(&pool).await, want_without);
    assert!(dead_letters(&pool).await.is_empty());
}
