//! Scenario tests of the pipeline engine's no-loss rule.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use support::{ScriptedSink, rec};
use sync_core::engine::{OnExhausted, Phase, Pipeline, RunErrorKind, replay_dead_letters};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks, WatermarkStore,
};
use sync_core::{Ack, SourceOrder, StageError, StreamKey, VecSource};

fn key() -> StreamKey {
    StreamKey::new("test", "orders", "shop-1")
}

fn quick_retry(attempts: u32) -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::ZERO)
        .jitter(Jitter::None)
        .max_attempts(attempts)
}

struct Stores {
    wm: Arc<MemoryWatermarks>,
    dl: Arc<MemoryDeadLetters>,
}

fn stores() -> Stores {
    Stores {
        wm: Arc::new(MemoryWatermarks::new()),
        dl: Arc::new(MemoryDeadLetters::new()),
    }
}

fn pipeline<C: sync_core::Cursor>(
    st: &Stores,
    source: VecSource<String, C>,
    sink: ScriptedSink,
) -> Pipeline<VecSource<String, C>, ScriptedSink> {
    Pipeline::builder(key(), source, sink)
        .watermarks(st.wm.clone())
        .dead_letters(st.dl.clone())
        .retry_policy(quick_retry(3))
        .build()
        .unwrap()
}

fn ids(n: u64) -> Vec<sync_core::SourceRecord<String, u64>> {
    (1..=n).map(|i| rec(&format!("o{i}"), i)).collect()
}

#[tokio::test]
async fn sorted_run_delivers_everything_and_resumes_after_the_last() {
    let st = stores();
    let mut p = pipeline(
        &st,
        VecSource::new(ids(25), SourceOrder::Sorted, 10),
        ScriptedSink::new(),
    );
    let report = p.run().await.unwrap();
    assert_eq!(
        (report.seen, report.delivered, report.dead_lettered),
        (25, 25, 0)
    );
    assert_eq!(report.batches, 3);
    assert_eq!(st.wm.load(&key()).await.unwrap().as_deref(), Some("25"));
    // A second run reads nothing new.
    let again = p.run().await.unwrap();
    assert_eq!(again.seen, 0);
    assert_eq!(p.sink().delivered().len(), 25);
}

#[tokio::test]
async fn rejected_record_is_dead_lettered_with_reason_and_the_stream_moves_on() {
    let st = stores();
    let sink = ScriptedSink::new().always(
        "o4",
        Ack::Rejected {
            reason: "email: not a valid address".into(),
            response: Some("{\"errors\":[{\"code\":\"email_invalid\"}]}".into()),
        },
    );
    let mut p = pipeline(&st, VecSource::new(ids(6), SourceOrder::Sorted, 10), sink);
    let report = p.run().await.unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (5, 1));
    let letters = st.dl.list(&DeadLetterQuery::open(key())).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.record_key, "o4");
    assert_eq!(letters[0].letter.reason, "email: not a valid address");
    assert_eq!(
        letters[0].letter.payload,
        serde_json::json!("payload of o4")
    );
    assert!(
        letters[0]
            .letter
            .last_response
            .as_deref()
            .unwrap()
            .contains("email_invalid")
    );
    assert_eq!(st.wm.load(&key()).await.unwrap().as_deref(), Some("6"));
}

#[tokio::test]
async fn transient_failure_is_retried_within_the_run() {
    let st = stores();
    let sink = ScriptedSink::new().script("o2", vec![Ack::retry("503"), Ack::retry("503")]);
    let mut p = pipeline(&st, VecSource::new(ids(3), SourceOrder::Sorted, 10), sink);
    let report = p.run().await.unwrap();
    assert_eq!(report.delivered, 3);
    assert_eq!(report.retries, 2);
    // First attempt delivers o1 and o3; o2 goes through on the third.
    assert_eq!(p.sink().delivered(), vec!["o1", "o3", "o2"]);
}

#[tokio::test]
async fn halt_keeps_the_watermark_before_the_failing_record() {
    let st = stores();
    let sink = ScriptedSink::new().always("o13", Ack::retry("downstream 503"));
    let mut p = pipeline(&st, VecSource::new(ids(30), SourceOrder::Sorted, 10), sink);
    let err = p.run().await.unwrap_err();
    match &err.kind {
        RunErrorKind::RetriesExhausted {
            keys,
            first_key,
            reason,
            attempts,
        } => {
            assert_eq!(keys, &vec!["o13".to_string()]);
            assert_eq!(first_key, "o13");
            assert_eq!(reason, "downstream 503");
            assert_eq!(*attempts, 3);
        }
        other => panic!("unexpected {other:?}"),
    }
    // Every record below o13 is done; o13 is not: the watermark stops at 12.
    assert_eq!(st.wm.load(&key()).await.unwrap().as_deref(), Some("12"));
    assert_eq!(err.report.watermark_after.as_deref(), Some("12"));
    assert!(err.to_string().contains("o13"), "{err}");
    assert_eq!(
        st.dl.list(&DeadLetterQuery::default()).await.unwrap().len(),
        0
    );

    // Downstream recovers: the next run starts at o13 and finishes.
    p.sink().heal("o13");
    let report = p.run().await.unwrap();
    assert_eq!(report.seen, 18);
    assert!(p.sink().delivered().contains(&"o13".to_string()));
    assert_eq!(st.wm.load(&key()).await.unwrap().as_deref(), Some("30"));
}

#[tokio::test]
async fn exhausted_records_can_be_dead_lettered_instead() {
    let st = stores();
    let sink = ScriptedSink::new().always("o2", Ack::retry("timeout"));
    let mut p = Pipeline::builder(key(), VecSource::new(ids(3), SourceOrder::Sorted, 10), sink)
        .watermarks(st.wm.clone())
        .dead_letters(st.dl.clone())
        .retry_policy(quick_retry(2))
        .on_exhausted(OnExhausted::DeadLetter)
        .build()
        .unwrap();
    let report = p.run().await.unwrap();
    assert_eq!((report.delivered, report.dead_lettered), (2, 1));
    let letters = st.dl.list(&DeadLetterQuery::default()).await.unwrap();
    assert_eq!(
        letters[0].letter.reason,
        "attempt limit reached after 2 attempts: timeout"
    );
    assert_eq!(letters[0].letter.attempts, 2);
}

#[tokio::test]
async fn records_sharing_a_cursor_are_never_split_by_a_commit() {
    // Batches of 2 over cursors 1,1,1,2: after the first batch (both cursor 1) nothing may be
    // committed, or a read "after 1" would lose the third record.
    let st = stores();
    let records = vec![rec("a", 1u64), rec("b", 1), rec("c", 1), rec("d", 2)];
    let sink = ScriptedSink::new().always("c", Ack::retry("busy"));
    let mut p = pipeline(&st, VecSource::new(records, SourceOrder::Sorted, 2), sink);
    assert!(p.run().await.is_err());
    assert_eq!(st.wm.load(&key()).await.unwrap(), None);
    p.sink().heal("c");
    p.run().await.unwrap();
    assert!(p.sink().delivered().contains(&"c".to_string()));
    assert_eq!(st.wm.load(&key()).await.unwrap().as_deref(), Some("2"));
}

#[tokio::test]
async fn config_error_stops_without_dead_lettering() {
    let st = stores();
    let sink = ScriptedSink::new().fail_batch(StageError::config("401: API token refused"));
    let mut p = pipeline(&st, VecSource::new(ids(5), SourceOrder::Sorted, 10), sink);
    let err = p.run().await.unwrap_err();
    assert!(matches!(err.kind, RunErrorKind::Sink(_)));
    assert!(err.to_string().contains("401: API token refused"));
    assert_eq!(
        st.dl.list(&DeadLetterQuery::default()).await.unwrap().len(),
        0
    );
    assert_eq!(st.wm.load(&key()).await.unwrap(), None);
}

#[tokio::test]
async fn sort_violation_is_refused_before_delivery() {
    struct Backwards(Option<Vec<sync_core::SourceRecord<String, u64>>>);
    #[async_trait::async_trait]
    impl sync_core::Source for Backwards {
        type Record = String;
        type Cursor = u64;
        fn order(&self) -> SourceOrder {
            SourceOrder::Sorted
        }
        async fn start(&mut self, _after: Option<u64>) -> Result<(), StageError> {
            Ok(())
        }
        async fn next_batch(
            &mut self,
        ) -> Result<Option<Vec<sync_core::SourceRecord<String, u64>>>, StageError> {
            Ok(self.0.take())
        }
    }
    let st = stores();
    let source = Backwards(Some(vec![rec("a", 5), rec("b", 3)]));
    let mut p = Pipeline::builder(key(), source, ScriptedSink::new())
        .watermarks(st.wm.clone())
        .dead_letters(st.dl.clone())
        .build()
        .unwrap();
    let err = p.run().await.unwrap_err();
    assert!(
        matches!(err.kind, RunErrorKind::SortViolation { .. }),
        "{err}"
    );
    assert!(p.sink().delivered().is_empty());
}

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap()
}

#[tokio::test]
async fn unsorted_commits_at_the_end_capped_and_rereads_the_lookback() {
    let st = stores();
    let order = SourceOrder::Unsorted {
        lookback: Duration::from_secs(600),
        clock_skew: Duration::from_secs(60),
    };
    // Out of order; one record is modified after run start minus skew (10:59).
    let records = vec![
        rec("c", t(10, 30)),
        rec("a", t(9, 0)),
        rec("late", t(11, 0)),
        rec("b", t(10, 0)),
    ];
    let mut p = Pipeline::builder(
        key(),
        VecSource::new(records, order, 2),
        ScriptedSink::new(),
    )
    .watermarks(st.wm.clone())
    .dead_letters(st.dl.clone())
    .clock(|| t(11, 0))
    .build()
    .unwrap();
    let report = p.run().await.unwrap();
    assert_eq!(report.delivered, 4);
    // Capped at run start (11:00) minus skew (60 s).
    assert_eq!(
        st.wm.load(&key()).await.unwrap().as_deref(),
        Some("2026-11-22T10:59:00Z")
    );
    // The next run starts 10 minutes before the watermark (10:49): only "late" is read again.
    let again = p.run().await.unwrap();
    assert_eq!(again.seen, 1, "only the record after 10:49 is read again");
}

#[tokio::test]
async fn unsorted_failure_commits_nothing() {
    let st = stores();
    let order = SourceOrder::Unsorted {
        lookback: Duration::ZERO,
        clock_skew: Duration::ZERO,
    };
    let records = vec![rec("b", t(10, 0)), rec("a", t(9, 0))];
    let sink = ScriptedSink::new().always("a", Ack::retry("busy"));
    let mut p = Pipeline::builder(key(), VecSource::new(records, order, 1), sink)
        .watermarks(st.wm.clone())
        .dead_letters(st.dl.clone())
        .retry_policy(quick_retry(2))
        .clock(|| t(12, 0))
        .build()
        .unwrap();
    assert!(p.run().await.is_err());
    assert_eq!(
        st.wm.load(&key()).await.unwrap(),
        None,
        "b (10:00) is done but a (09:00) is not"
    );
}

/// A store where another worker moves the watermark right after this run loads it.
#[derive(Debug, Default)]
struct RacingStore {
    inner: MemoryWatermarks,
}

#[async_trait::async_trait]
impl WatermarkStore for RacingStore {
    async fn load(&self, key: &StreamKey) -> Result<Option<String>, sync_core::StoreError> {
        let seen = self.inner.load(key).await?;
        self.inner
            .compare_and_set(key, seen.as_deref(), "2")
            .await?;
        Ok(seen)
    }
    async fn compare_and_set(
        &self,
        key: &StreamKey,
        expected: Option<&str>,
        new: &str,
    ) -> Result<bool, sync_core::StoreError> {
        self.inner.compare_and_set(key, expected, new).await
    }
}

#[tokio::test]
async fn a_watermark_moved_by_another_worker_stops_the_run() {
    let racing = Arc::new(RacingStore::default());
    let dl = Arc::new(MemoryDeadLetters::new());
    let mut p = Pipeline::builder(
        key(),
        VecSource::new(ids(5), SourceOrder::Sorted, 2),
        ScriptedSink::new(),
    )
    .watermarks(racing.clone())
    .dead_letters(dl)
    .build()
    .unwrap();
    let err = p.run().await.unwrap_err();
    assert!(
        matches!(err.kind, RunErrorKind::WatermarkConflict { .. }),
        "{err}"
    );
    // The other worker's value stands.
    assert_eq!(
        racing.inner.load(&key()).await.unwrap().as_deref(),
        Some("2")
    );
}

#[tokio::test]
async fn progress_is_published() {
    let st = stores();
    let mut p = pipeline(
        &st,
        VecSource::new(ids(20), SourceOrder::Sorted, 5),
        ScriptedSink::new(),
    );
    let rx = p.subscribe();
    p.run().await.unwrap();
    let last = rx.borrow().clone();
    assert_eq!(last.phase, Phase::Finished);
    assert_eq!((last.seen, last.delivered, last.batches), (20, 20, 4));
    assert_eq!(last.watermark.as_deref(), Some("20"));
    assert!(last.rate_per_second() > 0.0);
}

#[tokio::test]
async fn dead_letters_replay_once_the_cause_is_fixed() {
    let st = stores();
    let sink = ScriptedSink::new().always("o2", Ack::rejected("tag name too long"));
    let mut p = pipeline(&st, VecSource::new(ids(3), SourceOrder::Sorted, 10), sink);
    p.run().await.unwrap();
    let query = DeadLetterQuery::open(key());

    // Still broken: the letter stays, with one more attempt.
    let report = replay_dead_letters::<String, _>(st.dl.as_ref(), &query, p.sink(), 10)
        .await
        .unwrap();
    assert_eq!((report.delivered, report.failed), (0, 1));
    assert_eq!(st.dl.list(&query).await.unwrap()[0].letter.attempts, 2);

    p.sink().heal("o2");
    let report = replay_dead_letters::<String, _>(st.dl.as_ref(), &query, p.sink(), 10)
        .await
        .unwrap();
    assert_eq!(report.delivered, 1);
    assert!(st.dl.list(&query).await.unwrap().is_empty());
    assert!(p.sink().delivered().contains(&"o2".to_string()));
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_restart_from_the_same_sqlite_file_resumes_without_loss() {
    use sync_core::store::sqlite::SqliteStore;
    let dir = std::env::temp_dir().join(format!(
        "engine-restart-{}-{}",
        std::process::id(),
        fastrand_seed()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.db");

    // First process: o7 is poison, o15 fails until the destination recovers.
    {
        let store = Arc::new(SqliteStore::open(&path).await.unwrap());
        let sink = ScriptedSink::new()
            .always("o7", Ack::rejected("customer.email missing"))
            .always("o15", Ack::retry("503 from destination"));
        let mut p = Pipeline::builder(key(), VecSource::new(ids(20), SourceOrder::Sorted, 4), sink)
            .watermarks(store.clone())
            .dead_letters(store.clone())
            .retry_policy(quick_retry(2))
            .build()
            .unwrap();
        let err = p.run().await.unwrap_err();
        assert!(matches!(err.kind, RunErrorKind::RetriesExhausted { .. }));
        store.close().await;
    }

    // Second process, same file.
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    assert_eq!(store.load(&key()).await.unwrap().as_deref(), Some("14"));
    let letters = store.list(&DeadLetterQuery::open(key())).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.record_key, "o7");
    assert_eq!(letters[0].letter.reason, "customer.email missing");

    let mut p = Pipeline::builder(
        key(),
        VecSource::new(ids(20), SourceOrder::Sorted, 4),
        ScriptedSink::new(),
    )
    .watermarks(store.clone())
    .dead_letters(store.clone())
    .build()
    .unwrap();
    let report = p.run().await.unwrap();
    let delivered = p.sink().delivered();
    assert_eq!(
        delivered.first().map(String::as_str),
        Some("o15"),
        "resumes at the unfinished record"
    );
    assert_eq!(report.delivered, 6);
    assert_eq!(store.load(&key()).await.unwrap().as_deref(), Some("20"));
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn fastrand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[tokio::test]
async fn a_poison_record_reread_in_the_lookback_is_dead_lettered_once() {
    let check = |dl: Arc<dyn DeadLetterStore>| async move {
        let wm = Arc::new(MemoryWatermarks::new());
        let order = SourceOrder::Unsorted {
            lookback: Duration::from_secs(3600),
            clock_skew: Duration::ZERO,
        };
        let records = vec![rec("good", t(10, 0)), rec("poison", t(10, 30))];
        let sink = ScriptedSink::new().always("poison", Ack::rejected("bad email"));
        let mut p = Pipeline::builder(key(), VecSource::new(records, order, 10), sink)
            .watermarks(wm)
            .dead_letters(dl.clone())
            .clock(|| t(12, 0))
            .build()
            .unwrap();
        for _ in 0..3 {
            let report = p.run().await.unwrap();
            assert_eq!(report.dead_lettered, 1, "re-read each run");
        }
        let letters = dl.list(&DeadLetterQuery::open(key())).await.unwrap();
        assert_eq!(letters.len(), 1, "{letters:?}");
        assert_eq!(letters[0].letter.attempts, 3);
        assert_eq!(letters[0].letter.reason, "bad email");
    };
    check(Arc::new(MemoryDeadLetters::new())).await;
    #[cfg(feature = "sqlite")]
    check(Arc::new(
        sync_core::store::sqlite::SqliteStore::open(":memory:")
            .await
            .unwrap(),
    ))
    .await;
}
