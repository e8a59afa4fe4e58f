//! Normalize + hash throughput for a 6-key schema (EMAIL, PHONE, FN, LN, CT, COUNTRY) on
//! 100,000 realistic rows, and the phone fast path against the `phonenumber` crate's parser.
//!
//! `cargo bench -p fb-audience --bench normalize`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fb_audience::{CountryCode, HashedRow, Normalizer, Schema, SchemaKey};

#[path = "support/rows.rs"]
mod rows;

const ROWS: usize = 100_000;

fn normalize_rows(c: &mut Criterion) {
    let data = rows::generate(ROWS, 42);
    let schema: Schema = rows::HEADER.join(",").parse().unwrap();
    let normalizer = Normalizer::builder()
        .default_country(CountryCode::US)
        .build();

    let mut group = c.benchmark_group("six_key_rows");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("hash_row_into", |b| {
        let mut out = HashedRow::default();
        b.iter(|| {
            let mut usable = 0usize;
            for row in &data {
                normalizer.hash_row_into(&schema, row, &mut out);
                usable += out.is_usable() as usize;
            }
            black_box(usable)
        })
    });
    group.finish();

    // Each column alone (normalization without hashing), to see where the time goes.
    let mut group = c.benchmark_group("per_key_normalize");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    for (col, name) in rows::HEADER.iter().enumerate() {
        let key: SchemaKey = name.parse().unwrap();
        let countries: Vec<Option<CountryCode>> =
            data.iter().map(|r| CountryCode::lookup(&r[5])).collect();
        group.bench_function(*name, |b| {
            b.iter(|| {
                let mut ok = 0usize;
                for (row, cc) in data.iter().zip(&countries) {
                    ok += normalizer.normalize_in(key, &row[col], *cc).is_ok() as usize;
                }
                black_box(ok)
            })
        });
    }
    group.finish();

    // The phone column alone: our path (fast for these shapes) against the crate's parser.
    let phones: Vec<(&str, Option<CountryCode>)> = data
        .iter()
        .take(20_000)
        .map(|r| (r[1].as_str(), CountryCode::lookup(&r[5])))
        .collect();
    let mut group = c.benchmark_group("phone");
    group.throughput(Throughput::Elements(phones.len() as u64));
    group.sample_size(10);
    group.bench_function("fb_audience_normalize", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for (p, cc) in &phones {
                ok += normalizer.normalize_in(SchemaKey::Phone, p, *cc).is_ok() as usize;
            }
            black_box(ok)
        })
    });
    let ids: Vec<Option<phonenumber::country::Id>> = phones
        .iter()
        .map(|(_, cc)| cc.and_then(|c| c.to_uppercase().parse().ok()))
        .collect();
    group.bench_function("phonenumber_crate_parse", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for ((p, _), id) in phones.iter().zip(&ids) {
                ok += phonenumber::parse(*id, p).is_ok() as usize;
            }
            black_box(ok)
        })
    });
    group.finish();
}

criterion_group!(benches, normalize_rows);
criterion_main!(benches);
