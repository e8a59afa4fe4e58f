//! Receiving WooCommerce webhook deliveries: signature check on the raw bytes, the creation
//! ping, typed events and a dedupe key.
//!
//! # How WooCommerce delivers (and what a receiver must do about it)
//!
//! Read this before wiring a receiver; it is why the API below looks the way it does.
//!
//! - **Signature**: `X-WC-Webhook-Signature` is `base64(HMAC-SHA256(body, secret))` over the exact
//!   bytes sent. The body is PHP `json_encode` output, which escapes `/` as `\/` and non-ASCII as
//!   `\uXXXX`; parsing and re-serializing the JSON changes the bytes and breaks the check. Verify
//!   the raw body, before anything parses it. The secret is the *webhook's* secret (not the REST
//!   consumer secret), HTML-entity-decoded the way WordPress's `wp_specialchars_decode` does
//!   (`&amp;` → `&`); [`WebhookVerifier::new`] does that for you.
//! - **The creation ping** is a form body `webhook_id=<id>` with no signature and no `X-WC-*`
//!   headers, sent when a webhook is created or activated. It must be answered with exactly
//!   **200**. [`WebhookVerifier::verify`] recognises it as [`Delivery::Ping`] and accepts nothing
//!   else unsigned.
//! - **No retries.** A delivery that fails (timeout, non-2xx) is never sent again.
//! - **Disabled after repeated failures.** After about five consecutive failures WooCommerce sets
//!   the webhook to `disabled` and stops delivering until someone re-activates it
//!   ([`WebhookSpec::reactivate`](crate::models::WebhookSpec::reactivate)).
//! - **301 and 302 count as success.** Redirects are not followed, so a receiver that redirects
//!   (http → https, a trailing slash) silently loses every payload. Never answer 3xx.
//! - **Payloads are built at delivery time** from the current record, and deliveries for the same
//!   record coalesce: one delivery can stand for several changes, and `order.created` is often
//!   followed by an `order.updated` carrying the same state.
//! - **`X-WC-Webhook-Delivery-ID` is not unique** (a hash of the webhook id and the current
//!   second), so it cannot deduplicate. Use [`DedupeKey`]: source, topic, resource id and
//!   `date_modified_gmt` — plus the delivery id for `*.deleted` topics, whose `{"id": N}` body
//!   would otherwise make a second deletion of a restored record look like a repeat.
//!
//! So a receiver should: verify the signature on the raw bytes → write the raw delivery to a
//! durable inbox, deduplicated by [`DedupeKey`] → answer 2xx at once (never 3xx, never wait on a
//! downstream API) → process from the inbox asynchronously → and run a periodic catch-up poll
//! (the [`crate::sync`] sources with a lookback) for everything webhooks missed while the
//! receiver, the network or the store's WP-Cron was down.
//!
//! ```
//! use secrecy::SecretString;
//! use sync_core::http::reqwest::header::{HeaderMap, HeaderValue};
//! use woo_client::webhook::{Delivery, Payload, WebhookVerifier};
//!
//! let verifier = WebhookVerifier::new(&SecretString::from("s3cret"));
//! let body = br#"{"id":727,"status":"processing","date_modified_gmt":"2017-03-22T19:28:08","permalink":"https:\/\/shop.example\/"}"#;
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("x-wc-webhook-signature", HeaderValue::from_str(&verifier.sign(body)).unwrap());
//! headers.insert("x-wc-webhook-topic", HeaderValue::from_static("order.updated"));
//! headers.insert("x-wc-webhook-source", HeaderValue::from_static("https://shop.example/"));
//!
//! match verifier.verify(&headers, body)? {
//!     Delivery::Ping { webhook_id } => println!("ping for webhook {webhook_id}: answer 200"),
//!     Delivery::Event(delivery) => {
//!         // Persist `delivery.body` under `delivery.dedupe_key()?` first, answer 2xx, then:
//!         let event = delivery.event()?;
//!         let Payload::Order(order) = event.payload else { unreachable!() };
//!         assert_eq!(order.id, 727);
//!     }
//! }
//! # Ok::<(), woo_client::webhook::WebhookError>(())
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sync_core::http::reqwest::header::HeaderMap;

use crate::models::serde_helpers::format_gmt;
use crate::models::{Coupon, Customer, Order, Product, Subscription};

/// Header names WooCommerce sets on deliveries (lower-case, as HTTP/2 and `HeaderMap` use).
pub mod headers {
    /// `base64(HMAC-SHA256(body, secret))`.
    pub const SIGNATURE: &str = "x-wc-webhook-signature";
    /// `order.updated`, `action.woocommerce_…`.
    pub const TOPIC: &str = "x-wc-webhook-topic";
    /// `order`.
    pub const RESOURCE: &str = "x-wc-webhook-resource";
    /// `updated`.
    pub const EVENT: &str = "x-wc-webhook-event";
    /// The webhook's id.
    pub const WEBHOOK_ID: &str = "x-wc-webhook-id";
    /// Not unique per event; do not deduplicate on it.
    pub const DELIVERY_ID: &str = "x-wc-webhook-delivery-id";
    /// The store's home URL (`https://shop.example/`).
    pub const SOURCE: &str = "x-wc-webhook-source";
}

/// Read access to request headers, so any HTTP framework can be used.
pub trait WebhookHeaders {
    /// The value of `name` (lower-case), if present and text.
    fn header(&self, name: &str) -> Option<&str>;
}

impl WebhookHeaders for HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> WebhookHeaders for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> WebhookHeaders for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

/// Why a delivery was refused or could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No signature header, and the body is not a creation ping: refuse it (401).
    #[error(
        "no X-WC-Webhook-Signature header, and the body is not a webhook creation ping: refusing an unsigned delivery"
    )]
    MissingSignature,
    /// The signature header is not base64 of a SHA-256 digest (401).
    #[error("X-WC-Webhook-Signature is not a base64 HMAC-SHA256 value")]
    MalformedSignature,
    /// The signature does not match the body (401).
    #[error("X-WC-Webhook-Signature does not match the body: {hint}")]
    SignatureMismatch {
        /// The usual causes.
        hint: &'static str,
    },
    /// A signed delivery lacks a header it needs (400).
    #[error("signed delivery has no {0} header")]
    MissingHeader(&'static str),
    /// The signed body does not parse as the payload its topic promises. The delivery is
    /// authentic: keep the raw body and investigate rather than dropping it.
    #[error("{topic} payload does not parse at `{path}`: {message}")]
    Payload {
        /// The topic.
        topic: String,
        /// The JSON path of the first mismatch.
        path: String,
        /// What was wrong.
        message: String,
    },
}

impl WebhookError {
    /// The status to answer with: 401 for authentication failures, 400 otherwise.
    pub fn status_code(&self) -> u16 {
        match self {
            WebhookError::MissingSignature
            | WebhookError::MalformedSignature
            | WebhookError::SignatureMismatch { .. } => 401,
            _ => 400,
        }
    }
}

const MISMATCH_HINT: &str = "use the webhook's own secret (not the REST consumer secret), and \
                             verify the raw request body before any JSON parsing or re-encoding";
const MISMATCH_HINT_CONSUMER: &str = "the configured secret looks like a REST consumer secret \
                                      (cs_…); webhooks are signed with the webhook's own secret";

/// Checks deliveries against one webhook secret. The HMAC key schedule is computed once, so each
/// check costs one pass over the body.
#[derive(Clone)]
pub struct WebhookVerifier {
    mac: Hmac<Sha256>,
    looks_like_consumer_secret: bool,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier for the webhook secret as stored in WooCommerce. HTML entities are decoded
    /// first, exactly as WooCommerce does before signing (`wp_specialchars_decode(…, ENT_QUOTES)`),
    /// so a secret saved as `a&amp;b` verifies as `a&b`.
    pub fn new(secret: &SecretString) -> Self {
        let decoded = SecretString::from(wp_specialchars_decode(secret.expose_secret()));
        Self::with_exact_secret(&decoded)
    }

    /// A verifier that uses `secret` byte for byte, without entity decoding.
    pub fn with_exact_secret(secret: &SecretString) -> Self {
        let key = secret.expose_secret().as_bytes();
        WebhookVerifier {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length"),
            looks_like_consumer_secret: secret.expose_secret().starts_with("cs_"),
        }
    }

    /// The signature WooCommerce would send for `body` (for tests and local simulators).
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(body);
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// Check `signature` (the header value) against the raw `body`, in constant time.
    pub fn verify_signature(&self, signature: &str, body: &[u8]) -> Result<(), WebhookError> {
        let mut expected = [0u8; 32];
        match BASE64.decode_slice(signature.trim(), &mut expected) {
            Ok(32) => {}
            _ => return Err(WebhookError::MalformedSignature),
        }
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.verify_slice(&expected)
            .map_err(|_| WebhookError::SignatureMismatch {
                hint: if self.looks_like_consumer_secret {
                    MISMATCH_HINT_CONSUMER
                } else {
                    MISMATCH_HINT
                },
            })
    }

    /// Authenticate a delivery: a signed event, or the unsigned creation ping. Anything else
    /// unsigned is refused. `body` must be the raw request bytes.
    pub fn verify<'b, H: WebhookHeaders + ?Sized>(
        &self,
        headers: &H,
        body: &'b [u8],
    ) -> Result<Delivery<'b>, WebhookError> {
        let Some(signature) = headers.header(headers::SIGNATURE) else {
            // The only unsigned request WooCommerce sends: no X-WC-* headers, body `webhook_id=N`.
            return match (headers.header(headers::TOPIC), parse_ping(body)) {
                (None, Some(webhook_id)) => Ok(Delivery::Ping { webhook_id }),
                _ => Err(WebhookError::MissingSignature),
            };
        };
        self.verify_signature(signature, body)?;
        let topic = headers
            .header(headers::TOPIC)
            .ok_or(WebhookError::MissingHeader("X-WC-Webhook-Topic"))?;
        let meta = DeliveryMeta {
            topic: Topic::parse(topic),
            webhook_id: headers
                .header(headers::WEBHOOK_ID)
                .and_then(|v| v.trim().parse().ok()),
            delivery_id: headers.header(headers::DELIVERY_ID).map(str::to_string),
            source: headers.header(headers::SOURCE).map(str::to_string),
        };
        Ok(Delivery::Event(SignedDelivery { meta, body }))
    }
}

/// `webhook_id=<digits>` and nothing else.
fn parse_ping(body: &[u8]) -> Option<u64> {
    let digits = body.strip_prefix(b"webhook_id=")?;
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// WordPress's `wp_specialchars_decode($s, ENT_QUOTES)`: decodes only `&amp; &lt; &gt; &quot;`
/// and the numeric forms of `' " < > &` (zero-padded decimal; hex for `' " &`), in one pass.
/// Other entities (`&nbsp;`, `&#x3c;`) stay as they are, as in WordPress.
///
/// ```
/// use woo_client::webhook::wp_specialchars_decode;
/// assert_eq!(wp_specialchars_decode("a&amp;b&#039;c&#x22;d&nbsp;"), "a&b'c\"d&nbsp;");
/// assert_eq!(wp_specialchars_decode("&amp;lt;"), "&lt;");
/// ```
pub fn wp_specialchars_decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        match decode_entity(candidate) {
            Some((ch, len)) => {
                out.push(ch);
                rest = &candidate[len..];
            }
            None => {
                out.push('&');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The entity at the start of `s` (which starts with `&`), as (character, byte length).
fn decode_entity(s: &str) -> Option<(char, usize)> {
    for (name, ch) in [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
    ] {
        if s.starts_with(name) {
            return Some((ch, name.len()));
        }
    }
    let numeric = s.strip_prefix("&#")?;
    let (hex, digits_start) = match numeric.as_bytes().first()? {
        b'x' | b'X' => (true, 1),
        _ => (false, 0),
    };
    let body = &numeric[digits_start..];
    let end = body.find(';')?;
    let digits = &body[..end];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = digits.trim_start_matches('0');
    let ch = match (hex, value) {
        (false, "39") | (true, "27") => '\'',
        (false, "34") | (true, "22") => '"',
        (false, "60") => '<',
        (false, "62") => '>',
        (false, "38") | (true, "26") => '&',
        _ => return None,
    };
    Some((ch, 2 + digits_start + end + 1))
}

/// What a verified request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery<'b> {
    /// The creation ping (`webhook_id=<id>`, unsigned). Answer exactly `200`, and do nothing else
    /// with it: it carries no data and anyone could send it.
    Ping {
        /// The webhook being created or activated.
        webhook_id: u64,
    },
    /// A signed event delivery.
    Event(SignedDelivery<'b>),
}

/// What the headers of a signed delivery say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryMeta {
    /// The topic (`X-WC-Webhook-Topic`).
    pub topic: Topic,
    /// The webhook id (`X-WC-Webhook-ID`).
    pub webhook_id: Option<u64>,
    /// `X-WC-Webhook-Delivery-ID`: for logs only, it is not unique per event.
    pub delivery_id: Option<String>,
    /// The store's home URL (`X-WC-Webhook-Source`): tells stores apart on a shared receiver.
    pub source: Option<String>,
}

/// A delivery whose signature checked out; the body is still the raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelivery<'b> {
    /// Header data.
    pub meta: DeliveryMeta,
    /// The raw body, exactly as signed: store these bytes.
    pub body: &'b [u8],
}

#[derive(Deserialize)]
struct KeyFields {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    date_modified_gmt: Value,
}

impl SignedDelivery<'_> {
    /// The key to deduplicate this delivery by, from a light read of the body (`id`,
    /// `date_modified_gmt`).
    pub fn dedupe_key(&self) -> Result<DedupeKey, WebhookError> {
        let mut key = DedupeKey {
            source: self.meta.source.clone().unwrap_or_default(),
            topic: self.meta.topic.to_string(),
            resource_id: None,
            modified_gmt: None,
            body_sha256: None,
            delivery_id: None,
        };
        if matches!(self.meta.topic, Topic::Action(_)) {
            key.body_sha256 = Some(short_digest(self.body));
            return Ok(key);
        }
        let fields: KeyFields = serde_json::from_slice(self.body)
            .map_err(|e| self.payload_error(&e.to_string(), ""))?;
        key.resource_id = id_from_value(&fields.id);
        key.modified_gmt = match &fields.date_modified_gmt {
            Value::String(s) => crate::models::serde_helpers::parse_gmt(s).ok(),
            _ => None,
        };
        let deleted = matches!(
            &self.meta.topic,
            Topic::Resource {
                event: Event::Deleted,
                ..
            }
        );
        if deleted {
            // A deletion payload is only `{"id":N}`: trash → restore → trash would give two equal
            // keys and drop the second, genuine deletion. The delivery id (webhook id + the
            // second it was sent) tells deletions apart; a redelivery is never sent anyway.
            key.delivery_id = self.meta.delivery_id.clone();
        }
        if key.resource_id.is_none() || (key.modified_gmt.is_none() && !deleted) {
            // Without both parts the body itself is the only safe identity.
            key.body_sha256 = Some(short_digest(self.body));
        }
        Ok(key)
    }

    /// Parse the body into a typed event.
    pub fn event(&self) -> Result<WebhookEvent, WebhookError> {
        let payload = match &self.meta.topic {
            Topic::Action(_) => {
                #[derive(Deserialize)]
                struct ActionBody {
                    #[serde(default)]
                    action: String,
                    #[serde(default)]
                    arg: Value,
                }
                let body: ActionBody = self.decode()?;
                Payload::Action {
                    action: body.action,
                    arg: body.arg,
                }
            }
            Topic::Resource {
                event: Event::Deleted,
                ..
            } => {
                let fields: KeyFields = self.decode()?;
                match id_from_value(&fields.id) {
                    Some(id) => Payload::Deleted { id },
                    None => return Err(self.payload_error("no `id` in a deleted event", "id")),
                }
            }
            Topic::Resource { resource, .. } => match resource {
                Resource::Order => Payload::Order(Box::new(self.decode()?)),
                Resource::Product => Payload::Product(Box::new(self.decode()?)),
                Resource::Customer => Payload::Customer(Box::new(self.decode()?)),
                Resource::Coupon => Payload::Coupon(Box::new(self.decode()?)),
                Resource::Subscription => Payload::Subscription(Box::new(self.decode()?)),
                Resource::Other(_) => Payload::Other(self.decode()?),
            },
        };
        Ok(WebhookEvent {
            meta: self.meta.clone(),
            payload,
        })
    }

    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, WebhookError> {
        sync_core::http::decode_json(self.body).map_err(|e| self.payload_error(&e.message, &e.path))
    }

    fn payload_error(&self, message: &str, path: &str) -> WebhookError {
        WebhookError::Payload {
            topic: self.meta.topic.to_string(),
            path: path.to_string(),
            message: message.to_string(),
        }
    }
}

fn id_from_value(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn short_digest(body: &[u8]) -> String {
    Sha256::digest(body)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

crate::models::string_enum! {
    /// The resource part of a topic.
    pub enum Resource {
        /// `order`.
        Order => "order",
        /// `product`.
        Product => "product",
        /// `customer`.
        Customer => "customer",
        /// `coupon`.
        Coupon => "coupon",
        /// `subscription` (WooCommerce Subscriptions).
        Subscription => "subscription",
    }
}

crate::models::string_enum! {
    /// The event part of a topic.
    pub enum Event {
        /// Created (fires for new records, and for admin saves within 10 s of creation).
        Created => "created",
        /// Updated (also refunds, for orders).
        Updated => "updated",
        /// Trashed or deleted; the payload is only `{"id": N}`.
        Deleted => "deleted",
        /// Restored from the trash.
        Restored => "restored",
        /// Product published.
        Published => "published",
        /// Subscription switched.
        Switched => "switched",
    }
}

/// A webhook topic: a resource event (`order.updated`) or a custom action
/// (`action.woocommerce_payment_complete`, kept whole).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// `<resource>.<event>`.
    Resource {
        /// The resource.
        resource: Resource,
        /// The event.
        event: Event,
    },
    /// `action.<hook>`: the hook name.
    Action(String),
}

impl Topic {
    /// Parse an `X-WC-Webhook-Topic` value.
    pub fn parse(topic: &str) -> Topic {
        let topic = topic.trim();
        if let Some(hook) = topic.strip_prefix("action.") {
            return Topic::Action(hook.to_string());
        }
        let (resource, event) = topic.split_once('.').unwrap_or((topic, ""));
        Topic::Resource {
            resource: Resource::from(resource),
            event: Event::from(event),
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Resource { resource, event } => write!(f, "{resource}.{event}"),
            Topic::Action(hook) => write!(f, "action.{hook}"),
        }
    }
}

/// A typed webhook payload.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// An order (as `GET /orders/<id>` returned it at delivery time).
    Order(Box<Order>),
    /// A product.
    Product(Box<Product>),
    /// A customer.
    Customer(Box<Customer>),
    /// A coupon.
    Coupon(Box<Coupon>),
    /// A subscription.
    Subscription(Box<Subscription>),
    /// A `*.deleted` event: only the id.
    Deleted {
        /// The deleted record's id.
        id: u64,
    },
    /// An `action.*` topic: the hook and its first argument.
    Action {
        /// The hook name.
        action: String,
        /// The hook's first argument.
        arg: Value,
    },
    /// A resource this crate does not model.
    Other(Value),
}

/// A parsed delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// Header data (topic, webhook id, delivery id, source).
    pub meta: DeliveryMeta,
    /// The payload.
    pub payload: Payload,
}

impl WebhookEvent {
    /// The record id the event is about, when it has one.
    pub fn resource_id(&self) -> Option<u64> {
        match &self.payload {
            Payload::Order(o) => Some(o.id),
            Payload::Product(p) => Some(p.id),
            Payload::Customer(c) => Some(c.id),
            Payload::Coupon(c) => Some(c.id),
            Payload::Subscription(s) => Some(s.id),
            Payload::Deleted { id } => Some(*id),
            Payload::Action { .. } | Payload::Other(_) => None,
        }
    }

    /// The record's `date_modified_gmt`, when the payload carries one.
    pub fn modified_gmt(&self) -> Option<DateTime<Utc>> {
        match &self.payload {
            Payload::Order(o) => o.date_modified_gmt,
            Payload::Product(p) => p.date_modified_gmt,
            Payload::Customer(c) => c.date_modified_gmt,
            Payload::Coupon(c) => c.date_modified_gmt,
            Payload::Subscription(s) => s.date_modified_gmt,
            _ => None,
        }
    }
}

/// The identity of a delivery for deduplication: (source, topic, resource id,
/// `date_modified_gmt`), because `X-WC-Webhook-Delivery-ID` is not unique.
///
/// Two deliveries with the same key carry the same state of the same record, so the second can
/// be dropped. `source` keeps stores apart on a shared receiver. When the payload has no id or no
/// modification date (custom `action.*` topics, unusual resources), a digest of the body stands
/// in, so distinct payloads never collapse. Modification dates have one-second resolution; the
/// catch-up poll covers two changes within the same second.
///
/// **Deletions** (`*.deleted`) carry only `{"id": N}`, so nothing in the body tells a second
/// deletion of the same record (trash → restore → trash) from the first. For those topics the
/// key also holds `X-WC-Webhook-Delivery-ID`, which changes from one second to the next: two
/// deletions of one record are kept apart unless they are sent within the same second (and the
/// restore between them arrives as its own `*.restored`/`*.updated` delivery). A deletion
/// without that header keys on the id alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupeKey {
    /// The store (`X-WC-Webhook-Source`), empty if absent.
    pub source: String,
    /// The topic.
    pub topic: String,
    /// The record id.
    pub resource_id: Option<u64>,
    /// The record's `date_modified_gmt`.
    pub modified_gmt: Option<DateTime<Utc>>,
    /// First 16 bytes of SHA-256 of the body, hex, when id or date is missing.
    pub body_sha256: Option<String>,
    /// `X-WC-Webhook-Delivery-ID`, for `*.deleted` topics only (their body has no date).
    pub delivery_id: Option<String>,
}

impl fmt::Display for DedupeKey {
    /// A stable text form for a database key: `source|topic|id|modified|digest`, followed by
    /// `|delivery-id` for deletions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}|{}|{}|{}|{}",
            self.source,
            self.topic,
            self.resource_id.map(|i| i.to_string()).unwrap_or_default(),
            self.modified_gmt
                .as_ref()
                .map(format_gmt)
                .unwrap_or_default(),
            self.body_sha256.as_deref().unwrap_or_default()
        )?;
        match &self.delivery_id {
            Some(delivery) => write!(f, "|{delivery}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wp_decoding_matches_wordpress_table() {
        let cases = [
            ("plain", "plain"),
            ("&amp;&lt;&gt;&quot;", "&<>\""),
            ("&#039;&#39;&#0039;&#x27;&#X27;&#x0027;", "''''''"),
            ("&#34;&#x22;&#60;&#62;&#38;&#x26;", "\"\"<>&&"),
            // Not in WordPress's table: left alone.
            (
                "&nbsp;&#x3c;&#x3e;&#65;&apos;",
                "&nbsp;&#x3c;&#x3e;&#65;&apos;",
            ),
            // One pass, like strtr: a decoded `&` does not start a new entity.
            ("&amp;amp;", "&amp;"),
            ("&#0&#39;", "&#0'"),
            ("trailing &", "trailing &"),
            ("&#;&#x;&", "&#;&#x;&"),
        ];
        for (input, want) in cases {
            assert_eq!(wp_specialchars_decode(input), want, "{input}");
        }
    }

    #[test]
    fn ping_body_is_exact() {
        assert_eq!(parse_ping(b"webhook_id=42"), Some(42));
        for bad in [
            &b"webhook_id="[..],
            b"webhook_id=42&x=1",
            b"webhook_id=-1",
            b"webhook_id=4 2",
            b"{\"webhook_id\":42}",
            b"webhook_id=99999999999999999999999",
        ] {
            assert_eq!(parse_ping(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn topics_parse_and_print() {
        assert_eq!(
            Topic::parse("order.updated"),
            Topic::Resource {
                resource: Resource::Order,
                event: Event::Updated
            }
        );
        assert_eq!(
            Topic::parse("action.woocommerce_payment_complete"),
            Topic::Action("woocommerce_payment_complete".into())
        );
        assert_eq!(
            Topic::parse("subscription.switched").to_string(),
            "subscription.switched"
        );
        assert_eq!(
            Topic::parse("booking.created").to_string(),
            "booking.created"
        );
    }
}
