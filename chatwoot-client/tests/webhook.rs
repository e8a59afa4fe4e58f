//! Webhook signature verification and typed events.

mod common;

use std::time::Duration;

use chatwoot_client::models::{ConversationStatus, MessageType};
use chatwoot_client::webhook::{
    Authenticity, SignatureHeaders, WebhookError, WebhookEvent, WebhookVerifier, sign,
};
use chrono::{DateTime, TimeZone, Utc};
use common::*;
use serde_json::json;
use sync_core::http::reqwest::header::{HeaderMap, HeaderValue};

const SECRET: &str = "whsec-test-4f9a";
const SIGNED_AT: i64 = 1_714_557_600;
const DELIVERY: &str = "6f1c2b9e-8d4a-4e2b-9c3f-0a1b2c3d4e5f";

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).unwrap()
}

fn signed_headers(body: &[u8], secret: &str, ts: i64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "X-Chatwoot-Signature",
        HeaderValue::from_str(&sign(secret, ts, body)).unwrap(),
    );
    h.insert("X-Chatwoot-Timestamp", HeaderValue::from(ts));
    h.insert("X-Chatwoot-Delivery", HeaderValue::from_static(DELIVERY));
    h
}

fn verify_at(
    v: &WebhookVerifier,
    h: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<chatwoot_client::webhook::Delivery, WebhookError> {
    v.verify_headers_at(SignatureHeaders::from_header_map(h), body, at(now))
}

#[test]
fn reference_vector_matches() {
    // Computed from the documented formula (see the shared reference, section 3.3).
    assert_eq!(
        sign(
            "test-secret",
            1700000000,
            br#"{"event":"message_created","id":1}"#
        ),
        "sha256=77a4c9ecab8fe968b13a6cc51d3ddcd4b2d74f50c837661ab5972c9e6791bb15"
    );
}

#[test]
fn valid_signature_is_verified_with_the_delivery_and_digest_as_dedupe_key() {
    let body = fixture_text("webhook_message_created.json");
    let headers = signed_headers(body.as_bytes(), SECRET, SIGNED_AT);
    let delivery = verify_at(
        &WebhookVerifier::new(SECRET),
        &headers,
        body.as_bytes(),
        SIGNED_AT + 30,
    )
    .unwrap();
    assert_eq!(delivery.authenticity, Authenticity::Verified);
    assert_eq!(delivery.timestamp, Some(at(SIGNED_AT)));
    assert_eq!(
        delivery.dedupe_key(),
        format!("delivery:{DELIVERY}:sha256:{}", delivery.body_sha256())
    );
    // Clocks may be a little behind, too.
    assert!(
        verify_at(
            &WebhookVerifier::new(SECRET),
            &headers,
            body.as_bytes(),
            SIGNED_AT - 60
        )
        .is_ok()
    );
}

#[test]
fn stale_timestamp_is_refused_even_with_a_valid_signature() {
    let body = br#"{"event":"contact_created","id":5}"#;
    let headers = signed_headers(body, SECRET, SIGNED_AT);
    let verifier = WebhookVerifier::new(SECRET);
    let err = verify_at(&verifier, &headers, body, SIGNED_AT + 301).unwrap_err();
    assert!(
        matches!(err, WebhookError::StaleTimestamp { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("replayed"), "{err}");
    assert_eq!(err.http_status(), 401);
    // A wider window accepts it.
    let relaxed = verifier.tolerance(Duration::from_secs(600));
    assert!(verify_at(&relaxed, &headers, body, SIGNED_AT + 301).is_ok());
}

#[test]
fn tampered_body_timestamp_or_secret_is_refused() {
    let body = br#"{"event":"message_created","id":501,"content":"refund me"}"#;
    let headers = signed_headers(body, SECRET, SIGNED_AT);
    let verifier = WebhookVerifier::new(SECRET);

    let tampered = br#"{"event":"message_created","id":501,"content":"refund me twice"}"#;
    assert_eq!(
        verify_at(&verifier, &headers, tampered, SIGNED_AT),
        Err(WebhookError::SignatureMismatch)
    );

    // Swapping in a fresh timestamp breaks the signature: it is part of the signed string.
    let mut replayed = headers.clone();
    replayed.insert("X-Chatwoot-Timestamp", HeaderValue::from(SIGNED_AT + 3600));
    assert_eq!(
        verify_at(&verifier, &replayed, body, SIGNED_AT + 3600),
        Err(WebhookError::SignatureMismatch)
    );

    let wrong_secret = WebhookVerifier::new("another-secret");
    let err = verify_at(&wrong_secret, &headers, body, SIGNED_AT).unwrap_err();
    assert!(err.to_string().contains("13809"), "{err}");

    // A signature over the body alone (a common mistake) does not pass either.
    let mut body_only = headers.clone();
    let mac = {
        use hmac::{Hmac, Mac};
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        m.update(body);
        format!("sha256={}", hex::encode(m.finalize().into_bytes()))
    };
    body_only.insert("X-Chatwoot-Signature", HeaderValue::from_str(&mac).unwrap());
    assert_eq!(
        verify_at(&verifier, &body_only, body, SIGNED_AT),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn malformed_headers_are_named() {
    let body = b"{}";
    let verifier = WebhookVerifier::new(SECRET);
    let mut h = signed_headers(body, SECRET, SIGNED_AT);
    h.insert("X-Chatwoot-Signature", HeaderValue::from_static("md5=abc"));
    assert!(matches!(
        verify_at(&verifier, &h, body, SIGNED_AT),
        Err(WebhookError::MalformedSignature(_))
    ));
    h.insert(
        "X-Chatwoot-Signature",
        HeaderValue::from_static("sha256=zz"),
    );
    assert!(matches!(
        verify_at(&verifier, &h, body, SIGNED_AT),
        Err(WebhookError::MalformedSignature(_))
    ));

    let mut h = signed_headers(body, SECRET, SIGNED_AT);
    h.remove("X-Chatwoot-Timestamp");
    assert_eq!(
        verify_at(&verifier, &h, body, SIGNED_AT),
        Err(WebhookError::MissingTimestamp)
    );
    h.insert(
        "X-Chatwoot-Timestamp",
        HeaderValue::from_static("yesterday"),
    );
    assert!(matches!(
        verify_at(&verifier, &h, body, SIGNED_AT),
        Err(WebhookError::MalformedTimestamp(_))
    ));
}

#[test]
fn unsigned_deliveries_need_an_explicit_opt_in() {
    let body = fixture_text("webhook_conversation_status_changed.json");
    let bare = HeaderMap::new();

    // Strict by default: an old server's unsigned delivery is refused, with the way out.
    let err = verify_at(
        &WebhookVerifier::new(SECRET),
        &bare,
        body.as_bytes(),
        SIGNED_AT,
    )
    .unwrap_err();
    assert_eq!(err, WebhookError::MissingSignature);
    assert!(err.to_string().contains("v4.11.2"), "{err}");
    assert!(err.to_string().contains("accept_unsigned"), "{err}");

    // Opt-in 1: a secret, plus acceptance of unsigned deliveries (a fleet mid-upgrade), which
    // takes both options.
    let mixed = WebhookVerifier::new(SECRET)
        .accept_unsigned(true)
        .mixed_fleet(true);
    let d = verify_at(&mixed, &bare, body.as_bytes(), SIGNED_AT).unwrap();
    assert_eq!(d.authenticity, Authenticity::Unsigned);
    assert!(!d.is_verified());
    // Without a delivery id the body hash is the dedupe key, stable across retries.
    assert!(d.dedupe_key().starts_with("sha256:"));
    assert_eq!(
        d.dedupe_key(),
        verify_at(&mixed, &bare, body.as_bytes(), SIGNED_AT + 99)
            .unwrap()
            .dedupe_key()
    );
    // ...but a signed delivery must still match.
    let mut forged = signed_headers(body.as_bytes(), "not-the-secret", SIGNED_AT);
    forged.remove("X-Chatwoot-Delivery");
    assert_eq!(
        verify_at(&mixed, &forged, body.as_bytes(), SIGNED_AT),
        Err(WebhookError::SignatureMismatch)
    );

    // Opt-in 2: an old server, no secret at all.
    let legacy = WebhookVerifier::unsigned_servers();
    assert_eq!(
        verify_at(&legacy, &bare, body.as_bytes(), SIGNED_AT)
            .unwrap()
            .authenticity,
        Authenticity::Unsigned
    );
    let signed = signed_headers(body.as_bytes(), SECRET, SIGNED_AT);
    assert_eq!(
        verify_at(&legacy, &signed, body.as_bytes(), SIGNED_AT)
            .unwrap()
            .authenticity,
        Authenticity::Unchecked
    );
}

#[test]
fn verify_and_parse_with_the_current_clock() {
    let body = fixture_text("webhook_contact_updated.json");
    let headers = signed_headers(body.as_bytes(), SECRET, Utc::now().timestamp());
    let (delivery, event) = WebhookVerifier::new(SECRET)
        .verify_and_parse(&headers, body.as_bytes())
        .unwrap();
    assert!(delivery.is_verified());
    assert_eq!(event.name(), "contact_updated");
}

#[test]
fn message_created_reads_strings_at_the_top_and_integers_inside() {
    let event =
        WebhookEvent::parse(fixture_text("webhook_message_created.json").as_bytes()).unwrap();
    let WebhookEvent::MessageCreated(m) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(m.id, 501);
    assert_eq!(m.message_type, Some(MessageType::Incoming));
    assert!(m.is_from_contact());
    assert_eq!(m.created_at, Some(at(1714557600)));
    assert_eq!(m.account.as_ref().unwrap().id, Some(1));
    assert_eq!(m.sender.as_ref().unwrap().kind.as_deref(), Some("contact"));
    let conversation = m.conversation.as_ref().unwrap();
    assert_eq!(conversation.id, 12);
    // The same fields as integers one level down.
    assert_eq!(
        conversation.messages[0].message_type,
        Some(MessageType::Incoming)
    );
    assert_eq!(conversation.messages[0].created_at, Some(at(1714557600)));
    assert_eq!(
        event.conversation().unwrap().status,
        Some(ConversationStatus::Open)
    );
}

#[test]
fn the_docs_sample_with_string_ids_and_ruby_times_parses() {
    let body = strip_jsonc(&fixture_text("webhook_message_created_docs_sample.jsonc"));
    let event = WebhookEvent::parse(body.as_bytes()).unwrap();
    let WebhookEvent::MessageCreated(m) = event else {
        panic!()
    };
    assert_eq!(m.id, 1); // "1" in the sample
    assert_eq!(
        m.created_at,
        Some(Utc.with_ymd_and_hms(2020, 3, 3, 13, 5, 57).unwrap())
    );
    assert_eq!(m.source_id.as_deref(), Some(""));
    assert_eq!(m.sender.as_ref().unwrap().id, Some(1));
    assert_eq!(
        m.contact.as_ref().unwrap().name.as_deref(),
        Some("contact-name")
    );
    // The old sample names the conversation id `display_id`.
    let conversation = m.conversation.unwrap();
    assert_eq!(conversation.id, 1);
    assert_eq!(
        conversation.additional_attributes["referer"],
        "http://www.chatwoot.com"
    );
    assert_eq!(m.account.unwrap().name.as_deref(), Some("Chatwoot"));
}

#[test]
fn conversation_status_changed_exposes_the_change() {
    let event =
        WebhookEvent::parse(fixture_text("webhook_conversation_status_changed.json").as_bytes())
            .unwrap();
    let WebhookEvent::ConversationStatusChanged(e) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(e.conversation.status, Some(ConversationStatus::Resolved));
    let change = e.change("status").unwrap();
    assert_eq!(
        (change.previous.as_str(), change.current.as_str()),
        (Some("open"), Some("resolved"))
    );
    assert_eq!(
        e.conversation
            .contact()
            .unwrap()
            .custom_attributes_value("shop_customer_tier"),
        Some(json!("vip"))
    );
    assert_eq!(e.conversation.custom_attributes["order_number"], "1042");
}

trait PartyExt {
    fn custom_attributes_value(&self, key: &str) -> Option<serde_json::Value>;
}
impl PartyExt for chatwoot_client::models::Party {
    fn custom_attributes_value(&self, key: &str) -> Option<serde_json::Value> {
        self.extra.get("custom_attributes")?.get(key).cloned()
    }
}

#[test]
fn contact_updated_tolerates_string_ids_and_booleans() {
    let event =
        WebhookEvent::parse(fixture_text("webhook_contact_updated.json").as_bytes()).unwrap();
    let WebhookEvent::ContactUpdated(e) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(e.contact.id, 42);
    assert_eq!(e.contact.blocked, Some(false));
    assert_eq!(e.contact.extra["account"]["id"], "1");
    let change = e.change("custom_attributes").unwrap();
    assert_eq!(change.current["shop_order_count"], 4);
}

#[test]
fn widget_typing_and_inbox_events() {
    let widget =
        WebhookEvent::parse(fixture_text("webhook_webwidget_triggered.json").as_bytes()).unwrap();
    let WebhookEvent::WebwidgetTriggered(w) = &widget else {
        panic!("{widget:?}")
    };
    assert_eq!(w.contact.as_ref().unwrap().id, Some(42));
    assert_eq!(w.event_info["browser_language"], "de");
    assert!(w.current_conversation.is_none());

    let typing =
        WebhookEvent::parse(fixture_text("webhook_conversation_typing_on.json").as_bytes())
            .unwrap();
    let WebhookEvent::ConversationTypingOn(t) = &typing else {
        panic!("{typing:?}")
    };
    let conversation = t.conversation.as_ref().unwrap();
    // "12", "1", status 0 and a string timestamp: all read.
    assert_eq!((conversation.id, conversation.inbox_id), (12, Some(1)));
    assert_eq!(conversation.status, Some(ConversationStatus::Open));
    assert_eq!(conversation.timestamp, Some(at(1714557600)));
    assert_eq!(t.user.as_ref().unwrap().kind.as_deref(), Some("user"));

    let off = WebhookEvent::parse(br#"{"event":"conversation_typing_off","user":{"id":42,"type":"contact"},"conversation":{"id":12},"is_private":false}"#).unwrap();
    assert!(matches!(off, WebhookEvent::ConversationTypingOff(_)));

    let inbox = WebhookEvent::parse(fixture_text("webhook_inbox_created.json").as_bytes()).unwrap();
    let WebhookEvent::InboxCreated(i) = &inbox else {
        panic!("{inbox:?}")
    };
    assert_eq!(i.inbox.channel_type.as_deref(), Some("Channel::Email"));
    let updated = WebhookEvent::parse(br#"{"event":"inbox_updated","id":5,"name":"Mail","changed_attributes":[{"name":{"previous_value":"Support email","current_value":"Mail"}}]}"#).unwrap();
    let WebhookEvent::InboxUpdated(u) = updated else {
        panic!()
    };
    assert_eq!(u.changed_attributes[0].current, "Mail");

    for name in [
        "conversation_created",
        "conversation_updated",
        "conversation_resolved",
        "conversation_opened",
    ] {
        let body = format!(r#"{{"event":"{name}","id":12,"status":"open"}}"#);
        let event = WebhookEvent::parse(body.as_bytes()).unwrap();
        assert_eq!(event.name(), name);
        assert_eq!(event.conversation().unwrap().id, 12);
    }
    let created = WebhookEvent::parse(
        br#"{"event":"contact_created","id":43,"name":"Grace","type":"contact"}"#,
    )
    .unwrap();
    assert!(matches!(created, WebhookEvent::ContactCreated(c) if c.contact.id == 43));
    let updated =
        WebhookEvent::parse(br#"{"event":"message_updated","id":"501","content":"edited"}"#)
            .unwrap();
    assert!(matches!(updated, WebhookEvent::MessageUpdated(m) if m.id == 501));
}

#[test]
fn unknown_events_are_kept_and_bad_bodies_are_named() {
    let event =
        WebhookEvent::parse(br#"{"event":"conversation_sla_missed","id":12,"sla":{"id":1}}"#)
            .unwrap();
    let WebhookEvent::Unknown(u) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(u.event, "conversation_sla_missed");
    assert_eq!(u.payload["sla"]["id"], 1);
    assert_eq!(
        event.to_value(),
        json!({"event": "conversation_sla_missed", "id": 12, "sla": {"id": 1}})
    );

    assert_eq!(
        WebhookEvent::parse(br#"{"id":1}"#),
        Err(WebhookError::MissingEvent)
    );
    let err = WebhookEvent::parse(br#"{"event":"message_created","id":"abc"}"#).unwrap_err();
    assert!(
        matches!(&err, WebhookError::Payload { path, .. } if path == "id"),
        "{err:?}"
    );
    assert_eq!(err.http_status(), 400);
    assert!(WebhookEvent::parse(b"not json").is_err());
}

#[test]
fn events_round_trip_without_losing_fields() {
    for name in [
        "webhook_message_created.json",
        "webhook_conversation_status_changed.json",
        "webhook_contact_updated.json",
        "webhook_webwidget_triggered.json",
        "webhook_conversation_typing_on.json",
        "webhook_inbox_created.json",
    ] {
        let event = WebhookEvent::parse(fixture_text(name).as_bytes()).unwrap();
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["event"], event.name(), "{name}");
        let again = WebhookEvent::from_value(value).unwrap();
        assert_eq!(again, event, "{name}");
    }
    // A field no model names is still there after the round trip.
    let event =
        WebhookEvent::parse(fixture_text("webhook_message_created.json").as_bytes()).unwrap();
    let value = event.to_value();
    assert_eq!(
        value["conversation"]["contact_inbox"]["pubsub_token"],
        "wQ9sEXAMPLEPUBSUB"
    );
    assert_eq!(
        value["conversation"]["messages"][0]["processed_message_content"],
        "Hello, my parcel did not arrive"
    );
}

/// With a secret configured, `accept_unsigned(true)` alone does not let a delivery without a
/// signature through (that is what a forged request looks like); `mixed_fleet(true)` alone
/// does not either. Only both together accept it, and then only as `Unsigned`.
#[test]
fn a_secret_refuses_unsigned_deliveries_unless_a_mixed_fleet_is_declared() {
    let body = fixture_text("webhook_conversation_status_changed.json");
    let bare = HeaderMap::new();

    let half = WebhookVerifier::new(SECRET).accept_unsigned(true);
    let err = verify_at(&half, &bare, body.as_bytes(), SIGNED_AT).unwrap_err();
    assert_eq!(err, WebhookError::UnsignedWithSecret);
    assert_eq!(err.http_status(), 401);
    assert!(err.to_string().contains("mixed_fleet(true)"), "{err}");
    let err = half.verify_and_parse(&bare, body.as_bytes()).unwrap_err();
    assert_eq!(err, WebhookError::UnsignedWithSecret);

    let other_half = WebhookVerifier::new(SECRET).mixed_fleet(true);
    assert_eq!(
        verify_at(&other_half, &bare, body.as_bytes(), SIGNED_AT),
        Err(WebhookError::MissingSignature)
    );

    let both = WebhookVerifier::new(SECRET)
        .accept_unsigned(true)
        .mixed_fleet(true);
    let delivery = verify_at(&both, &bare, body.as_bytes(), SIGNED_AT).unwrap();
    assert_eq!(delivery.authenticity, Authenticity::Unsigned);
    assert!(!delivery.is_verified());
    // Signed deliveries to the same verifier are still checked.
    let signed = signed_headers(body.as_bytes(), SECRET, SIGNED_AT);
    assert!(
        verify_at(&both, &signed, body.as_bytes(), SIGNED_AT)
            .unwrap()
            .is_verified()
    );
}
