//! A verified delivery: [`Delivery`], [`SignedDelivery`] with its [`DedupeKey`] (from what was
//! received, never a parse), and the worker's way back from a stored delivery to an event.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sync_core::store::InboxDelivery;

use super::event::check_topic_against_body;
use super::{Event, Payload, Resource, Topic, WebhookError, WebhookEvent, WebhookHeaders, headers};

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

/// A delivery that passed [`WebhookVerifier::accept`](super::WebhookVerifier::accept): authentic, not yet parsed.
pub type AcceptedDelivery<'b> = SignedDelivery<'b>;

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

pub(super) fn meta_from_headers<H: WebhookHeaders + ?Sized>(headers: &H) -> DeliveryMeta {
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
