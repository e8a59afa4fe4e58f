//! Accepting webhooks for the inbox: nothing signed is lost, nothing different is merged, and
//! signature headers are taken exactly as Chatwoot writes them.

mod common;

use std::time::Duration;

use chatwoot_client::webhook::{
    AcceptedDelivery, Refusal, SignatureHeaders, WebhookError, WebhookEvent, WebhookVerifier,
    dead_letter, inbox_headers, sign,
};
use chrono::{DateTime, TimeZone, Utc};
use common::*;
use sync_core::http::reqwest::header::{HeaderMap, HeaderValue};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{DeadLetterQuery, DeadLetterStore, InboxStore, StreamKey};

const SECRET: &str = "whsec-test-4f9a";
const SIGNED_AT: i64 = 1_714_557_600;
const DELIVERY: &str = "6f1c2b9e-8d4a-4e2b-9c3f-0a1b2c3d4e5f";

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).unwrap()
}

fn signed(body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "X-Chatwoot-Signature",
        HeaderValue::from_str(&sign(SECRET, SIGNED_AT, body)).unwrap(),
    );
    h.insert("X-Chatwoot-Timestamp", HeaderValue::from(SIGNED_AT));
    h.insert("X-Chatwoot-Delivery", HeaderValue::from_static(DELIVERY));
    h.insert("Content-Type", HeaderValue::from_static("application/json"));
    h
}

fn accept(headers: &HeaderMap, body: &[u8]) -> Result<AcceptedDelivery, Refusal> {
    WebhookVerifier::new(SECRET).accept_headers_at(
        SignatureHeaders::from_header_map(headers),
        body,
        at(SIGNED_AT + 5),
    )
}

#[test]
fn a_signed_body_that_does_not_parse_is_accepted_with_a_key() {
    let full = fixture_text("webhook_message_created.json");
    // Truncated in transit (or by a proxy), but signed as received.
    let truncated = &full.as_bytes()[..full.len() / 2];
    for body in [truncated, b"".as_slice(), b"[]".as_slice()] {
        let accepted = accept(&signed(body), body).unwrap_or_else(|r| panic!("{r}"));
        assert!(
            accepted
                .dedupe_key
                .starts_with(&format!("delivery:{DELIVERY}:sha256:"))
        );
        assert_eq!(accepted.event, None);
        assert!(WebhookEvent::parse(body).is_err());
    }
    // A body that parses names its event.
    let accepted = accept(&signed(full.as_bytes()), full.as_bytes()).unwrap();
    assert_eq!(accepted.event.as_deref(), Some("message_created"));
}

#[test]
fn two_bodies_under_one_delivery_id_get_different_keys_and_a_retry_the_same() {
    let first = br#"{"event":"conversation_status_changed","id":42,"status":"open"}"#;
    let second = br#"{"event":"conversation_status_changed","id":42,"status":"resolved"}"#;
    let a = accept(&signed(first), first).unwrap();
    let b = accept(&signed(second), second).unwrap();
    assert_ne!(a.dedupe_key, b.dedupe_key);
    // Chatwoot's retry: same delivery id and bytes, signed later.
    let mut retry = signed(first);
    retry.insert(
        "X-Chatwoot-Signature",
        HeaderValue::from_str(&sign(SECRET, SIGNED_AT + 30, first)).unwrap(),
    );
    retry.insert("X-Chatwoot-Timestamp", HeaderValue::from(SIGNED_AT + 30));
    assert_eq!(accept(&retry, first).unwrap().dedupe_key, a.dedupe_key);
}

#[test]
fn the_signature_is_accepted_only_exactly_as_chatwoot_writes_it() {
    let body = br#"{"event":"contact_created","id":5}"#;
    let good = sign(SECRET, SIGNED_AT, body);
    let hex = good.strip_prefix("sha256=").unwrap();
    let verifier = WebhookVerifier::new(SECRET);
    let check = |signature: &str| {
        verifier.accept_headers_at(
            SignatureHeaders {
                signature: Some(signature),
                timestamp: Some("1714557600"),
                delivery: Some(DELIVERY),
            },
            body,
            at(SIGNED_AT),
        )
    };
    assert!(check(&good).is_ok());
    let variants = [
        format!("{good}\n"),
        format!("{good}\r\n"),
        format!("\n{good}"),
        format!(" {good}"),
        format!("{good} "),
        format!("sha256={}\n{}", &hex[..32], &hex[32..]),
        format!("SHA256={hex}"),
        format!("sha256={}", hex.to_uppercase()),
        format!("sha256= {hex}"),
        format!("sha256={}", &hex[..63]),
        format!("sha256={hex}00"),
        String::new(),
    ];
    for variant in variants {
        let refusal = check(&variant).expect_err(&format!("{variant:?} must be refused"));
        assert!(
            matches!(refusal.error, WebhookError::MalformedSignature(_)),
            "{variant:?}: {refusal}"
        );
        assert_eq!(refusal.status, 401);
    }
    // The timestamp is taken as sent too, and its window is still checked.
    let timestamp = |ts: &str, now: i64| {
        verifier.accept_headers_at(
            SignatureHeaders {
                signature: Some(&good),
                timestamp: Some(ts),
                delivery: None,
            },
            body,
            at(now),
        )
    };
    for ts in [" 1714557600", "1714557600\n", "+1714557600"] {
        assert!(
            matches!(
                timestamp(ts, SIGNED_AT).unwrap_err().error,
                WebhookError::MalformedTimestamp(_)
            ),
            "{ts:?}"
        );
    }
    assert!(matches!(
        timestamp("1714557600", SIGNED_AT + 301).unwrap_err().error,
        WebhookError::StaleTimestamp { .. }
    ));
}

#[test]
fn refusals_carry_the_status_to_answer() {
    let body = br#"{"event":"contact_created","id":5}"#;
    let mut forged = signed(body);
    forged.insert(
        "X-Chatwoot-Signature",
        HeaderValue::from_str(&sign("not-the-secret", SIGNED_AT, body)).unwrap(),
    );
    let refusal = accept(&forged, body).unwrap_err();
    assert_eq!(refusal.status, 401);
    assert_eq!(refusal.error, WebhookError::SignatureMismatch);
}

/// The whole path: accept → SQLite inbox → worker parse → dead letter with the reason.
#[tokio::test]
async fn an_accepted_unparseable_delivery_is_stored_then_dead_lettered_with_the_reason() {
    let store = SqliteStore::open(":memory:").await.unwrap();
    let full = fixture_text("webhook_message_created.json");
    let body = &full.as_bytes()[..120];
    let headers = signed(body);

    // Receiver: accept, store, answer.
    let accepted = accept(&headers, body).unwrap();
    let received = store
        .store(
            "chatwoot:acct-1",
            &accepted.dedupe_key,
            &inbox_headers(&headers),
            body,
        )
        .await
        .unwrap();
    assert!(received.is_new());
    // Chatwoot's retry of the same delivery is a duplicate, not a second row.
    let again = store
        .store(
            "chatwoot:acct-1",
            &accepted.dedupe_key,
            &inbox_headers(&headers),
            body,
        )
        .await
        .unwrap();
    assert!(!again.is_new());

    // Worker: claim, parse, dead-letter what never parses, ack.
    let stream = StreamKey::new("chatwoot-webhooks", "deliveries", "acct-1");
    let claimed = store.claim(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let delivery = &claimed[0];
    assert_eq!(delivery.body, body);
    let error = WebhookEvent::parse(&delivery.body).unwrap_err();
    let reason = error.to_string();
    store
        .put(dead_letter(stream.clone(), delivery, &reason))
        .await
        .unwrap();
    assert!(store.ack(&delivery.lease).await.unwrap());

    let letters = store.list(&DeadLetterQuery::open(stream)).await.unwrap();
    assert_eq!(letters.len(), 1);
    let letter = &letters[0].letter;
    assert_eq!(letter.record_key, accepted.dedupe_key);
    assert!(letter.reason.contains("not JSON"), "{}", letter.reason);
    assert_eq!(letter.payload["body"], std::str::from_utf8(body).unwrap());
    assert_eq!(letter.payload["headers"]["x-chatwoot-delivery"], DELIVERY);
    assert_eq!(store.stats().await.unwrap().pending, 0);
}
