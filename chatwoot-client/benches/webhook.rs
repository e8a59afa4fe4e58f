//! Hot paths of a webhook receiver and a context sync: signature check, event parsing, context
//! derivation.

use chatwoot_client::context::{ContextRules, CustomerContext, OrderStatus, OrderSummary};
use chatwoot_client::webhook::{SignatureHeaders, WebhookEvent, WebhookVerifier, sign};
use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use std::hint::black_box;

fn webhook(c: &mut Criterion) {
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/webhook_message_created.json"
    ))
    .unwrap();
    let ts = 1_714_557_600;
    let signature = sign("bench-secret", ts, &body);
    let headers = SignatureHeaders {
        signature: Some(&signature),
        timestamp: Some("1714557600"),
        delivery: Some("6f1c2b9e-8d4a-4e2b-9c3f-0a1b2c3d4e5f"),
    };
    let now = Utc.timestamp_opt(ts + 5, 0).unwrap();
    let verifier = WebhookVerifier::new("bench-secret");

    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("verify_signature", |b| {
        b.iter(|| {
            verifier
                .verify_headers_at(black_box(headers), black_box(&body), now)
                .unwrap()
        })
    });
    group.bench_function("parse_message_created", |b| {
        b.iter(|| WebhookEvent::parse(black_box(&body)).unwrap())
    });
    group.finish();
}

fn context(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap();
    let orders: Vec<OrderSummary> = (0..100)
        .map(|i| OrderSummary {
            id: i.to_string(),
            placed_at: start + Duration::days(i * 3),
            total: Decimal::new(1999 + i * 7, 2),
            currency: "EUR".into(),
            status: if i % 10 == 0 {
                OrderStatus::Refunded
            } else {
                OrderStatus::Completed
            },
        })
        .collect();
    let rules = ContextRules::default().currency("EUR");
    c.bench_function("context/derive_and_attributes_100_orders", |b| {
        b.iter(|| CustomerContext::derive(black_box(&orders), &rules).to_attributes("shop_"))
    });
}

criterion_group!(benches, webhook, context);
criterion_main!(benches);
