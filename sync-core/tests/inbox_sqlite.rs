//! The SQLite webhook inbox: dedupe, claim and acknowledge, redelivery after a crash, pruning.
#![cfg(feature = "sqlite")]

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use support::TempDb;
use sync_core::StoreError;
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{InboxStore, Received};

const SOURCE: &str = "woocommerce:shop.example.com";

fn headers(id: &str) -> serde_json::Value {
    json!({
        "x-wc-webhook-delivery-id": id,
        "x-wc-webhook-topic": "order.updated",
        "x-wc-webhook-signature": "aGVsbG8=",
    })
}

/// Not valid UTF-8 on purpose: the body is kept byte for byte.
fn body(n: u8) -> Vec<u8> {
    let mut body = br#"{"id":1042,"status":"processing"}"#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe, n]);
    body
}

#[tokio::test]
async fn duplicates_are_acknowledged_but_stored_once() -> Result<(), StoreError> {
    let store = SqliteStore::open_in_memory().await?;
    let first = store
        .store(SOURCE, "delivery-1", &headers("1"), &body(1))
        .await?;
    assert!(first.is_new());
    let again = store
        .store(SOURCE, "delivery-1", &headers("1"), &body(9))
        .await?;
    assert_eq!(again, Received::Duplicate(first.id()));
    // Same key from another source is another delivery.
    assert!(
        store
            .store("magento:store-1", "delivery-1", &headers("1"), &body(2))
            .await?
            .is_new()
    );
    let claimed = store.claim(10, Duration::from_secs(60)).await?;
    assert_eq!(claimed.len(), 2);
    assert_eq!(claimed[0].id(), first.id());
    assert_eq!(claimed[0].body, body(1), "the first copy is the one kept");
    assert_eq!(claimed[0].headers, headers("1"));
    assert_eq!(claimed[0].source, SOURCE);
    assert_eq!(claimed[0].dedupe_key, "delivery-1");
    assert_eq!(claimed[0].attempts, 1);

    // Still a duplicate after processing.
    assert!(store.ack(&claimed[0].lease).await?);
    assert!(!store.ack(&claimed[0].lease).await?);
    assert!(
        !store
            .store(SOURCE, "delivery-1", &headers("1"), &body(1))
            .await?
            .is_new()
    );
    Ok(())
}

#[tokio::test]
async fn claims_are_exclusive_and_acked_deliveries_never_return() -> Result<(), StoreError> {
    let db = TempDb::new("inbox-claims");
    let a = Arc::new(SqliteStore::open(db.path()).await?);
    let b = Arc::new(SqliteStore::open(db.path()).await?);
    for i in 0..60u8 {
        a.store(SOURCE, &format!("d-{i}"), &headers("x"), &body(i))
            .await?;
    }
    let worker = |store: Arc<SqliteStore>| {
        tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let batch = store.claim(7, Duration::from_secs(60)).await?;
                if batch.is_empty() {
                    return Ok::<_, StoreError>(ids);
                }
                for d in batch {
                    assert!(store.ack(&d.lease).await?);
                    ids.push(d.id());
                }
            }
        })
    };
    let (ia, ib) = tokio::join!(worker(a.clone()), worker(b.clone()));
    let (ia, ib) = (ia.unwrap()?, ib.unwrap()?);
    let all: HashSet<i64> = ia.iter().chain(&ib).copied().collect();
    assert_eq!(ia.len() + ib.len(), 60, "each delivery processed once");
    assert_eq!(all.len(), 60);
    let stats = a.stats().await?;
    assert_eq!((stats.pending, stats.processed), (0, 60));
    Ok(())
}

/// A worker claims a delivery and dies before acknowledging it: after the lease expires, it is
/// delivered again — also to a new process opening the same file.
#[tokio::test]
async fn claimed_but_unacknowledged_deliveries_come_back_after_a_crash() -> Result<(), StoreError> {
    let db = TempDb::new("inbox-crash");
    let lease = Duration::from_millis(150);
    let id = {
        let crashed = SqliteStore::open(db.path()).await?;
        let id = crashed
            .store(SOURCE, "delivery-7", &headers("7"), &body(7))
            .await?
            .id();
        let claimed = crashed.claim(10, lease).await?;
        assert_eq!(claimed.len(), 1);
        assert_eq!(crashed.stats().await?.leased, 1);
        crashed.close().await; // no ack
        id
    };
    let store = SqliteStore::open(db.path()).await?;
    assert!(store.claim(10, lease).await?.is_empty(), "lease still held");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = store.claim(10, lease).await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id(), id);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].body, body(7));
    assert!(store.ack(&again[0].lease).await?);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        store.claim(10, lease).await?.is_empty(),
        "acknowledged stays done"
    );
    Ok(())
}

#[tokio::test]
async fn fail_releases_with_the_reason_after_the_delay() -> Result<(), StoreError> {
    let store = SqliteStore::open(":memory:").await?;
    store.store(SOURCE, "d-1", &headers("1"), &body(1)).await?;
    let first = store.claim(1, Duration::from_secs(60)).await?.remove(0);
    assert!(
        store
            .fail(
                &first.lease,
                "ActiveCampaign 503",
                Duration::from_millis(100)
            )
            .await?
    );
    assert!(
        !store.fail(&first.lease, "twice", Duration::ZERO).await?,
        "a released lease cannot fail again"
    );
    assert!(store.claim(1, Duration::from_secs(60)).await?.is_empty());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let second = store.claim(1, Duration::from_secs(60)).await?.remove(0);
    assert_eq!(second.attempts, 2);
    assert_eq!(second.last_error.as_deref(), Some("ActiveCampaign 503"));
    // A stale lease can neither release nor acknowledge the new claim (fencing token).
    assert!(!store.fail(&first.lease, "stale", Duration::ZERO).await?);
    assert!(!store.ack(&first.lease).await?);
    assert!(store.ack(&second.lease).await?);
    Ok(())
}

#[tokio::test]
async fn prune_removes_only_old_processed_deliveries() -> Result<(), StoreError> {
    let store = SqliteStore::open_in_memory().await?;
    store.store(SOURCE, "done", &headers("1"), &body(1)).await?;
    store
        .store(SOURCE, "pending", &headers("2"), &body(2))
        .await?;
    let claimed = store.claim(1, Duration::from_secs(60)).await?;
    assert_eq!(claimed[0].dedupe_key, "done");
    store.ack(&claimed[0].lease).await?;

    assert_eq!(
        store
            .prune_processed(Utc::now() - chrono::Duration::hours(1))
            .await?,
        0
    );
    assert_eq!(
        store
            .prune_processed(Utc::now() + chrono::Duration::seconds(1))
            .await?,
        1
    );
    let stats = store.stats().await?;
    assert_eq!((stats.pending, stats.processed, stats.leased), (1, 0, 0));
    assert!(stats.oldest_pending.is_some());
    // A pruned key is new again.
    assert!(
        store
            .store(SOURCE, "done", &headers("1"), &body(1))
            .await?
            .is_new()
    );
    Ok(())
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_for_good_with_its_size() -> Result<(), StoreError> {
    use sync_core::store::sqlite::{SQLITE_MAX_LENGTH, SqliteStoreOptions};
    use sync_core::{Classify, PermanentKind, Verdict};

    let store = SqliteStoreOptions::in_memory()
        .max_inbox_body_bytes(1024)
        .open()
        .await?;
    let at_limit = vec![b'x'; 1024];
    assert!(
        store
            .store(SOURCE, "d-1", &headers("1"), &at_limit)
            .await?
            .is_new()
    );

    let over = vec![b'x'; 1025];
    let error = store
        .store(SOURCE, "d-2", &headers("2"), &over)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::TooLarge {
                size: 1025,
                limit: 1024,
                ..
            }
        ),
        "{error:?}"
    );
    // Permanent: the receiver answers a client error instead of asking for the same bytes again.
    assert_eq!(error.verdict(), Verdict::Permanent(PermanentKind::Data));
    let shown = error.to_string();
    assert!(
        shown.contains("1025 bytes") && shown.contains("1024-byte limit"),
        "{shown}"
    );
    assert_eq!(store.stats().await?.pending, 1);

    // The default is SQLite's own limit, and no option raises it.
    let capped = SqliteStoreOptions::in_memory()
        .max_inbox_body_bytes(usize::MAX)
        .open()
        .await?;
    assert!(format!("{capped:?}").contains(&SQLITE_MAX_LENGTH.to_string()));
    Ok(())
}
