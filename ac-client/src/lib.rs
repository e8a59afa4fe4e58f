//! # ac-client
//!
//! A typed client for the [ActiveCampaign API v3](https://developers.activecampaign.com/reference)
//! that uses the account's whole rate budget and never trips it, plus a
//! [sync-core](sync_core) [`Sink`](sync_core::Sink) that moves shop customers into
//! ActiveCampaign contacts without losing one.
//!
//! * **Contacts** — sync (upsert by email) with custom field values, create, get, get by email,
//!   update, delete, list as a [`Page`] or a `Stream` ([`contacts`]).
//! * **Tags** — find by name, create when missing with a name → id cache that is shared by
//!   every client of the account in the process and safe under concurrency, add to and remove
//!   from contacts ([`tags`]).
//! * **Custom fields** — list, resolve by personalization tag or title, set values, with typed
//!   values for dates, datetimes, decimals and multi-selects ([`fields`], [`FieldValue`]).
//! * **Lists** — subscribe, unsubscribe, re-subscribe ([`lists`]).
//! * **Bulk import** — 250 contacts per request, status info and the status list, polling to
//!   completion with per-contact failures ([`bulk_import`]).
//! * **Rate limits** — 5 requests/second per account, shared by every client of that account in
//!   the process; the bulk importer's per-minute limits too; 429 and 503 retried after the
//!   server's `Retry-After`, which pauses every client of the account; `RateLimit-Remaining: 0`
//!   pauses them until the reset before a 429 is drawn; the importer's throttling 400
//!   (`"Rate limit exceeded."`) is waited out, never taken for bad rows ([`rate_limit`]).
//! * **Errors** — every known error body shape parsed into one [`Error`], which implements
//!   [`Classify`](sync_core::Classify) for the sync engine and says what to fix.
//! * **IDs** arrive as strings (`"id":"113"`) and are read as `i64`; `meta.total` likewise.
//!
//! The base URL is taken whole from your settings (accounts live on different hosts), and the
//! `Api-Token` is held as a secret: every error (vendor messages echoing the request included),
//! log line, builder error and sink reason goes through the client's
//! [`Redactor`](Client::redactor), which masks the token and the names that carry it.
//!
//! ## Example
//!
//! ```
//! # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{method, path, header}};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ac_client::Error> {
//! # let server = MockServer::start().await;
//! # Mock::given(method("GET")).and(path("/api/3/fields"))
//! #     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
//! #         "fields": [{"id": "7", "title": "Subscription status", "perstag": "SUB_STATUS", "type": "text"}],
//! #         "meta": {"total": "1"}})))
//! #     .mount(&server).await;
//! # Mock::given(method("POST")).and(path("/api/3/contact/sync")).and(header("Api-Token", "my-key"))
//! #     .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
//! #         "fieldValues": [{"contact": "113", "field": "7", "value": "active", "id": "9"}],
//! #         "contact": {"email": "ada@example.com", "firstName": "Ada", "id": "113"}})))
//! #     .mount(&server).await;
//! # let base_url = server.uri();
//! use ac_client::{Client, ContactInput, FieldValue, fields::FieldKey};
//!
//! // The API URL from Settings → Developer, e.g. "https://<account>.api-us1.com".
//! let client = Client::new(base_url, "my-key")?;
//!
//! let status = client.fields().resolve(&FieldKey::perstag("SUB_STATUS")).await?;
//! let synced = client
//!     .contacts()
//!     .sync(&ContactInput::new("ada@example.com").first_name("Ada").field(status.id, FieldValue::text("active")))
//!     .await?;
//! assert_eq!(synced.contact.id, 113);
//! assert_eq!(synced.field_values[0].value.as_deref(), Some("active"));
//! # Ok(()) }
//! ```
//!
//! ## As a sync-core sink
//!
//! [`ContactSink`](sync::ContactSink) takes a mapping from your record type to a
//! [`MappedContact`](sync::MappedContact) (email, names, field values named by personalization
//! tag or title, tags, lists). Batches of 11 or more go through the bulk importer; smaller ones
//! are synced one by one. Each record gets its own [`Ack`](sync_core::Ack).
//!
//! ```
//! use ac_client::fields::FieldKey;
//! use ac_client::sync::{ContactSink, MappedContact};
//! # fn demo(client: ac_client::Client) {
//! struct Customer { email: String, subscription: Option<String> }
//!
//! let sink = ContactSink::new(client, |c: &Customer| {
//!     let mut contact = MappedContact::new(&c.email).tag("shop-customer");
//!     if let Some(status) = &c.subscription {
//!         contact = contact.field(FieldKey::perstag("SUB_STATUS"), status.as_str());
//!     }
//!     Ok(contact)
//! });
//! # let _ = sink; }
//! ```
//!
//! ## The rate budget
//!
//! ActiveCampaign allows 5 requests per second per account, across all its keys. Every
//! [`Client`] built for the same account (same API host, or the same
//! [`account_key`](ClientBuilder::account_key)) in a process shares one limiter from
//! `sync_core::http::RateLimit::shared`; requests are spaced evenly at 97 % of the documented
//! rate so scheduling jitter never puts six inside one second. When the server still answers
//! 429 (or 503) the executor waits the server's `Retry-After` (1 s when it gives none) and
//! holds back every client of the account for that long, so no request is sent into the wait.
//! An answer whose `RateLimit-Remaining` is 0 holds them back until its `RateLimit-Reset`
//! (one second when absent), so the 429 is not drawn at all.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod bulk_import;
pub mod classifier;
pub mod client;
pub mod contacts;
pub mod error;
pub mod fields;
pub mod lists;
pub mod models;
pub mod rate_limit;
pub mod sync;
pub mod tags;
mod wire;

pub use auth::ApiToken;
pub use client::{Client, ClientBuilder};
pub use error::{ApiErrorBody, ApiErrorItem, Error, FailedContact, Result};
pub use models::{
    BulkContact, BulkImportAccepted, BulkImportInfo, BulkImportRequest, BulkImportStatus, Contact,
    ContactDetail, ContactInput, ContactList, ContactTag, Field, FieldValue, FieldValueRecord,
    ListStatus, Page, SyncedContact, Tag,
};
