//! Chatwoot webhooks: signature verification on the raw body, and typed events.
//!
//! A receiver should (1) accept the raw bytes with [`WebhookVerifier::accept`] (signature and
//! timestamp window; answer a [`Refusal`] with its status), (2) store the raw delivery in
//! sync-core's inbox under [`AcceptedDelivery::dedupe_key`] — built from the delivery id and a
//! digest of the body, never from a parse — so Chatwoot's retries are stored once, (3) answer
//! 2xx quickly (Chatwoot waits about 5 s), then (4) in a worker, parse with
//! [`WebhookEvent::parse`] and process; a body that never parses goes to dead letters with the
//! reason ([`dead_letter`]). Parsing before storing would answer 400 to a signed delivery and
//! lose it.
//!
//! [`WebhookVerifier::verify_and_parse`] does both steps at once, for receivers without an
//! inbox.
//!
//! ```
//! use chatwoot_client::webhook::{WebhookEvent, WebhookVerifier, sign};
//! use sync_core::http::reqwest::header::{HeaderMap, HeaderValue};
//!
//! let secret = "whsec-from-chatwoot-settings";
//! let body = br#"{"event":"conversation_status_changed","id":42,"status":"resolved",
//!   "changed_attributes":[{"status":{"previous_value":"open","current_value":"resolved"}}]}"#;
//!
//! // What Chatwoot sends.
//! let now = chrono::Utc::now().timestamp();
//! let mut headers = HeaderMap::new();
//! headers.insert("X-Chatwoot-Signature", HeaderValue::from_str(&sign(secret, now, body)).unwrap());
//! headers.insert("X-Chatwoot-Timestamp", HeaderValue::from(now));
//! headers.insert("X-Chatwoot-Delivery", HeaderValue::from_static("5d3c0e1a-7f60-4b8e-9a21-0c4d2e6f8b13"));
//!
//! let (delivery, event) = WebhookVerifier::new(secret).verify_and_parse(&headers, body).unwrap();
//! assert!(delivery.is_verified());
//! let WebhookEvent::ConversationStatusChanged(change) = event else { unreachable!() };
//! assert_eq!(change.conversation.id, 42);
//! assert_eq!(change.change("status").unwrap().current, "resolved");
//! ```

mod accept;
mod events;
mod verify;

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use accept::{AcceptedDelivery, Refusal, dead_letter, inbox_headers, parse_delivery};
pub use events::{
    ChangedAttribute, ContactEvent, ConversationEvent, InboxEvent, MessageEvent, ResourceRef,
    TypingEvent, UnknownEvent, WebhookEvent, WebwidgetEvent,
};
pub use verify::{
    Authenticity, DEFAULT_TOLERANCE, DELIVERY_HEADER, Delivery, SIGNATURE_HEADER, SignatureHeaders,
    TIMESTAMP_HEADER, WebhookVerifier, sign,
};

/// Why a webhook delivery was refused. Answer it with 401 (signature problems) or 400
/// (payload problems); never with a 5xx, which would make Chatwoot retry a bad request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No `X-Chatwoot-Signature` header, and unsigned deliveries were not allowed.
    #[error(
        "the delivery has no X-Chatwoot-Signature header: the server does not sign or the \
         webhook has no secret (signing reportedly starts in Chatwoot v4.11.2 for account \
         webhooks and v4.13.0 for API inbox and agent bot webhooks, per a maintainer on \
         chatwoot/chatwoot#13862; not confirmed here); upgrade, or opt in with \
         WebhookVerifier::unsigned_servers (no secret) or, with a secret, \
         WebhookVerifier::accept_unsigned plus WebhookVerifier::mixed_fleet"
    )]
    MissingSignature,
    /// No `X-Chatwoot-Signature` header on a verifier that has a secret and
    /// [`accept_unsigned`](WebhookVerifier::accept_unsigned) but not
    /// [`mixed_fleet`](WebhookVerifier::mixed_fleet): with a secret configured, a delivery
    /// without a signature is refused unless both options say unsigned servers remain.
    #[error(
        "the delivery has no X-Chatwoot-Signature header, and a secret is configured, so it is \
         refused even with accept_unsigned(true): a forged request looks exactly like this; if \
         some of your Chatwoot servers do not sign yet, also set WebhookVerifier::mixed_fleet(true) \
         and check Delivery::authenticity"
    )]
    UnsignedWithSecret,
    /// A signature without `X-Chatwoot-Timestamp`: the signed string cannot be rebuilt.
    #[error(
        "the delivery is signed but has no X-Chatwoot-Timestamp header, which is part of the signed string"
    )]
    MissingTimestamp,
    /// The timestamp is not unix seconds.
    #[error("X-Chatwoot-Timestamp `{0}` is not unix seconds")]
    MalformedTimestamp(String),
    /// The signature is not `sha256=<64 hex digits>`.
    #[error("X-Chatwoot-Signature `{0}` is not `sha256=<64 hex digits>`")]
    MalformedSignature(String),
    /// The signature does not match the body and timestamp under this secret.
    #[error(
        "X-Chatwoot-Signature does not match: the body was changed, or the secret is not this \
         webhook's (each account webhook, agent bot and API inbox has its own secret; see \
         chatwoot/chatwoot#13809 for servers where the displayed secret did not sign); verify \
         the raw body bytes, never re-serialized JSON"
    )]
    SignatureMismatch,
    /// The signed timestamp is outside the window: a replay, or clocks out of sync.
    #[error(
        "X-Chatwoot-Timestamp {timestamp} is more than {}s from now ({now}): a replayed \
         delivery, or a clock out of sync (check NTP on both sides)", .tolerance.as_secs()
    )]
    StaleTimestamp {
        /// The signed time.
        timestamp: DateTime<Utc>,
        /// Our time.
        now: DateTime<Utc>,
        /// The allowed distance.
        tolerance: Duration,
    },
    /// The body has no `event` name.
    #[error("the body has no `event` field; is this a Chatwoot webhook?")]
    MissingEvent,
    /// The body does not have the shape of its event.
    #[error("`{event}` payload does not match the expected shape at `{path}`: {message}")]
    Payload {
        /// The event name.
        event: String,
        /// The JSON path of the failing value.
        path: String,
        /// What did not match.
        message: String,
    },
}

impl WebhookError {
    /// The HTTP status a receiver should answer with: 401 for signature problems, 400 for
    /// payload problems.
    pub fn http_status(&self) -> u16 {
        match self {
            WebhookError::MissingEvent | WebhookError::Payload { .. } => 400,
            _ => 401,
        }
    }
}
