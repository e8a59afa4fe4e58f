//! The webhook request path for axum: read the raw body within a size limit, call the
//! [`Acceptor`], store the delivery in the inbox (deduplicated) and answer. Nothing else
//! happens on the request path, so a sender gets its answer in milliseconds whatever the
//! state of downstream APIs.
//!
//! | what happened | answer |
//! |---|---|
//! | accepted and stored (new or duplicate) | `200` `{"status":"stored","id":N,"duplicate":false}` |
//! | accepted, nothing to store (a ping) | `200` `{"status":"ok"}` |
//! | [`Refused`] by the acceptor | its status, `{"error": reason}` |
//! | body over the limit (or over the inbox's) | `413` |
//! | the inbox could not store it | `503` (the sender retries; nothing was acknowledged) |
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use sync_core::store::sqlite::SqliteStore;
//! use sync_core::store::InboxStore;
//! use sync_core::webhook::axum::WebhookEndpoint;
//! use sync_core::webhook::{Accepted, Acceptor, Refused, StoredHeaders};
//!
//! struct Open; // accepts everything, keyed by the body (a toy: verify signatures in real code)
//! impl Acceptor for Open {
//!     fn accept(&self, _: &http::HeaderMap, body: &[u8]) -> Result<Accepted, Refused> {
//!         Ok(Accepted::new(String::from_utf8_lossy(body), StoredHeaders::new()))
//!     }
//! }
//!
//! let inbox = Arc::new(SqliteStore::open(":memory:").await?);
//! let app = axum::Router::new().route(
//!     "/webhooks/shop",
//!     WebhookEndpoint::new("shop", Open, inbox.clone()).max_body_bytes(64 * 1024).into_route(),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let url = format!("http://{}/webhooks/shop", listener.local_addr().unwrap());
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! let client = reqwest::Client::new();
//! for _ in 0..2 {
//!     let answer = client.post(&url).body("order-1042").send().await.unwrap();
//!     assert_eq!(answer.status(), 200); // the duplicate is answered 200 too
//! }
//! assert_eq!(inbox.stats().await?.pending, 1);
//! # Ok::<_, sync_core::StoreError>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::sync::Arc;

use ::axum::body::Body;
use ::axum::http::{HeaderMap, StatusCode, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::MethodRouter;

use super::{Acceptor, Refused};
use crate::store::{InboxStore, StoreError};

/// The default body limit: 1 MiB (WooCommerce and Chatwoot payloads are a few KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// One webhook URL: an [`Acceptor`] and the inbox it stores into, under one `source` name.
///
/// Cheap to clone. Mount it with [`WebhookEndpoint::into_route`], or call
/// [`WebhookEndpoint::receive`] from a handler of your own.
pub struct WebhookEndpoint<A> {
    inner: Arc<Inner<A>>,
}

struct Inner<A> {
    source: String,
    acceptor: A,
    inbox: Arc<dyn InboxStore>,
    max_body: usize,
}

impl<A> Clone for WebhookEndpoint<A> {
    fn clone(&self) -> Self {
        WebhookEndpoint {
            inner: self.inner.clone(),
        }
    }
}

impl<A> fmt::Debug for WebhookEndpoint<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("source", &self.inner.source)
            .field("inbox", &self.inner.inbox)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

impl<A: Acceptor + 'static> WebhookEndpoint<A> {
    /// Deliveries verified by `acceptor`, stored in `inbox` under `source` (the sender's name,
    /// e.g. `woocommerce:shop-a`; dedupe keys are unique per source). Body limit
    /// [`DEFAULT_MAX_BODY_BYTES`].
    pub fn new(source: impl Into<String>, acceptor: A, inbox: Arc<dyn InboxStore>) -> Self {
        WebhookEndpoint {
            inner: Arc::new(Inner {
                source: source.into(),
                acceptor,
                inbox,
                max_body: DEFAULT_MAX_BODY_BYTES,
            }),
        }
    }

    /// Refuse bodies over `limit` bytes with 413, before reading them whole.
    ///
    /// # Panics
    /// If the endpoint was cloned already (set limits before mounting it).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("set the body limit before cloning the endpoint")
            .max_body = limit;
        self
    }

    /// The source name deliveries are stored under.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// A `POST` route for an axum [`Router`](::axum::Router): `.route("/webhooks/shop", endpoint.into_route())`.
    pub fn into_route<S: Clone + Send + Sync + 'static>(self) -> MethodRouter<S> {
        ::axum::routing::post(move |headers: HeaderMap, body: Body| async move {
            self.receive(&headers, body).await
        })
    }

    /// The whole request path for one request: read `body` within the limit, accept, store,
    /// answer (see the [module docs](self)).
    pub async fn receive(&self, headers: &HeaderMap, body: Body) -> Response {
        let inner = &*self.inner;
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > inner.max_body as u64) {
            return too_large(inner.max_body);
        }
        let bytes = match read_limited(body, inner.max_body).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => return too_large(inner.max_body),
            Err(BodyError::Read(error)) => {
                // A broken or aborted upload is not "too large": say 400 so senders don't
                // shrink or give up on deliveries that are within the limit.
                tracing::info!(source = %inner.source, %error, "webhook body could not be read");
                return Refused::new(400, "the body could not be read").into_response();
            }
        };
        let accepted = match inner.acceptor.accept(headers, &bytes) {
            Ok(accepted) => accepted,
            Err(refused) => {
                tracing::info!(source = %inner.source, status = refused.status, reason = %refused.reason, "webhook refused");
                return refused.into_response();
            }
        };
        if !accepted.store {
            return (
                StatusCode::OK,
                ::axum::Json(serde_json::json!({"status": "ok", "kind": accepted.kind})),
            )
                .into_response();
        }
        match inner
            .inbox
            .store(
                &inner.source,
                &accepted.dedupe_key,
                &accepted.headers.to_json(),
                &bytes,
            )
            .await
        {
            Ok(received) => {
                tracing::debug!(
                    source = %inner.source,
                    key = %accepted.dedupe_key,
                    kind = accepted.kind.as_deref().unwrap_or(""),
                    id = received.id(),
                    duplicate = !received.is_new(),
                    "webhook stored"
                );
                (
                    StatusCode::OK,
                    ::axum::Json(serde_json::json!({
                        "status": "stored",
                        "id": received.id(),
                        "duplicate": !received.is_new(),
                    })),
                )
                    .into_response()
            }
            Err(StoreError::TooLarge { limit, .. }) => too_large(limit),
            Err(error) => {
                tracing::error!(source = %inner.source, %error, "webhook could not be stored");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ::axum::Json(
                        serde_json::json!({"error": "the delivery could not be stored; retry"}),
                    ),
                )
                    .into_response()
            }
        }
    }
}

enum BodyError {
    TooLarge,
    Read(::axum::Error),
}

/// Read the whole body, telling "over `limit`" apart from a failed read.
async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, BodyError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        if bytes.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn too_large(limit: usize) -> Response {
    Refused::new(413, format!("the body is over the {limit}-byte limit")).into_response()
}

/// The refusal's status (a status outside 400–599 answers 400) with `{"error": reason}`.
impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status)
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .unwrap_or(StatusCode::BAD_REQUEST);
        (
            status,
            ::axum::Json(serde_json::json!({"error": self.reason})),
        )
            .into_response()
    }
}
