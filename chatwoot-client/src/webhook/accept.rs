//! Accepting a delivery for the inbox: verify what was received, key it by what was received,
//! and leave parsing to the worker.
//!
//! A delivery whose signature is valid but whose body does not parse (empty, truncated, a new
//! shape) is still *accepted*: it is stored, and the worker that parses it later dead-letters
//! it with the reason. Refusing it with a 400 would lose it, because the receiver would never
//! see it again.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use sync_core::http::reqwest::header::HeaderMap;
use sync_core::store::{InboxDelivery, NewDeadLetter, StreamKey};
use sync_core::webhook::{Accepted, Acceptor, Refused, StoredHeaders};

use super::WebhookError;
use super::verify::{
    Authenticity, DELIVERY_HEADER, SIGNATURE_HEADER, SignatureHeaders, TIMESTAMP_HEADER,
    WebhookVerifier,
};

/// A delivery the receiver must store before answering 2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedDelivery {
    /// The key to store it under: built from what was received (the `X-Chatwoot-Delivery` id
    /// and a SHA-256 digest of the raw body), never from a parse, so a body that does not
    /// parse is keyed too. Chatwoot's retries resend the same id and bytes, so they collide
    /// here and are stored once.
    pub dedupe_key: String,
    /// The body's `event` field, when the body is a JSON object that names one. `None` does
    /// not refuse the delivery: the worker's parse gives the reason.
    pub event: Option<String>,
    /// Whether the origin was proven (check it when an unsigned opt-in is set).
    pub authenticity: Authenticity,
    /// The signed timestamp, when sent.
    pub timestamp: Option<DateTime<Utc>>,
    /// `X-Chatwoot-Delivery`, when sent.
    pub delivery_id: Option<String>,
}

/// Why a delivery was refused, and the status to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status to answer (401 for signature and timestamp problems). Never a 5xx,
    /// which would make Chatwoot retry a request that will be refused again.
    pub status: u16,
    /// What was wrong.
    pub error: WebhookError,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused with {}: {}", self.status, self.error)
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<WebhookError> for Refusal {
    fn from(error: WebhookError) -> Self {
        Refusal {
            status: error.http_status(),
            error,
        }
    }
}

/// The `event` field, if the body is an object that has one; nothing else is read.
fn peek_event(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Peek {
        event: Option<String>,
    }
    serde_json::from_slice::<Peek>(body).ok()?.event
}

impl WebhookVerifier {
    /// Accept a delivery for the inbox: check the signature and timestamp on the raw bytes
    /// and key it by what was received. The body is **not** parsed, so a signed delivery with
    /// a body that does not parse is accepted (store it; the worker dead-letters it with
    /// [`WebhookEvent::parse`](super::WebhookEvent::parse)'s reason).
    ///
    /// ```
    /// use chatwoot_client::webhook::{WebhookVerifier, sign};
    /// use sync_core::http::reqwest::header::{HeaderMap, HeaderValue};
    ///
    /// let body = br#"{"event":"message_created","id":1"#; // truncated in transit
    /// let now = chrono::Utc::now().timestamp();
    /// let mut headers = HeaderMap::new();
    /// headers.insert("X-Chatwoot-Signature", HeaderValue::from_str(&sign("s3cret", now, body)).unwrap());
    /// headers.insert("X-Chatwoot-Timestamp", HeaderValue::from(now));
    ///
    /// let accepted = WebhookVerifier::new("s3cret").accept(&headers, body).unwrap();
    /// assert!(accepted.dedupe_key.starts_with("sha256:"));
    /// assert_eq!(accepted.event, None); // the worker's parse will say why
    /// ```
    pub fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<AcceptedDelivery, Refusal> {
        self.accept_headers_at(SignatureHeaders::from_header_map(headers), body, Utc::now())
    }

    /// [`accept`](Self::accept) with given headers and clock.
    pub fn accept_headers_at(
        &self,
        headers: SignatureHeaders<'_>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<AcceptedDelivery, Refusal> {
        let delivery = self.verify_headers_at(headers, body, now)?;
        Ok(AcceptedDelivery {
            dedupe_key: delivery.dedupe_key(),
            event: peek_event(body),
            authenticity: delivery.authenticity,
            timestamp: delivery.timestamp,
            delivery_id: delivery.delivery_id,
        })
    }
}

/// sync-core's accept contract: [`WebhookVerifier::accept`] for
/// `sync_core::webhook::axum::WebhookEndpoint` (sync-core feature `axum`) and any other receiver. The delivery is
/// stored under its [`AcceptedDelivery::dedupe_key`] with the headers [`inbox_headers`] keeps
/// (signature, timestamp, delivery id, content type), and its `event` as the kind; a refusal
/// keeps its status (401).
impl Acceptor for WebhookVerifier {
    fn accept(&self, headers: &HeaderMap, body: &[u8]) -> Result<Accepted, Refused> {
        match WebhookVerifier::accept(self, headers, body) {
            Ok(accepted) => {
                let stored = StoredHeaders::from(headers).only([
                    SIGNATURE_HEADER,
                    TIMESTAMP_HEADER,
                    DELIVERY_HEADER,
                    "content-type",
                ]);
                let mut out = Accepted::new(accepted.dedupe_key, stored);
                if let Some(event) = accepted.event {
                    out = out.kind(event);
                }
                Ok(out)
            }
            Err(refusal) => Err(Refused::new(refusal.status, refusal.error.to_string())),
        }
    }
}

/// Parse a delivery an [`InboxWorker`](sync_core::inbox_worker::InboxWorker) claimed into a
/// typed event. The signature was checked when it was accepted; an error here is permanent
/// (return it so the worker dead-letters the delivery with the reason).
pub fn parse_delivery(delivery: &InboxDelivery) -> Result<super::WebhookEvent, WebhookError> {
    super::WebhookEvent::parse(&delivery.body)
}

/// The Chatwoot headers of a delivery as a JSON object, for
/// [`InboxStore::store`](sync_core::store::InboxStore::store) (the signature is an HMAC, not a
/// secret; keeping it lets a worker verify the stored bytes again).
pub fn inbox_headers(headers: &HeaderMap) -> Value {
    let mut map = Map::new();
    for name in [
        SIGNATURE_HEADER,
        TIMESTAMP_HEADER,
        DELIVERY_HEADER,
        "content-type",
    ] {
        if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
            map.insert(name.to_string(), Value::from(value));
        }
    }
    Value::Object(map)
}

/// The dead letter for an inbox delivery the worker could not process (a body that never
/// parses): the raw body, its headers and key are kept so it can be inspected and replayed.
///
/// `reason` is stored through Chatwoot's secret names ([`crate::secrets::SECRET_NAMES`]): a
/// parse error can quote a value from the body.
pub fn dead_letter(stream: StreamKey, delivery: &InboxDelivery, reason: &str) -> NewDeadLetter {
    let body = match std::str::from_utf8(&delivery.body) {
        Ok(text) => serde_json::json!({ "body": text }),
        Err(_) => serde_json::json!({ "body_hex": hex::encode(&delivery.body) }),
    };
    let mut payload = serde_json::json!({
        "source": delivery.source,
        "dedupe_key": delivery.dedupe_key,
        "headers": delivery.headers,
        "received_at": delivery.received_at.to_rfc3339(),
    });
    if let (Value::Object(payload), Value::Object(body)) = (&mut payload, body) {
        payload.extend(body);
    }
    NewDeadLetter {
        stream,
        record_key: delivery.dedupe_key.clone(),
        payload,
        reason: crate::secrets::names_redactor().text(reason),
        last_response: None,
        attempts: delivery.attempts,
    }
}
