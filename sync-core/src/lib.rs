//! # sync-core
//!
//! The engine under commerce-sync: sources, sinks, watermarks, retry policy, outbox, dead
//! letters and a webhook inbox, built so that no record is ever lost. It knows no vendor; the
//! client crates (`woo-client`, `magento-client`, `ac-client`, `chatwoot-client`,
//! `fb-audience`) plug into it.
//!
//! ## The rule
//!
//! A [`Pipeline`] reads a [`Source`] in batches after a watermark and writes them to a
//! [`Sink`], which answers per record: delivered, retry later, or rejected. **The watermark moves
//! only past records that are durably done**: delivered, or written to the
//! [dead-letter store](store::DeadLetterStore) with the reason. A record the sink keeps
//! refusing is retried, dead-lettered, or left for the next run, and never skipped. Delivery is
//! at least once, so sinks are idempotent (upserts, natural keys, idempotency keys).
//!
//! Sorted sources (keyset paging by id) commit after every batch. Unsorted sources
//! (modification-time filters) re-read a lookback window each run and commit only when a run
//! completes, capped at run start minus clock skew. See [`SourceOrder`].
//!
//! ## Example
//!
//! ```
//! use std::sync::Arc;
//! use async_trait::async_trait;
//! use sync_core::store::{DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks};
//! use sync_core::{Ack, Pipeline, Sink, SinkRecord, SourceOrder, SourceRecord, StageError, StreamKey, VecSource};
//!
//! /// Accepts every order except those without an email.
//! struct Crm;
//!
//! #[async_trait]
//! impl Sink<serde_json::Value> for Crm {
//!     async fn write(&self, batch: &[SinkRecord<'_, serde_json::Value>]) -> Result<Vec<Ack>, StageError> {
//!         Ok(batch
//!             .iter()
//!             .map(|r| match r.data["email"].as_str() {
//!                 Some(_) => Ack::Delivered,
//!                 None => Ack::rejected("billing.email is missing"),
//!             })
//!             .collect())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let orders = (1..=5u64)
//!     .map(|id| SourceRecord {
//!         key: format!("order-{id}"),
//!         cursor: id,
//!         data: if id == 3 { serde_json::json!({}) } else { serde_json::json!({"email": "a@b.test"}) },
//!     })
//!     .collect();
//! let stream = StreamKey::new("woo-to-crm", "orders", "shop.test");
//! let dead_letters = Arc::new(MemoryDeadLetters::new());
//! let mut pipeline = Pipeline::builder(stream.clone(), VecSource::new(orders, SourceOrder::Sorted, 2), Crm)
//!     .watermarks(Arc::new(MemoryWatermarks::new()))
//!     .dead_letters(dead_letters.clone())
//!     .build()?;
//!
//! let report = pipeline.run().await?;
//! assert_eq!((report.delivered, report.dead_lettered), (4, 1));
//! assert_eq!(report.watermark_after.as_deref(), Some("5"));
//!
//! let letters = dead_letters.list(&DeadLetterQuery::open(stream)).await?;
//! assert_eq!(letters[0].letter.record_key, "order-3");
//! assert_eq!(letters[0].letter.reason, "billing.email is missing");
//! # Ok(()) }
//! ```
//!
//! ## A service: webhooks in, two destinations out, a poll, graceful shutdown
//!
//! The whole no-loss path, wired (features `axum` and `sqlite`): the endpoint verifies and
//! stores each webhook before its 2xx, the [`InboxWorker`](inbox_worker::InboxWorker) turns
//! stored deliveries into outbox entries, the [`Sweeper`](sweeper::Sweeper) hands each
//! destination its entries in batches, a poll catches up what webhooks missed, and the
//! [`Runner`](runtime::Runner) runs it all until shutdown. The user code is the vendor part
//! (an [`Acceptor`](webhook::Acceptor), here a toy one; `woo_client::webhook::WebhookVerifier`
//! is a real one), the sinks, and the mapping from a delivery to its effects.
//!
//! ```
//! # #[cfg(all(feature = "axum", feature = "sqlite"))]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use async_trait::async_trait;
//! use serde_json::Value;
//! use sync_core::inbox_worker::{InboxWorker, effects_fn};
//! use sync_core::runtime::{Runner, RunnerEvent, axum::healthz};
//! use sync_core::store::sqlite::SqliteStore;
//! use sync_core::store::NewOutboxEntry;
//! use sync_core::sweeper::{Destinations, Sweeper};
//! use sync_core::webhook::{Accepted, Acceptor, HeaderMap, Refused, StoredHeaders, axum::WebhookEndpoint};
//! use sync_core::{Ack, PermanentKind, Pipeline, Sink, SinkRecord, SourceOrder, StageError, StreamKey, VecSource, Verdict};
//!
//! struct Shop; // the vendor's accept: verify, key by what was received
//! impl Acceptor for Shop {
//!     fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<Accepted, Refused> {
//!         if headers.get("x-signature").is_none_or(|s| s != "valid") {
//!             return Err(Refused::new(401, "bad signature"));
//!         }
//!         let kept = StoredHeaders::from(headers).only(["x-topic"]);
//!         Ok(Accepted::new(String::from_utf8_lossy(body), kept)) // vendors: delivery id + body digest
//!     }
//! }
//!
//! struct Crm; // any Sink: ac-client's bulk import, fb-audience's uploads, ...
//! #[async_trait]
//! impl Sink<Value> for Crm {
//!     async fn write(&self, batch: &[SinkRecord<'_, Value>]) -> Result<Vec<Ack>, StageError> {
//!         Ok(vec![Ack::Delivered; batch.len()]) // one bulk call per batch
//!     }
//! }
//!
//! let store = Arc::new(SqliteStore::open(":memory:").await?); // a file in production
//! let (crm, audience) = (StreamKey::new("shop", "crm", "a"), StreamKey::new("shop", "audience", "a"));
//!
//! let targets = [crm.clone(), audience.clone()];
//! // Each delivery's effects are enqueued in the transaction that acknowledges it.
//! let worker = InboxWorker::new(store.clone(), effects_fn(move |delivery| {
//!     let targets = targets.clone();
//!     async move {
//!         let order: Value = serde_json::from_slice(&delivery.body)
//!             .map_err(|e| StageError::new(Verdict::Permanent(PermanentKind::Data), e))?;
//!         Ok(targets.into_iter().map(|to| NewOutboxEntry::new(to, format!("order-{}", order["id"]), order.clone())).collect())
//!     }
//! }));
//! let sweeper = Sweeper::new(store.clone(), Destinations::new().sink(crm, Crm).sink(audience, Crm));
//! let catch_up = Pipeline::builder(StreamKey::new("shop", "orders", "a"), VecSource::<Value, u64>::new(vec![], SourceOrder::Sorted, 100), Crm)
//!     .watermarks(store.clone())
//!     .dead_letters(store.clone())
//!     .build()?;
//! let runner = Runner::new()
//!     .inbox_worker("webhooks", worker.poll_interval(Duration::from_millis(20)))
//!     .sweeper("destinations", sweeper.poll_interval(Duration::from_millis(20)))
//!     .poll(Duration::from_secs(300), catch_up);
//!
//! let app = axum::Router::new()
//!     .route("/webhooks/shop", WebhookEndpoint::new("shop", Shop, store.clone()).into_route())
//!     .route("/healthz", healthz(runner.health()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let url = format!("http://{}/webhooks/shop", listener.local_addr()?);
//! # let mut events = runner.subscribe();
//! let (stop, stopped) = tokio::sync::watch::channel(false);
//! let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move { let _ = rx.wait_for(|s| *s).await; };
//! let server = tokio::spawn(axum::serve(listener, app).with_graceful_shutdown(until_stopped(stopped.clone())).into_future());
//! let background = tokio::spawn(runner.run_until(until_stopped(stopped)));
//! # reqwest::Client::new().post(&url).header("x-signature", "valid").body(r#"{"id":727}"#).send().await?.error_for_status()?;
//! # let mut delivered = 0;
//! # while delivered < 2 {
//! #     let event = tokio::time::timeout(Duration::from_secs(10), events.recv()).await??;
//! #     if let RunnerEvent::Swept { report, .. } = event { delivered += report.delivered; }
//! # }
//! // ... on SIGTERM: stop taking requests, finish work in flight, release nothing half-done.
//! stop.send(true)?;
//! server.await??;
//! let totals = background.await?;
//! assert_eq!((totals.inbox.processed, totals.outbox.delivered), (1, 2));
//! # Ok(()) }
//! # #[cfg(not(all(feature = "axum", feature = "sqlite")))]
//! # fn main() {}
//! ```
//!
//! ## What is in the box
//!
//! | piece | what it does |
//! |---|---|
//! | [`Verdict`], [`Classify`] | one classification of every failure: retry (with the server's wait), rate-limited, permanent (config / data / server) |
//! | [`retry`] | [`RetryPolicy`] and [`ExponentialBackoff`]: full jitter, attempt and time limits, honours `Retry-After` |
//! | [`redact`] | [`Redactor`]: the one redaction path for errors, logs and dead-letter reasons |
//! | [`http`] (feature `http`) | the client kit all five clients are built from: requests as data ([`ApiRequest`](http::ApiRequest)), one [`Vendor`](http::Vendor) trait, one `send` over the retrying executor (per-attempt timeout, shared rate limits, a body cap, spans, redaction), one paginator with its guards, one [`ClientOptions`](http::ClientOptions), one error skeleton ([`ClientError`](http::ClientError)) |
//! | `oauth1` (feature `oauth1`) | OAuth 1.0a percent-encoding, HMAC signatures and nonces shared by the clients that sign with it |
//! | [`Source`], [`Sink`], [`Ack`] | batches after a cursor; per-record answers |
//! | [`money`] | exact decimals from JSON numbers or strings, compared at the currency's minor unit |
//! | [`engine`] | [`Pipeline`], progress events, run reports, dead-letter replay |
//! | [`store`] | watermarks (compare-and-set), dead letters, the outbox and the webhook inbox; in memory and SQLite (feature `sqlite`) |
//! | [`sweeper`] | retries due outbox deliveries, dead-letters exhausted ones, replays dead letters; [`Destinations`](sweeper::Destinations) hands [`Sink`]s their entries in batches |
//! | [`webhook`] | the [`Acceptor`](webhook::Acceptor) trait vendors implement, [`StoredHeaders`](webhook::StoredHeaders), and (feature `axum`) the endpoint that verifies, stores and answers |
//! | [`inbox_worker`] | processes stored webhooks: leases, retries, an atomic move to dead letters, replay |
//! | [`runtime`] | the [`Runner`](runtime::Runner): polls, inbox workers and sweepers with graceful shutdown, health (and `/healthz` with `axum`) and progress events |
//! | [`json_sink`] | [`JsonSink`](json_sink::JsonSink): a typed sink behind the outbox's JSON payloads (payloads of another shape rejected with the path) |
//! | [`summary`] | vendor-neutral order and customer summaries for destination sinks |
//!
//! Which layer retries what (executor, pipeline, outbox, inbox) is in [`retry`]'s
//! "Retry layers".
//!
//! ## Features
//!
//! * `http` (default): the HTTP executor (reqwest with rustls, governor).
//! * `sqlite` (default): SQLite stores through sqlx, the embedded default.
//! * `oauth1`: OAuth 1.0a primitives (`sync_core::oauth1`) for WooCommerce and Magento.
//! * `axum`: the webhook endpoint (`webhook::axum`) and `/healthz` (`runtime::axum`).
//! * `testing`: `sync_core::testing`, support for canary tests (log capture, an echoing `wiremock`
//!   responder, a leak check). For dev-dependencies.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod cursor;
pub mod engine;
pub mod error;
pub mod inbox_worker;
pub mod json_sink;
pub mod money;
#[cfg(feature = "oauth1")]
#[cfg_attr(docsrs, doc(cfg(feature = "oauth1")))]
pub mod oauth1;
pub mod redact;
pub mod retry;
pub mod retry_after;
pub mod runtime;
pub mod sink;
pub mod source;
pub mod store;
pub mod summary;
pub mod sweeper;
pub mod vec_source;
pub mod verdict;
pub mod webhook;

#[cfg(feature = "http")]
pub mod http;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use cursor::{Cursor, CursorError};
pub use engine::{OnExhausted, Pipeline, RunError, RunReport};
pub use error::StageError;
pub use redact::Redactor;
pub use retry::{ExponentialBackoff, RetryPolicy};
pub use sink::{Ack, Sink, SinkRecord};
pub use source::{Source, SourceOrder, SourceRecord};
pub use store::{DeadLetterStore, StoreError, StreamKey, WatermarkStore};
pub use vec_source::VecSource;
pub use verdict::{Classify, PermanentKind, Verdict};
