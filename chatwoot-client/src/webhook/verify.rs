//! Signature verification on the raw body: `X-Chatwoot-Signature: sha256=<hex>` over
//! `"{X-Chatwoot-Timestamp}.{raw body}"`, a timestamp window, and the delivery id as the
//! dedupe key.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sync_core::http::reqwest::header::HeaderMap;

use super::WebhookError;
use super::events::WebhookEvent;

/// The signature header: `sha256=<lowercase hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "x-chatwoot-signature";
/// The timestamp header: unix seconds, part of the signed string.
pub const TIMESTAMP_HEADER: &str = "x-chatwoot-timestamp";
/// The delivery header: a UUID that Chatwoot's retries of one delivery reuse.
pub const DELIVERY_HEADER: &str = "x-chatwoot-delivery";
/// How far a delivery's timestamp may be from now by default (Chatwoot recommends about five
/// minutes).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

type HmacSha256 = Hmac<Sha256>;

/// The signature Chatwoot would send for `body` at `timestamp` (unix seconds):
/// `sha256=` + lowercase hex of HMAC-SHA256(secret, `"{timestamp}.{body}"`).
///
/// Useful for tests and local fakes of Chatwoot.
///
/// ```
/// use chatwoot_client::webhook::sign;
/// assert_eq!(
///     sign("test-secret", 1700000000, br#"{"event":"message_created","id":1}"#),
///     "sha256=77a4c9ecab8fe968b13a6cc51d3ddcd4b2d74f50c837661ab5972c9e6791bb15"
/// );
/// ```
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = signed_mac(secret.as_bytes(), &timestamp.to_string(), body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn signed_mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whether a delivery's origin was proven.
///
/// Only [`Verified`](Self::Verified) proves the delivery came from Chatwoot. A verifier built
/// with an opt-in for unsigned servers also returns `Ok` for the other two, so **check this
/// (or [`Delivery::is_verified`]) before trusting the payload** for anything an attacker could
/// abuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Authenticity {
    /// The signature matched the secret and the timestamp is within the window.
    Verified,
    /// The delivery carried no signature and the verifier was told to accept that. Anyone who
    /// can reach the endpoint can send one: this proves nothing about the origin.
    Unsigned,
    /// The delivery was signed, but the verifier has no secret to check it with
    /// ([`WebhookVerifier::unsigned_servers`]). Configure the secret.
    Unchecked,
}

/// What verification established about one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Whether the origin was proven.
    pub authenticity: Authenticity,
    /// The signed timestamp, when sent.
    pub timestamp: Option<DateTime<Utc>>,
    /// `X-Chatwoot-Delivery`, when sent: the same for every retry of one delivery.
    pub delivery_id: Option<String>,
    body_sha256: String,
}

impl Delivery {
    /// The key to deduplicate deliveries by, built from what was received:
    /// `delivery:<X-Chatwoot-Delivery>:sha256:<hex of the raw body>` when the server sends a
    /// delivery id, else `sha256:<hex of the raw body>`. A retry resends the same id and bytes;
    /// two different bodies never share a key, even under one delivery id.
    pub fn dedupe_key(&self) -> String {
        match &self.delivery_id {
            Some(id) => format!("delivery:{id}:sha256:{}", self.body_sha256),
            None => format!("sha256:{}", self.body_sha256),
        }
    }

    /// Lowercase hex SHA-256 of the raw body.
    pub fn body_sha256(&self) -> &str {
        &self.body_sha256
    }

    /// `true` when the signature was checked and matched.
    pub fn is_verified(&self) -> bool {
        self.authenticity == Authenticity::Verified
    }
}

/// The three Chatwoot headers, for frameworks that do not use [`HeaderMap`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignatureHeaders<'a> {
    /// `X-Chatwoot-Signature`.
    pub signature: Option<&'a str>,
    /// `X-Chatwoot-Timestamp`.
    pub timestamp: Option<&'a str>,
    /// `X-Chatwoot-Delivery`.
    pub delivery: Option<&'a str>,
}

impl<'a> SignatureHeaders<'a> {
    /// Read the three headers (names are case-insensitive).
    pub fn from_header_map(headers: &'a HeaderMap) -> Self {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        SignatureHeaders {
            signature: get(SIGNATURE_HEADER),
            timestamp: get(TIMESTAMP_HEADER),
            delivery: get(DELIVERY_HEADER),
        }
    }
}

/// Checks Chatwoot webhook deliveries on the raw body.
///
/// # Which Chatwoot versions sign
///
/// Signing came with PR chatwoot/chatwoot#13573 (account webhooks, per-webhook secret) and
/// PR #13892 (API inbox and agent bot webhooks). Which stable release first ships them is
/// **not confirmed by this crate**: a Chatwoot maintainer's comment on issue
/// chatwoot/chatwoot#13862 (May 2026) says account webhook signing "appears in v4.11.2" and
/// API inbox / agent bot signing in v4.13.0, and that the database migrations must have run;
/// a third-party test harness pins v4.13.0 as the minimum, and issue #13809 reports servers
/// whose displayed secret did not sign. Check that your server actually sends
/// `X-Chatwoot-Signature` before relying on it.
///
/// # Servers that do not sign
///
/// Older servers send no signature. Accepting that takes an explicit opt-in, and an accepted
/// unsigned delivery proves nothing: **check [`Delivery::authenticity`]** (or
/// [`Delivery::is_verified`]) whenever an opt-in is set.
/// - [`unsigned_servers`](Self::unsigned_servers): no secret at all, every delivery accepted.
/// - With a secret, unsigned deliveries are refused, even with
///   [`accept_unsigned(true)`](Self::accept_unsigned), unless
///   [`mixed_fleet(true)`](Self::mixed_fleet) also says that signed and unsigned deliveries may
///   both arrive (some servers upgraded, some not). A secret means "expect signatures", so a
///   missing one is treated as an attack unless both options say otherwise.
///
/// ```
/// use chatwoot_client::webhook::{Authenticity, SignatureHeaders, WebhookError, WebhookVerifier, sign};
/// use chrono::{TimeZone, Utc};
///
/// let body = br#"{"event":"contact_created","id":5,"name":"Ada"}"#;
/// let now = Utc.timestamp_opt(1_700_000_100, 0).unwrap();
/// let signature = sign("s3cret", 1_700_000_000, body);
/// let headers = SignatureHeaders {
///     signature: Some(&signature),
///     timestamp: Some("1700000000"),
///     delivery: Some("0b6a8f9e-2c1d-4c57-9b8e-1f2a3b4c5d6e"),
/// };
///
/// let verifier = WebhookVerifier::new("s3cret");
/// let delivery = verifier.verify_headers_at(headers, body, now).unwrap();
/// assert_eq!(delivery.authenticity, Authenticity::Verified);
/// assert!(delivery.dedupe_key().starts_with("delivery:0b6a8f9e-2c1d-4c57-9b8e-1f2a3b4c5d6e:sha256:"));
///
/// // One changed byte and the delivery is refused.
/// let tampered = br#"{"event":"contact_created","id":6,"name":"Ada"}"#;
/// assert!(matches!(
///     verifier.verify_headers_at(headers, tampered, now),
///     Err(WebhookError::SignatureMismatch)
/// ));
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: Option<SecretString>,
    tolerance: Duration,
    accept_unsigned: bool,
    mixed_fleet: bool,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .field("tolerance", &self.tolerance)
            .field("accept_unsigned", &self.accept_unsigned)
            .field("mixed_fleet", &self.mixed_fleet)
            .finish()
    }
}

impl WebhookVerifier {
    /// Require a valid signature made with `secret` (the webhook's, agent bot's or API
    /// inbox's own secret; a `&str`, `String` or [`SecretString`]), within
    /// [`DEFAULT_TOLERANCE`].
    pub fn new(secret: impl Into<SecretString>) -> Self {
        WebhookVerifier {
            secret: Some(secret.into()),
            tolerance: DEFAULT_TOLERANCE,
            accept_unsigned: false,
            mixed_fleet: false,
        }
    }

    /// **Opt-in for servers that do not sign** (see [the versions](Self#which-chatwoot-versions-sign)):
    /// accept every delivery without proof of origin. Protect the endpoint another way (a
    /// secret path, an IP allow-list). Signed deliveries are accepted as
    /// [`Authenticity::Unchecked`] and logged, so you notice when the server starts signing.
    ///
    /// **Every delivery this accepts is unproven:** [`Delivery::authenticity`] is never
    /// [`Verified`](Authenticity::Verified), and code downstream must treat the payload as
    /// untrusted input.
    pub fn unsigned_servers() -> Self {
        WebhookVerifier {
            secret: None,
            tolerance: DEFAULT_TOLERANCE,
            accept_unsigned: true,
            mixed_fleet: false,
        }
    }

    /// **Opt-in**: accept deliveries that carry no signature at all, as
    /// [`Authenticity::Unsigned`]. Deliveries that do carry a signature must still match.
    ///
    /// On a verifier with a secret this alone is **not enough**: unsigned deliveries are
    /// refused ([`WebhookError::UnsignedWithSecret`]) unless [`mixed_fleet(true)`](Self::mixed_fleet)
    /// is set too, because with a secret configured a missing signature is what a forged request
    /// looks like.
    ///
    /// **Whenever unsigned deliveries can be accepted, check [`Delivery::authenticity`]** (or
    /// [`Delivery::is_verified`]): [`verify`](Self::verify) returning `Ok` then does not mean
    /// the delivery came from Chatwoot.
    pub fn accept_unsigned(mut self, accept: bool) -> Self {
        self.accept_unsigned = accept;
        self
    }

    /// **Second opt-in, for a fleet mid-upgrade**: with a secret and
    /// [`accept_unsigned(true)`](Self::accept_unsigned), signed and unsigned deliveries may both
    /// arrive (some Chatwoot servers sign, some are not upgraded yet). Unsigned ones are then
    /// accepted as [`Authenticity::Unsigned`] and logged at `warn`; signed ones must match.
    /// Turn it off once every server signs.
    ///
    /// ```
    /// use chatwoot_client::webhook::{Authenticity, SignatureHeaders, WebhookError, WebhookVerifier};
    ///
    /// let unsigned = SignatureHeaders::default();
    /// let now = chrono::Utc::now();
    /// let body = br#"{"event":"contact_created","id":5}"#;
    ///
    /// // A secret plus accept_unsigned alone still refuses a delivery without a signature.
    /// let strict = WebhookVerifier::new("s3cret").accept_unsigned(true);
    /// assert_eq!(
    ///     strict.verify_headers_at(unsigned, body, now),
    ///     Err(WebhookError::UnsignedWithSecret)
    /// );
    ///
    /// let upgrading = WebhookVerifier::new("s3cret").accept_unsigned(true).mixed_fleet(true);
    /// let delivery = upgrading.verify_headers_at(unsigned, body, now).unwrap();
    /// // Accepted, but not proven: check before trusting it.
    /// assert_eq!(delivery.authenticity, Authenticity::Unsigned);
    /// assert!(!delivery.is_verified());
    /// ```
    pub fn mixed_fleet(mut self, mixed: bool) -> Self {
        self.mixed_fleet = mixed;
        self
    }

    /// How far the timestamp may be from now, either way (default five minutes).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Verify a delivery against the current time.
    ///
    /// `Ok` means "accepted under this verifier's options", not necessarily "from Chatwoot":
    /// with [`accept_unsigned`](Self::accept_unsigned) or
    /// [`unsigned_servers`](Self::unsigned_servers) set, **check
    /// [`Delivery::authenticity`]** before trusting the payload.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        self.verify_headers_at(SignatureHeaders::from_header_map(headers), body, Utc::now())
    }

    /// Verify, then parse the event. As with [`verify`](Self::verify), check
    /// [`Delivery::authenticity`] when an unsigned opt-in is set.
    pub fn verify_and_parse(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(Delivery, WebhookEvent), WebhookError> {
        let delivery = self.verify(headers, body)?;
        Ok((delivery, WebhookEvent::parse(body)?))
    }

    /// Verify given headers against `now`.
    pub fn verify_headers_at(
        &self,
        headers: SignatureHeaders<'_>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Delivery, WebhookError> {
        // Headers are taken exactly as received: no trimming, so what is keyed and checked is
        // what was sent.
        let delivery_id = headers
            .delivery
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        let body_sha256 = hex::encode(Sha256::digest(body));
        let signature = headers.signature;
        if let Some(signature) = signature {
            check_signature_format(signature)?;
        }

        let Some(signature) = signature else {
            if self.secret.is_some() && self.accept_unsigned && !self.mixed_fleet {
                return Err(WebhookError::UnsignedWithSecret);
            }
            if self.accept_unsigned {
                if self.secret.is_some() {
                    tracing::warn!(
                        delivery = delivery_id.as_deref().unwrap_or(""),
                        "chatwoot webhook without a signature accepted (mixed_fleet): its origin \
                         is unproven; turn mixed_fleet off once every server signs"
                    );
                }
                return Ok(Delivery {
                    authenticity: Authenticity::Unsigned,
                    timestamp: None,
                    delivery_id,
                    body_sha256,
                });
            }
            return Err(WebhookError::MissingSignature);
        };

        let raw_timestamp = headers
            .timestamp
            .filter(|t| !t.is_empty())
            .ok_or(WebhookError::MissingTimestamp)?;
        // Unix seconds as Chatwoot writes them: digits only (no sign, no spaces).
        let seconds: i64 = Some(raw_timestamp)
            .filter(|t| t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| WebhookError::MalformedTimestamp(shorten(raw_timestamp)))?;
        let timestamp = Utc
            .timestamp_opt(seconds, 0)
            .single()
            .ok_or_else(|| WebhookError::MalformedTimestamp(shorten(raw_timestamp)))?;

        let Some(secret) = &self.secret else {
            tracing::warn!(
                "chatwoot webhook is signed but no secret is configured: accepted unchecked; \
                 configure WebhookVerifier::new(secret)"
            );
            return Ok(Delivery {
                authenticity: Authenticity::Unchecked,
                timestamp: Some(timestamp),
                delivery_id,
                body_sha256,
            });
        };

        // The format was checked above: `sha256=` + 64 lowercase hex digits.
        let expected = hex::decode(&signature["sha256=".len()..])
            .map_err(|_| WebhookError::MalformedSignature(shorten(signature)))?;
        // Check the MAC before the clock, so a forged request learns nothing about the window.
        signed_mac(secret.expose_secret().as_bytes(), raw_timestamp, body)
            .verify_slice(&expected)
            .map_err(|_| WebhookError::SignatureMismatch)?;

        let skew = (now - timestamp).abs();
        let tolerance = chrono::Duration::from_std(self.tolerance).unwrap_or(chrono::Duration::MAX);
        if skew > tolerance {
            return Err(WebhookError::StaleTimestamp {
                timestamp,
                now,
                tolerance: self.tolerance,
            });
        }
        Ok(Delivery {
            authenticity: Authenticity::Verified,
            timestamp: Some(timestamp),
            delivery_id,
            body_sha256,
        })
    }
}

/// Accept a signature only as Chatwoot writes it: `sha256=` followed by exactly 64 lowercase
/// hex digits (`OpenSSL::HMAC.hexdigest`), nothing before, after or in between.
fn check_signature_format(signature: &str) -> Result<(), WebhookError> {
    let well_formed = signature.strip_prefix("sha256=").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    if well_formed {
        Ok(())
    } else {
        Err(WebhookError::MalformedSignature(shorten(signature)))
    }
}

/// Keep a malformed header recognisable in errors without echoing all of it; control
/// characters are shown escaped.
fn shorten(value: &str) -> String {
    let shown: String = value
        .chars()
        .take(12)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().count() > 12 {
        format!("{shown}…")
    } else {
        shown
    }
}
