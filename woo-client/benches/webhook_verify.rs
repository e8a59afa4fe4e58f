//! Webhook signature verification vs a bare HMAC-SHA256 over the same bytes.
//!
//! Target: `verify_signature` within 1.2× of `bare_hmac_sha256` on 1 KiB and 64 KiB bodies.
//! Run: `cargo bench -p woo-client --bench webhook_verify -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use sync_core::http::reqwest::header::{HeaderMap, HeaderValue};
use woo_client::webhook_receive::WebhookVerifier;

const SECRET: &str = "wc-webhook-secret-0123456789abcdef";

/// A PHP-style JSON body of `size` bytes (escaped slashes, like real deliveries).
fn body(size: usize) -> Vec<u8> {
    let mut out = br#"{"id":727,"permalink":"https:\/\/shop.example\/?p=727","note":""#.to_vec();
    while out.len() < size - 2 {
        out.push(b'a' + (out.len() % 26) as u8);
    }
    out.extend_from_slice(b"\"}");
    out.truncate(size);
    out
}

fn bench(c: &mut Criterion) {
    let verifier = WebhookVerifier::new(SecretString::from(SECRET));
    for (label, size) in [("1KiB", 1024usize), ("64KiB", 64 * 1024)] {
        let body = body(size);
        let signature = verifier.sign(&body);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-wc-webhook-signature",
            HeaderValue::from_str(&signature).unwrap(),
        );
        headers.insert(
            "x-wc-webhook-topic",
            HeaderValue::from_static("order.updated"),
        );
        headers.insert("x-wc-webhook-id", HeaderValue::from_static("142"));
        headers.insert(
            "x-wc-webhook-source",
            HeaderValue::from_static("https://shop.example/"),
        );
        assert!(verifier.verify(&headers, &body).is_ok());

        let mut group = c.benchmark_group(format!("webhook_verify/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("bare_hmac_sha256", |b| {
            b.iter(|| {
                let mut mac = Hmac::<Sha256>::new_from_slice(black_box(SECRET.as_bytes())).unwrap();
                mac.update(black_box(&body));
                black_box(mac.finalize().into_bytes())
            })
        });
        group.bench_function("verify_signature", |b| {
            b.iter(|| verifier.verify_signature(black_box(&signature), black_box(&body)))
        });
        group.bench_function("verify_with_headers", |b| {
            b.iter(|| {
                verifier
                    .verify(black_box(&headers), black_box(&body))
                    .is_ok()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
