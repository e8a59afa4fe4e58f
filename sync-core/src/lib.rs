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
//! ## What is in the box
//!
//! | piece | what it does |
//! |---|---|
//! | [`Verdict`], [`Classify`] | one classification of every failure: retry (with the server's wait), rate-limited, permanent (config / data / server) |
//! | [`retry`] | [`RetryPolicy`] and [`ExponentialBackoff`]: full jitter, attempt and time limits, honours `Retry-After` |
//! | [`redact`] | [`Redactor`]: the one redaction path for errors, logs and dead-letter reasons |
//! | [`http`] (feature `http`) | the retrying HTTP executor all clients share: per-attempt timeout, shared rate limits, a body cap, spans, errors and logs through its [`Redactor`] |
//! | [`Source`], [`Sink`], [`Ack`] | batches after a cursor; per-record answers |
//! | [`money`] | exact decimals from JSON numbers or strings, compared at the currency's minor unit |
//! | [`engine`] | [`Pipeline`], progress events, run reports, dead-letter replay |
//! | [`store`] | watermarks (compare-and-set), dead letters, the outbox and the webhook inbox; in memory and SQLite (feature `sqlite`) |
//! | [`sweeper`] | retries due outbox deliveries, dead-letters exhausted ones, replays dead letters |
//!
//! ## Features
//!
//! * `http` (default): the HTTP executor (reqwest with rustls, governor).
//! * `sqlite` (default): SQLite stores through sqlx, the embedded default.
//! * `testing`: `sync_core::testing`, support for canary tests (log capture, an echoing `wiremock`
//!   responder, a leak check). For dev-dependencies.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod cursor;
pub mod engine;
pub mod error;
pub mod money;
pub mod redact;
pub mod retry;
pub mod retry_after;
pub mod sink;
pub mod source;
pub mod store;
pub mod sweeper;
pub mod vec_source;
pub mod verdict;

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
