//! WooCommerce's webhook deliveries: signed POSTs of the resource's current REST shape, the
//! unsigned creation ping, no redirects followed, never a retry, disabled after failures.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `User-Agent` of WooCommerce's deliveries.
pub const USER_AGENT: &str = "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)";

/// One delivery attempt and what the receiver answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    /// The webhook id (0 for a delivery to an ad-hoc receiver).
    pub webhook_id: u64,
    /// `order.updated`, … or `ping`.
    pub topic: String,
    /// The resource id (0 for a ping).
    pub resource_id: u64,
    /// `X-WC-Webhook-Delivery-ID` (1-second resolution, not unique per event).
    pub delivery_id: String,
    /// The exact body sent.
    pub body: String,
    /// The receiver's status, or `None` when the request failed.
    pub status: Option<u16>,
    /// The transport error, if any.
    pub error: Option<String>,
}

/// `X-WC-Webhook-Signature`: base64 HMAC-SHA256 of the raw body.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// `wp_hash($id . strtotime('now'))`: the same for two deliveries of one webhook in one second.
pub fn delivery_id(webhook_id: u64, unix: i64) -> String {
    hex::encode(&Sha256::digest(format!("{webhook_id}{unix}").as_bytes())[..16])
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// What to sign and send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Receiver URL.
    pub url: String,
    /// Webhook secret.
    pub secret: String,
    /// Webhook id.
    pub webhook_id: u64,
    /// Topic, e.g. `order.updated`.
    pub topic: String,
    /// Resource id.
    pub resource_id: u64,
    /// `home_url('/')`.
    pub source: String,
    /// PHP-encoded JSON body.
    pub body: String,
}

/// Sends one signed delivery, once.
pub async fn deliver(out: Outgoing) -> Delivery {
    let (resource, event) = out
        .topic
        .split_once('.')
        .unwrap_or((out.topic.as_str(), ""));
    let delivery_id = delivery_id(out.webhook_id, chrono::Utc::now().timestamp());
    let result = client()
        .post(&out.url)
        .header("content-type", "application/json")
        .header("user-agent", USER_AGENT)
        .header("X-WC-Webhook-Source", &out.source)
        .header("X-WC-Webhook-Topic", &out.topic)
        .header("X-WC-Webhook-Resource", resource)
        .header("X-WC-Webhook-Event", event)
        .header(
            "X-WC-Webhook-Signature",
            signature(&out.secret, out.body.as_bytes()),
        )
        .header("X-WC-Webhook-ID", out.webhook_id.to_string())
        .header("X-WC-Webhook-Delivery-ID", &delivery_id)
        .body(out.body.clone())
        .send()
        .await;
    finish(
        out.webhook_id,
        &out.topic,
        out.resource_id,
        delivery_id,
        out.body,
        result,
    )
}

/// The creation ping: body `webhook_id=N`, form-style, no `X-WC-*` headers, no signature.
pub async fn ping(url: &str, webhook_id: u64) -> Delivery {
    let body = format!("webhook_id={webhook_id}");
    let result = client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("user-agent", USER_AGENT)
        .body(body.clone())
        .send()
        .await;
    finish(webhook_id, "ping", 0, String::new(), body, result)
}

fn finish(
    webhook_id: u64,
    topic: &str,
    resource_id: u64,
    delivery_id: String,
    body: String,
    result: reqwest::Result<reqwest::Response>,
) -> Delivery {
    let (status, error) = match result {
        Ok(r) => (Some(r.status().as_u16()), None),
        Err(e) => (None, Some(e.without_url().to_string())),
    };
    Delivery {
        webhook_id,
        topic: topic.to_owned(),
        resource_id,
        delivery_id,
        body,
        status,
        error,
    }
}

/// WooCommerce counts `200 <= code < 303` as delivered (so a 301/302 "succeeds").
pub fn delivered(status: Option<u16>) -> bool {
    status.is_some_and(|s| (200..303).contains(&s))
}

/// How the sandbox fires a batch of deliveries (`POST /_sandbox/webhooks/fire`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Fire {
    /// `order.updated`, `order.created`, `subscription.updated`, `customer.updated`, `product.updated`, `order.deleted`.
    pub topic: String,
    /// Resource ids (empty: every stored resource of that kind).
    pub ids: Vec<u64>,
    /// Send to this URL instead of the registered webhooks (with `secret`).
    pub receiver: Option<String>,
    /// Secret for `receiver`.
    pub secret: Option<String>,
    /// Extra identical copies of each delivery (WooCommerce's duplicate `order.created`s).
    pub duplicates: u32,
    /// Send everything concurrently (a burst) instead of one after another.
    pub burst: bool,
    /// Change each resource twice and deliver the newer state before the older one.
    pub out_of_order: bool,
}
