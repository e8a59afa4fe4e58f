//! Receiving deliveries: signatures on raw bytes, the ping, typed events, dedupe keys.

mod common;

use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;
use sync_core::http::reqwest::header::{HeaderMap, HeaderValue};
use woo_client::models::OrderStatus;

use sync_core::store::{
    DeadLetterQuery, DeadLetterStore, InboxStore, NewDeadLetter, StreamKey, sqlite::SqliteStore,
};
use woo_client::webhook_receive::{
    self, Delivery, Event, Payload, Resource, SignedDelivery, Topic, WebhookError, WebhookVerifier,
};

use common::fixture;

/// What PHP's `json_encode` produces: `\/` and `\uXXXX` escapes (see tests/fixtures/SOURCES.md).
const PHP_BODY: &[u8] = br#"{"id":727,"permalink":"https:\/\/example.com\/?p=727","name":"Caf\u00e9","date_modified_gmt":"2017-03-22T19:28:08"}"#;

/// base64(HMAC-SHA256(PHP_BODY, "a&b<c>")), computed with Python's hmac.
const PHP_BODY_SIGNATURE: &str = "ewD7BQxtdGMJqwuqallE+rnaH3kCvJxjH4WNtBqahvk=";

fn headers(signature: &str, topic: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "x-wc-webhook-signature",
        HeaderValue::from_str(signature).unwrap(),
    );
    h.insert("x-wc-webhook-topic", HeaderValue::from_str(topic).unwrap());
    h.insert("x-wc-webhook-id", HeaderValue::from_static("142"));
    h.insert(
        "x-wc-webhook-delivery-id",
        HeaderValue::from_static("3f2b0c9d8e"),
    );
    h.insert(
        "x-wc-webhook-source",
        HeaderValue::from_static("https://example.com/"),
    );
    h
}

fn verifier(secret: &str) -> WebhookVerifier {
    WebhookVerifier::new(SecretString::from(secret))
}

#[test]
fn valid_signature_over_php_escaped_bytes_verifies() {
    // The secret as WooCommerce stores it, HTML-escaped; it signs with the decoded `a&b<c>`.
    let v = verifier("a&amp;b&lt;c&gt;");
    let h = headers(PHP_BODY_SIGNATURE, "order.updated");
    let Delivery::Event(delivery) = v.verify(&h, PHP_BODY).unwrap() else {
        panic!("expected an event")
    };
    assert_eq!(delivery.body, PHP_BODY);
    assert_eq!(delivery.meta.webhook_id, Some(142));
    assert_eq!(delivery.meta.delivery_id.as_deref(), Some("3f2b0c9d8e"));
    assert_eq!(
        delivery.meta.source.as_deref(),
        Some("https://example.com/")
    );
    // The escapes decode normally once the bytes are verified.
    let event = delivery.event().unwrap();
    let Payload::Order(order) = event.payload else {
        panic!()
    };
    assert_eq!(order.extra["name"], json!("Café"));
    assert_eq!(
        order.extra["permalink"],
        json!("https://example.com/?p=727")
    );
}

#[test]
fn re_serialized_json_does_not_verify() {
    // Why the raw bytes matter: serde_json writes `/` and `é` unescaped.
    let v = verifier("a&amp;b&lt;c&gt;");
    let value: serde_json::Value = serde_json::from_slice(PHP_BODY).unwrap();
    let reserialized = serde_json::to_vec(&value).unwrap();
    assert_ne!(reserialized.as_slice(), PHP_BODY);
    let err = v
        .verify(&headers(PHP_BODY_SIGNATURE, "order.updated"), &reserialized)
        .unwrap_err();
    assert!(matches!(err, WebhookError::SignatureMismatch { .. }));
}

#[test]
fn tampered_body_is_refused() {
    let v = verifier("s3cret");
    let body = fixture("order.json");
    let signature = v.sign(body.as_bytes());
    let tampered = body.replace("\"29.35\"", "\"0.01\"");
    let err = v
        .verify(&headers(&signature, "order.updated"), tampered.as_bytes())
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::SignatureMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(err.status_code(), 401);
    // The untampered body passes with the same signature.
    assert!(
        v.verify(&headers(&signature, "order.updated"), body.as_bytes())
            .is_ok()
    );
}

#[test]
fn wrong_secret_is_refused_with_a_hint() {
    let body = fixture("order.json");
    let signature = verifier("right-secret").sign(body.as_bytes());
    let err = verifier("wrong-secret")
        .verify(&headers(&signature, "order.updated"), body.as_bytes())
        .unwrap_err();
    assert!(err.to_string().contains("webhook's own secret"), "{err}");
    // A REST consumer secret is the classic mix-up; the error says so.
    let err = verifier("cs_0123456789")
        .verify(&headers(&signature, "order.updated"), body.as_bytes())
        .unwrap_err();
    assert!(err.to_string().contains("REST consumer secret"), "{err}");
    // Decoding entities matters: the undecoded secret does not verify a WooCommerce signature.
    let exact = WebhookVerifier::with_exact_secret(SecretString::from("a&amp;b&lt;c&gt;"));
    assert!(
        exact
            .verify(&headers(PHP_BODY_SIGNATURE, "order.updated"), PHP_BODY)
            .is_err()
    );
}

#[test]
fn missing_or_malformed_signature_is_refused() {
    let v = verifier("s3cret");
    let mut h = headers("x", "order.updated");
    h.remove("x-wc-webhook-signature");
    assert_eq!(v.verify(&h, PHP_BODY), Err(WebhookError::MissingSignature));
    for bad in ["", "not base64!", "c2hvcnQ=", "AAAA"] {
        let h = headers(bad, "order.updated");
        assert_eq!(
            v.verify(&h, PHP_BODY),
            Err(WebhookError::MalformedSignature),
            "{bad:?}"
        );
    }
}

#[test]
fn a_signed_delivery_without_a_topic_is_accepted_then_fails_to_parse_permanently() {
    // A proxy stripped the unsigned topic header: the delivery is still authentic and
    // WooCommerce never resends it, so it must be accepted (and stored), not refused.
    let v = verifier("s3cret");
    let mut h = headers(&v.sign(PHP_BODY), "order.updated");
    h.remove("x-wc-webhook-topic");
    let delivery = accepted(&v, &h, PHP_BODY);
    assert!(delivery.topic().is_missing());
    let key = delivery.dedupe_key();
    assert_eq!(key.topic, "");
    assert_eq!(
        key.to_string(),
        format!("https://example.com/||142|3f2b0c9d8e|{}", key.body_sha256)
    );
    // Stored headers keep it missing, so the worker cannot guess a topic.
    assert_eq!(delivery.headers_json().get("x-wc-webhook-topic"), None);
    let err = delivery.parse().unwrap_err();
    assert_eq!(err, WebhookError::MissingHeader("X-WC-Webhook-Topic"));
    assert!(err.is_permanent());
    // An empty header is the same as none.
    let h = headers(&v.sign(PHP_BODY), "");
    assert!(accepted(&v, &h, PHP_BODY).topic().is_missing());
    // A real topic is not "missing".
    assert!(!Topic::parse("order.updated").is_missing());
    assert!(!Topic::parse("action.woocommerce_payment_complete").is_missing());
}

#[tokio::test]
async fn a_stored_delivery_without_a_topic_is_dead_lettered_with_the_reason() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let v = verifier("s3cret");
    let body = fixture("order.json");
    let mut h = headers(&v.sign(body.as_bytes()), "order.updated");
    h.remove("x-wc-webhook-topic");
    let delivery = accepted(&v, &h, body.as_bytes());
    let stored = store
        .store(
            "woocommerce",
            &delivery.dedupe_key().to_string(),
            &delivery.headers_json(),
            delivery.body,
        )
        .await
        .unwrap();
    assert!(stored.is_new());

    let stream = StreamKey::new("woocommerce", "webhooks", "https://example.com/");
    let claimed = store.claim(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(claimed.len(), 1);
    for delivery in claimed {
        let err = webhook_receive::parse_stored(&delivery.headers, &delivery.body).unwrap_err();
        assert!(err.is_permanent(), "{err}");
        store
            .put(NewDeadLetter {
                stream: stream.clone(),
                record_key: delivery.dedupe_key.clone(),
                payload: json!({ "headers": delivery.headers }),
                reason: err.to_string(),
                last_response: None,
                attempts: delivery.attempts,
            })
            .await
            .unwrap();
        assert!(store.ack(&delivery.lease).await.unwrap());
    }
    let letters = store.list(&DeadLetterQuery::open(stream)).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(
        letters[0].letter.reason,
        "signed delivery has no X-WC-Webhook-Topic header"
    );
}

#[test]
fn the_creation_ping_is_recognised_and_nothing_else_unsigned_is_accepted() {
    let v = verifier("s3cret");
    let none = HeaderMap::new();
    assert_eq!(
        v.verify(&none, b"webhook_id=142"),
        Ok(Delivery::Ping { webhook_id: 142 })
    );
    for body in [
        &b"webhook_id=142&extra=1"[..],
        b"webhook_id=",
        b"{\"webhook_id\":142}",
        b"",
        PHP_BODY,
    ] {
        assert_eq!(
            v.verify(&none, body),
            Err(WebhookError::MissingSignature),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // A "ping" carrying delivery headers is not what WooCommerce sends: refused.
    let mut h = headers("x", "order.updated");
    h.remove("x-wc-webhook-signature");
    assert_eq!(
        v.verify(&h, b"webhook_id=142"),
        Err(WebhookError::MissingSignature)
    );
    // A signed body that looks like a ping is still checked as a signed delivery.
    assert!(matches!(
        v.verify(&headers("AAAA", "order.updated"), b"webhook_id=1"),
        Err(WebhookError::MalformedSignature)
    ));
}

#[test]
fn events_are_typed_by_resource() {
    let v = verifier("s3cret");
    let cases = [
        ("order.updated", fixture("order.json")),
        ("product.created", fixture("product.json")),
        ("customer.updated", fixture("customer.json")),
        ("subscription.switched", fixture("subscription.json")),
        (
            "coupon.updated",
            r#"{"id":719,"code":"10off","amount":"10.00","discount_type":"percent","date_modified_gmt":"2017-03-21T18:09:45","usage_count":0,"meta_data":[]}"#.to_string(),
        ),
        ("order.deleted", r#"{"id":727}"#.to_string()),
        (
            "action.woocommerce_payment_complete",
            r#"{"action":"woocommerce_payment_complete","arg":727}"#.to_string(),
        ),
        ("booking.created", r#"{"id":5,"x":true}"#.to_string()),
    ];
    let mut seen = Vec::new();
    for (topic, body) in cases {
        let h = headers(&v.sign(body.as_bytes()), topic);
        let Delivery::Event(delivery) = v.verify(&h, body.as_bytes()).unwrap() else {
            panic!("{topic}")
        };
        let event = delivery.event().unwrap();
        assert_eq!(event.meta.topic.to_string(), topic);
        seen.push(match &event.payload {
            Payload::Order(o) => {
                assert_eq!(o.status, OrderStatus::Processing);
                format!("order {}", o.id)
            }
            Payload::Product(p) => format!("product {}", p.id),
            Payload::Customer(c) => format!("customer {}", c.id),
            Payload::Subscription(s) => format!("subscription {}", s.id),
            Payload::Coupon(c) => format!("coupon {} {}", c.code, c.amount),
            Payload::Deleted { id } => format!("deleted {id}"),
            Payload::Action { action, arg } => format!("{action}({arg})"),
            Payload::Other(v) => format!("other {}", v["id"]),
            other => panic!("{other:?}"),
        });
    }
    assert_eq!(
        seen,
        [
            "order 727",
            "product 794",
            "customer 25",
            "subscription 1300",
            "coupon 10off 10.00",
            "deleted 727",
            "woocommerce_payment_complete(727)",
            "other 5",
        ]
    );
    assert_eq!(
        Topic::parse("subscription.switched"),
        Topic::Resource {
            resource: Resource::Subscription,
            event: Event::Switched
        }
    );
}

#[test]
fn an_authentic_but_unreadable_payload_says_where() {
    let v = verifier("s3cret");
    let body = br#"{"id":727,"total":"lots"}"#;
    let Delivery::Event(d) = v
        .verify(&headers(&v.sign(body), "order.updated"), body)
        .unwrap()
    else {
        panic!()
    };
    match d.event().unwrap_err() {
        WebhookError::Payload { topic, path, .. } => {
            assert_eq!((topic.as_str(), path.as_str()), ("order.updated", "total"));
        }
        other => panic!("{other:?}"),
    }
}

fn accepted<'b>(v: &WebhookVerifier, h: &HeaderMap, body: &'b [u8]) -> SignedDelivery<'b> {
    match v.accept(h, body).unwrap() {
        Delivery::Event(d) => d,
        other => panic!("{other:?}"),
    }
}

#[test]
fn dedupe_key_comes_from_what_was_received() {
    let v = verifier("s3cret");
    let body = fixture("order.json");
    let key_for = |topic: &str, delivery: &str, source: &str| {
        let mut h = headers(&v.sign(body.as_bytes()), topic);
        h.insert(
            "x-wc-webhook-delivery-id",
            HeaderValue::from_str(delivery).unwrap(),
        );
        h.insert(
            "x-wc-webhook-source",
            HeaderValue::from_str(source).unwrap(),
        );
        accepted(&v, &h, body.as_bytes()).dedupe_key()
    };
    let a = key_for("order.updated", "d1", "https://a.example/");
    assert_eq!(a, key_for("order.updated", "d1", "https://a.example/"));
    assert_eq!(a.webhook_id, Some(142));
    assert_eq!(a.body_sha256.len(), 64);
    assert_eq!(
        a.to_string(),
        format!("https://a.example/|order.updated|142|d1|{}", a.body_sha256)
    );
    assert_ne!(a, key_for("order.created", "d1", "https://a.example/"));
    assert_ne!(a, key_for("order.updated", "d1", "https://b.example/"));
    assert_ne!(a, key_for("order.updated", "d2", "https://a.example/"));
}

#[test]
fn two_states_of_one_order_within_one_second_get_different_keys() {
    // `date_modified_gmt` has one-second resolution: a payment and a status change in the same
    // second give two bodies with the same id and date. Both must be stored.
    let v = verifier("s3cret");
    let first = fixture("order.json");
    let second = first.replace("\"processing\"", "\"completed\"");
    assert_ne!(first, second);
    let key = |body: &str| {
        let h = headers(&v.sign(body.as_bytes()), "order.updated");
        accepted(&v, &h, body.as_bytes()).dedupe_key()
    };
    assert_ne!(key(&first), key(&second));
    assert_ne!(key(&first).to_string(), key(&second).to_string());
}

#[test]
fn dedupe_key_keeps_a_second_deletion_of_a_restored_record() {
    // `order.deleted` bodies are only `{"id":N}`: trash, restore, trash again gives two
    // identical bodies, and the second deletion is just as real as the first.
    let v = verifier("s3cret");
    let body = br#"{"id":727}"#;
    let key_for = |delivery: &str| {
        let mut h = headers(&v.sign(body), "order.deleted");
        h.insert(
            "x-wc-webhook-delivery-id",
            HeaderValue::from_str(delivery).unwrap(),
        );
        accepted(&v, &h, body).dedupe_key()
    };
    let first = key_for("6c1ba0e2f5");
    assert_ne!(
        first,
        key_for("9d04e7a1c3"),
        "two deletions must not collapse"
    );
    assert_eq!(first.delivery_id.as_deref(), Some("6c1ba0e2f5"));
    // The same delivery seen twice still dedupes.
    assert_eq!(first, key_for("6c1ba0e2f5"));
}

#[tokio::test]
async fn an_accepted_but_unparseable_delivery_is_stored_then_dead_lettered() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let v = verifier("s3cret");
    // Authentic but empty, and authentic but truncated: WooCommerce will never send them again.
    for body in [&b""[..], br#"{"id":727,"status":"process"#] {
        let h = headers(&v.sign(body), "order.updated");
        let delivery = accepted(&v, &h, body);
        assert_eq!(delivery.topic().to_string(), "order.updated");
        let stored = store
            .store(
                "woocommerce",
                &delivery.dedupe_key().to_string(),
                &delivery.headers_json(),
                delivery.body,
            )
            .await
            .unwrap();
        assert!(stored.is_new());
    }

    // The worker: parse what was stored; what never parses goes to dead letters with the reason.
    let stream = StreamKey::new("woocommerce", "webhooks", "https://example.com/");
    let claimed = store.claim(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(claimed.len(), 2);
    for delivery in claimed {
        let err = webhook_receive::parse_stored(&delivery.headers, &delivery.body).unwrap_err();
        assert!(err.is_permanent(), "{err}");
        store
            .put(NewDeadLetter {
                stream: stream.clone(),
                record_key: delivery.dedupe_key.clone(),
                payload: json!({
                    "headers": delivery.headers,
                    "body": String::from_utf8_lossy(&delivery.body),
                }),
                reason: err.to_string(),
                last_response: None,
                attempts: delivery.attempts,
            })
            .await
            .unwrap();
        assert!(store.ack(&delivery.lease).await.unwrap());
    }
    let letters = store.list(&DeadLetterQuery::open(stream)).await.unwrap();
    assert_eq!(letters.len(), 2);
    for letter in &letters {
        assert!(
            letter
                .letter
                .reason
                .starts_with("order.updated payload does not parse"),
            "{}",
            letter.letter.reason
        );
    }
    assert_eq!(store.stats().await.unwrap().pending, 0);
}

#[test]
fn the_signature_header_must_be_exactly_what_woocommerce_sends() {
    let v = verifier("s3cret");
    let body = fixture("order.json");
    let good = v.sign(body.as_bytes());
    let no_padding = good.trim_end_matches('=').to_string();
    let url_safe = good.replace('+', "-").replace('/', "_");
    for bad in [
        format!("{good}\n"),
        format!("\n{good}"),
        format!("{good}\r\n"),
        format!("{}\n{}", &good[..20], &good[20..]),
        no_padding,
        format!("{good}="),
    ] {
        let h: Vec<(&str, String)> = vec![
            ("x-wc-webhook-signature", bad.clone()),
            ("x-wc-webhook-topic", "order.updated".into()),
        ];
        assert_eq!(
            v.verify(&h, body.as_bytes()),
            Err(WebhookError::MalformedSignature),
            "{bad:?}"
        );
    }
    if url_safe != good {
        assert!(v.verify_signature(&url_safe, body.as_bytes()).is_err());
    }
    // What HTTP itself strips around a field value (spaces, tabs) is tolerated.
    assert!(
        v.verify_signature(&format!(" {good}\t"), body.as_bytes())
            .is_ok()
    );
}

#[test]
fn the_unsigned_topic_header_is_checked_against_the_body() {
    let v = verifier("s3cret");
    let order = fixture("order.json");
    let product = fixture("product.json");
    let subscription = fixture("subscription.json");
    let customer = fixture("customer.json");
    for (topic, body, body_is) in [
        ("order.updated", product.as_str(), "a product"),
        ("product.updated", order.as_str(), "an order"),
        ("customer.updated", order.as_str(), "an order"),
        ("order.updated", subscription.as_str(), "a subscription"),
        ("subscription.updated", order.as_str(), "an order"),
        ("order.updated", customer.as_str(), "a customer"),
        ("order.deleted", order.as_str(), "an order"),
        ("order.updated", r#"{"id":727}"#, "deletion"),
        (
            "action.woocommerce_payment_complete",
            order.as_str(),
            "an order",
        ),
    ] {
        let h = headers(&v.sign(body.as_bytes()), topic);
        // Accepted (authentic, stored), then refused as a permanent error by the worker.
        let delivery = accepted(&v, &h, body.as_bytes());
        let err = delivery.parse().unwrap_err();
        assert!(
            matches!(err, WebhookError::TopicMismatch { .. }) && err.is_permanent(),
            "{topic}: {err:?}"
        );
        assert!(err.to_string().contains(body_is), "{topic}: {err}");
        let stored = webhook_receive::parse_stored(&delivery.headers_json(), body.as_bytes());
        assert_eq!(stored.unwrap_err(), err);
    }
}

proptest! {
    #[test]
    fn any_body_verifies_and_any_flipped_bit_does_not(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let v = verifier("prop-secret");
        let signature = v.sign(&body);
        prop_assert!(v.verify_signature(&signature, &body).is_ok());
        if !body.is_empty() {
            let mut tampered = body.clone();
            let i = flip.index(tampered.len());
            tampered[i] ^= 1 << bit;
            prop_assert!(v.verify_signature(&signature, &tampered).is_err());
        }
    }

    #[test]
    fn secrets_without_ampersand_are_used_as_is(secret in "[^&]{0,40}") {
        prop_assert_eq!(woo_client::webhook_receive::wp_specialchars_decode(&secret), secret.clone());
        let a = WebhookVerifier::new(SecretString::from(secret.clone())).sign(b"x");
        let b = WebhookVerifier::with_exact_secret(SecretString::from(secret)).sign(b"x");
        prop_assert_eq!(a, b);
    }
}
