//! The log of every request a fake received, for tests and people to read.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One request as the fake received it, and the status it answered.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedRequest {
    /// Position in the log, from 0.
    pub seq: u64,
    /// When it arrived.
    pub time: DateTime<Utc>,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The raw query string (`""` when none).
    pub query: String,
    /// Request headers as `(name, value)`, in arrival order (values lossily decoded).
    pub headers: Vec<(String, String)>,
    /// The body, lossily decoded as UTF-8.
    pub body: String,
    /// The status answered; `None` while in flight or when the connection was dropped on purpose.
    pub status: Option<u16>,
    /// The fault injected into this request, if any (`"throttle"`, `"error"`, `"drop"`, `"malformed"`).
    pub fault: Option<String>,
}

impl ReceivedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// The request log of one fake.
#[derive(Debug, Default)]
pub struct Inspector {
    log: Mutex<Vec<ReceivedRequest>>,
}

impl Inspector {
    /// Appends a request and returns its position.
    pub fn begin(&self, mut request: ReceivedRequest) -> usize {
        let mut log = self.log.lock().expect("inspector lock");
        request.seq = log.len() as u64;
        log.push(request);
        log.len() - 1
    }

    /// Records the status answered (and the fault injected) for a logged request.
    pub fn finish(&self, index: usize, status: Option<u16>, fault: Option<&str>) {
        let mut log = self.log.lock().expect("inspector lock");
        if let Some(entry) = log.get_mut(index) {
            entry.status = status;
            entry.fault = fault.map(str::to_owned);
        }
    }

    /// A copy of the whole log.
    pub fn all(&self) -> Vec<ReceivedRequest> {
        self.log.lock().expect("inspector lock").clone()
    }

    /// Empties the log.
    pub fn clear(&self) {
        self.log.lock().expect("inspector lock").clear();
    }
}
