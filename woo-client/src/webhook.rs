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
//!   second), so it cannot deduplicate alone. [`DedupeKey`] adds source, topic, webhook id and
//!   a SHA-256 of the raw body, all taken from what was received: two states of one record never
//!   share a key (not even within `date_modified_gmt`'s one-second resolution), and an
//!   authentic body that does not parse still gets a key and is stored.
//! - **The topic header is not signed.** [`SignedDelivery::parse`] checks it against the
//!   body's shape (an order has `line_items`/`order_key`, a subscription `billing_period`, a
//!   deletion is only `{"id": N}` …) and reports a mismatch as the permanent
//!   [`WebhookError::TopicMismatch`]. This happens at parse time, in the worker, on purpose: the
//!   delivery is authentic and WooCommerce never resends it, so it is kept as a dead letter
//!   for a person to look at rather than refused at the door on a heuristic. For the same
//!   reason a signed delivery whose topic header a proxy stripped is accepted (keyed with an
//!   empty topic) and fails at parse time with the permanent [`WebhookError::MissingHeader`].
//!
//! So a receiver should: [`accept`](WebhookVerifier::accept) the delivery (signature on the raw
//! bytes, nothing parsed) → write the raw delivery to a durable inbox under its [`DedupeKey`] →
//! answer 2xx at once (never 3xx, never wait on a downstream API) → in a worker,
//! [`parse_stored`] each stored delivery and dead-letter what fails with the error as reason
//! (every parse error is [permanent](WebhookError::is_permanent)) → and run a periodic catch-up
//! poll (the [`crate::sync`] sources with a lookback) for everything webhooks missed while the
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
//!         // Persist `delivery.body` under `delivery.dedupe_key()` first, answer 2xx, then:
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
use sync_core::store::InboxDelivery;
use sync_core::webhook::{Accepted, Acceptor, Refused, StoredHeaders};

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

impl WebhookHeaders for StoredHeaders {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)
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
    /// A signed delivery lacks a header it needs to be parsed (permanent: the delivery is
    /// accepted and stored, then dead-lettered by the worker with this reason).
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
    /// The unsigned `X-WC-Webhook-Topic` header names another kind of record than the signed
    /// body is. The body is authentic but the header was changed on the way (or by a plugin
    /// filter): never process it as the header says. Permanent; dead-letter it.
    #[error(
        "X-WC-Webhook-Topic is {topic}, but the signed body is {body_is}: refusing to process it as {topic}"
    )]
    TopicMismatch {
        /// The topic header.
        topic: String,
        /// What the body's shape says it is.
        body_is: String,
    },
}

impl WebhookError {
    /// `true` when processing this delivery again can never succeed (its bytes never change):
    /// record it as a dead letter with [`Display`](fmt::Display) as the reason.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            WebhookError::Payload { .. }
                | WebhookError::TopicMismatch { .. }
                | WebhookError::MissingHeader(_)
        )
    }

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
    ///
    /// The value must be exactly what WooCommerce sends: standard, padded base64 of the 32-byte
    /// digest (44 characters). Only the spaces and tabs HTTP itself strips around a field value
    /// are tolerated; a line feed, a carriage return or any other byte makes it malformed.
    pub fn verify_signature(&self, signature: &str, body: &[u8]) -> Result<(), WebhookError> {
        let signature = signature.trim_matches([' ', '\t']);
        let mut expected = [0u8; 32];
        if signature.len() != 44 {
            return Err(WebhookError::MalformedSignature);
        }
        match BASE64.decode_slice(signature, &mut expected) {
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
        let meta = meta_from_headers(headers);
        Ok(Delivery::Event(SignedDelivery { meta, body }))
    }

    /// The receiving half of the accept → store → parse split: authenticate a delivery from the
    /// raw request without parsing its body. An [`AcceptedDelivery`] always has a
    /// [`dedupe_key`](SignedDelivery::dedupe_key) (an empty or truncated body included), so it
    /// can be stored in the inbox before the answer; the worker then calls
    /// [`parse`](SignedDelivery::parse) (or [`parse_stored`] on the stored headers and body) and
    /// dead-letters what never parses. A [`Refusal`] says which status to answer with.
    ///
    /// ```
    /// use secrecy::SecretString;
    /// use woo_client::webhook::{Delivery, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(&SecretString::from("whsec"));
    /// let body = br#"{"id":727,"line_ite"#; // truncated, but authentic
    /// let headers = vec![
    ///     ("X-WC-Webhook-Signature", verifier.sign(body)),
    ///     ("X-WC-Webhook-Topic", "order.updated".to_string()),
    /// ];
    /// let Delivery::Event(accepted) = verifier.accept(&headers, body).unwrap() else { panic!() };
    /// let key = accepted.dedupe_key().to_string(); // store (key, headers, body), answer 200
    /// assert!(accepted.parse().unwrap_err().is_permanent()); // the worker dead-letters it
    ///
    /// let refused = verifier.accept(&headers, b"{}").unwrap_err();
    /// assert_eq!(refused.status, 401);
    /// ```
    pub fn accept<'b, H: WebhookHeaders + ?Sized>(
        &self,
        headers: &H,
        body: &'b [u8],
    ) -> Result<Delivery<'b>, Refusal> {
        self.verify(headers, body).map_err(|error| Refusal {
            status: error.status_code(),
            error,
        })
    }
}

/// sync-core's accept contract: [`WebhookVerifier::accept`] for
/// [`sync_core::webhook::axum::WebhookEndpoint`] and any other receiver. A signed event is
/// accepted under its [`DedupeKey`] with the headers [`parse_delivery`] needs (topic, source,
/// webhook id, delivery id; never the signature); the creation ping is answered and not
/// stored; a refusal keeps its status (401 unauthenticated, 400 unusable).
///
/// ```
/// use secrecy::SecretString;
/// use sync_core::webhook::Acceptor;
/// use woo_client::webhook::WebhookVerifier;
///
/// let verifier = WebhookVerifier::new(&SecretString::from("whsec"));
/// let body = br#"{"id":727,"status":"processing"}"#;
/// let headers = sync_core::webhook::StoredHeaders::new()
///     .with("X-WC-Webhook-Signature", verifier.sign(body))
///     .with("X-WC-Webhook-Topic", "order.updated");
/// let accepted = Acceptor::accept(&verifier, &(&headers).into(), body).unwrap();
/// assert_eq!(accepted.kind.as_deref(), Some("order.updated"));
/// assert!(accepted.headers.get("x-wc-webhook-signature").is_none());
///
/// let forged = sync_core::webhook::StoredHeaders::new()
///     .with("X-WC-Webhook-Signature", "Zm9yZ2Vk")
///     .with("X-WC-Webhook-Topic", "order.updated");
/// assert_eq!(Acceptor::accept(&verifier, &(&forged).into(), body).unwrap_err().status, 401);
/// ```
impl Acceptor for WebhookVerifier {
    fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<Accepted, Refused> {
        match WebhookVerifier::accept(self, headers, body) {
            Ok(Delivery::Ping { .. }) => Ok(Accepted::answer_only("ping")),
            Ok(Delivery::Event(delivery)) => {
                let stored = StoredHeaders::from_json(&delivery.headers_json()).unwrap_or_default();
                Ok(Accepted::new(delivery.dedupe_key().to_string(), stored)
                    .kind(delivery.topic().to_string()))
            }
            Err(refusal) => Err(Refused::new(refusal.status, refusal.error.to_string())),
        }
    }
}

/// Parse a delivery an [`InboxWorker`](sync_core::inbox_worker::InboxWorker) claimed: the
/// stored headers and raw body back into a typed event ([`parse_stored`]). An error is
/// [permanent](WebhookError::is_permanent): return it so the worker dead-letters the delivery.
pub fn parse_delivery(delivery: &InboxDelivery) -> Result<WebhookEvent, WebhookError> {
    let meta = meta_from_headers(&delivery.stored_headers());
    SignedDelivery {
        meta,
        body: &delivery.body,
    }
    .event()
}

/// A delivery [`WebhookVerifier::accept`] turned away, with the status to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {error}")]
pub struct Refusal {
    /// The HTTP status to answer with (401 unauthenticated, 400 unusable).
    pub status: u16,
    /// Why.
    pub error: WebhookError,
}

/// A delivery that passed [`WebhookVerifier::accept`]: authentic, not yet parsed.
pub type AcceptedDelivery<'b> = SignedDelivery<'b>;

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
}

impl SignedDelivery<'_> {
    /// The key to deduplicate this delivery by, from what was received only: source, topic,
    /// webhook id, delivery id and a SHA-256 digest of the raw body. It never fails, so an
    /// authentic delivery is always stored before anything parses it.
    pub fn dedupe_key(&self) -> DedupeKey {
        DedupeKey {
            source: self.meta.source.clone().unwrap_or_default(),
            topic: self.meta.topic.to_string(),
            webhook_id: self.meta.webhook_id,
            delivery_id: self.meta.delivery_id.clone(),
            body_sha256: hex_digest(self.body),
        }
    }

    /// The headers to store beside the body, as a JSON object: what [`parse_stored`] reads back.
    pub fn headers_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                map.insert(name.to_string(), Value::String(v));
            }
        };
        // A missing topic stays missing, so `parse_stored` reports it rather than guessing.
        put(
            headers::TOPIC,
            Some(self.meta.topic.to_string()).filter(|t| !t.is_empty()),
        );
        put(headers::SOURCE, self.meta.source.clone());
        put(
            headers::WEBHOOK_ID,
            self.meta.webhook_id.map(|id| id.to_string()),
        );
        put(headers::DELIVERY_ID, self.meta.delivery_id.clone());
        Value::Object(map)
    }

    /// The topic header.
    pub fn topic(&self) -> &Topic {
        &self.meta.topic
    }

    /// The worker's half: [`event`](Self::event) under the name the accept → parse split uses.
    pub fn parse(&self) -> Result<WebhookEvent, WebhookError> {
        self.event()
    }

    /// Parse the body into a typed event, after checking that the body is the kind of record
    /// the (unsigned) topic header says ([`WebhookError::TopicMismatch`] otherwise). Both
    /// errors are [permanent](WebhookError::is_permanent).
    pub fn event(&self) -> Result<WebhookEvent, WebhookError> {
        if self.meta.topic.is_missing() {
            return Err(WebhookError::MissingHeader("X-WC-Webhook-Topic"));
        }
        check_topic_against_body(&self.meta.topic, self.body)?;
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

fn hex_digest(body: &[u8]) -> String {
    Sha256::digest(body)
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

    /// `true` for the topic of a signed delivery that came without an `X-WC-Webhook-Topic`
    /// header (or an empty one): it prints as `""` and never parses.
    pub fn is_missing(&self) -> bool {
        matches!(self, Topic::Resource { resource: Resource::Other(r), event: Event::Other(e) }
            if r.is_empty() && e.is_empty())
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A topic without an event (or a missing one) prints as received.
            Topic::Resource { resource, event } if event.as_str().is_empty() => {
                write!(f, "{resource}")
            }
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

/// The identity of a delivery for deduplication, built only from what was received: source,
/// topic, webhook id, `X-WC-Webhook-Delivery-ID` and the SHA-256 of the raw body.
///
/// Because it needs no parse, a delivery whose body is empty or truncated still gets a key and
/// is stored (then dead-lettered by the worker with the parse error) instead of being answered
/// with an error that WooCommerce never retries. Because the body digest is part of it, two
/// different states of one record always get different keys — even within the one-second
/// resolution of `date_modified_gmt` — and the same bytes sent again under the same delivery id
/// collapse into one. Processing stays at-least-once: the same state may arrive under two
/// delivery ids (`order.created` then `order.updated`, or a later second), so handlers must
/// tolerate repeats.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupeKey {
    /// The store (`X-WC-Webhook-Source`), empty if absent.
    pub source: String,
    /// The topic (`X-WC-Webhook-Topic`).
    pub topic: String,
    /// `X-WC-Webhook-ID`.
    pub webhook_id: Option<u64>,
    /// `X-WC-Webhook-Delivery-ID`.
    pub delivery_id: Option<String>,
    /// SHA-256 of the raw body, lower-case hex.
    pub body_sha256: String,
}

impl fmt::Display for DedupeKey {
    /// A stable text form for a database key: `source|topic|webhook-id|delivery-id|sha256`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}|{}|{}|{}|{}",
            self.source,
            self.topic,
            self.webhook_id.map(|i| i.to_string()).unwrap_or_default(),
            self.delivery_id.as_deref().unwrap_or_default(),
            self.body_sha256
        )
    }
}

/// Parse a delivery the worker took from the inbox: `headers` as stored
/// ([`SignedDelivery::headers_json`], or any JSON object of header names to strings) and the raw
/// `body`. The signature was checked when the delivery was accepted; this only parses. An error
/// here is [permanent](WebhookError::is_permanent): dead-letter the delivery with the error as
/// the reason.
pub fn parse_stored(headers: &Value, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let meta = meta_from_headers(headers);
    SignedDelivery { meta, body }.event()
}

impl WebhookHeaders for Value {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    }
}

fn meta_from_headers<H: WebhookHeaders + ?Sized>(headers: &H) -> DeliveryMeta {
    // The topic header is not signed and a proxy may strip it: an authentic delivery without
    // one is still accepted and stored (WooCommerce never resends); parsing it fails later.
    let topic = headers.header(headers::TOPIC).unwrap_or_default();
    DeliveryMeta {
        topic: Topic::parse(topic),
        webhook_id: headers
            .header(headers::WEBHOOK_ID)
            .and_then(|v| v.trim().parse().ok()),
        delivery_id: headers.header(headers::DELIVERY_ID).map(str::to_string),
        source: headers.header(headers::SOURCE).map(str::to_string),
    }
}

/// What a body's shape says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `{"id": N}` and nothing else: what `*.deleted` topics send.
    Deletion,
    /// `{"action", "arg"}`: what `action.*` topics send.
    Action,
    /// A full record of this resource.
    Record(&'static str),
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Deletion => f.write_str("a deletion (`{\"id\": N}`)"),
            Shape::Action => f.write_str("an action payload (`{\"action\", \"arg\"}`)"),
            Shape::Record(resource) => {
                let article = if resource.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                write!(f, "{article} {resource}")
            }
        }
    }
}

/// What a body's shape says it is, from the fields WooCommerce's REST API writes for each
/// resource (`WC_Webhook::build_payload` sends `GET /wc/v3/<resource>s/<id>`; a deletion sends
/// only `{"id": N}`; an `action.*` topic sends `{"action", "arg"}`). `None` when the body does
/// not say (an error body, a filtered payload, a resource this crate does not know).
fn body_shape(body: &serde_json::Map<String, Value>) -> Option<Shape> {
    let has = |k: &str| body.contains_key(k);
    if body.len() == 1 && has("id") {
        return Some(Shape::Deletion);
    }
    if has("action") && has("arg") {
        return Some(Shape::Action);
    }
    // Subscriptions extend orders (they have `line_items` too): test them first.
    let resource = if has("billing_period") {
        "subscription"
    } else if has("line_items") || has("order_key") {
        "order"
    } else if has("discount_type") {
        "coupon"
    } else if has("username") || has("role") {
        "customer"
    } else if has("sku") || has("regular_price") || has("variations") {
        "product"
    } else {
        return None;
    };
    Some(Shape::Record(resource))
}

/// The topic header is not signed: refuse to process a body as something it says it is not.
fn check_topic_against_body(topic: &Topic, body: &[u8]) -> Result<(), WebhookError> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        // Not a JSON object: the typed parse reports that.
        return Ok(());
    };
    let Some(body_is) = body_shape(&object) else {
        return Ok(());
    };
    let fits = match topic {
        Topic::Action(_) => body_is == Shape::Action,
        Topic::Resource {
            event: Event::Deleted,
            ..
        } => body_is == Shape::Deletion,
        Topic::Resource { resource, .. } => match resource {
            // A resource this crate does not know: only a deletion or action body is out of place.
            Resource::Other(_) => matches!(body_is, Shape::Record(_)),
            known => matches!(body_is, Shape::Record(r) if r == known.as_str()),
        },
    };
    if fits {
        Ok(())
    } else {
        Err(WebhookError::TopicMismatch {
            topic: topic.to_string(),
            body_is: body_is.to_string(),
        })
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
