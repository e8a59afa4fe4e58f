//! SqliteStore as a WatermarkStore and a DeadLetterStore: compare-and-set under contention,
//! durability across close and reopen, schema versioning.
#![cfg(feature = "sqlite")]

mod support;

use std::path::Path;
use std::sync::Arc;

use support::TempDb;
use sync_core::store::sqlite::{SCHEMA_VERSION, SqliteStore, SqliteStoreOptions};
use sync_core::store::{DeadLetterQuery, DeadLetterStore, NewDeadLetter};
use sync_core::{StoreError, StreamKey, WatermarkStore};

/// A database path in the temp dir, unique per test and run; removes the files on drop.
fn key() -> StreamKey {
    StreamKey::new("woo-to-ac", "orders", "shop.example.com")
}

fn letter(record_key: &str) -> NewDeadLetter {
    NewDeadLetter {
        stream: key(),
        record_key: record_key.to_string(),
        payload: serde_json::json!({"id": record_key, "total": "84.94"}),
        reason: "422: email is invalid".to_string(),
        last_response: Some(r#"{"errors":[{"code":"email_invalid"}]}"#.to_string()),
        attempts: 1,
    }
}

#[tokio::test]
async fn compare_and_set_in_memory() -> Result<(), StoreError> {
    let store = SqliteStore::open(":memory:").await?;
    let k = key();
    assert_eq!(store.load(&k).await?, None);
    assert!(store.compare_and_set(&k, None, "10").await?);
    assert!(
        !store.compare_and_set(&k, None, "11").await?,
        "None must not match a stored value"
    );
    assert!(!store.compare_and_set(&k, Some("9"), "11").await?);
    assert!(store.compare_and_set(&k, Some("10"), "11").await?);
    assert_eq!(store.load(&k).await?.as_deref(), Some("11"));
    // Keys are independent per tenant.
    let other = StreamKey::new("woo-to-ac", "orders", "other.example.com");
    assert_eq!(store.load(&other).await?, None);
    assert!(store.compare_and_set(&other, None, "1").await?);
    assert_eq!(store.load(&k).await?.as_deref(), Some("11"));
    Ok(())
}

/// Two handles on one file (as two processes would have) race to move the same watermark:
/// every round exactly one wins, and the final value is the count of wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_conflict_between_two_writers_on_one_file() -> Result<(), StoreError> {
    let db = TempDb::new("cas");
    let a = Arc::new(SqliteStore::open(db.path()).await?);
    let b = Arc::new(SqliteStore::open(db.path()).await?);
    let k = key();
    // Both writers read "0"; only the first to write wins, the other sees the conflict.
    assert!(a.compare_and_set(&k, None, "0").await?);
    assert!(!b.compare_and_set(&k, None, "0").await?);
    assert_eq!(b.load(&k).await?.as_deref(), Some("0"));
    assert!(b.compare_and_set(&k, Some("0"), "1").await?);
    assert!(!a.compare_and_set(&k, Some("0"), "1").await?);
    assert!(b.compare_and_set(&k, Some("1"), "0").await?);

    let writer = |store: Arc<SqliteStore>| {
        let k = k.clone();
        tokio::spawn(async move {
            let mut wins = 0u32;
            for _ in 0..100 {
                let current = store.load(&k).await?.expect("set above");
                let next = (current.parse::<u32>().unwrap() + 1).to_string();
                if store.compare_and_set(&k, Some(&current), &next).await? {
                    wins += 1;
                }
            }
            Ok::<_, StoreError>(wins)
        })
    };
    let (wa, wb) = tokio::join!(writer(a.clone()), writer(b.clone()));
    let (wa, wb) = (wa.unwrap()?, wb.unwrap()?);
    let final_value: u32 = a.load(&k).await?.unwrap().parse().unwrap();
    // A lost update would make the value smaller than the number of successful CAS calls.
    assert_eq!(final_value, wa + wb, "a: {wa} wins, b: {wb} wins");
    assert!(wa > 0 && wb > 0);
    Ok(())
}

#[tokio::test]
async fn watermarks_and_dead_letters_survive_close_and_reopen() -> Result<(), StoreError> {
    let db = TempDb::new("reopen");
    let k = key();
    {
        let store = SqliteStore::open(db.path()).await?;
        assert!(
            store
                .compare_and_set(&k, None, "2024-05-03T10:00:00Z")
                .await?
        );
        store.put(letter("1042")).await?;
        store.put(letter("1043")).await?;
        store.close().await;
        assert!(
            store.load(&k).await.is_err(),
            "a closed store must refuse work"
        );
    }
    let store = SqliteStore::open(db.path()).await?;
    assert_eq!(store.schema_version().await?, SCHEMA_VERSION);
    assert_eq!(
        store.load(&k).await?.as_deref(),
        Some("2024-05-03T10:00:00Z")
    );
    let letters = store.list(&DeadLetterQuery::open(k.clone())).await?;
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0].letter, letter("1042"));
    assert_eq!(letters[1].letter.record_key, "1043");
    assert!(letters[0].replayed_at.is_none());
    // WAL mode is on for files.
    assert!(Path::new(&format!("{}-wal", db.path().display())).exists());
    Ok(())
}

#[tokio::test]
async fn dead_letters_list_filters_pages_and_replays() -> Result<(), StoreError> {
    let store = SqliteStore::open_in_memory().await?;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let a = store.put(letter("a")).await?;
    let b = store.put(letter("b")).await?;
    let mut other = letter("c");
    other.stream = StreamKey::new("woo-to-ac", "customers", "shop.example.com");
    let c = store.put(other).await?;
    assert!(a < b && b < c);

    let all = store.list(&DeadLetterQuery::default()).await?;
    assert_eq!(all.iter().map(|l| l.id).collect::<Vec<_>>(), vec![a, b, c]);
    assert!(all[0].failed_at > before);
    let orders = store.list(&DeadLetterQuery::open(key())).await?;
    assert_eq!(orders.iter().map(|l| l.id).collect::<Vec<_>>(), vec![a, b]);

    // Paging.
    let page = DeadLetterQuery {
        after_id: Some(a),
        limit: Some(1),
        ..Default::default()
    };
    assert_eq!(
        store
            .list(&page)
            .await?
            .iter()
            .map(|l| l.id)
            .collect::<Vec<_>>(),
        vec![b]
    );

    // A failed replay records the new reason and counts an attempt.
    store.record_failure(a, "still invalid", None).await?;
    let after = &store.list(&DeadLetterQuery::open(key())).await?[0];
    assert_eq!(after.letter.reason, "still invalid");
    assert_eq!(after.letter.last_response, None);
    assert_eq!(after.letter.attempts, 2);

    assert!(store.mark_replayed(a).await?);
    assert!(
        !store.mark_replayed(a).await?,
        "only open letters can be replayed"
    );
    assert!(!store.mark_replayed(9_999).await?);
    let open = store.list(&DeadLetterQuery::open(key())).await?;
    assert_eq!(open.iter().map(|l| l.id).collect::<Vec<_>>(), vec![b]);
    let with_replayed = DeadLetterQuery {
        include_replayed: true,
        ..DeadLetterQuery::open(key())
    };
    let listed = store.list(&with_replayed).await?;
    assert_eq!(listed.len(), 2);
    assert!(listed[0].replayed_at.is_some());
    Ok(())
}

#[tokio::test]
async fn in_memory_stores_are_private_and_clones_share_one() -> Result<(), StoreError> {
    let one = SqliteStore::open(":memory:").await?;
    let two = SqliteStoreOptions::in_memory().open().await?;
    let k = key();
    assert!(one.compare_and_set(&k, None, "1").await?);
    assert_eq!(two.load(&k).await?, None);
    let clone = one.clone();
    assert_eq!(clone.load(&k).await?.as_deref(), Some("1"));
    assert_eq!(one.location(), ":memory:");
    assert!(format!("{one:?}").contains(":memory:"));
    Ok(())
}

#[tokio::test]
async fn a_newer_schema_is_refused() -> Result<(), StoreError> {
    let db = TempDb::new("schema");
    let store = SqliteStore::open(db.path()).await?;
    store.close().await;
    // Simulate a database written by a future sync-core.
    {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(db.path())
            .connect()
            .await
            .unwrap();
        sqlx::query("UPDATE sync_schema_version SET version = version + 1")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let err = SqliteStore::open(db.path()).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)));
    assert!(err.to_string().contains("newer sync-core"), "{err}");
    Ok(())
}

#[tokio::test]
async fn missing_file_is_an_error_when_creation_is_off() {
    let db = TempDb::new("missing");
    let err = SqliteStoreOptions::file(db.path())
        .create_if_missing(false)
        .open()
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
}
