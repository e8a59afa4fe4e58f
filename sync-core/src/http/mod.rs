//! The client kit (feature `http`): the one way every client crate sends, pages, configures
//! and fails.
//!
//! - An operation is data: an [`ApiRequest<T>`] knows its method, path, query, body,
//!   idempotency and output type.
//! - A vendor is one trait, [`Vendor`]: URL rules, per-attempt authorization, the response
//!   classifier, the secrets to mask, and how a failed exchange becomes the crate's error
//!   (whose `Decode` and `Paging` variants [`kit_failures!`](crate::kit_failures) fills in).
//! - One sender, [`ApiClient::send`], over the retrying [`HttpExecutor`]: a per-attempt timeout,
//!   retries by [`Verdict`](crate::Verdict) through a [`RetryPolicy`](crate::retry::RetryPolicy),
//!   a [`RateLimit`] shared by every client of one account, `tracing` spans, a cap on response
//!   bodies, and errors and logs that go through the client's [`Redactor`](crate::Redactor).
//! - One paginator, [`ApiClient::pages`] / [`ApiClient::items`], over any [`PageRule`], with the
//!   guards against endless paging ([`PageEnd`]).
//! - One [`ClientOptions`] in every builder, one plain-HTTP rule ([`check_base_url`]), one error
//!   skeleton ([`ClientError`]).
//!
//! # A vendor in a few lines
//!
//! ```
//! use std::sync::Arc;
//! use futures_util::TryStreamExt;
//! use sync_core::http::*;
//! use sync_core::Redactor;
//!
//! /// The crate's error, on the kit's skeleton.
//! #[derive(Debug, thiserror::Error)]
//! enum ShopError {
//!     #[error(transparent)]
//!     Http(#[from] HttpError),
//!     #[error("{operation}: {source}")]
//!     Decode { operation: String, source: DecodeError },
//!     #[error("{operation}: {source}")]
//!     Paging { operation: String, source: PagingError },
//! }
//! sync_core::kit_failures!(ShopError);
//!
//! /// A shop API: bearer token, paths under the base URL.
//! #[derive(Debug)]
//! struct Shop { base: url::Url, token: String }
//!
//! #[async_trait::async_trait]
//! impl Vendor for Shop {
//!     type Error = ShopError;
//!     fn service(&self) -> &'static str { "shop" }
//!     fn url(&self, path: &str) -> Result<url::Url, ShopError> {
//!         Ok(self.base.join(path).map_err(|e| HttpError::Build { service: "shop".into(), operation: path.into(), message: e.to_string() })?)
//!     }
//!     fn authorize(&self, request: &mut reqwest::Request) -> Result<(), BuildError> {
//!         let value = format!("Bearer {}", self.token).parse().map_err(|_| BuildError::new("token is not a header value"))?;
//!         request.headers_mut().insert(reqwest::header::AUTHORIZATION, value);
//!         Ok(())
//!     }
//!     fn register_secrets(&self, redactor: &Redactor) { redactor.add_value(&self.token); }
//!     fn http_error(&self, e: HttpError) -> ShopError { ShopError::Http(e) }
//! }
//!
//! /// Page numbers until a short page.
//! struct Products { page: u32 }
//!
//! impl PageRule for Products {
//!     type Body = Vec<serde_json::Value>;
//!     type Item = serde_json::Value;
//!     fn next_request(&mut self) -> ApiRequest<Self::Body> {
//!         self.page += 1;
//!         ApiRequest::get("products.list", "products").query("page", self.page).query("per_page", 2)
//!     }
//!     fn read_page(&mut self, items: Self::Body, _: &HttpResponse) -> PageRead<Self::Item> {
//!         if items.len() < 2 { PageRead::last(items, PageEnd::Short) } else { PageRead::more(items) }
//!     }
//!     fn item_key(&self, item: &Self::Item) -> Option<String> { Some(item["id"].to_string()) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use wiremock::{Mock, MockServer, ResponseTemplate, matchers::{header, method, path, query_param}};
//! # let server = MockServer::start().await;
//! # for (page, body) in [("1", r#"[{"id":1},{"id":2}]"#), ("2", r#"[{"id":3}]"#)] {
//! #     Mock::given(method("GET")).and(path("/api/products")).and(query_param("page", page))
//! #         .and(header("authorization", "Bearer s3cret-token"))
//! #         .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
//! #         .mount(&server).await;
//! # }
//! let base = parse_base_url(&format!("{}/api", server.uri()), &ClientOptions::new(), false)?;
//! let shop = ApiClient::new(Shop { base, token: "s3cret-token".into() }, &ClientOptions::new())?;
//! let products: Vec<serde_json::Value> = shop.items(Products { page: 0 }).try_collect().await?;
//! assert_eq!(products.len(), 3);
//! # Ok(()) }
//! ```

mod api_client;
mod client_error;
mod error;
mod executor;
mod loopback;
mod options;
pub mod paging;
mod pause;
mod rate_limit;
mod redact;
mod request;
mod response;
mod vendor;
mod window_limit;

pub use api_client::ApiClient;
pub use client_error::{ClientError, ErrorKind, FromKitFailure, kind_from_verdict};
pub use error::{BuildError, HttpError, RequestSummary, TransportKind};
pub use executor::{DEFAULT_MAX_RESPONSE_BYTES, HttpExecutor, HttpExecutorBuilder, RequestMeta};
pub use loopback::is_loopback;
pub use options::{ClientOptions, ConfigError, RateSetting, check_base_url, parse_base_url};
pub use paging::{Page, PageEnd, PageRead, PageRule, PagingError};
pub use rate_limit::{RateLimit, RateQuota};
pub use redact::{
    ALWAYS_SECRET_QUERY_KEYS, REDACTED, is_secret_key, redact_json, redact_url, redacted_excerpt,
};
pub use request::{ApiRequest, RequestBody};
pub use response::{DecodeError, HttpResponse, ResponseClassifier, StatusClassifier, decode_json};
pub use vendor::Vendor;
pub use window_limit::WindowLimit;

/// Re-exported so client crates and their users name one reqwest.
pub use reqwest;
