//! WooCommerce REST `wc/v3` fake: orders (with refunds and batch), products and variations,
//! customers, Subscriptions, webhooks; `X-WP-Total`/`X-WP-TotalPages` paging; Basic and
//! OAuth 1.0a checked as WooCommerce checks them; signed webhook deliveries that never retry.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sandbox::{Seed, woo::WooFake};
//! let woo = WooFake::start(Seed::orders(100)).await?;
//! let creds = woo.credentials();
//! println!("{} {} {}", woo.api_url(), creds.consumer_key, creds.consumer_secret);
//! # Ok(()) }
//! ```

pub mod auth;
pub mod render;
pub mod webhooks;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use chrono::{NaiveDateTime, Utc};
use serde_json::{Value, json};

use crate::fake::{Core, Dialect, Fake};
use crate::faults::Faults;
use crate::php::{PhpValue, json_encode, parse_str};
use crate::seed::{self, Seed};
use crate::store::Key;
use auth::{ApiKey, AuthRequest, AuthSettings, Nonces, Permission, WpError};
use webhooks::{Delivery, Fire, Outgoing};

/// How a WooCommerce fake starts.
#[derive(Debug, Clone)]
pub struct WooOptions {
    /// Seed data.
    pub seed: Seed,
    /// Whether WordPress sees requests as HTTPS (`is_ssl()`): only then Basic auth and query
    /// keys are tried, and the OAuth base URI uses `https`. Default `false`, as on plain HTTP.
    pub is_ssl: bool,
    /// WordPress's home URL (the OAuth base URI); default: the fake's own `http://127.0.0.1:port`.
    pub home_url: Option<String>,
    /// The key's permission.
    pub permission: Permission,
    /// Faults from the start.
    pub faults: Faults,
    /// Port (`0`: ephemeral).
    pub port: u16,
}

impl Default for WooOptions {
    fn default() -> Self {
        Self {
            seed: Seed::default(),
            is_ssl: false,
            home_url: None,
            permission: Permission::ReadWrite,
            faults: Faults::none(),
            port: 0,
        }
    }
}

/// The REST API key of the fake.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WooCredentials {
    /// `ck_…`
    pub consumer_key: String,
    /// `cs_…`
    pub consumer_secret: String,
}

/// A running WooCommerce fake.
#[derive(Debug)]
pub struct WooFake {
    fake: Fake,
    shared: Arc<Shared>,
}

impl std::ops::Deref for WooFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

#[derive(Debug)]
struct Shared {
    core: Core,
    seed: Mutex<Seed>,
    keys: Vec<ApiKey>,
    settings: Mutex<AuthSettings>,
    nonces: Mutex<Nonces>,
    deliveries: Mutex<Vec<Delivery>>,
}

struct WooDialect;

impl Dialect for WooDialect {
    fn error(&self, status: StatusCode, message: &str) -> Response {
        let code = if status.is_server_error() {
            "internal_server_error"
        } else {
            "woocommerce_rest_error"
        };
        php_json(
            status,
            &json!({"code": code, "message": message, "data": {"status": status.as_u16()}}),
        )
    }

    fn throttled(&self, _n: u64) -> Response {
        // Core WooCommerce has no REST rate limiter: hosts and WAFs answer 429 with Retry-After.
        let mut r = php_json(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"code": "too_many_requests", "message": "Too many requests.", "data": {"status": 429}}),
        );
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("2"));
        r
    }
}

/// A JSON answer encoded as PHP's `json_encode` does (`\/`, `\uXXXX`).
fn php_json(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [("content-type", "application/json; charset=UTF-8")],
        json_encode(value),
    )
        .into_response()
}

fn wp_error(e: &WpError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut r = php_json(
        status,
        &json!({"code": e.code, "message": e.message, "data": {"status": e.status}}),
    );
    if e.basic_challenge {
        r.headers_mut().insert(
            "www-authenticate",
            HeaderValue::from_static("Basic realm=\"WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field.\""),
        );
    }
    r
}

fn error(status: u16, code: &'static str, message: &str) -> Response {
    wp_error(&WpError {
        status,
        code,
        message: message.to_owned(),
        basic_challenge: false,
    })
}

fn no_route() -> Response {
    error(
        404,
        "rest_no_route",
        "No route was found matching the URL and request method",
    )
}

fn invalid_id() -> Response {
    error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
}

impl WooFake {
    /// Starts a fake with `seed` data on an ephemeral loopback port.
    pub async fn start(seed: Seed) -> std::io::Result<Self> {
        Self::start_with(WooOptions {
            seed,
            ..WooOptions::default()
        })
        .await
    }

    /// Starts a fake with options.
    pub async fn start_with(options: WooOptions) -> std::io::Result<Self> {
        let core = Core::new(WooDialect, options.faults.clone(), options.seed.seed);
        let shared = Arc::new(Shared {
            core: core.clone(),
            seed: Mutex::new(options.seed),
            keys: vec![ApiKey {
                consumer_key: "ck_5a1dbox0c0ffee0000000000000000000000001".into(),
                consumer_secret: "cs_5a1dbox0beef000000000000000000000000002".into(),
                permission: options.permission,
            }],
            settings: Mutex::new(AuthSettings {
                home_url: String::new(),
                is_ssl: options.is_ssl,
            }),
            nonces: Mutex::new(Nonces::default()),
            deliveries: Mutex::new(Vec::new()),
        });
        let router = Router::new()
            .route("/wp-json/{*rest}", any(dispatch))
            .route("/_sandbox/seed", post(seed_route))
            .route("/_sandbox/webhooks/fire", post(fire_route))
            .route("/_sandbox/deliveries", get(deliveries_route))
            .with_state(shared.clone());
        let fake = Fake::start(core.clone(), core.wrap(router), options.port).await?;
        let home = options.home_url.unwrap_or_else(|| fake.base_url());
        shared.settings.lock().expect("settings").home_url = home;
        let me = Self { fake, shared };
        me.seed(options.seed);
        Ok(me)
    }

    /// `<base>/wp-json/wc/v3`.
    pub fn api_url(&self) -> String {
        format!("{}/wp-json/wc/v3", self.base_url())
    }

    /// WordPress's home URL (what OAuth signs and `X-WC-Webhook-Source` names).
    pub fn home_url(&self) -> String {
        self.shared
            .settings
            .lock()
            .expect("settings")
            .home_url
            .clone()
    }

    /// The consumer key and secret.
    pub fn credentials(&self) -> WooCredentials {
        let k = &self.shared.keys[0];
        WooCredentials {
            consumer_key: k.consumer_key.clone(),
            consumer_secret: k.consumer_secret.clone(),
        }
    }

    /// Replaces all data with `seed`'s.
    pub fn seed(&self, seed: Seed) {
        *self.shared.seed.lock().expect("seed") = seed;
        seed_store(&self.shared, &seed);
    }

    /// Fires webhook deliveries now and returns what the receivers answered.
    pub async fn fire(&self, fire: Fire) -> Vec<Delivery> {
        fire_now(&self.shared, fire).await
    }

    /// Every delivery and ping sent so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.deliveries.lock().expect("deliveries").clone()
    }
}

fn seed_store(shared: &Shared, seed: &Seed) {
    let base = shared.settings.lock().expect("settings").home_url.clone();
    let mut store = shared.core.store();
    store.clear();
    for id in 1..=seed.orders as u64 {
        store.seed(
            "orders",
            id,
            render::order(seed, &seed::order(seed, id), &base),
        );
    }
    for i in 1..=seed.customers {
        store.seed("customers", i as u64, render::customer(seed, i, &base));
    }
    for i in 1..=seed.products {
        store.seed("products", i as u64, render::product(seed, i, &base));
        if i % 3 == 0 {
            for vid in render::variation_ids(i) {
                store.seed("variations", vid, render::variation(seed, i, vid, &base));
            }
        }
    }
    for n in 1..=seed.subscriptions {
        let id = seed.orders as u64 + 1000 + n as u64;
        let parent = seed::order(seed, (n as u64).max(1));
        store.seed(
            "subscriptions",
            id,
            render::subscription(seed, n, id, &parent, &base),
        );
    }
}

async fn seed_route(State(shared): State<Arc<Shared>>, Json(seed): Json<Seed>) -> StatusCode {
    *shared.seed.lock().expect("seed") = seed;
    seed_store(&shared, &seed);
    StatusCode::NO_CONTENT
}

async fn fire_route(
    State(shared): State<Arc<Shared>>,
    Json(fire): Json<Fire>,
) -> Json<Vec<Delivery>> {
    Json(fire_now(&shared, fire).await)
}

async fn deliveries_route(State(shared): State<Arc<Shared>>) -> Json<Vec<Delivery>> {
    Json(shared.deliveries.lock().expect("deliveries").clone())
}

fn kind_of(resource: &str) -> &'static str {
    match resource {
        "order" => "orders",
        "customer" => "customers",
        "product" => "products",
        "subscription" => "subscriptions",
        "coupon" => "coupons",
        _ => "orders",
    }
}

/// Registered webhooks matching a topic: `(id, url, secret)`.
fn subscribers(shared: &Shared, topic: &str) -> Vec<(u64, String, String)> {
    shared
        .core
        .store()
        .list("webhooks")
        .iter()
        .filter(|w| w["status"] == "active" && w["topic"] == topic)
        .map(|w| {
            (
                w["id"].as_u64().unwrap_or(0),
                w["delivery_url"].as_str().unwrap_or_default().to_owned(),
                w["secret"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn touch(value: &mut Value) {
    let now = Utc::now();
    value["date_modified_gmt"] = json!(render::wc_date(now));
    value["date_modified"] = json!(render::wc_local(now));
}

async fn fire_now(shared: &Arc<Shared>, fire: Fire) -> Vec<Delivery> {
    let (resource, event) = fire.topic.split_once('.').unwrap_or(("order", "updated"));
    let kind = kind_of(resource);
    let targets: Vec<(u64, String, String)> = match &fire.receiver {
        Some(url) => vec![(0, url.clone(), fire.secret.clone().unwrap_or_default())],
        None => subscribers(shared, &fire.topic),
    };
    let ids: Vec<u64> = if fire.ids.is_empty() {
        shared
            .core
            .store()
            .summaries(kind)
            .iter()
            .filter_map(|(_, v)| v["id"].as_u64())
            .collect()
    } else {
        fire.ids.clone()
    };
    let source = format!(
        "{}/",
        shared
            .settings
            .lock()
            .expect("settings")
            .home_url
            .trim_end_matches('/')
    );
    let mut outgoing = Vec::new();
    for id in ids {
        let bodies: Vec<String> = {
            let mut store = shared.core.store();
            let Some(current) = store.get(kind, id) else {
                continue;
            };
            if event == "deleted" {
                vec![json_encode(&json!({"id": id}))]
            } else if fire.out_of_order {
                // The shop changes the resource twice; the newer state goes out first.
                let older = {
                    let mut v = current.clone();
                    touch(&mut v);
                    v
                };
                let mut newer = older.clone();
                newer["date_modified_gmt"] =
                    json!(render::wc_date(Utc::now() + chrono::Duration::seconds(1)));
                newer["date_modified"] =
                    json!(render::wc_local(Utc::now() + chrono::Duration::seconds(1)));
                store.seed(kind, id, newer.clone());
                vec![json_encode(&newer), json_encode(&older)]
            } else {
                vec![json_encode(&current)]
            }
        };
        for body in bodies {
            for (webhook_id, url, secret) in &targets {
                for _ in 0..=fire.duplicates {
                    outgoing.push(Outgoing {
                        url: url.clone(),
                        secret: secret.clone(),
                        webhook_id: *webhook_id,
                        topic: fire.topic.clone(),
                        resource_id: id,
                        source: source.clone(),
                        body: body.clone(),
                    });
                }
            }
        }
    }
    let results = if fire.burst {
        let tasks: Vec<_> = outgoing
            .into_iter()
            .map(|o| tokio::spawn(webhooks::deliver(o)))
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            if let Ok(d) = t.await {
                out.push(d);
            }
        }
        out
    } else {
        let mut out = Vec::new();
        for o in outgoing {
            out.push(webhooks::deliver(o).await);
        }
        out
    };
    for d in &results {
        record_delivery(shared, d);
    }
    results
}

/// Logs a delivery and applies WooCommerce's failure count: disabled after more than 5.
fn record_delivery(shared: &Shared, d: &Delivery) {
    shared
        .deliveries
        .lock()
        .expect("deliveries")
        .push(d.clone());
    if d.webhook_id == 0 || d.topic == "ping" {
        return;
    }
    let mut store = shared.core.store();
    let delivered = webhooks::delivered(d.status);
    store.update("webhooks", d.webhook_id, |w| {
        if delivered {
            w["failure_count"] = json!(0);
        } else {
            let failures = w["failure_count"].as_u64().unwrap_or(0);
            if failures > 5 {
                w["status"] = json!("disabled");
            } else {
                w["failure_count"] = json!(failures + 1);
            }
        }
    });
}

/// Fires deliveries for an API write in the background, as Action Scheduler would.
fn notify(shared: &Arc<Shared>, topic: &str, id: u64) {
    if subscribers(shared, topic).is_empty() {
        return;
    }
    let shared = shared.clone();
    let fire = Fire {
        topic: topic.to_owned(),
        ids: vec![id],
        ..Fire::default()
    };
    tokio::spawn(async move {
        fire_now(&shared, fire).await;
    });
}

/// `$_GET` lookups.
struct Query(Vec<(String, PhpValue)>);

impl Query {
    fn str(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    }

    fn list(&self, name: &str) -> Vec<String> {
        match self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v) {
            Some(PhpValue::Str(s)) => s
                .split(',')
                .map(|x| x.trim().to_owned())
                .filter(|x| !x.is_empty())
                .collect(),
            Some(PhpValue::Arr(items)) => items
                .iter()
                .filter_map(|(_, v)| v.as_str().map(str::to_owned))
                .collect(),
            None => Vec::new(),
        }
    }

    fn bool(&self, name: &str) -> bool {
        matches!(self.str(name).as_deref(), Some("true" | "1" | "yes"))
    }
}

fn invalid_param(name: &str, why: &str) -> Response {
    php_json(
        StatusCode::BAD_REQUEST,
        &json!({"code": "rest_invalid_param", "message": format!("Invalid parameter(s): {name}"), "data": {"status": 400, "params": {name: why}, "details": {}}}),
    )
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let settings = shared.settings.lock().expect("settings").clone();
    let outcome = {
        let mut nonces = shared.nonces.lock().expect("nonces");
        let req = AuthRequest {
            method: &method,
            uri: &uri,
            headers: &headers,
            body: &body,
        };
        auth::authenticate(
            &req,
            &shared.keys,
            &settings,
            &mut nonces,
            Utc::now().timestamp(),
        )
    };
    let key = match outcome {
        Ok(key) => key,
        Err(e) => return wp_error(&e),
    };
    let path = uri.path().trim_end_matches('/');
    let Some(route) = path.strip_prefix("/wp-json/wc/v3/") else {
        return no_route();
    };
    let segments: Vec<&str> = route.split('/').collect();
    let q = Query(parse_str(uri.query().unwrap_or_default()));
    if segments == ["subscriptions", "statuses"] && method == Method::GET {
        return php_json(StatusCode::OK, &subscription_statuses());
    }
    let read = method == Method::GET || method == Method::HEAD;
    if !known_route(&segments) {
        return no_route();
    }
    let Some(key) = key else {
        let (code, message) = if read {
            (
                "woocommerce_rest_cannot_view",
                if segments.len() == 1 {
                    "Sorry, you cannot list resources."
                } else {
                    "Sorry, you cannot view this resource."
                },
            )
        } else if method == Method::POST && segments.len() == 1 {
            (
                "woocommerce_rest_cannot_create",
                "Sorry, you are not allowed to create resources.",
            )
        } else {
            (
                "woocommerce_rest_cannot_edit",
                "Sorry, you are not allowed to edit this resource.",
            )
        };
        return error(401, code, message);
    };
    let allowed = match key.permission {
        Permission::ReadWrite => true,
        Permission::Read => read || method == Method::OPTIONS,
        Permission::Write => !read,
    };
    if !allowed {
        let what = if read { "read" } else { "write" };
        return error(
            401,
            "woocommerce_rest_authentication_error",
            &format!("The API key provided does not have {what} permissions."),
        );
    }
    let json_body: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|_| {
            Value::Object(
                parse_str(&String::from_utf8_lossy(&body))
                    .into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k, json!(s))))
                    .collect(),
            )
        })
    };
    let base = settings.home_url.clone();
    match (method.clone(), segments.as_slice()) {
        (Method::GET, ["orders"]) => list(&shared, "orders", &q, &uri, &base),
        (Method::GET, ["customers"]) => list(&shared, "customers", &q, &uri, &base),
        (Method::GET, ["products"]) => list(&shared, "products", &q, &uri, &base),
        (Method::GET, ["subscriptions"]) => list(&shared, "subscriptions", &q, &uri, &base),
        (Method::GET, ["webhooks"]) => list(&shared, "webhooks", &q, &uri, &base),
        (Method::GET, ["products", id, "variations"]) => {
            let Ok(pid) = id.parse::<usize>() else {
                return no_route();
            };
            let ids: Vec<u64> = render::variation_ids(pid).collect();
            let items: Vec<Value> = {
                let store = shared.core.store();
                ids.iter()
                    .filter_map(|v| store.get("variations", *v))
                    .collect()
            };
            page_response(items.len(), &q, &uri, &base, |start, len| {
                items.into_iter().skip(start).take(len).collect()
            })
        }
        (Method::GET, ["orders", id, "refunds"]) => match get_one(&shared, "orders", id) {
            Some(o) => {
                let refunds: Vec<Value> = o["refunds"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| refund_shape(&o, &r))
                    .collect();
                page_response(refunds.len(), &q, &uri, &base, |start, len| {
                    refunds.into_iter().skip(start).take(len).collect()
                })
            }
            None => invalid_id(),
        },
        (Method::POST, ["orders", id, "refunds"]) => create_refund(&shared, id, &json_body),
        (Method::GET, [kind, id])
            if matches!(
                *kind,
                "orders" | "customers" | "products" | "subscriptions" | "webhooks"
            ) =>
        {
            match get_one(&shared, kind, id) {
                Some(v) => php_json(StatusCode::OK, &public(kind, v)),
                None => invalid_id(),
            }
        }
        (Method::GET, ["products", pid, "variations", vid]) => {
            let _ = pid;
            match get_one(&shared, "variations", vid) {
                Some(v) => php_json(StatusCode::OK, &v),
                None => invalid_id(),
            }
        }
        (Method::POST | Method::PUT | Method::PATCH, ["orders", "batch"]) => {
            batch(&shared, &json_body, &base)
        }
        (Method::POST, ["orders"]) => create_order(&shared, &json_body, &base),
        (Method::POST, ["customers"]) => create_customer(&shared, &json_body, &base),
        (Method::POST, ["webhooks"]) => create_webhook(&shared, &json_body, &base).await,
        (Method::POST | Method::PUT | Method::PATCH, ["subscriptions", id]) => {
            update_subscription(&shared, id, &json_body)
        }
        (Method::POST | Method::PUT | Method::PATCH, [kind, id])
            if matches!(*kind, "orders" | "customers" | "products" | "webhooks") =>
        {
            update(&shared, kind, id, &json_body)
        }
        (Method::DELETE, [kind, id])
            if matches!(
                *kind,
                "orders" | "customers" | "products" | "webhooks" | "subscriptions"
            ) =>
        {
            delete(&shared, kind, id, q.bool("force"))
        }
        _ => no_route(),
    }
}

fn known_route(segments: &[&str]) -> bool {
    matches!(
        segments.first(),
        Some(&("orders" | "customers" | "products" | "subscriptions" | "webhooks"))
    ) && segments.len() <= 4
}

fn subscription_statuses() -> Value {
    json!({"wc-pending": "Pending", "wc-active": "Active", "wc-on-hold": "On hold", "wc-cancelled": "Cancelled",
        "wc-switched": "Switched", "wc-expired": "Expired", "wc-pending-cancel": "Pending Cancellation"})
}

/// Strips what the REST API does not show (the webhook secret is kept server-side).
fn public(kind: &str, mut v: Value) -> Value {
    if kind == "webhooks"
        && let Some(o) = v.as_object_mut()
    {
        o.remove("secret");
        o.remove("failure_count");
    }
    v
}

fn get_one(shared: &Shared, kind: &str, id: &str) -> Option<Value> {
    let id: u64 = id.parse().ok()?;
    shared.core.store().get(kind, id).filter(|v| !v.is_null())
}

fn naive(s: &str) -> Option<NaiveDateTime> {
    // WordPress reads the date part and ignores a `Z`/offset for these filters.
    let s = s.trim();
    let core = s.get(..19).unwrap_or(s);
    NaiveDateTime::parse_from_str(core, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(core, "%Y-%m-%d %H:%M:%S"))
        .ok()
}

fn list(shared: &Shared, kind: &str, q: &Query, uri: &Uri, base: &str) -> Response {
    if let Some(pp) = q.str("per_page") {
        match pp.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => {}
            _ => {
                return invalid_param(
                    "per_page",
                    "per_page must be between 1 (inclusive) and 100 (inclusive)",
                );
            }
        }
    }
    // Filter and sort on the stored summaries; only the page is parsed.
    let mut items: Vec<(Key, Value)> = shared
        .core
        .store()
        .summaries(kind)
        .into_iter()
        .map(|(k, v)| (k, v.clone()))
        .collect();
    let gmt = q.bool("dates_are_gmt");
    let field = |v: &Value, name: &str| -> Option<NaiveDateTime> {
        let key = if gmt {
            format!("{name}_gmt")
        } else {
            name.to_owned()
        };
        naive(v[key.as_str()].as_str().unwrap_or_default())
    };
    if kind != "customers" {
        // Customers ignore date filters (unknown parameters are dropped by WP REST).
        for (param, name, after) in [
            ("after", "date_created", true),
            ("before", "date_created", false),
            ("modified_after", "date_modified", true),
            ("modified_before", "date_modified", false),
        ] {
            if let Some(limit) = q.str(param).as_deref().and_then(naive) {
                items.retain(|(_, v)| {
                    field(v, name).is_some_and(|d| if after { d > limit } else { d < limit })
                });
            }
        }
        let statuses = q.list("status");
        if !statuses.is_empty() && !statuses.iter().any(|s| s == "any") {
            items.retain(|(_, v)| statuses.iter().any(|s| v["status"] == s.as_str()));
        } else {
            items.retain(|(_, v)| v["status"] != "trash");
        }
    } else if let Some(email) = q.str("email") {
        items.retain(|(_, v)| v["email"] == email.as_str());
    }
    if let Some(c) = q.str("customer") {
        items.retain(|(_, v)| v["customer_id"].as_u64().map(|x| x.to_string()) == Some(c.clone()));
    }
    let include = q.list("include");
    if !include.is_empty() {
        items.retain(|(_, v)| {
            include
                .iter()
                .any(|i| v["id"].as_u64().map(|x| x.to_string()).as_deref() == Some(i))
        });
    }
    let default_order = if kind == "customers" { "asc" } else { "desc" };
    let desc = q.str("order").unwrap_or_else(|| default_order.to_owned()) == "desc";
    let orderby = q.str("orderby").unwrap_or_else(|| {
        if kind == "customers" {
            "id".into()
        } else {
            "date".into()
        }
    });
    let sort_key = |v: &Value| -> (String, u64) {
        let id = v["id"].as_u64().unwrap_or(0);
        match orderby.as_str() {
            "date" | "registered_date" => (
                v["date_created_gmt"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                id,
            ),
            "modified" => (
                v["date_modified_gmt"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                id,
            ),
            _ => (String::new(), id),
        }
    };
    items.sort_by_key(|(_, v)| sort_key(v));
    if desc {
        items.reverse();
    }
    let total = items.len();
    page_response(total, q, uri, base, |start, len| {
        let store = shared.core.store();
        items
            .iter()
            .skip(start)
            .take(len)
            .filter_map(|(k, _)| store.get(kind, k.clone()))
            .map(|v| public(kind, v))
            .collect()
    })
}

/// Slices a page and sets `X-WP-Total`, `X-WP-TotalPages` and the `Link` header, which repeats
/// the request's query (credentials included, as WooCommerce does).
fn page_response(
    total: usize,
    q: &Query,
    uri: &Uri,
    base: &str,
    fetch: impl FnOnce(usize, usize) -> Vec<Value>,
) -> Response {
    let per_page = q
        .str("per_page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(10);
    let page = q
        .str("page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let offset = q.str("offset").and_then(|s| s.parse::<usize>().ok());
    let total_pages = total.div_ceil(per_page);
    let start = offset.unwrap_or((page - 1) * per_page);
    let slice = fetch(start, per_page);
    let mut r = php_json(StatusCode::OK, &Value::Array(slice));
    let h = r.headers_mut();
    h.insert("x-wp-total", HeaderValue::from(total as u64));
    h.insert("x-wp-totalpages", HeaderValue::from(total_pages as u64));
    let mut links = Vec::new();
    let link = |p: usize| {
        let mut pairs: Vec<String> = uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|s| !s.is_empty() && !s.starts_with("page="))
            .map(str::to_owned)
            .collect();
        pairs.push(format!("page={p}"));
        format!("<{base}{}?{}>", uri.path(), pairs.join("&"))
    };
    if page > 1 {
        links.push(format!(
            "{}; rel=\"prev\"",
            link(page.min(total_pages + 1) - 1)
        ));
    }
    if page < total_pages {
        links.push(format!("{}; rel=\"next\"", link(page + 1)));
    }
    if !links.is_empty()
        && let Ok(v) = HeaderValue::from_str(&links.join(", "))
    {
        h.insert("link", v);
    }
    r
}

fn merge_object(target: &mut Value, patch: &Value) {
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            t.insert(k.clone(), v.clone());
        }
    }
}

/// Applies a REST update body the way the orders/customers controllers do for common fields.
fn apply_update(kind: &str, target: &mut Value, body: &Value) {
    let Some(fields) = body.as_object() else {
        return;
    };
    for (k, v) in fields {
        match k.as_str() {
            "id" | "date_created" | "date_created_gmt" | "date_modified" | "date_modified_gmt"
            | "_links" => {}
            "billing" | "shipping" | "dimensions" => merge_object(&mut target[k.as_str()], v),
            "meta_data" => {
                let mut meta = target["meta_data"].as_array().cloned().unwrap_or_default();
                for m in v.as_array().into_iter().flatten() {
                    match meta.iter_mut().find(|e| e["key"] == m["key"]) {
                        Some(e) => e["value"] = m["value"].clone(),
                        None => meta.push(json!({"id": 50_000 + meta.len() as u64, "key": m["key"], "value": m["value"]})),
                    }
                }
                target["meta_data"] = Value::Array(meta);
            }
            "set_paid" if v == true && kind == "orders" => {
                target["status"] = json!("processing");
                target["date_paid_gmt"] = json!(render::wc_date(Utc::now()));
                target["date_paid"] = json!(render::wc_local(Utc::now()));
            }
            _ => {
                target[k.as_str()] = v.clone();
            }
        }
    }
    touch(target);
}

fn update(shared: &Arc<Shared>, kind: &str, id: &str, body: &Value) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return invalid_id();
    };
    let updated = {
        let mut store = shared.core.store();
        let Some(mut current) = store.get(kind, id).filter(|v| !v.is_null()) else {
            return invalid_id();
        };
        apply_update(kind, &mut current, body);
        store.write(kind, id, current.clone());
        current
    };
    if let Some(resource) = kind.strip_suffix('s') {
        notify(shared, &format!("{resource}.updated"), id);
    }
    php_json(StatusCode::OK, &public(kind, updated))
}

fn create_order(shared: &Arc<Shared>, body: &Value, base: &str) -> Response {
    let seed = *shared.seed.lock().expect("seed");
    let order = {
        let mut store = shared.core.store();
        let id = store.next_id("orders").max(store.next_id("subscriptions"));
        let mut order = render::order(&seed, &seed::order(&seed, id), base);
        order["status"] = json!("pending");
        order["refunds"] = json!([]);
        order["created_via"] = json!("rest-api");
        apply_update("orders", &mut order, body);
        order["id"] = json!(id);
        order["number"] = json!(id.to_string());
        store.write("orders", id, order.clone());
        order
    };
    notify(shared, "order.created", order["id"].as_u64().unwrap_or(0));
    php_json(StatusCode::CREATED, &order)
}

fn create_customer(shared: &Arc<Shared>, body: &Value, base: &str) -> Response {
    let email = body["email"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if email.is_empty() || !email.contains('@') {
        return error(
            400,
            "registration-error-invalid-email",
            "Please provide a valid email address.",
        );
    }
    let seed = *shared.seed.lock().expect("seed");
    let customer = {
        let mut store = shared.core.store();
        if store
            .summaries("customers")
            .iter()
            .any(|(_, c)| c["email"] == email.as_str())
        {
            return error(
                400,
                "registration-error-email-exists",
                "An account is already registered with your email address. Please log in.",
            );
        }
        let id = store.next_id("customers");
        let mut c = render::customer(&seed, id as usize, base);
        apply_update("customers", &mut c, body);
        c["id"] = json!(id);
        c["email"] = json!(email);
        store.write("customers", id, c.clone());
        c
    };
    notify(
        shared,
        "customer.created",
        customer["id"].as_u64().unwrap_or(0),
    );
    php_json(StatusCode::CREATED, &customer)
}

fn delete(shared: &Arc<Shared>, kind: &str, id: &str, force: bool) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return invalid_id();
    };
    let mut store = shared.core.store();
    let Some(mut current) = store.get(kind, id).filter(|v| !v.is_null()) else {
        return invalid_id();
    };
    if force || kind == "webhooks" || kind == "customers" {
        store.remove(kind, id);
    } else {
        if current["status"] == "trash" {
            return error(
                410,
                "woocommerce_rest_already_trashed",
                "The resource has already been deleted.",
            );
        }
        current["status"] = json!("trash");
        store.write(kind, id, current.clone());
    }
    php_json(StatusCode::OK, &public(kind, current))
}

fn refund_shape(order: &Value, r: &Value) -> Value {
    let amount = r["total"]
        .as_str()
        .unwrap_or("0")
        .trim_start_matches('-')
        .to_owned();
    json!({"id": r["id"], "date_created": order["date_modified"], "date_created_gmt": order["date_modified_gmt"],
        "amount": amount, "reason": r["reason"], "refunded_by": 1, "refunded_payment": false, "meta_data": [], "line_items": []})
}

fn create_refund(shared: &Arc<Shared>, id: &str, body: &Value) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return invalid_id();
    };
    let refund = {
        let mut store = shared.core.store();
        let Some(mut order) = store.get("orders", id) else {
            return invalid_id();
        };
        let amount = body["amount"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| body["amount"].as_f64().map(|f| f.to_string()))
            .unwrap_or_default();
        if amount
            .parse::<rust_decimal::Decimal>()
            .map_or(true, |a| a <= rust_decimal::Decimal::ZERO)
        {
            return error(
                400,
                "woocommerce_rest_cannot_create_order_refund",
                "Refund amount must be greater than zero.",
            );
        }
        let mut refunds = order["refunds"].as_array().cloned().unwrap_or_default();
        let refund = json!({"id": 95_000 + id * 10 + refunds.len() as u64, "reason": body["reason"].as_str().unwrap_or(""), "total": format!("-{amount}")});
        refunds.push(refund.clone());
        order["refunds"] = Value::Array(refunds);
        touch(&mut order);
        store.write("orders", id, order.clone());
        refund_shape(&order, &refund)
    };
    // Refunds reach webhooks as order.updated (woocommerce_order_refunded).
    notify(shared, "order.updated", id);
    php_json(StatusCode::CREATED, &refund)
}

fn batch(shared: &Arc<Shared>, body: &Value, base: &str) -> Response {
    let count = ["create", "update", "delete"]
        .iter()
        .map(|k| body[*k].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    if count > 100 {
        return error(
            413,
            "woocommerce_rest_request_entity_too_large",
            "Unable to accept more than 100 items for this request.",
        );
    }
    let mut out = json!({});
    let mut created = Vec::new();
    for item in body["create"].as_array().into_iter().flatten() {
        created.push(value_of(create_order(shared, item, base)));
    }
    let mut updated = Vec::new();
    for item in body["update"].as_array().into_iter().flatten() {
        let id = item["id"]
            .as_u64()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let v = value_of(update(shared, "orders", &id, item));
        updated.push(if v.get("code").is_some() {
            json!({"id": item["id"], "error": v})
        } else {
            v
        });
    }
    let mut deleted = Vec::new();
    for item in body["delete"].as_array().into_iter().flatten() {
        let id = item.as_u64().map(|i| i.to_string()).unwrap_or_default();
        let v = value_of(delete(shared, "orders", &id, true));
        deleted.push(if v.get("code").is_some() {
            json!({"id": item, "error": v})
        } else {
            v
        });
    }
    out["create"] = Value::Array(created);
    out["update"] = Value::Array(updated);
    out["delete"] = Value::Array(deleted);
    php_json(StatusCode::OK, &out)
}

/// Reads back the JSON of a response built in this module (bodies are plain strings).
/// The bodies built here are single in-memory chunks, so one poll completes them.
fn value_of(r: Response) -> Value {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    let mut fut = pin!(axum::body::to_bytes(r.into_body(), usize::MAX));
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(bytes)) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn update_subscription(shared: &Arc<Shared>, id: &str, body: &Value) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return invalid_id();
    };
    let updated = {
        let mut store = shared.core.store();
        let Some(mut sub) = store.get("subscriptions", id) else {
            return invalid_id();
        };
        // Writable: next_payment_date (GMT, "Y-m-d H:i:s"); next_payment_date_gmt is ignored.
        if let Some(next) = body["next_payment_date"].as_str() {
            let Ok(parsed) = NaiveDateTime::parse_from_str(next, "%Y-%m-%d %H:%M:%S") else {
                return error(
                    400,
                    "woocommerce_rest_invalid_payment_data",
                    &format!(
                        "Subscription dates could not be set. Error message: Invalid next_payment date. The date must be of the format: \"Y-m-d H:i:s\". Got: {next}"
                    ),
                );
            };
            let start = naive(sub["start_date_gmt"].as_str().unwrap_or_default());
            let trial = naive(sub["trial_end_date_gmt"].as_str().unwrap_or_default());
            let end = naive(sub["end_date_gmt"].as_str().unwrap_or_default());
            if start.is_some_and(|s| parsed <= s) {
                return error(
                    400,
                    "woocommerce_rest_invalid_payment_data",
                    "Subscription dates could not be set. Error message: The next_payment date must occur after the start date.",
                );
            }
            if trial.is_some_and(|t| parsed < t) {
                return error(
                    400,
                    "woocommerce_rest_invalid_payment_data",
                    "Subscription dates could not be set. Error message: The next_payment date must occur after the trial end date.",
                );
            }
            if end.is_some_and(|e| e <= parsed) {
                return error(
                    400,
                    "woocommerce_rest_invalid_payment_data",
                    "Subscription dates could not be set. Error message: The end date must occur after the next payment date.",
                );
            }
            sub["next_payment_date_gmt"] = json!(parsed.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
        let mut rest = body.clone();
        if let Some(o) = rest.as_object_mut() {
            for k in [
                "next_payment_date",
                "next_payment_date_gmt",
                "start_date",
                "trial_end_date",
                "end_date",
                "cancelled_date",
            ] {
                o.remove(k);
            }
        }
        apply_update("subscriptions", &mut sub, &rest);
        store.write("subscriptions", id, sub.clone());
        sub
    };
    notify(shared, "subscription.updated", id);
    php_json(StatusCode::OK, &updated)
}

async fn create_webhook(shared: &Arc<Shared>, body: &Value, base: &str) -> Response {
    let Some(url) = body["delivery_url"].as_str().map(str::to_owned) else {
        return error(
            400,
            "rest_missing_callback_param",
            "Missing parameter(s): delivery_url",
        );
    };
    let topic = body["topic"].as_str().unwrap_or("order.updated").to_owned();
    let (resource, event) = topic.split_once('.').unwrap_or(("order", "updated"));
    let now = Utc::now();
    let webhook = {
        let mut store = shared.core.store();
        let id = store.next_id("webhooks");
        let w = json!({"id": id, "name": body["name"].as_str().unwrap_or("Sandbox webhook"), "status": body["status"].as_str().unwrap_or("active"),
            "topic": topic, "resource": resource, "event": event, "hooks": [format!("woocommerce_{event}_{resource}")],
            "delivery_url": url, "secret": body["secret"].as_str().unwrap_or_default(), "failure_count": 0,
            "date_created": render::wc_local(now), "date_created_gmt": render::wc_date(now),
            "date_modified": render::wc_local(now), "date_modified_gmt": render::wc_date(now),
            "_links": {"self": [{"href": format!("{base}/wp-json/wc/v3/webhooks/{id}")}], "collection": [{"href": format!("{base}/wp-json/wc/v3/webhooks")}]}});
        store.write("webhooks", id, w.clone());
        w
    };
    // The REST controller pings right after creating; the 201 does not depend on the answer.
    let id = webhook["id"].as_u64().unwrap_or(0);
    let d = webhooks::ping(&url, id).await;
    record_delivery(shared, &d);
    php_json(StatusCode::CREATED, &public("webhooks", webhook))
}
