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
//! use woo_client::webhook_receive::{Delivery, Payload, WebhookVerifier};
//!
//! let verifier = WebhookVerifier::new(SecretString::from("s3cret"));
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
//! # Ok::<(), woo_client::webhook_receive::WebhookError>(())
//! ```

mod delivery;
mod entities;
mod error;
mod event;
pub mod headers;
mod verify;

pub use delivery::{
    AcceptedDelivery, DedupeKey, Delivery, DeliveryMeta, SignedDelivery, parse_delivery,
    parse_stored,
};
pub use entities::wp_specialchars_decode;
pub use error::WebhookError;
pub use event::{Event, Payload, Resource, Topic, WebhookEvent};
pub use headers::WebhookHeaders;
pub use verify::{Refusal, WebhookVerifier};
