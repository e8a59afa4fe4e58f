//! A database written by schema version 1 (the first release) opens with this build: the
//! migration to the current version keeps every row usable — watermarks, outbox entries
//! (pending, leased by a crashed sweeper, delivered), dead letters and inbox deliveries.
#![cfg(feature = "sqlite")]

mod support;

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use support::TempDb;
use sync_core::StoreError;
use sync_core::store::sqlite::{SCHEMA_VERSION, SqliteStore};
use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, InboxStore, NewOutboxEntry, OutboxLimits, OutboxStore,
    Received, ReplayOutcome, StreamKey, WatermarkStore, inbox_dead_letter_stream,
};

/// The version-1 schema exactly as sync-core 0.1 shipped it (copied, not shared: a later edit
/// of the migration code must not change what this test starts from).
const V1_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS sync_watermarks (
    connector  TEXT    NOT NULL,
    stream     TEXT    NOT NULL,
    tenant     TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (connector, stream, tenant)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sync_dead_letters (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    connector     TEXT    NOT NULL,
    stream        TEXT    NOT NULL,
    tenant        TEXT    NOT NULL,
    record_key    TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    last_response TEXT,
    attempts      INTEGER NOT NULL,
    failed_at     INTEGER NOT NULL,
    replayed_at   INTEGER
);
CREATE INDEX IF NOT EXISTS sync_dead_letters_open
    ON sync_dead_letters (connector, stream, tenant, id) WHERE replayed_at IS NULL;

-- While an entry is leased, next_attempt_at holds the lease's expiry: a due entry is one whose
-- next_attempt_at has passed, whether it was waiting for a retry or held by a crashed sweeper.
CREATE TABLE IF NOT EXISTS sync_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    connector       TEXT    NOT NULL,
    stream          TEXT    NOT NULL,
    tenant          TEXT    NOT NULL,
    dedupe_key      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    next_attempt_at INTEGER NOT NULL,
    lease_token     INTEGER,
    last_error      TEXT,
    last_response   TEXT,
    replay_of       INTEGER REFERENCES sync_dead_letters (id) ON DELETE SET NULL,
    delivered_at    INTEGER,
    UNIQUE (connector, stream, tenant, dedupe_key)
);
CREATE INDEX IF NOT EXISTS sync_outbox_due
    ON sync_outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS sync_outbox_delivered
    ON sync_outbox (delivered_at) WHERE delivered_at IS NOT NULL;

-- available_at works like the outbox's next_attempt_at: lease expiry while leased, retry time
-- after a failure.
CREATE TABLE IF NOT EXISTS sync_inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT    NOT NULL,
    dedupe_key   TEXT    NOT NULL,
    headers      TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    received_at  INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    available_at INTEGER NOT NULL,
    lease_token  INTEGER,
    last_error   TEXT,
    processed_at INTEGER,
    UNIQUE (source, dedupe_key)
);
CREATE INDEX IF NOT EXISTS sync_inbox_pending
    ON sync_inbox (available_at, id) WHERE processed_at IS NULL;
CREATE INDEX IF NOT EXISTS sync_inbox_processed
    ON sync_inbox (processed_at) WHERE processed_at IS NOT NULL;
"#;

/// Write a version-1 database with rows of every kind, the way sync-core 0.1 left them.
async fn write_v1(path: &std::path::Path) {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    let now = Utc::now().timestamp_millis();
    let hour = 3_600_000;
    let script = format!(
        "{V1_SCHEMA}
        CREATE TABLE sync_schema_version (
            id         INTEGER PRIMARY KEY CHECK (id = 1),
            version    INTEGER NOT NULL,
            applied_at INTEGER NOT NULL
        );
        INSERT INTO sync_schema_version VALUES (1, 1, {old});

        INSERT INTO sync_watermarks VALUES
            ('woo-to-ac', 'orders', 'shop.example.com', '2024-05-03T10:00:00Z|1042', {old});

        -- An outbox dead letter and an inbox dead letter (v1 payload format).
        INSERT INTO sync_dead_letters
            (id, connector, stream, tenant, record_key, payload, reason, last_response,
             attempts, failed_at)
        VALUES
            (1, 'woo-to-ac', 'contacts', 'shop.example.com', 'order-1041@v1',
             '{{\"email\":\"ann@example.com\"}}', '422 email is invalid',
             '{{\"message\":\"invalid\"}}', 3, {old}),
            (2, 'inbox', 'woo:shop', '', 'd-9',
             '{{\"source\":\"woo:shop\",\"dedupe_key\":\"d-9\",\"headers\":{{\"x-wc-webhook-topic\":\"order.updated\"}},\"received_at\":\"2024-05-03T09:00:00+00:00\",\"body\":\"{{\\\"id\\\":9}}\"}}',
             'Data error: EOF while parsing', NULL, 5, {old});

        -- Outbox: pending and due; leased by a sweeper that crashed (lease long expired);
        -- delivered (kept for deduplication).
        INSERT INTO sync_outbox
            (id, connector, stream, tenant, dedupe_key, payload, attempts, max_attempts,
             created_at, expires_at, next_attempt_at, lease_token, last_error, delivered_at)
        VALUES
            (1, 'woo-to-ac', 'contacts', 'shop.example.com', 'order-1042@v1',
             '{{\"email\":\"jan@example.com\"}}', 0, 3, {old}, NULL, {old}, NULL, NULL, NULL),
            (2, 'woo-to-ac', 'contacts', 'shop.example.com', 'order-1043@v1',
             '{{\"email\":\"eve@example.com\"}}', 1, 3, {old}, {week}, {old}, 4242,
             '503 from ActiveCampaign', NULL),
            (3, 'woo-to-ac', 'contacts', 'shop.example.com', 'order-1040@v1',
             '{{\"email\":\"bob@example.com\"}}', 1, 3, {old}, NULL, {old}, NULL, NULL, {old});

        -- Inbox: one pending delivery, one processed (kept for deduplication).
        INSERT INTO sync_inbox
            (id, source, dedupe_key, headers, body, received_at, attempts, available_at,
             lease_token, last_error, processed_at)
        VALUES
            (1, 'woo:shop', 'd-10', '{{\"x-wc-webhook-topic\":\"order.created\"}}',
             CAST('{{\"id\":10}}' AS BLOB), {old}, 0, {old}, NULL, NULL, NULL),
            (2, 'woo:shop', 'd-8', '{{}}', CAST('{{\"id\":8}}' AS BLOB), {old}, 1, {old},
             NULL, NULL, {old});",
        old = now - hour,
        week = now + 7 * 24 * hour,
    );
    // Our own literal SQL with numbers formatted in: nothing from outside.
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(&mut conn)
        .await
        .unwrap();
    use sqlx::Connection;
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_version_1_database_migrates_with_every_row_usable() -> Result<(), StoreError> {
    let db = TempDb::new("schema-v1");
    write_v1(db.path()).await;
    let store = SqliteStore::open(db.path()).await?;
    assert_eq!(store.schema_version().await?, SCHEMA_VERSION);
    const { assert!(SCHEMA_VERSION > 1, "this test is about a real migration") };

    // Watermarks: read and advanced by compare-and-set from the stored value.
    let orders = StreamKey::new("woo-to-ac", "orders", "shop.example.com");
    let stored = store.load(&orders).await?;
    assert_eq!(stored.as_deref(), Some("2024-05-03T10:00:00Z|1042"));
    assert!(
        store
            .compare_and_set(&orders, stored.as_deref(), "2024-05-04T08:00:00Z|1050")
            .await?
    );

    // Outbox: the due entry and the crashed sweeper's entry are claimable, with their history.
    let claimed = store.claim_due(10, Duration::from_secs(60)).await?;
    let keys: Vec<&str> = claimed.iter().map(|e| e.dedupe_key.as_str()).collect();
    assert_eq!(keys, ["order-1042@v1", "order-1043@v1"]);
    assert_eq!(claimed[1].attempts, 2);
    assert_eq!(
        claimed[1].last_error.as_deref(),
        Some("503 from ActiveCampaign")
    );
    assert!(claimed[1].expires_at.is_some());
    assert_eq!(claimed[0].payload, json!({"email": "jan@example.com"}));
    assert_eq!(
        store
            .mark_delivered_many(&[claimed[0].lease, claimed[1].lease])
            .await?,
        vec![true, true]
    );
    // The delivered v1 row still deduplicates.
    let contacts = StreamKey::new("woo-to-ac", "contacts", "shop.example.com");
    let again = store
        .enqueue(NewOutboxEntry::new(
            contacts.clone(),
            "order-1040@v1",
            json!({"email": "bob@example.com"}),
        ))
        .await?;
    assert_eq!(again.id(), 3);
    assert!(!again.is_new());

    // Dead letters: listed, and the outbox one replays and closes when delivered.
    let letters = store.list(&DeadLetterQuery::default()).await?;
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0].letter.reason, "422 email is invalid");
    assert_eq!(letters[0].letter.attempts, 3);
    assert!(matches!(
        store.replay_dead_letter(1, OutboxLimits::default()).await?,
        ReplayOutcome::Queued(_)
    ));
    let replay = store
        .claim_due(10, Duration::from_secs(60))
        .await?
        .remove(0);
    assert_eq!(replay.replay_of, Some(1));
    assert!(store.mark_delivered(&replay.lease).await?);
    assert_eq!(store.list(&DeadLetterQuery::open(contacts)).await?.len(), 0);

    // Inbox: the pending delivery is claimed and acknowledged; the processed one deduplicates.
    assert_eq!(
        store
            .store("woo:shop", "d-8", &json!({}), b"{\"id\":8}")
            .await?,
        Received::Duplicate(2)
    );
    let pending = store.claim(10, Duration::from_secs(60)).await?;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].body, b"{\"id\":10}");
    assert_eq!(
        pending[0].stored_headers().get("x-wc-webhook-topic"),
        Some("order.created")
    );
    assert_eq!(pending[0].replay_of, None);
    assert!(store.ack(&pending[0].lease).await?);

    // The v1 inbox dead letter replays into the inbox and closes once processed.
    let inbox_letters = store
        .list(&DeadLetterQuery::open(inbox_dead_letter_stream("woo:shop")))
        .await?;
    assert_eq!(inbox_letters.len(), 1);
    assert!(matches!(
        store.replay_delivery(inbox_letters[0].id).await?,
        ReplayOutcome::Queued(_)
    ));
    let replayed = store.claim(10, Duration::from_secs(60)).await?.remove(0);
    assert_eq!(replayed.dedupe_key, "d-9");
    assert_eq!(replayed.body, b"{\"id\":9}");
    assert_eq!(replayed.replay_of, Some(inbox_letters[0].id));
    assert!(store.ack(&replayed.lease).await?);
    assert_eq!(store.count_open().await?, 0);
    Ok(())
}
