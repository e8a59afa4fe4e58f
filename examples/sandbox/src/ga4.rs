//! GA4 Measurement Protocol fake: `POST /mp/collect` always answers 2xx (even for malformed
//! events or a wrong `api_secret`: 2xx means sent, not accepted) and keeps only valid events;
//! `POST /debug/mp/collect` answers `validationMessages` and does not check `api_secret`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::fake::{Core, Dialect, Fake, json_response};
use crate::faults::Faults;

/// A running GA4 Measurement Protocol fake.
#[derive(Debug)]
pub struct Ga4Fake {
    fake: Fake,
}

impl std::ops::Deref for Ga4Fake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

/// The measurement id the fake accepts.
pub const MEASUREMENT_ID: &str = "G-SANDBOX01";
/// The API secret the fake accepts.
pub const API_SECRET: &str = "sandbox-mp-secret";

struct Ga4Dialect;

impl Dialect for Ga4Dialect {
    fn error(&self, status: StatusCode, _message: &str) -> Response {
        status.into_response()
    }

    fn throttled(&self, _n: u64) -> Response {
        StatusCode::TOO_MANY_REQUESTS.into_response()
    }
}

#[derive(Debug, Deserialize)]
struct Params {
    measurement_id: Option<String>,
    api_secret: Option<String>,
}

impl Ga4Fake {
    /// Starts the fake on an ephemeral loopback port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(0, Faults::none()).await
    }

    /// Starts the fake on `port` (`0`: ephemeral) with faults.
    pub async fn start_on(port: u16, faults: Faults) -> std::io::Result<Self> {
        let core = Core::new(Ga4Dialect, faults, 42);
        let router = Router::new()
            .route("/mp/collect", post(collect))
            .route("/debug/mp/collect", post(debug))
            .with_state(core.clone());
        Ok(Self {
            fake: Fake::start(core.clone(), core.wrap(router), port).await?,
        })
    }

    /// Events kept (valid events sent with the right measurement id and secret).
    pub fn events(&self) -> Vec<Value> {
        self.entities("events")
    }
}

/// The validation messages GA4's validation server would return for a body.
pub fn validate(body: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut msg = |path: &str, description: String, code: &str| {
        out.push(json!({"fieldPath": path, "description": description, "validationCode": code}))
    };
    if body.get("client_id").and_then(Value::as_str).is_none()
        && body.get("app_instance_id").is_none()
    {
        msg(
            "client_id",
            "Measurement requires a client_id.".into(),
            "VALUE_REQUIRED",
        );
    }
    let events = body["events"].as_array().cloned().unwrap_or_default();
    if events.len() > 25 {
        msg(
            "events",
            format!(
                "Measurement has {} events, the maximum is 25.",
                events.len()
            ),
            "EXCEEDED_MAX_ENTITIES",
        );
    }
    let valid_name = |n: &str| {
        !n.is_empty()
            && n.len() <= 40
            && n.starts_with(|c: char| c.is_ascii_alphabetic())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    for (i, e) in events.iter().enumerate() {
        let name = e["name"].as_str().unwrap_or_default();
        if !valid_name(name) {
            msg(
                "events",
                format!(
                    "Event at index: [{i}] has invalid name [{name}]. Names must start with an alphabetic character."
                ),
                "NAME_INVALID",
            );
        }
        if [
            "ad_click",
            "ad_exposure",
            "app_remove",
            "first_open",
            "session_start",
            "user_engagement",
        ]
        .contains(&name)
        {
            msg(
                "events",
                format!("Event at index: [{i}] has name [{name}] which is reserved."),
                "NAME_RESERVED",
            );
        }
        let params = e["params"].as_object().cloned().unwrap_or_default();
        if params.len() > 25 {
            msg(
                &format!("events[{i}].params"),
                format!(
                    "Event at index: [{i}] has {} params, the maximum is 25.",
                    params.len()
                ),
                "EXCEEDED_MAX_ENTITIES",
            );
        }
        for (k, v) in &params {
            if !valid_name(k) {
                msg(
                    &format!("events[{i}].params"),
                    format!("Event param [{k}] has invalid name."),
                    "NAME_INVALID",
                );
            }
            if v.as_str().is_some_and(|s| s.chars().count() > 100) {
                msg(
                    &format!("events[{i}].params.{k}"),
                    format!("Event param [{k}] has a value longer than 100 characters."),
                    "VALUE_OUT_OF_BOUNDS",
                );
            }
        }
        if name == "purchase" && params.get("transaction_id").is_none() {
            msg(
                &format!("events[{i}].params.transaction_id"),
                "A purchase event requires transaction_id.".into(),
                "VALUE_REQUIRED",
            );
        }
        if params.contains_key("value") && !params.contains_key("currency") {
            msg(
                &format!("events[{i}].params.currency"),
                "currency is required when value is set.".into(),
                "VALUE_REQUIRED",
            );
        }
    }
    out
}

async fn collect(State(core): State<Core>, Query(p): Query<Params>, body: Bytes) -> StatusCode {
    let authorized = p.measurement_id.as_deref() == Some(MEASUREMENT_ID)
        && p.api_secret.as_deref() == Some(API_SECRET);
    if let Ok(body) = serde_json::from_slice::<Value>(&body)
        && authorized
        && validate(&body).is_empty()
    {
        let mut store = core.store();
        for e in body["events"].as_array().into_iter().flatten() {
            let key = store.next_id("events");
            store.write(
                "events",
                key,
                json!({"client_id": body["client_id"], "user_id": body["user_id"], "event": e}),
            );
        }
    }
    // 2xx whatever happened.
    StatusCode::NO_CONTENT
}

async fn debug(body: Bytes) -> Response {
    let messages = match serde_json::from_slice::<Value>(&body) {
        Ok(v) => validate(&v),
        Err(_) => vec![
            json!({"fieldPath": "", "description": "Unable to parse Measurement Protocol JSON payload.", "validationCode": "VALUE_INVALID"}),
        ],
    };
    json_response(StatusCode::OK, &json!({"validationMessages": messages}))
}
