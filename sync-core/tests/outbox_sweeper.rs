//! The SQLite outbox and the sweeper: idempotent enqueue, exclusive claims between concurrent
//! sweepers, lease expiry, attempt and age limits, dead letters with reason and response, replay.
#![cfg(feature = "sqlite")]

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use support::TempDb;
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, Enqueued, NewOutboxEntry, OutboxLimits, OutboxStore,
    ReplayOutcome,
};
use sync_core::sweeper::{Sweeper, delivery_fn};
use sync_core::{Ack, StoreError, StreamKey};

fn contacts() -> StreamKey {
    StreamKey::new("woo-to-ac", "contacts", "shop.example.com")
}

fn entry(key: &str) -> NewOutboxEntry {
    NewOutboxEntry::new(
        contacts(),
        key,
        json!({"email": format!("{key}@example.com")}),
    )
}

/// Retry at once: lets a test walk through attempts without waiting.
fn no_wait() -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::ZERO)
        .jitter(Jitter::None)
        .max_attempts(u32::MAX)
        .max_elapsed(None)
}

async fn memory() -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open_in_memory().await.unwrap())
}

#[tokio::test]
async fn enqueue_is_idempotent_per_destination_and_key() -> Result<(), StoreError> {
    let store = memory().await;
    let first = store.enqueue(entry("order-1@v1")).await?;
    assert!(first.is_new());
    assert_eq!(
        store.enqueue(entry("order-1@v1")).await?,
        Enqueued::Duplicate(first.id())
    );
    // Same key, other destination: a different delivery.
    let mut elsewhere = entry("order-1@v1");
    elsewhere.destination = StreamKey::new("woo-to-chatwoot", "contacts", "shop.example.com");
    assert!(store.enqueue(elsewhere).await?.is_new());
    // Not due yet.
    let later = entry("order-2@v1").not_before(Utc::now() + chrono::Duration::hours(1));
    assert!(store.enqueue(later).await?.is_new());

    let stats = store.stats().await?;
    assert_eq!((stats.pending, stats.due, stats.leased), (3, 2, 0));
    assert!(stats.oldest_pending.is_some());

    let claimed = store.claim_due(10, Duration::from_secs(60)).await?;
    assert_eq!(claimed.len(), 2);
    assert_eq!(claimed[0].id(), first.id());
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(claimed[0].max_attempts, 3);
    assert_eq!(claimed[0].payload["email"], "order-1@v1@example.com");
    assert!(claimed[0].expires_at.is_some());
    assert!(
        store
            .claim_due(10, Duration::from_secs(60))
            .await?
            .is_empty()
    );
    assert_eq!(store.stats().await?.leased, 2);

    // A delivered key stays deduplicated until pruned.
    assert!(store.mark_delivered(&claimed[0].lease).await?);
    assert!(!store.mark_delivered(&claimed[0].lease).await?);
    assert!(!store.enqueue(entry("order-1@v1")).await?.is_new());
    assert_eq!(store.stats().await?.delivered, 1);
    assert_eq!(
        store
            .prune_delivered(Utc::now() + chrono::Duration::seconds(1))
            .await?,
        1
    );
    assert!(store.enqueue(entry("order-1@v1")).await?.is_new());
    Ok(())
}

/// Two sweepers on two handles to one database file deliver 200 entries concurrently: each
/// entry is delivered exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_sweepers_never_deliver_an_entry_twice() -> Result<(), StoreError> {
    let db = TempDb::new("sweepers");
    let a = Arc::new(SqliteStore::open(db.path()).await?);
    let b = Arc::new(SqliteStore::open(db.path()).await?);
    for i in 0..200 {
        a.enqueue(entry(&format!("order-{i}"))).await?;
    }
    let seen: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let sweeper = |store: Arc<SqliteStore>| {
        let seen = seen.clone();
        let sweeper = Sweeper::new(
            store,
            delivery_fn(move |entry| {
                let seen = seen.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    *seen.lock().unwrap().entry(entry.dedupe_key).or_default() += 1;
                    Ack::Delivered
                }
            }),
        )
        .batch_size(10)
        .concurrency(4);
        tokio::spawn(async move { sweeper.sweep().await })
    };
    let (ra, rb) = tokio::join!(sweeper(a.clone()), sweeper(b.clone()));
    let (ra, rb) = (ra.unwrap()?, rb.unwrap()?);

    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 200);
        assert!(
            seen.values().all(|&n| n == 1),
            "an entry was delivered twice"
        );
    }
    assert_eq!(ra.delivered + rb.delivered, 200);
    assert_eq!(ra.claimed + rb.claimed, 200);
    // Both really competed (each batch of deliveries takes milliseconds).
    assert!(ra.claimed > 0 && rb.claimed > 0, "a: {ra:?}, b: {rb:?}");
    assert_eq!(ra.lease_lost + rb.lease_lost, 0);
    let stats = a.stats().await?;
    assert_eq!((stats.pending, stats.delivered), (0, 200));
    Ok(())
}

/// A claim that is never answered (a crashed sweeper) expires and the entry is claimed again;
/// the first holder can no longer reschedule or dead-letter it.
#[tokio::test]
async fn an_expired_lease_makes_the_entry_due_again() -> Result<(), StoreError> {
    let store = memory().await;
    store.enqueue(entry("order-7")).await?;
    let lease = Duration::from_millis(150);
    let first = store.claim_due(10, lease).await?;
    assert_eq!(first.len(), 1);
    assert!(
        store.claim_due(10, lease).await?.is_empty(),
        "leased entries are not due"
    );

    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = store.claim_due(10, lease).await?;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id(), first[0].id());
    assert_eq!(
        second[0].attempts, 2,
        "the abandoned claim counts as an attempt"
    );
    assert_ne!(second[0].lease, first[0].lease);

    // The stale holder cannot undo the new claim.
    assert!(
        !store
            .mark_failed(&first[0].lease, Utc::now(), "late", None)
            .await?
    );
    assert_eq!(
        store
            .move_to_dead_letters(&first[0].lease, "late", None)
            .await?,
        None
    );
    assert!(store.list(&DeadLetterQuery::default()).await?.is_empty());
    assert!(store.mark_delivered(&second[0].lease).await?);
    Ok(())
}

#[tokio::test]
async fn a_sweeper_that_never_answers_is_recovered_by_another() -> Result<(), StoreError> {
    let db = TempDb::new("crash");
    {
        let crashed = SqliteStore::open(db.path()).await?;
        crashed.enqueue(entry("order-8")).await?;
        assert_eq!(
            crashed
                .claim_due(10, Duration::from_millis(100))
                .await?
                .len(),
            1
        );
        crashed.close().await; // the process dies holding the claim
    }
    let store = Arc::new(SqliteStore::open(db.path()).await?);
    let delivered = Arc::new(AtomicU32::new(0));
    let counter = delivered.clone();
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ack::Delivered }
        }),
    );
    assert!(sweeper.sweep().await?.is_empty(), "still leased");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let report = sweeper.sweep().await?;
    assert_eq!(report.delivered, 1);
    assert_eq!(delivered.load(Ordering::SeqCst), 1);
    Ok(())
}

#[tokio::test]
async fn retries_run_out_at_max_attempts_and_dead_letter_with_the_reason() -> Result<(), StoreError>
{
    let store = memory().await;
    let limits = OutboxLimits::new(3, None);
    store.enqueue(entry("order-9").limits(limits)).await?;
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(move |_| {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move { Ack::retry(format!("503 Service Unavailable (attempt {n})")) }
        }),
    )
    .retry_policy(no_wait());

    let first = sweeper.sweep().await?;
    assert_eq!((first.claimed, first.rescheduled), (1, 1));
    let second = sweeper.sweep().await?;
    assert_eq!(second.rescheduled, 1);
    let third = sweeper.sweep().await?;
    assert_eq!((third.rescheduled, third.dead_lettered), (0, 1));
    assert!(sweeper.sweep().await?.is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    let letters = store.list(&DeadLetterQuery::open(contacts())).await?;
    assert_eq!(letters.len(), 1);
    let letter = &letters[0].letter;
    assert_eq!(letter.record_key, "order-9");
    assert_eq!(letter.attempts, 3);
    assert_eq!(letter.payload, json!({"email": "order-9@example.com"}));
    assert!(
        letter.reason.contains("gave up after 3 attempts"),
        "{}",
        letter.reason
    );
    assert!(letter.reason.contains("(attempt 3)"), "{}", letter.reason);
    assert_eq!(store.stats().await?.pending, 0);
    Ok(())
}

#[tokio::test]
async fn the_last_response_travels_from_a_failed_attempt_to_the_dead_letter()
-> Result<(), StoreError> {
    let store = memory().await;
    store.enqueue(entry("order-10")).await?;
    let claim = store.claim_due(1, Duration::from_secs(60)).await?.remove(0);
    let body = r#"{"message":"upstream timeout"}"#;
    assert!(
        store
            .mark_failed(&claim.lease, Utc::now(), "504 Gateway Timeout", Some(body))
            .await?
    );
    let claim = store.claim_due(1, Duration::from_secs(60)).await?.remove(0);
    assert_eq!(claim.last_error.as_deref(), Some("504 Gateway Timeout"));
    assert_eq!(claim.last_response.as_deref(), Some(body));
    let id = store
        .move_to_dead_letters(&claim.lease, "gave up", None)
        .await?
        .expect("lease held");
    let letter = &store.list(&DeadLetterQuery::default()).await?[0];
    assert_eq!(letter.id, id);
    assert_eq!(letter.letter.last_response.as_deref(), Some(body));
    assert_eq!(letter.letter.attempts, 2);
    Ok(())
}

#[tokio::test]
async fn rejected_entries_are_dead_lettered_with_reason_and_response() -> Result<(), StoreError> {
    let store = memory().await;
    store.enqueue(entry("order-11")).await?;
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(|_| async {
            Ack::Rejected {
                reason: "422: contact email is invalid".into(),
                response: Some(r#"{"errors":[{"title":"Email invalid"}]}"#.into()),
            }
        }),
    );
    let report = sweeper.sweep().await?;
    assert_eq!((report.delivered, report.dead_lettered), (0, 1));
    let letter = &store.list(&DeadLetterQuery::open(contacts())).await?[0].letter;
    assert_eq!(letter.reason, "422: contact email is invalid");
    assert_eq!(
        letter.last_response.as_deref(),
        Some(r#"{"errors":[{"title":"Email invalid"}]}"#)
    );
    assert_eq!(letter.attempts, 1);
    Ok(())
}

#[tokio::test]
async fn max_age_dead_letters_expired_entries_without_delivering() -> Result<(), StoreError> {
    let store = memory().await;
    let short = OutboxLimits::new(10, Some(Duration::from_millis(100)));
    store.enqueue(entry("order-12").limits(short)).await?;
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ack::Delivered }
        }),
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    let report = sweeper.sweep().await?;
    assert_eq!(report.dead_lettered, 1);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "an expired entry is not sent"
    );
    let letter = &store.list(&DeadLetterQuery::default()).await?[0].letter;
    assert!(
        letter.reason.starts_with("max age 100ms reached"),
        "{}",
        letter.reason
    );
    Ok(())
}

#[tokio::test]
async fn a_retry_that_would_pass_max_age_dead_letters_now() -> Result<(), StoreError> {
    let store = memory().await;
    let limits = OutboxLimits::new(3, Some(Duration::from_secs(3600)));
    store.enqueue(entry("order-13").limits(limits)).await?;
    // The default policy waits 2 h, past the entry's 1 h age limit.
    let sweeper = Sweeper::new(store.clone(), delivery_fn(|_| async { Ack::retry("502") }));
    let report = sweeper.sweep().await?;
    assert_eq!(report.dead_lettered, 1);
    let letter = &store.list(&DeadLetterQuery::default()).await?[0].letter;
    assert!(letter.reason.contains("max age 1h"), "{}", letter.reason);
    assert!(letter.reason.ends_with(": 502"), "{}", letter.reason);
    Ok(())
}

#[tokio::test]
async fn the_destinations_wait_is_honoured() -> Result<(), StoreError> {
    let store = memory().await;
    store.enqueue(entry("order-14")).await?;
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(|_| async {
            Ack::RetryLater {
                reason: "429 Too Many Requests".into(),
                after: Some(Duration::from_secs(30)),
            }
        }),
    )
    .retry_policy(no_wait());
    assert_eq!(sweeper.sweep().await?.rescheduled, 1);
    let stats = store.stats().await?;
    assert_eq!((stats.pending, stats.due, stats.leased), (1, 0, 0));
    assert!(
        store
            .claim_due(10, Duration::from_secs(1))
            .await?
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn a_delivery_slower_than_the_lease_is_abandoned_and_retried() -> Result<(), StoreError> {
    let store = memory().await;
    store.enqueue(entry("order-15")).await?;
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(|_| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ack::Delivered
        }),
    )
    .lease(Duration::from_millis(100))
    .retry_policy(no_wait());
    let started = std::time::Instant::now();
    let report = sweeper.sweep().await?;
    // Abandoned before the lease ran out, so the sweeper itself could reschedule it.
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_eq!(report.delivered, 0);
    assert_eq!((report.rescheduled, report.lease_lost), (1, 0));
    let again = store.claim_due(1, Duration::from_secs(60)).await?;
    assert_eq!(again.len(), 1);
    assert!(
        again[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("before the claim's lease ran out")
    );
    Ok(())
}

#[tokio::test]
async fn replay_moves_dead_letters_back_and_marks_them_replayed_once_delivered()
-> Result<(), StoreError> {
    let store = memory().await;
    store.enqueue(entry("order-16")).await?;
    store.enqueue(entry("order-17")).await?;
    let fixed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let switch = fixed.clone();
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(move |_| {
            let ok = switch.load(Ordering::SeqCst);
            async move {
                if ok {
                    Ack::Delivered
                } else {
                    Ack::rejected("422: list id 4 does not exist")
                }
            }
        }),
    );
    assert_eq!(sweeper.sweep().await?.dead_lettered, 2);
    let letters = store.list(&DeadLetterQuery::open(contacts())).await?;
    let (a, b) = (letters[0].id, letters[1].id);

    // Still broken: a replay that fails again updates the same letter.
    let outcomes = sweeper.replay(&[a]).await?;
    assert!(matches!(outcomes[..], [ReplayOutcome::Queued(_)]));
    assert!(matches!(
        sweeper.replay(&[a]).await?[..],
        [ReplayOutcome::AlreadyQueued(_)]
    ));
    assert_eq!(sweeper.sweep().await?.dead_lettered, 1);
    let letters = store.list(&DeadLetterQuery::open(contacts())).await?;
    assert_eq!(letters.len(), 2, "no second letter for a failed replay");
    assert_eq!(letters[0].id, a);
    assert_eq!(letters[0].letter.attempts, 2);

    // Fixed: replay everything open for the stream.
    fixed.store(true, Ordering::SeqCst);
    let outcomes = sweeper
        .replay_matching(&DeadLetterQuery::open(contacts()))
        .await?;
    assert_eq!(outcomes.len(), 2);
    assert!(
        store.list(&DeadLetterQuery::open(contacts())).await?.len() == 2,
        "letters stay open until delivered"
    );
    let report = sweeper.sweep().await?;
    assert_eq!((report.delivered, report.replayed), (2, 2));
    assert!(
        store
            .list(&DeadLetterQuery::open(contacts()))
            .await?
            .is_empty()
    );
    let all = store
        .list(&DeadLetterQuery {
            include_replayed: true,
            ..Default::default()
        })
        .await?;
    assert!(all.iter().all(|l| l.replayed_at.is_some()));
    assert_eq!(
        sweeper.replay(&[a, b, 999]).await?,
        vec![ReplayOutcome::NotFound; 3]
    );
    Ok(())
}

#[tokio::test]
async fn run_until_delivers_in_the_background_and_stops_on_shutdown() -> Result<(), StoreError> {
    let store = memory().await;
    let sweeper = Sweeper::new(store.clone(), delivery_fn(|_| async { Ack::Delivered }))
        .poll_interval(Duration::from_millis(20));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        sweeper
            .run_until(async {
                let _ = stopped.await;
            })
            .await
    });
    store.enqueue(entry("order-18")).await?;
    for _ in 0..100 {
        if store.stats().await?.delivered == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    let total = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("run_until stops on shutdown")
        .unwrap();
    assert_eq!(total.delivered, 1);
    Ok(())
}

#[tokio::test]
async fn shutdown_during_a_pass_stops_between_batches() -> Result<(), StoreError> {
    let store = memory().await;
    for i in 0..20 {
        store.enqueue(entry(&format!("order-{i}"))).await?;
    }
    let sweeper = Sweeper::new(
        store.clone(),
        delivery_fn(|_| async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ack::Delivered
        }),
    )
    .batch_size(1)
    .poll_interval(Duration::from_secs(3600));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        sweeper
            .run_until(async {
                let _ = stopped.await;
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(70)).await;
    stop.send(()).unwrap();
    let total = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops without waiting for the poll interval")
        .unwrap();
    assert!(total.delivered >= 1 && total.delivered < 20, "{total:?}");
    // Nothing was abandoned mid-delivery: every claimed entry was answered.
    assert_eq!(total.claimed, total.delivered);
    let stats = store.stats().await?;
    assert_eq!(stats.leased, 0);
    assert_eq!(stats.pending, 20 - total.delivered);
    Ok(())
}
