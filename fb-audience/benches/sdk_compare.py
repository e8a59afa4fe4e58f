#!/usr/bin/env python3
"""Time Meta's official Python SDK (`facebook-business`, `CustomAudience.format_params`) on the
same rows the Rust benchmark uses, and count where its output differs from fb-audience's.

Reproduce (from the workspace root):

    pip install facebook-business
    cargo run --release -p fb-audience --example bench_rows -- 100000 > /tmp/rows-100k.csv
    cargo build --release -p examples --bin audience-hash
    target/release/audience-hash --country us --quiet --input /tmp/rows-100k.csv \
        --output /tmp/hashed-100k.csv
    python3 fb-audience/benches/sdk_compare.py /tmp/rows-100k.csv /tmp/hashed-100k.csv

The SDK gets the rows as read from the CSV, in batches of 10,000 (the API's limit), with
`is_raw=True` (the SDK's multi-key path normalizes and hashes). The timing covers
`format_params` only; reading the CSV is outside it.
"""

import csv
import sys
import time

from facebook_business.adobjects.customaudience import CustomAudience


def main(rows_path, ours_path=None):
    with open(rows_path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [r for r in reader]
    schema = [h.strip().upper() for h in header]

    batch = 10_000
    hashed = []
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        params = CustomAudience.format_params(schema, rows[i : i + batch], is_raw=True)
        hashed.extend(params["payload"]["data"])
    elapsed = time.perf_counter() - start
    print(
        f"facebook-business CustomAudience.format_params: {len(rows)} rows in {elapsed:.3f} s "
        f"= {len(rows) / elapsed:,.0f} rows/s"
    )

    if ours_path:
        # audience-hash drops rows with nothing identifying; with this data set it keeps all.
        with open(ours_path, newline="", encoding="utf-8") as f:
            ours = list(csv.reader(f))[1:]
        if len(ours) != len(hashed):
            print(f"row counts differ: sdk {len(hashed)}, fb-audience {len(ours)}")
            return
        empty = __import__("hashlib").sha256(b"").hexdigest()
        for k, key in enumerate(schema):
            differ = sum(1 for a, b in zip(hashed, ours) if a[k] != b[k])
            empty_hashes = sum(1 for a in hashed if a[k] == empty)
            print(
                f"  {key:8} differs on {differ:6} rows ({100 * differ / len(ours):5.1f}%); "
                f"SDK sent sha256('') {empty_hashes} times"
            )


if __name__ == "__main__":
    main(*sys.argv[1:3])
