//! # woo-client
//!
//! A typed WooCommerce REST client (`wc/v3`) with webhook verification and
//! [sync-core](sync_core) adapters, built for services that must not lose an order.
//!
//! - **Auth exactly as WooCommerce checks it**: HTTPS Basic (default), query-string keys for
//!   servers that strip `Authorization`, and OAuth 1.0a one-legged (HMAC-SHA256 or HMAC-SHA1)
//!   for plain-HTTP stores, signed by WooCommerce's server-side rules (see [`auth`]). Basic and
//!   query-string keys over `http://` are refused before anything is sent.
//! - **Resources**: [orders](orders::Orders) (with notes and refunds),
//!   [products and variations](products::Products), [customers](customers::Customers),
//!   [coupons](coupons::Coupons), [WooCommerce Subscriptions](subscriptions::Subscriptions) and
//!   [webhook configurations](webhooks::Webhooks); [`Client::get_json`] for anything else.
//! - **Pagination**: [`Page`] with `X-WP-Total`/`X-WP-TotalPages`, or a `Stream` of items, sorted by
//!   id so records added while you page only repeat (records removed meanwhile can shift a page:
//!   see [`ListRequest`]).
//! - **Batches** of any size, sent 100 at a time; a failed item is never reported as success
//!   ([`batch`]).
//! - **Models** with exact money ([`rust_decimal::Decimal`], including the numeric
//!   `line_items[].price`), UTC dates from the `*_gmt` fields, `meta_data` of any JSON type, and
//!   unknown fields kept for a lossless round trip ([`models`]). [`PaymentMethod`] tells iDEAL and
//!   Bancontact apart (legacy `mollie_wc_gateway_mistercash` included).
//! - **Errors** parsed from WooCommerce's `{code, message, data.status}`, with a hint on what to
//!   fix, classified for retries through [`sync_core::Classify`] ([`Error`]).
//! - **Webhooks**: constant-time signature check on the raw bytes, the creation ping, typed
//!   events and a dedupe key ([`webhook`]).
//! - **Sync**: orders, subscriptions and products as sync-core sources ([`sync`]).
//! - **Summaries**: orders, subscriptions and customers as sync-core's vendor-neutral
//!   order and customer summaries for destination sinks ([`summary`]).
//!
//! **Minimum WooCommerce version: 5.4.** The date filters (`modified_after`, `after`, …) are sent
//! with `dates_are_gmt=true`, which WooCommerce 5.4 introduced. Older versions ignore it and
//! compare the dates with the site's local time, so on a store west of UTC a `modified_after`
//! window starts late and the [`sync`] sources can skip records for good.
//!
//! Requests go through sync-core's shared HTTP executor: per-attempt timeouts, retries on
//! 408/425/429/5xx with `Retry-After`, a rate limit shared by every client of one store (5
//! requests per second by default), tracing spans, and errors and logs with credentials redacted.
//!
//! ## List orders as a stream
//!
//! ```
//! use futures_util::TryStreamExt;
//! use woo_client::{Client, Credentials};
//! use woo_client::models::OrderStatus;
//! use wiremock::matchers::{method, path, query_param};
//! use wiremock::{Mock, MockServer, ResponseTemplate};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = MockServer::start().await;
//! # Mock::given(method("GET")).and(path("/wp-json/wc/v3/orders")).and(query_param("page", "1"))
//! #     .respond_with(ResponseTemplate::new(200)
//! #         .insert_header("X-WP-Total", "2").insert_header("X-WP-TotalPages", "2")
//! #         .set_body_raw(r#"[{"id":723,"status":"processing","total":"29.35","date_modified_gmt":"2017-03-21T19:54:51","line_items":[{"id":1,"price":12.5,"total":"25.00","quantity":2}]}]"#, "application/json"))
//! #     .mount(&server).await;
//! # Mock::given(method("GET")).and(path("/wp-json/wc/v3/orders")).and(query_param("page", "2"))
//! #     .respond_with(ResponseTemplate::new(200)
//! #         .insert_header("X-WP-Total", "2").insert_header("X-WP-TotalPages", "2")
//! #         .set_body_raw(r#"[{"id":727,"status":"processing","total":"10.00"}]"#, "application/json"))
//! #     .mount(&server).await;
//! # let site = server.uri();
//! // A real store is `https://shop.example.com`; this example talks to a local mock over HTTP.
//! let client = Client::builder(site, Credentials::new("ck_example", "cs_example"))
//!     .allow_plain_http_on_loopback(true)
//!     .build()?;
//!
//! let orders: Vec<_> = client
//!     .orders()
//!     .list()
//!     .status([OrderStatus::Processing])
//!     .per_page(1)
//!     .stream()
//!     .try_collect()
//!     .await?;
//! assert_eq!(orders.iter().map(|o| o.id).collect::<Vec<_>>(), [723, 727]);
//! assert_eq!(orders[0].total.to_string(), "29.35");
//! assert_eq!(orders[0].line_items[0].price.to_string(), "12.5");
//! # Ok(()) }
//! ```
//!
//! ## Verify a webhook
//!
//! ```
//! use secrecy::SecretString;
//! use woo_client::webhook::{Delivery, WebhookError, WebhookVerifier};
//!
//! let verifier = WebhookVerifier::new(&SecretString::from("whsec-from-woocommerce"));
//! // PHP's json_encode escapes slashes: verify these exact bytes, never a re-encoding.
//! let body = br#"{"id":727,"date_modified_gmt":"2017-03-22T19:28:08","permalink":"https:\/\/shop.example\/?p=727"}"#;
//! let headers = vec![
//!     ("X-WC-Webhook-Signature", verifier.sign(body)),
//!     ("X-WC-Webhook-Topic", "order.updated".to_string()),
//!     ("X-WC-Webhook-Source", "https://shop.example/".to_string()),
//! ];
//! let Delivery::Event(delivery) = verifier.verify(&headers, body)? else { unreachable!() };
//! // The key comes from what was received (no parse), so it never fails:
//! // source | topic | webhook id | delivery id | SHA-256 of the body.
//! assert!(delivery
//!     .dedupe_key()
//!     .to_string()
//!     .starts_with("https://shop.example/|order.updated|||"));
//!
//! // The creation ping is the only unsigned request accepted: answer it with 200.
//! let ping: Vec<(&str, &str)> = vec![];
//! assert_eq!(verifier.verify(&ping, b"webhook_id=42")?, Delivery::Ping { webhook_id: 42 });
//! assert_eq!(verifier.verify(&ping, body), Err(WebhookError::MissingSignature));
//! # Ok::<(), WebhookError>(())
//! ```
//!
//! ## Webhook delivery reality
//!
//! WooCommerce webhooks are a notification, not a delivery guarantee. From WooCommerce's own
//! code (`WC_Webhook`):
//!
//! - **No retries**: a failed delivery (timeout, non-2xx) is never sent again.
//! - **Disabled after repeated failures**: after about five consecutive failures the webhook is
//!   set to `disabled`, and nothing more is sent until someone re-activates it.
//! - **301/302 count as success**: redirects are not followed, so a receiver that redirects
//!   loses every payload while WooCommerce records a success.
//! - Deliveries run from WP-Cron/Action Scheduler, coalesce rapid changes into one delivery built
//!   at send time, and carry a `X-WC-Webhook-Delivery-ID` that is not unique.
//!
//! A receiver must therefore keep a **durable inbox**: verify the signature on the raw bytes,
//! store the raw delivery deduplicated by [`webhook::DedupeKey`] (built without parsing), answer **2xx at once** (never 3xx,
//! never after calling a downstream API), and process from the inbox. And it must run a
//! **catch-up poll** — the [`sync`] sources with a lookback window — because whatever WooCommerce
//! failed to deliver will not come again. Details in [`webhook`].
//!
//! ## Features
//!
//! None: rustls TLS comes from sync-core's HTTP executor.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod batch;
mod client;
pub mod coupons;
pub mod customers;
mod deletion;
mod error;
pub mod models;
pub mod orders;
pub mod pagination;
pub mod payment;
pub mod php_query;
pub mod products;
mod query;
pub mod subscriptions;
pub mod summary;
pub mod sync;
pub mod webhook;
pub mod webhooks;

pub use auth::{AuthMode, Credentials, SignatureMethod};
pub use client::{
    Client, ClientBuilder, DEFAULT_NAMESPACE, DEFAULT_RATE, SECRET_NAMES, WooClassifier,
};
pub use deletion::Deletion;
pub use error::{ApiError, Error};
pub use pagination::{ListRequest, OrderBy, Page, SortOrder};
pub use payment::PaymentMethod;
