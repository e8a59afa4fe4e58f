//! The inbox's group commit: concurrent accepts share transactions, yet each answer still
//! means "committed", and dedupe is exactly that of one insert per delivery.
#![cfg(feature = "sqlite")]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use support::TempDb;
use sync_core::StoreError;
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{InboxStore, Received};

fn order(n: u32) -> Vec<u8> {
    format!(r#"{{"id":{n},"status":"processing","billing":{{"email":"c{n}@example.com"}}}}"#)
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_accepts_dedupe_as_one_insert_each() -> Result<(), StoreError> {
    let db = TempDb::new("group-commit");
    let store = Arc::new(SqliteStore::open(db.path()).await?);
    let headers = json!({"x-wc-webhook-topic": "order.updated"});
    // 100 deliveries, each sent three times at once (senders retry, shops send twice).
    let mut tasks = Vec::new();
    for copy in 0..3 {
        for n in 0..100u32 {
            let (store, headers) = (store.clone(), headers.clone());
            tasks.push(tokio::spawn(async move {
                let received = store
                    .store("woo:shop", &format!("d-{n}"), &headers, &order(n))
                    .await?;
                Ok::<_, StoreError>((n, copy, received))
            }));
        }
    }
    let mut by_key: HashMap<u32, Vec<Received>> = HashMap::new();
    for task in tasks {
        let (n, _, received) = task.await.unwrap()?;
        by_key.entry(n).or_default().push(received);
    }
    assert_eq!(by_key.len(), 100);
    for (n, answers) in &by_key {
        let new = answers.iter().filter(|r| r.is_new()).count();
        assert_eq!(new, 1, "delivery {n}: {answers:?}");
        assert!(
            answers.iter().all(|r| r.id() == answers[0].id()),
            "{answers:?}"
        );
    }
    assert_eq!(store.stats().await?.pending, 100);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_means_committed_even_when_other_callers_hang_up() -> Result<(), StoreError> {
    let db = TempDb::new("group-commit-durable");
    let store = Arc::new(SqliteStore::open(db.path()).await?);
    // Callers that give up at once (a sender that hung up) must not cut other callers'
    // batches short, nor leave anyone without an answer.
    let mut kept = Vec::new();
    for n in 0..200u32 {
        let store = store.clone();
        let storing = async move {
            store
                .store("woo:shop", &format!("d-{n}"), &json!({}), &order(n))
                .await
        };
        if n % 2 == 0 {
            let _ = tokio::time::timeout(Duration::ZERO, storing).await;
        } else {
            kept.push(tokio::spawn(storing));
        }
    }
    let mut ids = Vec::new();
    for task in kept {
        let received = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("every caller gets an answer")
            .unwrap()?;
        ids.push(received.id());
    }
    // Answered means committed: another handle (its own connections) sees every answered row.
    let other = SqliteStore::open(db.path()).await?;
    let stored: std::collections::HashSet<i64> = other
        .claim(1000, Duration::from_secs(60))
        .await?
        .iter()
        .map(|d| d.id())
        .collect();
    assert_eq!(ids.len(), 100);
    assert!(ids.iter().all(|id| stored.contains(id)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_stored_together_come_back_byte_for_byte() -> Result<(), StoreError> {
    let db = TempDb::new("group-commit-bytes");
    let store = Arc::new(SqliteStore::open(db.path()).await?);
    // Empty, binary (not UTF-8), NUL bytes, every byte value, and ordinary JSON: stored at
    // once, so they share batches.
    let mut bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0xff, 0xfe, 0x00, 0x80],
        (0..=255u8).collect(),
        "{\"name\":\"Valéry\",\"city\":\"정\"}".as_bytes().to_vec(),
    ];
    bodies.extend((0..60).map(order));
    let tasks: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let (store, body) = (store.clone(), body.clone());
            tokio::spawn(async move {
                store
                    .store(
                        "shop",
                        &format!("b-{i}"),
                        &json!({"x-i": i.to_string()}),
                        &body,
                    )
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap()?.is_new());
    }
    let claimed = store.claim(1000, Duration::from_secs(60)).await?;
    assert_eq!(claimed.len(), bodies.len());
    for delivery in claimed {
        let i: usize = delivery.dedupe_key["b-".len()..].parse().unwrap();
        assert_eq!(delivery.body, bodies[i], "body {i}");
        assert_eq!(delivery.headers, json!({"x-i": i.to_string()}));
    }
    Ok(())
}
