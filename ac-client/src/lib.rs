#![doc = include_str!("../README.md")]
//!
//! ## A whole round trip, runnable
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
//! use ac_client::{ApiToken, Client, ContactInput, FieldValue, fields::FieldKey};
//!
//! // The API URL from Settings → Developer, e.g. "https://<account>.api-us1.com".
//! let client = Client::builder(base_url).credentials(ApiToken::new("my-key")).build()?;
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
//! ## How the crate is built
//!
//! Every operation is an [`ApiRequest`](sync_core::http::ApiRequest) sent through sync-core's
//! [`ApiClient`](sync_core::http::ApiClient) with ActiveCampaign's rules plugged in as one
//! [`Vendor`](sync_core::http::Vendor) ([`ActiveCampaignVendor`]: the `/api/3/` URL rule, the
//! `Api-Token` header, the [classifier](classifier), the account's rate quota, failures in 2xx
//! bodies, secret names). List endpoints page through sync-core's one paginator with
//! ActiveCampaign's offset rule ([`paging`]).
//!
//! ## The rate budget
//!
//! ActiveCampaign allows 5 requests per second per account, across all its keys. Every
//! [`Client`] built for the same account (same API host, or the same
//! [`account_key`](ClientBuilder::account_key)) in a process shares one limiter
//! ([`RateLimit::shared`](sync_core::http::RateLimit::shared)); requests are spaced evenly at
//! 97 % of the documented rate so scheduling jitter never puts six inside one second. When the
//! server still answers 429 (or 503) the sender waits the server's `Retry-After` (1 s when it
//! gives none) and holds back every client of the account for that long, so no request is sent
//! into the wait. An answer whose `RateLimit-Remaining` is 0 holds them back until its
//! `RateLimit-Reset` (one second when absent), so the 429 is not drawn at all.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// sync-core, re-exported: the options, errors, sink and engine types in this crate's
/// signatures, without a second dependency line.
pub use sync_core;

pub mod auth;
pub mod bulk_import;
pub mod classifier;
pub mod client;
pub mod contacts;
mod email;
pub mod error;
pub mod error_body;
mod field_cache;
pub mod fields;
pub mod lists;
pub mod models;
pub mod paging;
pub mod rate_limit;
pub mod sync;
mod tag_cache;
pub mod tags;
pub mod vendor;
mod wire;

pub use auth::ApiToken;
pub use client::{Client, ClientBuilder};
pub use error::{Error, Result};
pub use error_body::{ApiErrorBody, ApiErrorItem, FailedContact};
pub use models::{
    BulkContact, BulkImportAccepted, BulkImportInfo, BulkImportRequest, BulkImportStatus, Contact,
    ContactDetail, ContactInput, ContactList, ContactTag, Field, FieldValue, FieldValueRecord,
    ListStatus, SyncedContact, Tag,
};
pub use vendor::ActiveCampaignVendor;
