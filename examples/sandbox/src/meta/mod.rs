//! Meta Graph API fake for custom audiences: create/list/read audiences, `POST|DELETE
//! /{audience_id}/users` and `POST /{audience_id}/usersreplace` with sessions, Graph error
//! envelopes (throttling codes 4, 17, 32, 613, 80003 with `X-Business-Use-Case-Usage`), and
//! `appsecret_proof` = hex HMAC-SHA256(key = app secret, message = access token) checked.

mod params;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{any, post};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::fake::{Core, Dialect, Fake, json_response};
use crate::faults::Faults;

/// How a Meta fake starts.
#[derive(Debug, Clone)]
pub struct MetaOptions {
    /// Whether calls must carry `appsecret_proof` ("Require App Secret" in the app settings).
    pub require_appsecret_proof: bool,
    /// Faults from the start.
    pub faults: Faults,
    /// Port (`0`: ephemeral).
    pub port: u16,
}

impl Default for MetaOptions {
    fn default() -> Self {
        Self {
            require_appsecret_proof: true,
            faults: Faults::none(),
            port: 0,
        }
    }
}

/// The app's credentials and the ad account.
#[derive(Debug, Clone, Serialize)]
pub struct MetaCredentials {
    /// A system user access token.
    pub access_token: String,
    /// The app secret (for `appsecret_proof`).
    pub app_secret: String,
    /// `act_<id>`.
    pub ad_account: String,
    /// A seeded customer-file audience.
    pub audience_id: String,
}

/// A running Meta Graph fake.
#[derive(Debug)]
pub struct MetaFake {
    fake: Fake,
    credentials: MetaCredentials,
}

impl std::ops::Deref for MetaFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

/// One upload session of an audience.
#[derive(Debug, Clone, Default)]
struct Session {
    last_seq: u64,
    received: u64,
    invalid: u64,
    finished: bool,
    /// usersreplace: the members collected so far.
    replace_rows: Option<Vec<String>>,
}

#[derive(Debug)]
struct Shared {
    core: Core,
    credentials: MetaCredentials,
    options: MetaOptions,
    sessions: Mutex<BTreeMap<(String, String), Session>>,
}

const THROTTLES: [(u64, &str); 5] = [
    (
        80003,
        "There have been too many calls for this custom audience. Wait a bit and try again.",
    ),
    (613, "Calls to this api have exceeded the rate limit."),
    (17, "User request limit reached"),
    (4, "Application request limit reached"),
    (32, "Page request limit reached"),
];

struct MetaDialect;

fn fbtrace() -> String {
    format!("Asandbox{:x}", chrono::Utc::now().timestamp_subsec_nanos())
}

/// A Graph error envelope.
pub fn graph_error(
    status: StatusCode,
    code: u64,
    subcode: Option<u64>,
    kind: &str,
    message: &str,
    transient: bool,
) -> Response {
    let mut error = json!({"message": message, "type": kind, "code": code, "is_transient": transient, "fbtrace_id": fbtrace()});
    if let Some(s) = subcode {
        error["error_subcode"] = json!(s);
    }
    json_response(status, &json!({"error": error}))
}

impl Dialect for MetaDialect {
    fn error(&self, status: StatusCode, message: &str) -> Response {
        if status.is_server_error() {
            graph_error(status, 2, None, "OAuthException", message, true)
        } else {
            graph_error(status, 100, None, "OAuthException", message, false)
        }
    }

    fn throttled(&self, n: u64) -> Response {
        let (code, message) = THROTTLES[(n as usize - 1) % THROTTLES.len()];
        let mut r = graph_error(
            StatusCode::BAD_REQUEST,
            code,
            None,
            "OAuthException",
            &format!("(#{code}) {message}"),
            true,
        );
        let usage = json!({"100000000000001": [{"type": "custom_audience", "call_count": 100, "total_cputime": 30, "total_time": 40, "estimated_time_to_regain_access": 1}]});
        if let Ok(v) = HeaderValue::from_str(&usage.to_string()) {
            r.headers_mut().insert("x-business-use-case-usage", v);
        }
        r
    }
}

/// `appsecret_proof`: lowercase hex HMAC-SHA256 with the app secret as key over the token.
pub fn appsecret_proof(access_token: &str, app_secret: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("hmac takes any key");
    mac.update(access_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl MetaFake {
    /// Starts a fake that requires `appsecret_proof`.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(MetaOptions::default()).await
    }

    /// Starts a fake with options.
    pub async fn start_with(options: MetaOptions) -> std::io::Result<Self> {
        let core = Core::new(MetaDialect, options.faults.clone(), 42);
        let credentials = MetaCredentials {
            access_token: "EAASandboxSystemUserToken0000000000000000".into(),
            app_secret: "sandbox-app-secret-5f2c".into(),
            ad_account: "act_100000000000001".into(),
            audience_id: "23850000000000001".into(),
        };
        core.store().seed(
            "audiences",
            credentials.audience_id.as_str(),
            audience_shape(
                &credentials.audience_id,
                "Sandbox customers",
                &credentials.ad_account,
            ),
        );
        let shared = Arc::new(Shared {
            core: core.clone(),
            credentials: credentials.clone(),
            options: options.clone(),
            sessions: Mutex::new(BTreeMap::new()),
        });
        let router = Router::new()
            .route("/{*path}", any(dispatch))
            .route("/_sandbox/seed", post(reseed))
            .with_state(shared);
        let fake = Fake::start(core.clone(), core.wrap(router), options.port).await?;
        Ok(Self { fake, credentials })
    }

    /// Token, app secret, ad account and the seeded audience.
    pub fn credentials(&self) -> MetaCredentials {
        self.credentials.clone()
    }

    /// `<base>/v25.0`.
    pub fn graph_url(&self) -> String {
        format!("{}/v25.0", self.base_url())
    }

    /// Members of an audience (each the row of hashes as sent, joined with `|`).
    pub fn members(&self, audience_id: &str) -> Vec<String> {
        self.entities(&format!("audience/{audience_id}"))
            .into_iter()
            .filter_map(|v| v["row"].as_str().map(str::to_owned))
            .collect()
    }
}

async fn reseed(State(shared): State<Arc<Shared>>, Json(_): Json<Value>) -> StatusCode {
    let c = &shared.credentials;
    let mut store = shared.core.store();
    store.clear();
    store.seed(
        "audiences",
        c.audience_id.as_str(),
        audience_shape(&c.audience_id, "Sandbox customers", &c.ad_account),
    );
    StatusCode::NO_CONTENT
}

fn audience_shape(id: &str, name: &str, account: &str) -> Value {
    json!({"id": id, "account_id": account.trim_start_matches("act_"), "name": name, "subtype": "CUSTOM", "description": "",
        "customer_file_source": "USER_PROVIDED_ONLY", "approximate_count_lower_bound": -1, "approximate_count_upper_bound": -1,
        "operation_status": {"code": 200, "description": "Normal"}, "delivery_status": {"code": 300, "description": "This audience is too small to use."}})
}

const SCHEMA_KEYS: [&str; 17] = [
    "EXTERN_ID",
    "EMAIL",
    "PHONE",
    "GEN",
    "DOBY",
    "DOBM",
    "DOBD",
    "LN",
    "FN",
    "FI",
    "CT",
    "ST",
    "ZIP",
    "MADID",
    "COUNTRY",
    "EMAIL_SHA256",
    "PHONE_SHA256",
];

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = params::collect(&uri, &headers, &body);
    let bad = |code: u64, sub: Option<u64>, kind: &str, msg: &str| {
        graph_error(StatusCode::BAD_REQUEST, code, sub, kind, msg, false)
    };
    let token = params::text(&params, "access_token").or_else(|| {
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("OAuth "))
            })
            .map(str::to_owned)
    });
    let Some(token) = token else {
        return bad(
            2500,
            None,
            "OAuthException",
            "An active access token must be used to query information about the current user.",
        );
    };
    let c = &shared.credentials;
    if token != c.access_token {
        return bad(
            190,
            None,
            "OAuthException",
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    match params::text(&params, "appsecret_proof") {
        Some(proof)
            if !bool::from(
                proof
                    .as_bytes()
                    .ct_eq(appsecret_proof(&token, &c.app_secret).as_bytes()),
            ) =>
        {
            return bad(
                100,
                None,
                "GraphMethodException",
                "Invalid appsecret_proof provided in the API argument",
            );
        }
        None if shared.options.require_appsecret_proof => {
            return bad(
                100,
                None,
                "GraphMethodException",
                "API calls from the server require an appsecret_proof argument",
            );
        }
        _ => {}
    }
    let path = uri.path().trim_matches('/');
    let mut segments: Vec<&str> = path.split('/').collect();
    if segments
        .first()
        .is_some_and(|s| s.starts_with('v') && s.contains('.'))
    {
        segments.remove(0);
    }
    let method = match params::text(&params, "method") {
        Some(m) if method == Method::POST && m.eq_ignore_ascii_case("delete") => Method::DELETE,
        _ => method,
    };
    match (method, segments.as_slice()) {
        (Method::POST, [account, "customaudiences"]) if *account == c.ad_account => {
            let Some(name) = params::text(&params, "name") else {
                return bad(
                    100,
                    None,
                    "OAuthException",
                    "(#100) The parameter name is required",
                );
            };
            let mut store = shared.core.store();
            let id = format!("2385000000000{:04}", store.count("audiences") + 1);
            store.write(
                "audiences",
                id.as_str(),
                audience_shape(&id, &name, account),
            );
            json_response(StatusCode::OK, &json!({"id": id}))
        }
        (Method::GET, [account, "customaudiences"]) if *account == c.ad_account => {
            let data: Vec<Value> = shared
                .core
                .store()
                .list("audiences")
                .into_iter()
                .map(|a| json!({"id": a["id"], "name": a["name"]}))
                .collect();
            json_response(
                StatusCode::OK,
                &json!({"data": data, "paging": {"cursors": {"before": "QVFIUmJ", "after": "QVFIUmZA"}}}),
            )
        }
        (Method::GET, [id]) => match audience(&shared, id) {
            Some(mut a) => {
                let n = shared.core.store().count(&format!("audience/{id}"));
                if n >= 1000 {
                    a["approximate_count_lower_bound"] = json!(n);
                }
                json_response(StatusCode::OK, &a)
            }
            None => bad(
                100,
                Some(33),
                "GraphMethodException",
                &format!(
                    "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
                ),
            ),
        },
        (m @ (Method::POST | Method::DELETE), [id, edge @ ("users" | "usersreplace")]) => {
            if *edge == "usersreplace" && m == Method::DELETE {
                return bad(100, None, "OAuthException", "Unsupported delete request.");
            }
            if shared.core.store().get("audiences", *id).is_none() {
                return bad(
                    100,
                    Some(33),
                    "GraphMethodException",
                    &format!(
                        "Unsupported post request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
                    ),
                );
            }
            upload(
                &shared,
                id,
                *edge == "usersreplace",
                m == Method::DELETE,
                &params,
            )
        }
        _ => bad(100, None, "OAuthException", "Unknown path components"),
    }
}

/// A stored audience (the store lock is released before the caller locks again).
fn audience(shared: &Shared, id: &str) -> Option<Value> {
    shared.core.store().get("audiences", id)
}

fn upload(
    shared: &Shared,
    audience: &str,
    replace: bool,
    remove: bool,
    params: &BTreeMap<String, Value>,
) -> Response {
    let bad = |code: u64, sub: Option<u64>, msg: &str| {
        graph_error(
            StatusCode::BAD_REQUEST,
            code,
            sub,
            "OAuthException",
            msg,
            false,
        )
    };
    let Some(payload) = params.get("payload").filter(|p| p.is_object()) else {
        return bad(100, None, "(#100) The parameter payload is required");
    };
    let schema: Vec<String> = match &payload["schema"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if schema.is_empty() || schema.iter().any(|k| !SCHEMA_KEYS.contains(&k.as_str())) {
        return bad(
            100,
            None,
            "(#100) Invalid schema: the schema must be one of the supported keys",
        );
    }
    let data = payload["data"].as_array().cloned().unwrap_or_default();
    if data.len() > 10_000 {
        return bad(
            100,
            None,
            "(#100) The number of records in the payload exceeds the limit of 10000",
        );
    }
    let session = params.get("session").cloned().unwrap_or(Value::Null);
    let session_id = session["session_id"]
        .as_u64()
        .map(|n| n.to_string())
        .or_else(|| session["session_id"].as_str().map(str::to_owned));
    if replace && session_id.is_none() {
        return bad(100, None, "(#100) The parameter session is required");
    }
    let session_id = session_id
        .unwrap_or_else(|| format!("{}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)));
    let seq = session["batch_seq"].as_u64().unwrap_or(1);
    let last = session["last_batch_flag"]
        .as_bool()
        .unwrap_or(!session.is_object());

    let mut rows = Vec::new();
    let mut invalid = 0u64;
    let mut samples = serde_json::Map::new();
    for row in &data {
        let cells: Vec<String> = match row {
            Value::Array(a) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect(),
            Value::String(s) => vec![s.clone()],
            other => vec![other.to_string()],
        };
        // Every key but EXTERN_ID and MADID must arrive SHA-256 hashed (lowercase hex).
        let bad_cell = cells.len() != schema.len()
            || schema
                .iter()
                .zip(&cells)
                .any(|(k, v)| k != "EXTERN_ID" && k != "MADID" && !v.is_empty() && !is_sha256(v));
        if bad_cell {
            invalid += 1;
            if samples.len() < 100 {
                samples.insert(cells.join(","), json!("Invalid format"));
            }
        } else {
            rows.push(cells.join("|"));
        }
    }

    let key = (audience.to_owned(), session_id.clone());
    let mut sessions = shared.sessions.lock().expect("sessions");
    let entry = sessions.get(&key).cloned();
    if replace {
        match &entry {
            None if seq != 1 => {
                return bad(
                    2650,
                    Some(1_870_147),
                    "The first batch of a replace session must have batch_seq 1.",
                );
            }
            Some(s) if s.finished => {
                return bad(
                    2650,
                    Some(1_870_159),
                    "This replace session has already finished.",
                );
            }
            _ => {}
        }
    } else if entry.as_ref().is_some_and(|s| s.finished) {
        return bad(100, None, "(#100) This session has already been completed");
    }
    let mut s = entry.unwrap_or_default();
    s.last_seq = seq;
    s.received += data.len() as u64;
    s.invalid += invalid;
    let kind = format!("audience/{audience}");
    {
        let mut store = shared.core.store();
        if replace {
            s.replace_rows
                .get_or_insert_with(Vec::new)
                .extend(rows.iter().cloned());
            if last {
                // The whole membership becomes what the session sent.
                let keep: std::collections::BTreeSet<String> = s
                    .replace_rows
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                let existing: Vec<String> = store
                    .list(&kind)
                    .iter()
                    .filter_map(|v| v["row"].as_str().map(str::to_owned))
                    .collect();
                for gone in existing.iter().filter(|r| !keep.contains(*r)) {
                    store.remove(&kind, gone.as_str());
                }
                for r in &keep {
                    store.write(&kind, r.as_str(), json!({"row": r}));
                }
            }
        } else {
            for r in &rows {
                if remove {
                    store.remove(&kind, r.as_str());
                } else {
                    store.write(&kind, r.as_str(), json!({"row": r}));
                }
            }
        }
    }
    s.finished = last;
    let response = json!({"audience_id": audience, "session_id": session_id, "num_received": s.received, "num_invalid_entries": s.invalid, "invalid_entry_samples": samples});
    sessions.insert(key, s);
    json_response(StatusCode::OK, &response)
}
