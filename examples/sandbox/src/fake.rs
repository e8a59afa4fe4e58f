//! What every fake shares: the request log, the fault knobs, the entity store, the
//! `/_sandbox/...` inspection API, and the handle a test holds.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::faults::{Fault, FaultState, Faults};
use crate::inspect::{Inspector, ReceivedRequest};
use crate::server::Running;
use crate::store::{EntityStore, Key};

/// How a vendor spells its errors and its throttling.
pub trait Dialect: Send + Sync + 'static {
    /// The vendor's error answer with this status and message.
    fn error(&self, status: StatusCode, message: &str) -> Response;
    /// The vendor's throttling answer; `n` counts the throttled requests so far.
    fn throttled(&self, n: u64) -> Response;
}

/// State shared by a fake's handlers, its middleware and its handle.
#[derive(Clone)]
pub struct Core {
    inner: Arc<CoreInner>,
}

struct CoreInner {
    inspector: Inspector,
    faults: FaultState,
    store: Mutex<EntityStore>,
    dialect: Box<dyn Dialect>,
    throttled: Mutex<u64>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").finish_non_exhaustive()
    }
}

impl Core {
    /// A core speaking `dialect`, with initial `faults`.
    pub fn new(dialect: impl Dialect, faults: Faults, seed: u64) -> Self {
        Self {
            inner: Arc::new(CoreInner {
                inspector: Inspector::default(),
                faults: FaultState::new(faults, seed),
                store: Mutex::new(EntityStore::default()),
                dialect: Box::new(dialect),
                throttled: Mutex::new(0),
            }),
        }
    }

    /// The entity store (locked).
    pub fn store(&self) -> MutexGuard<'_, EntityStore> {
        self.inner.store.lock().expect("store lock")
    }

    /// The request log.
    pub fn inspector(&self) -> &Inspector {
        &self.inner.inspector
    }

    /// The fault knobs.
    pub fn faults(&self) -> &FaultState {
        &self.inner.faults
    }

    /// The vendor's error answer.
    pub fn error(&self, status: StatusCode, message: &str) -> Response {
        self.inner.dialect.error(status, message)
    }

    /// The vendor's throttle answer (counts it).
    pub fn throttled(&self) -> Response {
        let n = {
            let mut n = self.inner.throttled.lock().expect("throttle lock");
            *n += 1;
            *n
        };
        self.inner.dialect.throttled(n)
    }

    /// Wraps a vendor router with the inspection API, the request log and the fault layer.
    pub fn wrap(&self, vendor: Router) -> Router {
        let inspection = Router::new()
            .route("/_sandbox/requests", get(requests).delete(clear_requests))
            .route("/_sandbox/entities", get(entities))
            .route("/_sandbox/entities/{kind}", get(entities_of))
            .route("/_sandbox/writes", get(writes))
            .route(
                "/_sandbox/faults",
                get(get_faults).put(set_faults).post(set_faults),
            )
            .with_state(self.clone());
        vendor
            .merge(inspection)
            .layer(middleware::from_fn_with_state(
                self.clone(),
                record_and_inject,
            ))
    }
}

/// A running fake: its server and its core. Vendor fakes deref to this.
#[derive(Debug)]
pub struct Fake {
    running: Running,
    core: Core,
}

impl Fake {
    /// Serves `router` (already wrapped by [`Core::wrap`]) on an ephemeral loopback port.
    pub async fn start(core: Core, router: Router, port: u16) -> std::io::Result<Self> {
        let running = Running::start_on(router, port).await?;
        Ok(Self { running, core })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// The shared core (store, log, faults).
    pub fn core(&self) -> &Core {
        &self.core
    }

    /// Every API request received so far (the inspection API's own requests excluded).
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.core.inspector().all()
    }

    /// Empties the request log.
    pub fn clear_received(&self) {
        self.core.inspector().clear()
    }

    /// Replaces the fault knobs.
    pub fn set_faults(&self, faults: Faults) {
        self.core.faults().set(faults)
    }

    /// The current fault knobs.
    pub fn faults(&self) -> Faults {
        self.core.faults().get()
    }

    /// How many times the API wrote one entity (`kind` as in `/_sandbox/entities/{kind}`).
    pub fn writes(&self, kind: &str, key: impl Into<Key>) -> u64 {
        self.core.store().writes_of(kind, key)
    }

    /// A copy of one stored entity.
    pub fn entity(&self, kind: &str, key: impl Into<Key>) -> Option<Value> {
        self.core.store().get(kind, key)
    }

    /// Copies of every stored entity of a kind.
    pub fn entities(&self, kind: &str) -> Vec<Value> {
        self.core.store().list(kind).into_iter().collect()
    }
}

async fn requests(State(core): State<Core>) -> Json<Vec<ReceivedRequest>> {
    Json(core.inspector().all())
}

async fn clear_requests(State(core): State<Core>) -> StatusCode {
    core.inspector().clear();
    StatusCode::NO_CONTENT
}

async fn entities(State(core): State<Core>) -> Json<Value> {
    Json(core.store().snapshot())
}

async fn entities_of(State(core): State<Core>, Path(kind): Path<String>) -> Json<Value> {
    Json(Value::Array(core.store().list(&kind).into_iter().collect()))
}

async fn writes(State(core): State<Core>) -> Json<Value> {
    Json(core.store().writes_snapshot())
}

async fn get_faults(State(core): State<Core>) -> Json<Faults> {
    Json(core.faults().get())
}

async fn set_faults(State(core): State<Core>, Json(faults): Json<Faults>) -> Json<Faults> {
    core.faults().set(faults);
    Json(core.faults().get())
}

/// The most a fake buffers of one request body.
const MAX_BODY: usize = 32 * 1024 * 1024;

async fn record_and_inject(State(core): State<Core>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_sandbox") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let echo_text = echo(&parts.method, &parts.uri, &parts.headers, &bytes);
    let index = core.inspector().begin(ReceivedRequest {
        seq: 0,
        time: chrono::Utc::now(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        status: None,
        fault: None,
    });
    let (fault, latency, echo_request) = core.faults().decide();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match fault {
        Fault::Drop => {
            core.inspector().finish(index, None, fault.name());
            return dropped_connection();
        }
        Fault::Throttle => core.throttled(),
        Fault::Error(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            core.error(status, "Injected sandbox error.")
        }
        Fault::None | Fault::Malformed => {
            let request = Request::from_parts(parts, Body::from(bytes));
            let response = next.run(request).await;
            if fault == Fault::Malformed && response.status().is_success() {
                cut_body(response).await
            } else {
                response
            }
        }
    };
    let response = if echo_request
        && (response.status().is_client_error() || response.status().is_server_error())
    {
        let mut echoed = core.error(response.status(), &echo_text);
        for name in [
            "retry-after",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
            "www-authenticate",
        ] {
            if let Some(v) = response.headers().get(name) {
                echoed.headers_mut().insert(name, v.clone());
            }
        }
        echoed
    } else {
        response
    };
    core.inspector()
        .finish(index, Some(response.status().as_u16()), fault.name());
    response
}

/// The request as a vendor's debugging error page would repeat it: credentials and all.
fn echo(
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut text = format!("Request echo: {method} http://{host}{uri}");
    for (name, value) in headers {
        text.push_str(&format!(
            "\n{name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    text.push_str("\n\n");
    text.push_str(&String::from_utf8_lossy(body));
    text
}

/// A response whose body fails at once: hyper aborts the connection before a complete answer.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox dropped the connection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// Keeps status and headers but sends only the first half of the body.
async fn cut_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(half))
}

/// A JSON answer with a status.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    (status, Json(value.clone())).into_response()
}

/// `{"error": "..."}`-style helper for plain JSON bodies.
pub fn json_error(status: StatusCode, key: &str, message: &str) -> Response {
    json_response(status, &json!({ key: message }))
}
