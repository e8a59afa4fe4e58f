//! A CRM that upserts contacts by email and behaves like a real, busy API: at most
//! `max_per_second` requests (429 with `Retry-After` beyond), a transient 503 now and then, and
//! 422 for an invalid email.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// A contact upsert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactUpsert {
    /// The contact's email (the natural key).
    pub email: String,
    /// Fields to set.
    pub fields: HashMap<String, String>,
}

/// Counters of what the CRM saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrmStats {
    /// Requests received.
    pub requests: u64,
    /// 429s sent.
    pub throttled: u64,
    /// 503s sent.
    pub unavailable: u64,
    /// 422s sent.
    pub rejected: u64,
}

#[derive(Debug)]
struct Inner {
    contacts: HashMap<String, HashMap<String, String>>,
    stats: CrmStats,
    window_start: Instant,
    window_count: u32,
}

/// The CRM state, shared with the sandbox server.
#[derive(Debug, Clone)]
pub struct Crm {
    inner: Arc<Mutex<Inner>>,
    max_per_second: u32,
    fail_every: u64,
}

impl Crm {
    /// A CRM allowing `max_per_second` requests, answering 503 to every `fail_every`-th request
    /// (0: never).
    pub fn new(max_per_second: u32, fail_every: u64) -> Crm {
        Crm {
            inner: Arc::new(Mutex::new(Inner {
                contacts: HashMap::new(),
                stats: CrmStats::default(),
                window_start: Instant::now(),
                window_count: 0,
            })),
            max_per_second,
            fail_every,
        }
    }

    /// The router: `POST /contacts`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/contacts", post(upsert))
            .with_state(self.clone())
    }

    /// Contacts stored.
    pub fn contact_count(&self) -> usize {
        self.inner.lock().unwrap().contacts.len()
    }

    /// What the CRM saw.
    pub fn stats(&self) -> CrmStats {
        self.inner.lock().unwrap().stats.clone()
    }
}

async fn upsert(State(crm): State<Crm>, Json(contact): Json<ContactUpsert>) -> Response {
    let mut inner = crm.inner.lock().unwrap();
    inner.stats.requests += 1;
    let now = Instant::now();
    if now.duration_since(inner.window_start) >= Duration::from_secs(1) {
        inner.window_start = now;
        inner.window_count = 0;
    }
    inner.window_count += 1;
    if inner.window_count > crm.max_per_second {
        inner.stats.throttled += 1;
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("1"));
        return (StatusCode::TOO_MANY_REQUESTS, headers, "Too Many Requests").into_response();
    }
    if crm.fail_every > 0 && inner.stats.requests % crm.fail_every == 0 {
        inner.stats.unavailable += 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "maintenance").into_response();
    }
    if !contact.email.contains('@') {
        inner.stats.rejected += 1;
        let body = serde_json::json!({
            "errors": [{"title": "Email address is not valid", "source": {"pointer": "/data/attributes/email"}}]
        });
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    }
    inner.contacts.insert(contact.email, contact.fields);
    (StatusCode::OK, Json(serde_json::json!({"ok": true}))).into_response()
}
