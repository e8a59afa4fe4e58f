//! ActiveCampaign API v3 fake: `contact/sync`, contacts, tags, contactTags, fields and
//! fieldValues, and `import/bulk_import` processed asynchronously. 5 requests/s per account
//! answered with 429 + `Retry-After` and `RateLimit-*` headers; bulk import over its own
//! per-minute limits answers **400** `{"success":0,"message":"Rate limit exceeded."}`.

mod ratelimit;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router, extract::Request};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::fake::{Core, Dialect, Fake, json_response};
use crate::faults::Faults;
use crate::seed::Seed;
use ratelimit::Window;

/// How an ActiveCampaign fake starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AcOptions {
    /// Requests per second per account (0: unlimited).
    pub requests_per_second: u32,
    /// Bulk imports with one contact allowed per minute (AC: 20).
    pub bulk_single_per_minute: u32,
    /// Bulk imports with several contacts allowed per minute (AC: 100).
    pub bulk_multi_per_minute: u32,
    /// How long a bulk import stays queued before it is processed.
    pub bulk_delay_ms: u64,
    /// Faults from the start.
    pub faults: Faults,
    /// Port (`0`: ephemeral).
    pub port: u16,
    /// Generator seed for faults.
    pub seed: u64,
}

impl Default for AcOptions {
    fn default() -> Self {
        Self {
            requests_per_second: 5,
            bulk_single_per_minute: 20,
            bulk_multi_per_minute: 100,
            bulk_delay_ms: 200,
            faults: Faults::none(),
            port: 0,
            seed: 42,
        }
    }
}

/// A running ActiveCampaign fake.
#[derive(Debug)]
pub struct ActiveCampaignFake {
    fake: Fake,
    token: String,
}

impl std::ops::Deref for ActiveCampaignFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

#[derive(Debug)]
struct Shared {
    core: Core,
    token: String,
    options: AcOptions,
    per_second: Mutex<Window>,
    bulk_single: Mutex<Window>,
    bulk_multi: Mutex<Window>,
}

struct AcDialect;

impl Dialect for AcDialect {
    fn error(&self, status: StatusCode, message: &str) -> Response {
        json_response(
            status,
            &json!({"errors": [{"title": message, "detail": "", "code": "error"}]}),
        )
    }

    fn throttled(&self, _n: u64) -> Response {
        throttled(1)
    }
}

fn throttled(retry_after: u64) -> Response {
    let mut r = json_response(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({"message": "Too Many Requests"}),
    );
    let h = r.headers_mut();
    h.insert("retry-after", HeaderValue::from(retry_after));
    h.insert("ratelimit-limit", HeaderValue::from_static("5"));
    h.insert("ratelimit-remaining", HeaderValue::from_static("0"));
    h.insert("ratelimit-reset", HeaderValue::from(retry_after));
    r
}

impl ActiveCampaignFake {
    /// Starts a fake with the default limits.
    pub async fn start(seed: Seed) -> std::io::Result<Self> {
        Self::start_with(AcOptions {
            seed: seed.seed,
            ..AcOptions::default()
        })
        .await
    }

    /// Starts a fake with options.
    pub async fn start_with(options: AcOptions) -> std::io::Result<Self> {
        let core = Core::new(AcDialect, options.faults.clone(), options.seed);
        let token = "sandbox-ac-token-0f3c9a1d2b7e".to_owned();
        let shared = Arc::new(Shared {
            core: core.clone(),
            token: token.clone(),
            per_second: Mutex::new(Window::new(
                Duration::from_secs(1),
                options.requests_per_second,
            )),
            bulk_single: Mutex::new(Window::new(
                Duration::from_secs(60),
                options.bulk_single_per_minute,
            )),
            bulk_multi: Mutex::new(Window::new(
                Duration::from_secs(60),
                options.bulk_multi_per_minute,
            )),
            options: options.clone(),
        });
        seed_fields(&core);
        let api = Router::new()
            .route("/api/3/contact/sync", post(contact_sync))
            .route("/api/3/contacts", post(contact_create).get(contacts_list))
            .route("/api/3/contacts/{id}", get(contact_get))
            .route("/api/3/tags", post(tag_create).get(tags_list))
            .route("/api/3/contactTags", post(contact_tag_create))
            .route("/api/3/contactTags/{id}", delete(contact_tag_delete))
            .route("/api/3/fields", get(fields_list))
            .route("/api/3/fieldValues", post(field_value_upsert))
            .route("/api/3/import/bulk_import", post(bulk_import))
            .route("/api/3/import/info", get(import_info))
            .layer(middleware::from_fn_with_state(shared.clone(), gate))
            .with_state(shared.clone());
        let fake = Fake::start(core.clone(), core.wrap(api), options.port).await?;
        Ok(Self { fake, token })
    }

    /// The account's API URL: `<base>/api/3`.
    pub fn api_url(&self) -> String {
        format!("{}/api/3", self.base_url())
    }

    /// The `Api-Token` header value.
    pub fn api_token(&self) -> &str {
        &self.token
    }

    /// The stored contact with this email (case-insensitive), if any.
    pub fn contact_by_email(&self, email: &str) -> Option<Value> {
        let email = email.trim().to_lowercase();
        self.entities("contacts")
            .into_iter()
            .find(|c| c["email"] == email.as_str())
    }
}

fn seed_fields(core: &Core) {
    let mut store = core.store();
    for (id, title, kind, perstag) in [
        (1u64, "Order total", "text", "ORDER_TOTAL"),
        (2, "Last order date", "date", "LAST_ORDER_DATE"),
        (3, "Subscription status", "dropdown", "SUBSCRIPTION_STATUS"),
        (4, "Payment method", "text", "PAYMENT_METHOD"),
    ] {
        store.seed("fields", id, json!({"id": id.to_string(), "title": title, "descript": "", "type": kind, "isrequired": "0", "perstag": perstag, "defval": "", "show_in_list": "0", "rows": "0", "cols": "0", "visible": "1", "service": "", "ordernum": id.to_string(), "cdate": "2026-01-05T10:00:00-06:00", "udate": "2026-01-05T10:00:00-06:00", "options": [], "relations": [], "links": {}}));
    }
    for (id, tag) in [(1u64, "Klant"), (2, "Abonnee")] {
        store.seed("tags", id, json!({"tagType": "contact", "tag": tag, "description": "", "cdate": "2026-01-05T10:00:00-06:00", "links": {}, "id": id.to_string()}));
    }
}

/// Auth (`Api-Token`, 403 when wrong) and the per-second limit, before every API call.
async fn gate(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    if headers.get("api-token").and_then(|v| v.to_str().ok()) != Some(shared.token.as_str()) {
        return json_response(
            StatusCode::FORBIDDEN,
            &json!({"message": "No Result found for Subscriber with id 0"}),
        );
    }
    let (allowed, remaining, reset) = shared
        .per_second
        .lock()
        .expect("window")
        .hit(Instant::now());
    if !allowed {
        return throttled(reset.as_secs().max(1));
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        "ratelimit-limit",
        HeaderValue::from(shared.options.requests_per_second),
    );
    h.insert("ratelimit-remaining", HeaderValue::from(remaining));
    response
}

fn now() -> String {
    Utc::now()
        .with_timezone(&chrono::FixedOffset::west_opt(6 * 3600).expect("offset"))
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn errors(status: StatusCode, title: &str, code: &str) -> Response {
    json_response(
        status,
        &json!({"errors": [{"title": title, "detail": "", "code": code, "source": {"pointer": "/data/attributes/email"}}]}),
    )
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.contains('@') && !email.contains(' ')
}

/// A contact in AC's shape (ids and counters as strings).
fn contact_shape(id: u64, c: &Value, base: &str) -> Value {
    let email = c["email"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let (local, domain) = email.split_once('@').unwrap_or((&email, ""));
    let t = now();
    json!({
        "cdate": t, "email": email, "phone": c["phone"].as_str().unwrap_or(""), "firstName": c["firstName"].as_str().unwrap_or(""),
        "lastName": c["lastName"].as_str().unwrap_or(""), "orgid": "0", "orgname": "", "segmentio_id": "", "bounced_hard": "0",
        "bounced_soft": "0", "bounced_date": null, "ip": "0", "ua": null, "hash": format!("{:032x}", id * 2_654_435_761), "socialdata_lastcheck": null,
        "email_local": local, "emailDomain": domain, "sentcnt": "0", "rating_tstamp": null, "gravatar": "0", "deleted": "0",
        "anonymized": "0", "adate": null, "udate": t, "edate": null, "deleted_at": null, "created_utc_timestamp": t,
        "updated_utc_timestamp": t, "created_timestamp": t, "updated_timestamp": t, "created_by": null, "updated_by": null, "email_empty": false,
        "links": {"fieldValues": format!("{base}/api/3/contacts/{id}/fieldValues"), "contactTags": format!("{base}/api/3/contacts/{id}/contactTags")},
        "id": id.to_string(), "organization": null
    })
}

fn upsert_field_values(shared: &Shared, contact: u64, values: &[Value]) -> Vec<Value> {
    let mut store = shared.core.store();
    let mut out = Vec::new();
    for fv in values {
        let field = fv["field"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| fv["field"].as_u64().map(|n| n.to_string()))
            .unwrap_or_default();
        let key = format!("{contact}:{field}");
        let existing_id = store
            .get("fieldValues", key.as_str())
            .and_then(|v| v["id"].as_str().map(str::to_owned));
        let id = existing_id.unwrap_or_else(|| (store.count("fieldValues") + 1).to_string());
        let value = json!({"contact": contact.to_string(), "field": field, "value": value_text(&fv["value"]), "cdate": now(), "udate": now(), "created_by": null, "updated_by": null, "links": {}, "id": id, "owner": contact.to_string()});
        store.write("fieldValues", key.as_str(), value.clone());
        out.push(value);
    }
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Upserts a contact by email; returns (id, created?).
fn upsert_contact(shared: &Shared, c: &Value, base: &str) -> (u64, bool, Value) {
    let email = c["email"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let mut store = shared.core.store();
    let existing = store
        .summaries("contacts")
        .iter()
        .find(|(_, x)| x["email"] == email.as_str())
        .and_then(|(_, x)| x["id"].as_str())
        .and_then(|s| s.parse::<u64>().ok());
    let id = existing.unwrap_or_else(|| store.next_id("contacts"));
    let mut shape = contact_shape(id, c, base);
    if let Some(old) = existing.and_then(|id| store.get("contacts", id)) {
        for k in ["cdate", "created_timestamp", "created_utc_timestamp"] {
            shape[k] = old[k].clone();
        }
        for k in ["firstName", "lastName", "phone"] {
            if c.get(k).is_none() {
                shape[k] = old[k].clone();
            }
        }
    }
    store.write("contacts", id, shape.clone());
    (id, existing.is_none(), shape)
}

fn base_of(headers: &HeaderMap) -> String {
    format!(
        "http://{}",
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
    )
}

async fn contact_sync(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let c = &body["contact"];
    let email = c["email"].as_str().unwrap_or_default().trim().to_owned();
    if email.is_empty() {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Email address is required",
            "field_missing",
        );
    }
    if !valid_email(&email) {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Email address is not valid.",
            "email_invalid",
        );
    }
    let (id, _, shape) = upsert_contact(&shared, c, &base_of(&headers));
    let fvs = upsert_field_values(
        &shared,
        id,
        c["fieldValues"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default(),
    );
    json_response(
        StatusCode::CREATED,
        &json!({"fieldValues": fvs, "contact": shape}),
    )
}

async fn contact_create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let c = &body["contact"];
    let email = c["email"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if !valid_email(&email) {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Email address is not valid.",
            "email_invalid",
        );
    }
    if shared
        .core
        .store()
        .summaries("contacts")
        .iter()
        .any(|(_, x)| x["email"] == email.as_str())
    {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Email address already exists in the system",
            "duplicate",
        );
    }
    let (id, _, shape) = upsert_contact(&shared, c, &base_of(&headers));
    let fvs = upsert_field_values(
        &shared,
        id,
        c["fieldValues"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default(),
    );
    json_response(
        StatusCode::CREATED,
        &json!({"fieldValues": fvs, "contact": shape}),
    )
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    email: Option<String>,
    search: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

async fn contacts_list(State(shared): State<Arc<Shared>>, Query(q): Query<ListQuery>) -> Response {
    // Filter on the stored summaries; parse only the page.
    let email = q.email.as_ref().map(|e| e.trim().to_lowercase());
    let store = shared.core.store();
    let keys = store.scan("contacts", |c| {
        let address = c["email"].as_str().unwrap_or_default();
        email.as_deref().is_none_or(|e| address == e)
            && q.search.as_deref().is_none_or(|s| address.contains(s))
    });
    let items: Vec<_> = keys;
    let total = items.len();
    let limit = q.limit.unwrap_or(20).min(100);
    let page: Vec<Value> = items
        .into_iter()
        .skip(q.offset.unwrap_or(0))
        .take(limit)
        .filter_map(|k| store.get("contacts", k))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"scoreValues": [], "contacts": page, "meta": {"total": total.to_string(), "page_input": {"segmentid": null, "formid": 0, "listid": 0, "tagid": 0, "limit": limit, "offset": q.offset.unwrap_or(0), "search": null, "sort": null, "seriesid": 0, "waitid": 0, "status": -1, "forceQuery": 0, "cacheid": ""}}}),
    )
}

async fn contact_get(State(shared): State<Arc<Shared>>, Path(id): Path<u64>) -> Response {
    let store = shared.core.store();
    let Some(contact) = store.get("contacts", id) else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"message": format!("No Result found for Subscriber with id {id}")}),
        );
    };
    let contact_id = id.to_string();
    let fvs: Vec<Value> = store
        .scan("fieldValues", |f| f["contact"] == contact_id.as_str())
        .into_iter()
        .filter_map(|k| store.get("fieldValues", k))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"contactAutomations": [], "contactLists": [], "deals": [], "fieldValues": fvs, "geoIps": [], "accountContacts": [], "contact": contact}),
    )
}

async fn tag_create(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    let name = body["tag"]["tag"].as_str().unwrap_or_default().to_owned();
    if name.is_empty() {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tag name is required",
            "field_missing",
        );
    }
    let mut store = shared.core.store();
    if store.list("tags").iter().any(|t| t["tag"] == name.as_str()) {
        return json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"errors": [{"title": "The tag name already exists", "detail": "", "code": "duplicate", "source": {"pointer": "/data/attributes/tag"}}]}),
        );
    }
    let id = store.next_id("tags");
    let tag = json!({"tagType": body["tag"]["tagType"].as_str().unwrap_or("contact"), "tag": name, "description": body["tag"]["description"].as_str().unwrap_or(""), "cdate": now(), "links": {}, "id": id.to_string()});
    store.write("tags", id, tag.clone());
    json_response(StatusCode::CREATED, &json!({"tag": tag}))
}

#[derive(Debug, Deserialize)]
struct TagQuery {
    search: Option<String>,
}

async fn tags_list(State(shared): State<Arc<Shared>>, Query(q): Query<TagQuery>) -> Response {
    let mut tags: Vec<Value> = shared.core.store().list("tags").into_iter().collect();
    if let Some(s) = q.search {
        tags.retain(|t| t["tag"].as_str().unwrap_or_default().contains(s.as_str()));
    }
    json_response(
        StatusCode::OK,
        &json!({"tags": tags.clone(), "meta": {"total": tags.len().to_string()}}),
    )
}

fn id_text(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .or_else(|| v.as_u64().map(|n| n.to_string()))
        .unwrap_or_default()
}

async fn contact_tag_create(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Response {
    let contact = id_text(&body["contactTag"]["contact"]);
    let tag = id_text(&body["contactTag"]["tag"]);
    let mut store = shared.core.store();
    if contact
        .parse::<u64>()
        .ok()
        .and_then(|c| store.get("contacts", c))
        .is_none()
    {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"errors": [{"status": 404, "title": "Not Found", "detail": "Contact not found"}]}),
        );
    }
    if tag
        .parse::<u64>()
        .ok()
        .and_then(|t| store.get("tags", t))
        .is_none()
    {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"errors": [{"status": 404, "title": "Not Found", "detail": "Tag not found"}]}),
        );
    }
    let key = format!("{contact}:{tag}");
    let id = store
        .get("contactTags", key.as_str())
        .map(|v| id_text(&v["id"]))
        .unwrap_or_else(|| (store.count("contactTags") + 1).to_string());
    let ct = json!({"cdate": now(), "contact": contact, "id": id, "tag": tag, "links": {}});
    store.write("contactTags", key.as_str(), ct.clone());
    json_response(StatusCode::CREATED, &json!({"contactTag": ct}))
}

async fn contact_tag_delete(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let mut store = shared.core.store();
    let key = store
        .list("contactTags")
        .iter()
        .find(|ct| ct["id"] == id.as_str())
        .map(|ct| format!("{}:{}", id_text(&ct["contact"]), id_text(&ct["tag"])));
    match key {
        Some(k) => {
            store.remove("contactTags", k.as_str());
            json_response(StatusCode::OK, &json!({}))
        }
        None => json_response(
            StatusCode::NOT_FOUND,
            &json!({"message": "No Result found for ContactTag with id ".to_owned() + &id}),
        ),
    }
}

async fn fields_list(State(shared): State<Arc<Shared>>) -> Response {
    let fields: Vec<Value> = shared.core.store().list("fields").into_iter().collect();
    json_response(
        StatusCode::OK,
        &json!({"fieldOptions": [], "fieldRels": [], "fields": fields.clone(), "meta": {"total": fields.len().to_string()}}),
    )
}

async fn field_value_upsert(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Response {
    let fv = &body["fieldValue"];
    let Ok(contact) = id_text(&fv["contact"]).parse::<u64>() else {
        return errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Contact is required",
            "field_missing",
        );
    };
    let contact_shape = shared.core.store().get("contacts", contact);
    let Some(contact_shape) = contact_shape else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"errors": [{"status": 404, "title": "Not Found", "detail": "Contact not found"}]}),
        );
    };
    let stored = upsert_field_values(
        &shared,
        contact,
        &[json!({"field": id_text(&fv["field"]), "value": fv["value"]})],
    );
    json_response(
        StatusCode::OK,
        &json!({"contacts": [contact_shape], "fieldValue": stored[0]}),
    )
}

async fn bulk_import(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if body.len() > 400_000 {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"success": 0, "message": "Request body exceeds 400000 bytes.", "failureReasons": []}),
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"success": 0, "message": "Invalid JSON.", "failureReasons": []}),
        );
    };
    let contacts = body["contacts"].as_array().cloned().unwrap_or_default();
    if contacts.len() > 250 {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"success": 0, "message": "Maximum of 250 contacts per request.", "failureReasons": []}),
        );
    }
    let window = if contacts.len() == 1 {
        &shared.bulk_single
    } else {
        &shared.bulk_multi
    };
    if !window.lock().expect("window").hit(Instant::now()).0 {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"success": 0, "message": "Rate limit exceeded.", "failureReasons": []}),
        );
    }
    let failures: Vec<Value> = contacts
        .iter()
        .enumerate()
        .filter(|(_, c)| !valid_email(c["email"].as_str().unwrap_or_default().trim()))
        .map(|(i, _)| json!({"contact": i, "failureReason": "A valid email address is required."}))
        .collect();
    if !failures.is_empty() {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"success": 0, "message": "Failed to queue contacts.", "failureReasons": failures}),
        );
    }
    let batch_id = format!(
        "{:08x}-sand-box0-{:04x}-{:012x}",
        Utc::now().timestamp_subsec_nanos(),
        contacts.len(),
        shared.core.store().count("imports") + 1
    );
    shared.core.store().write(
        "imports",
        batch_id.as_str(),
        json!({"batchId": batch_id, "status": "queued", "total": contacts.len()}),
    );
    let (shared2, id2, base) = (shared.clone(), batch_id.clone(), base_of(&headers));
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(shared2.options.bulk_delay_ms)).await;
        for c in &contacts {
            let contact = json!({"email": c["email"], "firstName": c["first_name"], "lastName": c["last_name"], "phone": c["phone"]});
            let (id, _, _) = upsert_contact(&shared2, &contact, &base);
            let fvs: Vec<Value> = c["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| json!({"field": id_text(&f["id"]), "value": f["value"]}))
                .collect();
            upsert_field_values(&shared2, id, &fvs);
            for tag in c["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let mut store = shared2.core.store();
                let tag_id = match store
                    .list("tags")
                    .iter()
                    .find(|t| t["tag"] == tag)
                    .map(|t| id_text(&t["id"]))
                {
                    Some(t) => t,
                    None => {
                        let tid = store.next_id("tags");
                        store.write("tags", tid, json!({"tagType": "contact", "tag": tag, "description": "", "cdate": now(), "links": {}, "id": tid.to_string()}));
                        tid.to_string()
                    }
                };
                let key = format!("{id}:{tag_id}");
                let ct_id = (store.count("contactTags") + 1).to_string();
                store.write("contactTags", key.as_str(), json!({"cdate": now(), "contact": id.to_string(), "id": ct_id, "tag": tag_id, "links": {}}));
            }
        }
        shared2.core.store().write(
            "imports",
            id2.as_str(),
            json!({"batchId": id2, "status": "completed", "total": contacts.len()}),
        );
    });
    json_response(
        StatusCode::OK,
        &json!({"success": 1, "queued_contacts": body["contacts"].as_array().map_or(0, Vec::len), "batchId": batch_id, "message": "Contact import queued"}),
    )
}

#[derive(Debug, Deserialize)]
struct InfoQuery {
    #[serde(rename = "batchId")]
    batch_id: String,
}

async fn import_info(State(shared): State<Arc<Shared>>, Query(q): Query<InfoQuery>) -> Response {
    match shared.core.store().get("imports", q.batch_id.as_str()) {
        Some(v) => json_response(StatusCode::OK, &v),
        None => json_response(
            StatusCode::NOT_FOUND,
            &json!({"message": "Batch not found"}),
        )
        .into_response(),
    }
}
