//! Writes the benchmark's deterministic rows as CSV (header EMAIL,PHONE,FN,LN,CT,COUNTRY), the
//! input of the whole-process comparison (`audience-hash`, `benches/sdk_compare.py`).
//!
//! `cargo run --release -p fb-audience --example bench_rows -- 100000 > rows-100k.csv`

#[path = "../benches/support/rows.rs"]
mod rows;

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let seed: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(42);
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    writeln!(out, "{}", rows::HEADER.join(","))?;
    // Generate in chunks so 10 million rows do not need 10 million rows in memory.
    let chunk = 100_000;
    let mut done = 0;
    let mut part = 0u64;
    while done < n {
        let take = chunk.min(n - done);
        for row in rows::generate(take, seed.wrapping_add(part)) {
            let cells: Vec<String> = row.iter().map(|c| quote(c)).collect();
            writeln!(out, "{}", cells.join(","))?;
        }
        done += take;
        part += 1;
    }
    out.flush()
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
