//! Chatwoot fake: Platform API (accounts, users, account users, user tokens) and Application API
//! (contacts with custom attributes merged on update, labels silently dropped when the account
//! lacks them, inboxes, conversations created without `source_id`), rack-attack's 429 without
//! `Retry-After`, and signed account webhooks.

mod filter;
pub mod webhooks;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};

use crate::fake::{Core, Dialect, Fake, json_response};
use crate::faults::Faults;
use crate::seed::{self, Seed};
use webhooks::Delivery;

/// How a Chatwoot fake starts.
#[derive(Debug, Clone, Default)]
pub struct ChatwootOptions {
    /// Contacts to seed in account 1.
    pub seed: Seed,
    /// Faults from the start.
    pub faults: Faults,
    /// Port (`0`: ephemeral).
    pub port: u16,
}

/// Tokens and ids of the seeded installation.
#[derive(Debug, Clone, Serialize)]
pub struct ChatwootCredentials {
    /// Platform app token (`api_access_token` for `/platform/api/v1`).
    pub platform_token: String,
    /// An administrator's user token for the Application API.
    pub user_token: String,
    /// The seeded account.
    pub account_id: u64,
    /// The seeded API inbox.
    pub inbox_id: u64,
}

/// A running Chatwoot fake.
#[derive(Debug)]
pub struct ChatwootFake {
    fake: Fake,
    shared: Arc<Shared>,
}

impl std::ops::Deref for ChatwootFake {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.fake
    }
}

#[derive(Debug)]
struct Shared {
    core: Core,
    credentials: ChatwootCredentials,
    deliveries: Mutex<Vec<Delivery>>,
}

struct ChatwootDialect;

impl Dialect for ChatwootDialect {
    fn error(&self, status: StatusCode, message: &str) -> Response {
        json_response(status, &json!({"error": message}))
    }

    fn throttled(&self, _n: u64) -> Response {
        // rack-attack's default: plain text, no Retry-After.
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("content-type", "text/plain")],
            "Retry later\n",
        )
            .into_response()
    }
}

fn err(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({"error": message}))
}

fn not_found() -> Response {
    err(StatusCode::NOT_FOUND, "Resource could not be found")
}

impl ChatwootFake {
    /// Starts a fake with `seed` contacts in account 1.
    pub async fn start(seed: Seed) -> std::io::Result<Self> {
        Self::start_with(ChatwootOptions {
            seed,
            ..ChatwootOptions::default()
        })
        .await
    }

    /// Starts a fake with options.
    pub async fn start_with(options: ChatwootOptions) -> std::io::Result<Self> {
        let core = Core::new(ChatwootDialect, options.faults.clone(), options.seed.seed);
        let credentials = ChatwootCredentials {
            platform_token: "sandboxPlatformAppToken0000001".into(),
            user_token: "sandboxUserToken00000000000001".into(),
            account_id: 1,
            inbox_id: 1,
        };
        let shared = Arc::new(Shared {
            core: core.clone(),
            credentials: credentials.clone(),
            deliveries: Mutex::new(Vec::new()),
        });
        seed_store(&shared, &options.seed);
        let router = Router::new()
            .route("/platform/api/v1/{*rest}", any(platform))
            .route("/api/v1/accounts/{*rest}", any(application))
            .route("/_sandbox/deliveries", get(deliveries_route))
            .with_state(shared.clone());
        let fake = Fake::start(core.clone(), core.wrap(router), options.port).await?;
        Ok(Self { fake, shared })
    }

    /// Tokens and ids.
    pub fn credentials(&self) -> ChatwootCredentials {
        self.shared.credentials.clone()
    }

    /// Webhook deliveries sent so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.deliveries.lock().expect("deliveries").clone()
    }
}

async fn deliveries_route(State(shared): State<Arc<Shared>>) -> Json<Vec<Delivery>> {
    Json(shared.deliveries.lock().expect("deliveries").clone())
}

fn seed_store(shared: &Shared, seed: &Seed) {
    let c = &shared.credentials;
    let mut store = shared.core.store();
    store.seed("accounts", c.account_id, json!({"id": c.account_id, "name": "Sandbox Shop", "locale": "nl", "domain": "", "support_email": "support@example.nl", "custom_attributes": {}, "limits": {}, "status": "active", "_platform": true}));
    store.seed("users", 1u64, json!({"id": 1, "name": "Sandbox Admin", "display_name": "Admin", "email": "admin@example.nl", "uid": "admin@example.nl", "confirmed": true, "custom_attributes": {}, "pubsub_token": "pubsub1", "_token": c.user_token, "_platform": true}));
    store.seed(
        "account_users",
        "1:1",
        json!({"account_id": 1, "user_id": 1, "role": "administrator"}),
    );
    store.seed("inboxes", c.inbox_id, json!({"id": c.inbox_id, "avatar_url": "", "channel_id": 1, "name": "Webshop API", "channel_type": "Channel::Api", "greeting_enabled": false, "greeting_message": null, "working_hours_enabled": false, "enable_email_collect": true, "csat_survey_enabled": false, "enable_auto_assignment": true, "out_of_office_message": null, "timezone": "Europe/Amsterdam", "webhook_url": "", "account_id": c.account_id}));
    for (id, title) in [(1u64, "klant"), (2, "abonnee")] {
        store.seed("labels", id, json!({"id": id, "title": title, "description": "", "color": "#1f93ff", "show_on_sidebar": true}));
    }
    for i in 1..=seed.customers {
        let p = seed::person(seed, i);
        let email = p.email.trim().to_lowercase();
        let contact = contact_shape(
            i as u64,
            &json!({"name": format!("{} {}", p.first_name, p.last_name), "email": if p.email_kind == seed::EmailKind::Valid { json!(email) } else { Value::Null }, "phone_number": Value::Null, "custom_attributes": {"shop_customer_id": i}}),
            1_790_000_000 + i as i64,
        );
        store.seed("contacts", i as u64, contact);
    }
}

/// A contact as `_contact.json.jbuilder` renders it; `blocked_until` (swagger `contact.yml`) is
/// null for an unblocked or permanently blocked contact.
fn contact_shape(id: u64, body: &Value, created: i64) -> Value {
    json!({"additional_attributes": body.get("additional_attributes").cloned().unwrap_or(json!({})), "availability_status": "offline",
        "email": body["email"], "id": id, "name": body["name"].as_str().unwrap_or(""), "phone_number": body["phone_number"],
        "blocked": body["blocked"].as_bool().unwrap_or(false), "blocked_until": null, "identifier": body["identifier"], "thumbnail": "",
        "custom_attributes": body.get("custom_attributes").cloned().unwrap_or(json!({})), "last_activity_at": null,
        "created_at": created, "contact_inboxes": [], "labels": []})
}

fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get("api_access_token")
        .or_else(|| headers.get("http_api_access_token"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn body_json(body: &Bytes) -> Value {
    serde_json::from_slice(body).unwrap_or(json!({}))
}

async fn platform(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if token(&headers).as_deref() != Some(shared.credentials.platform_token.as_str()) {
        return err(StatusCode::UNAUTHORIZED, "Invalid access_token");
    }
    let path = uri
        .path()
        .trim_start_matches("/platform/api/v1/")
        .trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').collect();
    let body = body_json(&body);
    let mut store = shared.core.store();
    let public = |mut v: Value| {
        if let Some(o) = v.as_object_mut() {
            o.retain(|k, _| !k.starts_with('_'));
        }
        v
    };
    match (method, segments.as_slice()) {
        (Method::POST, ["accounts"]) => {
            let Some(name) = body["name"].as_str() else {
                return err(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "param is missing or the value is empty: name",
                );
            };
            let id = store.next_id("accounts");
            let account = json!({"id": id, "name": name, "locale": body["locale"].as_str().unwrap_or("en"), "domain": body["domain"], "support_email": body["support_email"], "custom_attributes": body.get("custom_attributes").cloned().unwrap_or(json!({})), "limits": body.get("limits").cloned().unwrap_or(json!({})), "status": body["status"].as_str().unwrap_or("active"), "_platform": true});
            store.write("accounts", id, account.clone());
            json_response(StatusCode::OK, &public(account))
        }
        (Method::GET, ["accounts", id]) => match id
            .parse::<u64>()
            .ok()
            .and_then(|i| store.get("accounts", i))
        {
            Some(a) if a["_platform"] == true => json_response(StatusCode::OK, &public(a)),
            Some(_) => err(StatusCode::UNAUTHORIZED, "Non permissible resource"),
            None => not_found(),
        },
        (Method::POST, ["users"]) => {
            let email = body["email"].as_str().unwrap_or_default().to_lowercase();
            if store
                .list("users")
                .iter()
                .any(|u| u["email"] == email.as_str())
            {
                return json_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &json!({"message": "Email has already been taken", "attributes": ["email"]}),
                );
            }
            let id = store.next_id("users");
            let user = json!({"id": id, "name": body["name"], "display_name": body["display_name"].as_str().or(body["name"].as_str()), "email": email, "uid": email, "confirmed": true, "custom_attributes": body.get("custom_attributes").cloned().unwrap_or(json!({})), "pubsub_token": format!("pubsub{id}"), "_token": format!("sandboxUserToken{id:014}"), "_platform": true});
            store.write("users", id, user.clone());
            json_response(StatusCode::OK, &public(user))
        }
        (Method::GET | Method::POST, ["users", id, "token"]) => {
            match id.parse::<u64>().ok().and_then(|i| store.get("users", i)) {
                Some(u) => json_response(
                    StatusCode::OK,
                    &json!({"access_token": u["_token"], "expiry": null, "user": {"id": u["id"], "name": u["name"], "display_name": u["display_name"], "email": u["email"], "pubsub_token": u["pubsub_token"]}}),
                ),
                None => not_found(),
            }
        }
        (Method::POST, ["accounts", account, "account_users"]) => {
            let Ok(account) = account.parse::<u64>() else {
                return not_found();
            };
            let user = body["user_id"].as_u64().unwrap_or(0);
            if store.get("accounts", account).is_none() || store.get("users", user).is_none() {
                return not_found();
            }
            let role = body["role"].as_str().unwrap_or("agent");
            let au = json!({"account_id": account, "user_id": user, "role": role});
            store.write("account_users", format!("{account}:{user}"), au.clone());
            json_response(StatusCode::OK, &au)
        }
        _ => not_found(),
    }
}

/// The user behind a token, if it is a member of the account.
fn member(shared: &Shared, token: &str, account: u64) -> Result<u64, &'static str> {
    let store = shared.core.store();
    if token == shared.credentials.platform_token {
        return Err("Access to this endpoint is not authorized for bots");
    }
    let Some(user) = store
        .list("users")
        .iter()
        .find(|u| u["_token"] == token)
        .and_then(|u| u["id"].as_u64())
    else {
        return Err("Invalid Access Token");
    };
    if store
        .get("account_users", format!("{account}:{user}"))
        .is_none()
    {
        return Err("You are not authorized to do this action");
    }
    Ok(user)
}

fn webhook_payload(event: &str, contact: &Value, account: &Value, changed: Option<Value>) -> Value {
    let mut v = json!({"id": contact["id"], "name": contact["name"], "avatar": "", "type": "contact", "account": {"id": account["id"], "name": account["name"]},
        "additional_attributes": contact["additional_attributes"], "custom_attributes": contact["custom_attributes"], "email": contact["email"],
        "identifier": contact["identifier"], "phone_number": contact["phone_number"], "thumbnail": "", "blocked": contact["blocked"], "event": event});
    if let Some(c) = changed {
        v["changed_attributes"] = c;
    }
    v
}

/// Sends an event to the account's webhooks subscribed to it, in the background.
fn emit(shared: &Arc<Shared>, account: u64, event: &str, payload: Value) {
    let hooks: Vec<(u64, String, String)> = shared
        .core
        .store()
        .list("webhooks")
        .iter()
        .filter(|w| {
            w["account_id"] == account
                && w["subscriptions"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|e| e == event))
        })
        .map(|w| {
            (
                w["id"].as_u64().unwrap_or(0),
                w["url"].as_str().unwrap_or_default().to_owned(),
                w["secret"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (id, url, secret) in hooks {
        let shared = shared.clone();
        let event = event.to_owned();
        let body = webhooks::to_json(&payload);
        tokio::spawn(async move {
            let seq = shared.deliveries.lock().expect("deliveries").len() as u64;
            let d = webhooks::deliver(&url, Some(&secret), id, &event, body, seq).await;
            shared.deliveries.lock().expect("deliveries").push(d);
        });
    }
}

async fn application(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rest = uri
        .path()
        .trim_start_matches("/api/v1/accounts/")
        .trim_end_matches('/');
    let segments: Vec<&str> = rest.split('/').collect();
    let Some(account) = segments.first().and_then(|s| s.parse::<u64>().ok()) else {
        return not_found();
    };
    let Some(token) = token(&headers) else {
        return err(
            StatusCode::UNAUTHORIZED,
            "You need to sign in or sign up before continuing.",
        );
    };
    if let Err(message) = member(&shared, &token, account) {
        return err(StatusCode::UNAUTHORIZED, message);
    }
    let account_value = shared
        .core
        .store()
        .get("accounts", account)
        .unwrap_or(Value::Null);
    let body = body_json(&body);
    let query: Vec<(String, String)> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), crate::php::urldecode(v)))
        .collect();
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    match (method, &segments[1..]) {
        (Method::GET, ["contacts"]) | (Method::GET, ["contacts", "search"]) => {
            let page = q("page")
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let mut contacts: Vec<Value> =
                shared.core.store().list("contacts").into_iter().collect();
            if segments.get(2) == Some(&"search") {
                let Some(term) = q("q") else {
                    return err(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Specify search string with parameter q",
                    );
                };
                let term = term.to_lowercase();
                contacts.retain(|c| {
                    ["name", "email", "phone_number", "identifier"]
                        .iter()
                        .any(|k| {
                            c[*k]
                                .as_str()
                                .is_some_and(|v| v.to_lowercase().contains(&term))
                        })
                });
            } else {
                // The index lists "resolved" contacts only: with an identifier, email or phone.
                contacts.retain(|c| {
                    !c["email"].is_null()
                        || !c["identifier"].is_null()
                        || !c["phone_number"].is_null()
                });
            }
            let count = contacts.len();
            let payload: Vec<Value> = contacts
                .into_iter()
                .skip((page - 1) * 15)
                .take(15)
                .collect();
            json_response(
                StatusCode::OK,
                &json!({"meta": {"count": count, "current_page": page}, "payload": payload}),
            )
        }
        (Method::POST, ["contacts", "filter"]) => {
            let page = q("page")
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let contacts: Vec<Value> = shared.core.store().list("contacts");
            json_response(StatusCode::OK, &filter::page(contacts, &body, page))
        }
        (Method::POST, ["contacts"]) => {
            let email = body["email"].as_str().map(|e| e.trim().to_lowercase());
            let mut store = shared.core.store();
            if let Some(e) = &email {
                if !e.contains('@') || e.contains(' ') || e.matches('@').count() > 1 {
                    return json_response(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &json!({"message": "Email Invalid email", "attributes": ["email"]}),
                    );
                }
                if store
                    .summaries("contacts")
                    .iter()
                    .any(|(_, c)| c["email"] == e.as_str())
                {
                    return json_response(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &json!({"message": "Email has already been taken", "attributes": ["email"]}),
                    );
                }
            }
            let id = store.next_id("contacts");
            let mut b = body.clone();
            b["email"] = email.map_or(Value::Null, Value::String);
            let contact = contact_shape(id, &b, chrono::Utc::now().timestamp());
            store.write("contacts", id, contact.clone());
            drop(store);
            emit(
                &shared,
                account,
                "contact_created",
                webhook_payload("contact_created", &contact, &account_value, None),
            );
            let contact_inbox = body["inbox_id"].as_u64().map(|inbox| json!({"inbox": {"id": inbox}, "source_id": format!("sandbox-source-{id}")}));
            json_response(
                StatusCode::OK,
                &json!({"payload": {"contact": contact, "contact_inbox": contact_inbox}}),
            )
        }
        (Method::GET, ["contacts", id]) => match id
            .parse::<u64>()
            .ok()
            .and_then(|i| shared.core.store().get("contacts", i))
        {
            Some(c) => json_response(StatusCode::OK, &json!({"payload": c})),
            None => not_found(),
        },
        (Method::PUT | Method::PATCH, ["contacts", id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return not_found();
            };
            let (updated, changed) = {
                let mut store = shared.core.store();
                let Some(mut c) = store.get("contacts", id) else {
                    return not_found();
                };
                let before = c.clone();
                for (k, v) in body.as_object().into_iter().flatten() {
                    match k.as_str() {
                        // Shallow merge, not replace.
                        "custom_attributes" | "additional_attributes" => {
                            if let (Some(t), Some(p)) =
                                (c[k.as_str()].as_object_mut(), v.as_object())
                            {
                                for (pk, pv) in p {
                                    t.insert(pk.clone(), pv.clone());
                                }
                            }
                        }
                        "name" | "email" | "phone_number" | "identifier" | "blocked" => {
                            c[k.as_str()] = v.clone()
                        }
                        _ => {}
                    }
                }
                let changed: Vec<Value> = c.as_object().into_iter().flatten().filter(|(k, v)| before[k.as_str()] != **v).map(|(k, v)| json!({k: {"previous_value": before[k.as_str()], "current_value": v}})).collect();
                store.write("contacts", id, c.clone());
                (c, changed)
            };
            if !changed.is_empty() {
                emit(
                    &shared,
                    account,
                    "contact_updated",
                    webhook_payload(
                        "contact_updated",
                        &updated,
                        &account_value,
                        Some(Value::Array(changed)),
                    ),
                );
            }
            json_response(StatusCode::OK, &json!({"payload": updated}))
        }
        (Method::GET, ["contacts", id, "labels"]) => match id
            .parse::<u64>()
            .ok()
            .and_then(|i| shared.core.store().get("contacts", i))
        {
            Some(c) => json_response(StatusCode::OK, &json!({"payload": c["labels"]})),
            None => not_found(),
        },
        (Method::POST, ["contacts", id, "labels"]) => {
            let Ok(id) = id.parse::<u64>() else {
                return not_found();
            };
            let mut store = shared.core.store();
            let known: Vec<String> = store
                .list("labels")
                .iter()
                .filter_map(|l| l["title"].as_str().map(str::to_owned))
                .collect();
            let Some(mut c) = store.get("contacts", id) else {
                return not_found();
            };
            // label_concern.rb: only labels the account has survive; the rest vanish silently.
            let kept: Vec<Value> = body["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|l| known.iter().any(|k| k == l))
                .map(|l| json!(l))
                .collect();
            c["labels"] = Value::Array(kept.clone());
            store.write("contacts", id, c);
            json_response(StatusCode::OK, &json!({"payload": kept}))
        }
        (Method::GET, ["labels"]) => json_response(
            StatusCode::OK,
            &json!({"payload": shared.core.store().list("labels")}),
        ),
        (Method::POST, ["labels"]) => {
            let Some(title) = body["title"].as_str().map(str::to_lowercase) else {
                return err(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "param is missing or the value is empty: title",
                );
            };
            let mut store = shared.core.store();
            if store
                .list("labels")
                .iter()
                .any(|l| l["title"] == title.as_str())
            {
                return json_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &json!({"message": "Title has already been taken", "attributes": ["title"]}),
                );
            }
            let id = store.next_id("labels");
            let label = json!({"id": id, "title": title, "description": body["description"].as_str().unwrap_or(""), "color": body["color"].as_str().unwrap_or("#1f93ff"), "show_on_sidebar": body["show_on_sidebar"].as_bool().unwrap_or(true)});
            store.write("labels", id, label.clone());
            json_response(StatusCode::OK, &label)
        }
        (Method::GET, ["inboxes"]) => json_response(
            StatusCode::OK,
            &json!({"payload": shared.core.store().list("inboxes")}),
        ),
        (Method::POST, ["conversations"]) => {
            let inbox = body["inbox_id"]
                .as_u64()
                .or_else(|| body["inbox_id"].as_str().and_then(|s| s.parse().ok()))
                .unwrap_or(0);
            let contact = body["contact_id"]
                .as_u64()
                .or_else(|| body["contact_id"].as_str().and_then(|s| s.parse().ok()))
                .unwrap_or(0);
            let mut store = shared.core.store();
            if store.get("inboxes", inbox).is_none() || store.get("contacts", contact).is_none() {
                return not_found();
            }
            // Without source_id the server builds the contact inbox from inbox_id + contact_id.
            let source_id = body["source_id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("sandbox-{contact}-{inbox}"));
            let id = store.next_id("conversations");
            let conversation = json!({"id": id, "account_id": account, "inbox_id": inbox, "status": body["status"].as_str().unwrap_or("open"),
                "contact_inbox": {"contact_id": contact, "inbox_id": inbox, "source_id": source_id}, "messages": [], "labels": [],
                "meta": {"sender": store.get("contacts", contact), "assignee": null}, "unread_count": 0, "timestamp": chrono::Utc::now().timestamp(),
                "additional_attributes": body.get("additional_attributes").cloned().unwrap_or(json!({})), "custom_attributes": body.get("custom_attributes").cloned().unwrap_or(json!({}))});
            store.write("conversations", id, conversation.clone());
            drop(store);
            let mut payload = conversation.clone();
            payload["event"] = json!("conversation_created");
            emit(&shared, account, "conversation_created", payload);
            json_response(StatusCode::OK, &conversation)
        }
        (Method::POST, ["webhooks"]) => {
            let w = body.get("webhook").cloned().unwrap_or(body.clone());
            let Some(url) = w["url"].as_str() else {
                return json_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &json!({"message": "Url is invalid", "attributes": ["url"]}),
                );
            };
            let mut store = shared.core.store();
            let id = store.next_id("webhooks");
            let webhook = json!({"id": id, "url": url, "name": w["name"], "account_id": account, "subscriptions": w.get("subscriptions").cloned().unwrap_or(json!(["contact_created", "contact_updated", "conversation_created"])),
                "secret": format!("whsec_sandbox_{id:06}")});
            store.write("webhooks", id, webhook.clone());
            json_response(StatusCode::OK, &json!({"payload": {"webhook": webhook}}))
        }
        _ => not_found(),
    }
}
