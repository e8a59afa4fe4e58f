//! BigQuery `tabledata.insertAll` fake: bearer token, `insertId` best-effort dedupe, per-row
//! `insertErrors` inside a 200, `skipInvalidRows`/`ignoreUnknownValues`, 404 for unknown tables.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::fake::{Core, Dialect, Fake, json_response};
use crate::faults::Faults;

/// Column types the fake checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// STRING
    String,
    /// NUMERIC / FLOAT (numbers or numeric strings)
    Numeric,
    /// INTEGER
    Integer,
    /// TIMESTAMP (RFC 3339 string or seconds)
    Timestamp,
}

/// A running BigQuery fake.
#[derive(Debug)]
pub struct BigQueryFake {
    fake: Fake,
    tables: Tables,
}

impl std::ops::Deref for BigQueryFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

/// Table schemas by `project:dataset.table`.
type Tables = Arc<Mutex<BTreeMap<String, Vec<(String, ColumnType)>>>>;

/// The bearer token the fake accepts.
pub const TOKEN: &str = "ya29.sandbox-bigquery-token";

struct BqDialect;

impl Dialect for BqDialect {
    fn error(&self, status: StatusCode, message: &str) -> Response {
        let reason = if status.is_server_error() {
            "backendError"
        } else {
            "invalid"
        };
        json_response(
            status,
            &json!({"error": {"code": status.as_u16(), "message": message, "errors": [{"message": message, "domain": "global", "reason": reason}], "status": if status.is_server_error() { "INTERNAL" } else { "INVALID_ARGUMENT" }}}),
        )
    }

    fn throttled(&self, _n: u64) -> Response {
        json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"error": {"code": 429, "message": "Exceeded rate limits: too many api requests per user per method for this user_method.", "errors": [{"message": "Exceeded rate limits", "domain": "usageLimits", "reason": "rateLimitExceeded"}], "status": "RESOURCE_EXHAUSTED"}}),
        )
    }
}

#[derive(Clone)]
struct Shared {
    core: Core,
    tables: Tables,
}

impl BigQueryFake {
    /// Starts the fake with table `sandbox-project.commerce.orders`
    /// (`order_id` STRING, `email` STRING, `total` NUMERIC, `currency` STRING, `created_at` TIMESTAMP).
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(0, Faults::none()).await
    }

    /// Starts the fake on `port` (`0`: ephemeral) with faults.
    pub async fn start_on(port: u16, faults: Faults) -> std::io::Result<Self> {
        let core = Core::new(BqDialect, faults, 42);
        let tables = Arc::new(Mutex::new(BTreeMap::new()));
        let shared = Shared {
            core: core.clone(),
            tables: tables.clone(),
        };
        let router = Router::new()
            .route(
                "/bigquery/v2/projects/{project}/datasets/{dataset}/tables/{table}/insertAll",
                post(insert_all),
            )
            .with_state(shared);
        let me = Self {
            fake: Fake::start(core.clone(), core.wrap(router), port).await?,
            tables,
        };
        me.create_table(
            "sandbox-project",
            "commerce",
            "orders",
            &[
                ("order_id", ColumnType::String),
                ("email", ColumnType::String),
                ("total", ColumnType::Numeric),
                ("currency", ColumnType::String),
                ("created_at", ColumnType::Timestamp),
            ],
        );
        Ok(me)
    }

    /// Creates (or replaces) a table.
    pub fn create_table(
        &self,
        project: &str,
        dataset: &str,
        table: &str,
        columns: &[(&str, ColumnType)],
    ) {
        self.tables.lock().expect("tables").insert(
            format!("{project}:{dataset}.{table}"),
            columns.iter().map(|(n, t)| (n.to_string(), *t)).collect(),
        );
    }

    /// Rows stored in a table (`project:dataset.table`).
    pub fn rows(&self, table: &str) -> Vec<Value> {
        self.entities(table)
    }
}

fn type_ok(t: ColumnType, v: &Value) -> bool {
    match (t, v) {
        (_, Value::Null) => true,
        (ColumnType::String, Value::String(_)) => true,
        (ColumnType::Numeric, Value::Number(_)) => true,
        (ColumnType::Numeric, Value::String(s)) => s.parse::<f64>().is_ok(),
        (ColumnType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (ColumnType::Integer, Value::String(s)) => s.parse::<i64>().is_ok(),
        (ColumnType::Timestamp, Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(s).is_ok()
                || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok()
        }
        (ColumnType::Timestamp, Value::Number(_)) => true,
        _ => false,
    }
}

async fn insert_all(
    State(shared): State<Shared>,
    Path((project, dataset, table)): Path<(String, String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError", "location": "Authorization", "locationType": "header"}], "status": "UNAUTHENTICATED"}}),
        );
    }
    let name = format!("{project}:{dataset}.{table}");
    let Some(columns) = shared.tables.lock().expect("tables").get(&name).cloned() else {
        let message = format!("Not found: Table {name}");
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": {"code": 404, "message": message, "errors": [{"message": message, "domain": "global", "reason": "notFound"}], "status": "NOT_FOUND"}}),
        );
    };
    let skip_invalid = body["skipInvalidRows"].as_bool().unwrap_or(false);
    let ignore_unknown = body["ignoreUnknownValues"].as_bool().unwrap_or(false);
    let rows = body["rows"].as_array().cloned().unwrap_or_default();
    let mut errors: Vec<(usize, Value)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let Some(fields) = row["json"].as_object() else {
            errors.push((i, json!({"reason": "invalid", "location": "", "debugInfo": "", "message": "Row is not a JSON object."})));
            continue;
        };
        for (k, v) in fields {
            match columns.iter().find(|(n, _)| n == k) {
                None if !ignore_unknown => errors.push((i, json!({"reason": "invalid", "location": k, "debugInfo": "", "message": format!("no such field: {k}.")}))),
                Some((_, t)) if !type_ok(*t, v) => errors.push((i, json!({"reason": "invalid", "location": k, "debugInfo": "", "message": format!("Cannot convert value to {t:?}: {v}.")}))),
                _ => {}
            }
        }
    }
    let bad: std::collections::BTreeSet<usize> = errors.iter().map(|(i, _)| *i).collect();
    let mut insert_errors: Vec<Value> = bad.iter().map(|i| json!({"index": i, "errors": errors.iter().filter(|(j, _)| j == i).map(|(_, e)| e.clone()).collect::<Vec<_>>()})).collect();
    if !bad.is_empty() && !skip_invalid {
        // Without skipInvalidRows nothing is inserted; valid rows are reported as "stopped".
        for i in (0..rows.len()).filter(|i| !bad.contains(i)) {
            insert_errors.push(json!({"index": i, "errors": [{"reason": "stopped", "location": "", "debugInfo": "", "message": ""}]}));
        }
        insert_errors.sort_by_key(|e| e["index"].as_u64());
    } else {
        let mut store = shared.core.store();
        for (i, row) in rows.iter().enumerate().filter(|(i, _)| !bad.contains(i)) {
            let key = match row["insertId"].as_str() {
                Some(id) => id.to_owned(),
                None => format!("auto-{}-{i}", store.count(&name)),
            };
            // Best-effort dedupe: the same insertId is stored once (the write still counts).
            if store.get(&name, key.as_str()).is_some() {
                store.count_write(&name, key.as_str());
            } else {
                store.write(&name, key.as_str(), row["json"].clone());
            }
        }
    }
    let mut out = json!({"kind": "bigquery#tableDataInsertAllResponse"});
    if !insert_errors.is_empty() {
        out["insertErrors"] = Value::Array(insert_errors);
    }
    json_response(StatusCode::OK, &out)
}
