//! [`WebhookVerifier`]: the signature check on the raw bytes, the creation ping, and sync-core's
//! accept contract.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use sync_core::http::reqwest::header::HeaderMap;
use sync_core::webhook::{Accepted, Acceptor, Refused, StoredHeaders};

use super::delivery::meta_from_headers;
use super::{
    Delivery, SignedDelivery, WebhookError, WebhookHeaders, headers, wp_specialchars_decode,
};

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
    pub fn new(secret: impl Into<SecretString>) -> Self {
        let secret: SecretString = secret.into();
        Self::with_exact_secret(wp_specialchars_decode(secret.expose_secret()))
    }

    /// A verifier that uses `secret` byte for byte, without entity decoding.
    pub fn with_exact_secret(secret: impl Into<SecretString>) -> Self {
        let secret: SecretString = secret.into();
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
    /// raw request without parsing its body. An [`AcceptedDelivery`](super::AcceptedDelivery) always has a
    /// [`dedupe_key`](SignedDelivery::dedupe_key) (an empty or truncated body included), so it
    /// can be stored in the inbox before the answer; the worker then calls
    /// [`parse`](SignedDelivery::parse) (or [`parse_stored`](super::parse_stored) on the stored headers and body) and
    /// dead-letters what never parses. A [`Refusal`] says which status to answer with.
    ///
    /// ```
    /// use secrecy::SecretString;
    /// use woo_client::webhook_receive::{Delivery, WebhookVerifier};
    ///
    /// let verifier = WebhookVerifier::new(SecretString::from("whsec"));
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
/// [`WebhookEndpoint`](https://docs.rs/sync-core/latest/sync_core/webhook/axum/struct.WebhookEndpoint.html) (sync-core feature `axum`) and any other receiver. A signed event is
/// accepted under its [`DedupeKey`](super::DedupeKey) with the headers [`parse_delivery`](super::parse_delivery) needs (topic, source,
/// webhook id, delivery id; never the signature); the creation ping is answered and not
/// stored; a refusal keeps its status (401 unauthenticated, 400 unusable).
///
/// ```
/// use secrecy::SecretString;
/// use sync_core::webhook::Acceptor;
/// use woo_client::webhook_receive::WebhookVerifier;
///
/// let verifier = WebhookVerifier::new(SecretString::from("whsec"));
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

/// A delivery [`WebhookVerifier::accept`] turned away, with the status to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {error}")]
pub struct Refusal {
    /// The HTTP status to answer with (401 unauthenticated, 400 unusable).
    pub status: u16,
    /// Why.
    pub error: WebhookError,
}

/// `webhook_id=<digits>` and nothing else.
fn parse_ping(body: &[u8]) -> Option<u64> {
    let digits = body.strip_prefix(b"webhook_id=")?;
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
