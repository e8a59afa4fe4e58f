//! # magento-client
//!
//! A typed client for the Magento 2 / Adobe Commerce REST API, built for moving orders out of a
//! shop without losing any: exact money, UTC timestamps, paging that cannot loop, and sync
//! adapters for the [`sync_core`] pipeline.
//!
//! * **Auth**: OAuth 1.0a with the integration's four credentials (HMAC-SHA256 or HMAC-SHA1,
//!   signed the way Magento verifies it: see [`oauth1`]), the integration token as Bearer (with
//!   an error that explains the 2.4.4+ setting when Magento refuses it), or an admin login whose
//!   token is renewed before it expires. See [`Auth`].
//! * **Any route**: [`Client::get_json`] / [`Client::send_json`] reuse the client's auth.
//! * **Reads**: customers, products, invoices, shipments and credit memos ([`resources`]).
//! * **Secrets**: every error, log line and sink reason passes [`Client::redactor`].
//! * **Search**: a typed [`SearchCriteria`] builder (OR within a group, AND across groups,
//!   every `condition_type`, sort orders, page size always sent) serialized to Magento's exact
//!   query syntax, and read back by [`SearchCriteria::from_query_pairs`].
//! * **Orders and stores**: [`Orders`] (search, get, get by increment id, streams) and
//!   [`Stores`] (store views, groups, websites, configs; [`store_match`] finds the store view
//!   serving a shop domain).
//! * **Paging that cannot loop**: [`paging`] stops on an empty page, a short page,
//!   `page × pageSize ≥ total_count`, or a repeated page (Magento returns the last page again
//!   past the end on some versions, page 1 on others), and yields each order once. Offset
//!   paging can still skip rows that move while it pages, so keyset paging by `entity_id`
//!   ([`Orders::feed`], the [`sync`] sources) is used for incremental reads.
//! * **Models**: amounts are exact [`rust_decimal::Decimal`]s (`84.939999` stays `84.939999`;
//!   compare with [`Money`] at the currency's minor unit, as [`Order::is_fully_paid`] does);
//!   `created_at`/`updated_at` are `DateTime<Utc>`; unknown fields survive a round trip.
//! * **Errors**: Magento's `{message, parameters}` rendered with the placeholders filled in;
//!   every [`Error`] implements [`sync_core::Classify`].
//! * **Sync**: [`sync::OrderSource`] (new orders, sorted by `entity_id`),
//!   [`sync::ChangedOrderSource`] (changed orders by `updated_at`, unsorted), both keyed per
//!   (store, stream), and [`sync::OrderCustomerSource`] with the order → customer mapping of
//!   [`customer`] (orders without an email dead-lettered through [`sync::CustomerSink`]).
//! * **Summaries**: orders and customers as sync-core's vendor-neutral order and customer
//!   summaries for destination sinks ([`summary`]).
//!
//! Magento has no webhooks in core, so there is no webhook module: poll with the sources.
//!
//! ## Example
//!
//! Page through one store's orders by keyset (against an in-process mock of Magento here):
//!
//! ```
//! use futures_util::TryStreamExt;
//! use magento_client::{Auth, Client, OrderFeed};
//! use wiremock::matchers::{method, path, query_param};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let magento = MockServer::start().await;
//! let order = serde_json::json!({
//!     "entity_id": 3, "increment_id": "000000003", "store_id": 1,
//!     "customer_email": "jdoe@example.com", "order_currency_code": "EUR",
//!     "grand_total": 84.94, "total_paid": 84.939999,
//!     "created_at": "2017-08-21 22:22:19", "updated_at": "2017-08-21 22:22:20"
//! });
//! Mock::given(method("GET"))
//!     .and(path("/rest/V1/orders"))
//!     .and(query_param("searchCriteria[filter_groups][0][filters][0][field]", "store_id"))
//!     .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
//!         "items": [order], "total_count": 1, "search_criteria": {}
//!     })))
//!     .mount(&magento)
//!     .await;
//!
//! let client = Client::builder(magento.uri())
//!     .auth(Auth::oauth1("ck", "cs", "at", "ats"))
//!     .build()?;
//! let orders: Vec<_> = client.orders().feed(OrderFeed::new().store(1)).try_collect().await?;
//!
//! assert_eq!(orders.len(), 1);
//! assert_eq!(orders[0].increment_id, "000000003");
//! assert!(orders[0].is_fully_paid()); // 84.939999 pays 84.94 at the cent
//! assert_eq!(orders[0].created_at.to_rfc3339(), "2017-08-21T22:22:19+00:00");
//! # Ok(()) }
//! ```
//!
//! Run new orders into a sink with the sync-core engine:
//!
//! ```no_run
//! use std::sync::Arc;
//! use magento_client::{Auth, Client, sync::OrderSource};
//! use sync_core::store::{MemoryDeadLetters, MemoryWatermarks};
//! use sync_core::Pipeline;
//! # use sync_core::{Ack, Sink, SinkRecord, StageError};
//! # struct Crm;
//! # #[async_trait::async_trait]
//! # impl Sink<magento_client::Order> for Crm {
//! #     async fn write(&self, b: &[SinkRecord<'_, magento_client::Order>]) -> Result<Vec<Ack>, StageError> {
//! #         Ok(vec![Ack::Delivered; b.len()])
//! #     }
//! # }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder("https://shop.example.com")
//!     .auth(Auth::oauth1("ck", "cs", "at", "ats"))
//!     .build()?;
//! let store = client.stores().find_by_domain("www.shop.example.com").await?;
//! let source = OrderSource::new(client).store(store.id);
//! let mut pipeline = Pipeline::builder(source.stream_key("magento-to-crm"), source, Crm)
//!     .watermarks(Arc::new(MemoryWatermarks::new()))
//!     .dead_letters(Arc::new(MemoryDeadLetters::new()))
//!     .build()?;
//! let report = pipeline.run().await?;
//! println!("{} delivered, {} dead-lettered", report.delivered, report.dead_lettered);
//! # Ok(()) }
//! ```
//!
//! (The same path runs against a mock Magento in `tests/sync_engine.rs`.)
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod client;
pub mod customer;
mod error;
pub mod models;
pub mod money;
pub mod oauth1;
mod orders;
pub mod paging;
mod requests;
pub mod resources;
mod search;
mod search_stream;
pub mod store_match;
mod stores;
pub mod summary;
pub mod sync;
pub mod time;

pub use auth::{AdminCredentials, Auth, OAuth1Credentials};
pub use client::{Client, ClientBuilder, SECRET_NAMES};
pub use error::{BEARER_SETTING_HELP, Error, ErrorParameters, MagentoErrorBody};
pub use models::{
    Address, Creditmemo, CustomAttribute, Customer, CustomerAddress, DocumentItem, DocumentTotals,
    EntityId, Invoice, LineItem, Order, OrderItem, OrderState, Payment, Product, SalesDocument,
    Shipment, ShipmentItem, ShipmentTrack, StoreConfig, StoreGroup, StoreView, Website,
};
pub use money::Money;
pub use oauth1::{PathNormalization, SignatureMethod};
pub use orders::{OrderFeed, Orders};
pub use paging::{Page, PageEnd};
pub use requests::path_segment;
pub use resources::Resource;
pub use search::{
    ConditionType, DEFAULT_PAGE_SIZE, Filter, FilterGroup, FilterValue, SearchCriteria,
    SortDirection, SortOrder,
};
pub use stores::Stores;

/// `sync-core`, re-exported so users name the same version.
pub use sync_core;
