//! Magento 2 REST fake: `searchCriteria` on orders (filter groups, sort orders, pageSize and
//! currentPage, the last page repeated past the end as ≤ 2.3 and collection code do), store
//! configs with and without store codes in `base_link_url`, the admin token endpoint and bearer
//! auth. Store codes in the URL (`/rest/nl/V1/...`) are accepted and, as in Magento, do not
//! filter orders.

pub mod oauth;
mod search;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{any, post};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::fake::{Core, Dialect, Fake, json_response};
use crate::faults::Faults;
use crate::seed::{self, Seed};
pub use search::{PastEnd, SearchCriteria};

/// How a Magento fake starts.
#[derive(Debug, Clone)]
pub struct MagentoOptions {
    /// Seed data.
    pub seed: Seed,
    /// What a page past the end returns.
    pub past_end: PastEnd,
    /// Whether the integration access token works as a bearer token
    /// (`oauth/consumer/enable_integration_as_bearer`; off by default since 2.4.4).
    pub integration_as_bearer: bool,
    /// Faults from the start.
    pub faults: Faults,
    /// Port (`0`: ephemeral).
    pub port: u16,
}

impl Default for MagentoOptions {
    fn default() -> Self {
        Self {
            seed: Seed::default(),
            past_end: PastEnd::RepeatLastPage,
            integration_as_bearer: true,
            faults: Faults::none(),
            port: 0,
        }
    }
}

/// Admin login and the integration token of the fake.
#[derive(Debug, Clone, Serialize)]
pub struct MagentoCredentials {
    /// Admin user name.
    pub username: String,
    /// Admin password.
    pub password: String,
    /// Integration access token (bearer when allowed, `oauth_token` for OAuth).
    pub integration_token: String,
    /// Integration consumer key (OAuth 1.0a).
    pub consumer_key: String,
    /// Integration consumer secret (OAuth 1.0a).
    pub consumer_secret: String,
    /// Integration access token secret (OAuth 1.0a).
    pub access_token_secret: String,
}

/// A running Magento fake.
#[derive(Debug)]
pub struct MagentoFake {
    fake: Fake,
    shared: Arc<Shared>,
}

impl std::ops::Deref for MagentoFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

#[derive(Debug)]
struct Shared {
    core: Core,
    credentials: MagentoCredentials,
    admin_tokens: Mutex<Vec<String>>,
    nonces: Mutex<oauth::UsedNonces>,
    options: MagentoOptions,
    base: Mutex<String>,
}

struct MagentoDialect;

impl Dialect for MagentoDialect {
    fn error(&self, status: StatusCode, message: &str) -> Response {
        json_response(status, &json!({"message": message}))
    }

    fn throttled(&self, _n: u64) -> Response {
        json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"message": "Too Many Requests", "trace": null}),
        )
    }
}

impl MagentoFake {
    /// Starts a fake with `seed` data.
    pub async fn start(seed: Seed) -> std::io::Result<Self> {
        Self::start_with(MagentoOptions {
            seed,
            ..MagentoOptions::default()
        })
        .await
    }

    /// Starts a fake with options.
    pub async fn start_with(options: MagentoOptions) -> std::io::Result<Self> {
        let core = Core::new(MagentoDialect, options.faults.clone(), options.seed.seed);
        let shared = Arc::new(Shared {
            core: core.clone(),
            credentials: MagentoCredentials {
                username: "admin".into(),
                password: "sandbox-Admin-123".into(),
                integration_token: "sandboxintegrationtoken0000000001".into(),
                consumer_key: "sandboxconsumerkey00000000000001".into(),
                consumer_secret: "sandboxconsumersecret000000001".into(),
                access_token_secret: "sandboxtokensecret0000000000001".into(),
            },
            admin_tokens: Mutex::new(Vec::new()),
            nonces: Mutex::new(oauth::UsedNonces::new()),
            options: options.clone(),
            base: Mutex::new(String::new()),
        });
        let router = Router::new()
            .route("/rest/{*rest}", any(dispatch))
            .route("/_sandbox/seed", post(seed_route))
            .with_state(shared.clone());
        let fake = Fake::start(core.clone(), core.wrap(router), options.port).await?;
        *shared.base.lock().expect("base") = fake.base_url();
        seed_store(&shared, &options.seed);
        Ok(Self { fake, shared })
    }

    /// `<base>/rest` (append `/V1/...` or `/<store_code>/V1/...`).
    pub fn rest_url(&self) -> String {
        format!("{}/rest", self.base_url())
    }

    /// Admin login and integration token.
    pub fn credentials(&self) -> MagentoCredentials {
        self.shared.credentials.clone()
    }
}

async fn seed_route(State(shared): State<Arc<Shared>>, Json(seed): Json<Seed>) -> StatusCode {
    seed_store(&shared, &seed);
    StatusCode::NO_CONTENT
}

fn mdate(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A number as Magento sends money: JSON numbers, integers without decimals.
fn num(d: rust_decimal::Decimal) -> Value {
    let normalized = d.normalize();
    if normalized.scale() == 0 {
        json!(normalized.mantissa() as i64)
    } else {
        serde_json::from_str(&normalized.to_string()).unwrap_or(Value::Null)
    }
}

fn seed_store(shared: &Shared, seed: &Seed) {
    let mut store = shared.core.store();
    store.clear();
    for id in 1..=seed.orders as u64 {
        store.seed("orders", id, render_order(seed, &seed::order(seed, id)));
    }
}

fn render_order(seed: &Seed, o: &seed::Order) -> Value {
    let state = match o.status.as_str() {
        "pending" => ("new", "pending"),
        "processing" => ("processing", "processing"),
        "on-hold" => ("holded", "holded"),
        "cancelled" => ("canceled", "canceled"),
        "refunded" => ("closed", "closed"),
        _ => ("complete", "complete"),
    };
    let p = &o.person;
    let items: Vec<Value> = o
        .lines
        .iter()
        .enumerate()
        .map(|(n, (product, qty, unit))| {
            let pr = seed::product(seed, *product);
            let row = *unit * rust_decimal::Decimal::from(*qty);
            json!({"item_id": o.id * 10 + n as u64, "order_id": o.id, "sku": pr.sku, "name": pr.name, "product_id": pr.index,
                "product_type": "simple", "qty_ordered": qty, "price": num(*unit), "base_price": num(*unit), "row_total": num(row),
                "base_row_total": num(row), "tax_amount": 0, "discount_amount": 0, "created_at": mdate(o.created), "updated_at": mdate(o.modified)})
        })
        .collect();
    let address = json!({"address_type": "billing", "city": p.city, "country_id": p.country, "email": p.email, "entity_id": o.id * 2,
        "firstname": p.first_name, "lastname": p.last_name, "parent_id": o.id, "postcode": p.postcode, "street": [p.street],
        "telephone": p.phone, "region": "", "region_code": null, "region_id": 0});
    let mut shipping_address = address.clone();
    shipping_address["address_type"] = json!("shipping");
    let refunded: rust_decimal::Decimal = o.refunds.iter().sum();
    let paid = !matches!(o.status.as_str(), "pending" | "on-hold" | "cancelled");
    let mut order = json!({
        "entity_id": o.id, "increment_id": format!("{:09}", o.id), "quote_id": o.id + 500, "store_id": if o.id.is_multiple_of(3) { 2 } else { 1 },
        "store_name": "Main Website\nMain Website Store\nDefault Store View", "state": state.0, "status": state.1,
        "customer_email": p.email, "customer_firstname": p.first_name, "customer_lastname": p.last_name,
        "customer_id": o.customer_id, "customer_is_guest": if o.customer_id == 0 { 1 } else { 0 }, "customer_group_id": if o.customer_id == 0 { 0 } else { 1 },
        "order_currency_code": o.currency, "base_currency_code": "EUR", "global_currency_code": "EUR", "store_currency_code": "EUR",
        "grand_total": num(o.total), "base_grand_total": num(o.total / seed::rate(&o.currency)), "subtotal": num(o.total - o.shipping),
        "shipping_amount": num(o.shipping), "tax_amount": 0, "discount_amount": 0, "total_due": num(if paid { rust_decimal::Decimal::ZERO } else { o.total }),
        "total_item_count": o.lines.len(), "created_at": mdate(o.created), "updated_at": mdate(o.modified),
        "items": items, "billing_address": address,
        "payment": {"method": if o.payment_method.starts_with("mollie") { "mollie_methods_ideal" } else { "banktransfer" }, "additional_information": ["Bank Transfer Payment", ""], "amount_ordered": num(o.total), "base_amount_ordered": num(o.total), "cc_last4": null, "entity_id": o.id, "parent_id": o.id},
        "status_histories": [],
        "extension_attributes": {"shipping_assignments": [{"shipping": {"address": shipping_address, "method": "flatrate_flatrate", "total": {"shipping_amount": num(o.shipping)}}, "items": []}]}
    });
    // The remaining documented order fields (AdobeDocs order-create-order.md example).
    let base_total = o.total / seed::rate(&o.currency);
    let qty: u32 = o.lines.iter().map(|(_, q, _)| *q).sum();
    for (k, v) in [
        ("applied_rule_ids", json!("1")),
        ("base_discount_amount", json!(0)),
        ("base_discount_tax_compensation_amount", json!(0)),
        (
            "base_shipping_amount",
            num(o.shipping / seed::rate(&o.currency)),
        ),
        ("base_shipping_discount_amount", json!(0)),
        (
            "base_shipping_incl_tax",
            num(o.shipping / seed::rate(&o.currency)),
        ),
        ("base_shipping_tax_amount", json!(0)),
        (
            "base_subtotal",
            num(base_total - o.shipping / seed::rate(&o.currency)),
        ),
        (
            "base_subtotal_incl_tax",
            num(base_total - o.shipping / seed::rate(&o.currency)),
        ),
        ("base_tax_amount", json!(0)),
        (
            "base_total_due",
            num(if paid {
                rust_decimal::Decimal::ZERO
            } else {
                base_total
            }),
        ),
        ("base_to_global_rate", json!(1)),
        ("base_to_order_rate", num(seed::rate(&o.currency))),
        ("billing_address_id", json!(o.id * 2)),
        ("customer_note_notify", json!(1)),
        ("discount_tax_compensation_amount", json!(0)),
        ("email_sent", json!(1)),
        ("is_virtual", json!(0)),
        ("protect_code", json!(format!("{:06x}", o.id * 48_271))),
        ("shipping_description", json!("Flat Rate - Fixed")),
        ("shipping_discount_amount", json!(0)),
        ("shipping_discount_tax_compensation_amount", json!(0)),
        ("shipping_incl_tax", num(o.shipping)),
        ("shipping_tax_amount", json!(0)),
        ("store_to_base_rate", json!(0)),
        ("store_to_order_rate", json!(0)),
        ("subtotal_incl_tax", num(o.total - o.shipping)),
        ("total_qty_ordered", json!(qty)),
        ("weight", json!(qty)),
    ] {
        order[k] = v;
    }
    if paid {
        order["total_paid"] = num(o.total);
        order["total_invoiced"] = num(o.total);
    }
    if !o.refunds.is_empty() {
        order["total_refunded"] = num(refunded);
    }
    order
}

fn unauthorized(resource: &str) -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        &json!({"message": "The consumer isn't authorized to access %resources.", "parameters": {"resources": resource}}),
    )
}

fn store_configs(base: &str) -> Value {
    let config = |id: u64, code: &str, locale: &str, link: &str| {
        json!({"id": id, "code": code, "website_id": 1, "locale": locale, "base_currency_code": "EUR", "default_display_currency_code": "EUR",
            "timezone": "Europe/Amsterdam", "weight_unit": "kgs", "base_url": format!("{base}/"), "base_link_url": link,
            "base_static_url": format!("{base}/static/version1/"), "base_media_url": format!("{base}/media/"), "secure_base_url": format!("{base}/"),
            "secure_base_link_url": link, "secure_base_static_url": format!("{base}/static/version1/"), "secure_base_media_url": format!("{base}/media/")})
    };
    json!([
        config(1, "default", "en_US", &format!("{base}/")),
        config(2, "nl", "nl_NL", &format!("{base}/nl/"))
    ])
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_end_matches('/');
    let rest = path.strip_prefix("/rest/").unwrap_or_default();
    // `/rest/V1/...` or `/rest/<store_code>/V1/...`; the store code does not filter orders.
    let route = match rest.split_once("/V1/") {
        Some((store, r)) if !store.is_empty() && !store.contains('/') => r,
        _ => match rest.strip_prefix("V1/") {
            Some(r) => r,
            None => {
                return json_response(
                    StatusCode::NOT_FOUND,
                    &json!({"message": "Request does not match any route."}),
                );
            }
        },
    };
    if method == Method::POST && route == "integration/admin/token" {
        let creds: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if creds["username"] == shared.credentials.username.as_str()
            && creds["password"] == shared.credentials.password.as_str()
        {
            let token = format!(
                "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ.sandbox{}",
                shared.admin_tokens.lock().expect("tokens").len() + 1
            );
            shared
                .admin_tokens
                .lock()
                .expect("tokens")
                .push(token.clone());
            return json_response(StatusCode::OK, &json!(token));
        }
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"message": "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later."}),
        );
    }
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let is_oauth = authorization.starts_with("OAuth ");
    if is_oauth {
        let c = &shared.credentials;
        let integration = oauth::Integration {
            consumer_key: c.consumer_key.clone(),
            consumer_secret: c.consumer_secret.clone(),
            access_token: c.integration_token.clone(),
            access_token_secret: c.access_token_secret.clone(),
        };
        let checked = {
            let mut used = shared.nonces.lock().expect("nonces");
            oauth::verify(
                &method,
                &uri,
                &headers,
                &integration,
                &mut used,
                Utc::now().timestamp(),
            )
        };
        if let Err(message) = checked {
            return json_response(StatusCode::UNAUTHORIZED, &json!({"message": message}));
        }
    }
    let bearer = authorization.strip_prefix("Bearer ").unwrap_or_default();
    let authorized = is_oauth
        || shared
            .admin_tokens
            .lock()
            .expect("tokens")
            .iter()
            .any(|t| t == bearer)
        || (shared.options.integration_as_bearer && bearer == shared.credentials.integration_token);
    let segments: Vec<&str> = route.split('/').collect();
    let resource = if segments[0] == "store" {
        "Magento_Backend::store"
    } else {
        "Magento_Sales::actions_view"
    };
    if !authorized {
        return unauthorized(resource);
    }
    let base = shared.base.lock().expect("base").clone();
    match (method, segments.as_slice()) {
        (Method::GET, ["orders"]) => {
            let criteria = SearchCriteria::parse(uri.query().unwrap_or_default());
            if let Err(message) = criteria.validate() {
                return json_response(StatusCode::BAD_REQUEST, &json!({"message": message}));
            }
            let store = shared.core.store();
            let (items, total) = if criteria.only_uses(crate::store::INDEXED) {
                // Filter and sort on the stored summaries; parse only the page.
                let rows = store.summaries("orders");
                let (page, total) = criteria.apply_by(rows, |(_, v)| *v, shared.options.past_end);
                let items: Vec<Value> = page
                    .into_iter()
                    .filter_map(|(k, _)| store.get("orders", k))
                    .collect();
                (items, total)
            } else {
                criteria.apply(store.list("orders"), shared.options.past_end)
            };
            json_response(
                StatusCode::OK,
                &json!({"items": items, "search_criteria": criteria.echo(), "total_count": total}),
            )
        }
        (Method::GET, ["orders", id]) => match id
            .parse::<u64>()
            .ok()
            .and_then(|id| shared.core.store().get("orders", id))
        {
            Some(o) => json_response(StatusCode::OK, &o),
            None => json_response(
                StatusCode::NOT_FOUND,
                &json!({"message": "The entity that was requested doesn't exist. Verify the entity and try again."}),
            ),
        },
        (Method::GET, ["store", "storeConfigs"]) => {
            json_response(StatusCode::OK, &store_configs(&base))
        }
        (Method::GET, ["store", "storeViews"]) => json_response(
            StatusCode::OK,
            &json!([{"id": 0, "code": "admin", "name": "Admin", "website_id": 0, "store_group_id": 0, "is_active": 1},
                {"id": 1, "code": "default", "name": "Default Store View", "website_id": 1, "store_group_id": 1, "is_active": 1},
                {"id": 2, "code": "nl", "name": "Nederlands", "website_id": 1, "store_group_id": 1, "is_active": 1}]),
        ),
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({"message": "Request does not match any route."}),
        ),
    }
}
