//! The country table in `src/normalize/country_data.rs` is exactly what the `keshvar` crate
//! (a dev-dependency only) says: ISO 3166-1 codes, ISO short and long names, keshvar's
//! unofficial names, and the US subdivisions with their names. The table replaced keshvar as a
//! normal dependency (it pulled in a second `thiserror`); this test keeps it exact.
//!
//! Regenerate after a keshvar update with
//! `FB_AUDIENCE_REGENERATE_COUNTRIES=1 cargo test -p fb-audience --test country_data`.

use std::fmt::Write as _;

use keshvar::{Alpha2, SUPPORTED_ALPHA2_LIST};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/normalize/country_data.rs");

const HEADER: &str = "\
//! ISO 3166-1 countries and US subdivisions with their names: GENERATED from the `keshvar` crate
//! (0.7) by `tests/country_data.rs`, which checks that it stays equal. Do not edit by hand.
//!
//! keshvar's data is distributed under this notice:
//!
//! Copyright (c) 2023, Pouriya Jim Jahanbakhsh. All rights reserved.
//!
//! Redistribution and use in source and binary forms, with or without modification, are
//! permitted provided that the following conditions are met: 1. Redistributions of source code
//! must retain the above copyright notice, this list of conditions and the following
//! disclaimer. 2. Redistributions in binary form must reproduce the above copyright notice,
//! this list of conditions and the following disclaimer in the documentation and/or other
//! materials provided with the distribution. 3. Neither the name of the copyright holder nor
//! the names of its contributors may be used to endorse or promote products derived from this
//! software without specific prior written permission.
//!
//! THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS \"AS IS\" AND ANY EXPRESS
//! OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
//! MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
//! COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
//! EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
//! SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
//! HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
//! TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE,
//! EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

use super::country::{CountryEntry, SubdivisionEntry};
";

/// The table's source text, from keshvar.
fn generate() -> String {
    let mut out = String::from(HEADER);
    out.push_str("\n/// Every ISO 3166-1 country: alpha-2, alpha-3, numeric, ISO short name, ISO long name,\n");
    out.push_str("/// then other names (common and foreign-language).\n");
    out.push_str("#[rustfmt::skip]\npub(super) const COUNTRIES: &[CountryEntry] = &[\n");
    for a in SUPPORTED_ALPHA2_LIST {
        let c = a.to_country();
        let _ = writeln!(
            out,
            "    CountryEntry {{ alpha2: {:?}, alpha3: {:?}, numeric: {:?}, iso_short_name: {:?}, iso_long_name: {:?}, other_names: &{:?} }},",
            a.to_string(),
            c.alpha3().to_string(),
            c.number(),
            c.iso_short_name(),
            c.iso_long_name(),
            c.unofficial_name_list(),
        );
    }
    out.push_str("];\n\n/// The US states, districts and territories (ISO 3166-2:US), by code.\n");
    out.push_str("#[rustfmt::skip]\npub(super) const US_SUBDIVISIONS: &[SubdivisionEntry] = &[\n");
    let mut subs: Vec<_> = Alpha2::US.to_subdivisions().into_iter().collect();
    subs.sort_by_key(|(code, _)| *code);
    for (code, sub) in subs {
        let _ = writeln!(
            out,
            "    SubdivisionEntry {{ code: {:?}, name: {:?}, other_names: &{:?} }},",
            code,
            sub.name(),
            sub.unofficial_name_list(),
        );
    }
    out.push_str("];\n");
    out
}

#[test]
fn country_table_equals_keshvar() {
    let expected = generate();
    if std::env::var_os("FB_AUDIENCE_REGENERATE_COUNTRIES").is_some() {
        std::fs::write(PATH, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        actual == expected,
        "src/normalize/country_data.rs differs from keshvar's data; regenerate it (see this file's docs)"
    );
    // Not an empty table that equals an empty keshvar.
    assert!(SUPPORTED_ALPHA2_LIST.len() >= 249);
}
