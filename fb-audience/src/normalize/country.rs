//! COUNTRY: codes and names to ISO 3166-1 alpha-2, and US state names to their two-letter codes.
//!
//! The names are the `keshvar` crate's (ISO short and long names plus common and
//! foreign-language names such as "USA", "Deutschland" or "États-Unis"), copied into
//! `country_data.rs` and checked against keshvar by a test. A name is
//! looked up after folding: compatibility decomposition, accents and punctuation dropped,
//! lowercase.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::country_data::{COUNTRIES, US_SUBDIVISIONS};

/// One ISO 3166-1 country of the generated table.
pub(super) struct CountryEntry {
    /// Alpha-2 code, uppercase.
    pub alpha2: &'static str,
    /// Alpha-3 code, uppercase.
    pub alpha3: &'static str,
    /// Numeric code, three digits.
    pub numeric: &'static str,
    /// ISO short name.
    pub iso_short_name: &'static str,
    /// ISO long name.
    pub iso_long_name: &'static str,
    /// Other names: common English ones and foreign-language ones.
    pub other_names: &'static [&'static str],
}

/// One US state, district or territory (ISO 3166-2:US) of the generated table.
pub(super) struct SubdivisionEntry {
    /// The code after `US-`, uppercase (`CA`).
    pub code: &'static str,
    /// The name.
    pub name: &'static str,
    /// Other names.
    pub other_names: &'static [&'static str],
}

/// An ISO 3166-1 alpha-2 country code, stored lowercase as Meta wants it (`"us"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The United States.
    pub const US: CountryCode = CountryCode(*b"us");

    /// The lowercase code, e.g. `"us"`.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII lowercase letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("zz")
    }

    /// The uppercase code, e.g. `"US"`.
    pub fn to_uppercase(self) -> String {
        self.as_str().to_ascii_uppercase()
    }

    /// Looks up an ISO 3166-1 alpha-2, alpha-3 or numeric code, or a country name in English or
    /// a few other languages (`"United States"`, `"USA"`, `"840"`, `"Deutschland"`). `"UK"` is
    /// accepted for the United Kingdom (`gb`). Returns `None` for anything else: never a guess
    /// from the first two letters.
    ///
    /// ```
    /// use fb_audience::CountryCode;
    ///
    /// assert_eq!(CountryCode::lookup("United States").unwrap().as_str(), "us");
    /// assert_eq!(CountryCode::lookup(" DEU ").unwrap().as_str(), "de");
    /// assert_eq!(CountryCode::lookup("UK").unwrap().as_str(), "gb");
    /// assert!(CountryCode::lookup("Atlantis").is_none());
    /// ```
    pub fn lookup(input: &str) -> Option<CountryCode> {
        let t = input.trim();
        let b = t.as_bytes();
        let table = table();
        if b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic) {
            let code = CountryCode([b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase()]);
            if code.0 == *b"uk" {
                return Some(CountryCode(*b"gb"));
            }
            return table.alpha2[code.index()].then_some(code);
        }
        if b.len() == 3 && b.iter().all(u8::is_ascii_alphabetic) {
            let key = [
                b[0].to_ascii_lowercase(),
                b[1].to_ascii_lowercase(),
                b[2].to_ascii_lowercase(),
            ];
            if let Some(code) = table.alpha3.get(&key) {
                return Some(*code);
            }
        }
        if !b.is_empty() && b.len() <= 3 && b.iter().all(u8::is_ascii_digit) {
            return t
                .parse::<u16>()
                .ok()
                .and_then(|n| table.numeric.get(&n).copied());
        }
        if b.len() <= 64 && b.is_ascii() {
            // Fold on the stack: the common case ("United States of America") allocates nothing.
            let mut buf = [0u8; 64];
            let mut n = 0;
            for c in b.iter().filter(|c| c.is_ascii_alphanumeric()) {
                buf[n] = c.to_ascii_lowercase();
                n += 1;
            }
            let mut key = &buf[..n];
            if b.len() > 4 && b[..4].eq_ignore_ascii_case(b"the ") && n > 3 {
                key = &key[3..];
            }
            let key = std::str::from_utf8(key).ok()?;
            return table.names.get(key).copied();
        }
        let folded = fold_name(t);
        if folded.is_empty() {
            return None;
        }
        table.names.get(&folded).copied()
    }

    /// The lowercase hex SHA-256 of the code, computed once per code.
    pub(crate) fn digest(self) -> &'static str {
        static DIGESTS: [OnceLock<String>; 676] = [const { OnceLock::new() }; 676];
        DIGESTS[self.index()].get_or_init(|| crate::hash::sha256_hex(self.as_str()))
    }

    /// A code from exactly two ASCII letters, if ISO 3166-1 assigns it.
    pub fn from_alpha2(code: &str) -> Option<CountryCode> {
        let b = code.as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let c = CountryCode([b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase()]);
        table().alpha2[c.index()].then_some(c)
    }

    /// A dense index in `0..676`.
    pub(crate) fn index(self) -> usize {
        (self.0[0] - b'a') as usize * 26 + (self.0[1] - b'a') as usize
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no country.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO 3166-1 country code or a known country name")]
pub struct UnknownCountry(pub String);

impl FromStr for CountryCode {
    type Err = UnknownCountry;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CountryCode::lookup(s).ok_or_else(|| UnknownCountry(s.to_string()))
    }
}

struct Table {
    alpha2: Vec<bool>,
    alpha3: HashMap<[u8; 3], CountryCode>,
    numeric: HashMap<u16, CountryCode>,
    names: HashMap<String, CountryCode>,
    us_states: HashMap<String, [u8; 2]>,
}

/// Common English names the ISO lists and the table's other names do not carry.
const EXTRA_NAMES: &[(&str, &str)] = &[
    ("america", "us"),
    ("unitedstatesofamerica", "us"),
    ("holland", "nl"),
    ("southkorea", "kr"),
    ("northkorea", "kp"),
    ("russia", "ru"),
    ("vietnam", "vn"),
    ("laos", "la"),
    ("syria", "sy"),
    ("iran", "ir"),
    ("bolivia", "bo"),
    ("venezuela", "ve"),
    ("tanzania", "tz"),
    ("moldova", "md"),
    ("taiwan", "tw"),
    ("czechia", "cz"),
    ("czechrepublic", "cz"),
    ("ivorycoast", "ci"),
    ("turkey", "tr"),
    ("turkiye", "tr"),
    ("macedonia", "mk"),
    ("northmacedonia", "mk"),
    ("palestine", "ps"),
    ("brunei", "bn"),
    ("capeverde", "cv"),
    ("eswatini", "sz"),
    ("swaziland", "sz"),
    ("burma", "mm"),
    ("vatican", "va"),
    ("vaticancity", "va"),
    ("micronesia", "fm"),
    ("drc", "cd"),
    ("democraticrepublicofthecongo", "cd"),
    ("republicofthecongo", "cg"),
    ("uae", "ae"),
    ("england", "gb"),
    ("scotland", "gb"),
    ("wales", "gb"),
    ("northernireland", "gb"),
    ("greatbritain", "gb"),
];

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

fn code_of(alpha2: &str) -> CountryCode {
    let s = alpha2.to_ascii_lowercase();
    let b = s.as_bytes();
    CountryCode([b[0], b[1]])
}

fn build_table() -> Table {
    let mut alpha2 = vec![false; 676];
    let mut alpha3 = HashMap::new();
    let mut numeric = HashMap::new();
    // A folded name that two countries share is ambiguous and dropped.
    let mut names: HashMap<String, Option<CountryCode>> = HashMap::new();
    let mut add = |name: &str, code: CountryCode| {
        let key = fold_name(name);
        if key.len() < 2 {
            return;
        }
        names
            .entry(key)
            .and_modify(|c| {
                if *c != Some(code) {
                    *c = None
                }
            })
            .or_insert(Some(code));
    };
    for country in COUNTRIES {
        let code = code_of(country.alpha2);
        alpha2[code.index()] = true;
        let a3 = country.alpha3.to_ascii_lowercase();
        let a3b = a3.as_bytes();
        if a3b.len() == 3 {
            alpha3.insert([a3b[0], a3b[1], a3b[2]], code);
        }
        if let Ok(n) = country.numeric.parse::<u16>() {
            numeric.insert(n, code);
        }
        add(country.iso_short_name, code);
        add(country.iso_long_name, code);
        for name in country.other_names {
            add(name, code);
        }
    }
    let mut names: HashMap<String, CountryCode> = names
        .into_iter()
        .filter_map(|(k, v)| v.map(|c| (k, c)))
        .collect();
    for (name, code) in EXTRA_NAMES {
        let b = code.as_bytes();
        names.insert((*name).to_string(), CountryCode([b[0], b[1]]));
    }

    let mut us_states = HashMap::new();
    for sub in US_SUBDIVISIONS {
        let lower = sub.code.to_ascii_lowercase();
        let b = lower.as_bytes();
        if b.len() != 2 {
            continue;
        }
        let code = [b[0], b[1]];
        us_states.insert(lower.clone(), code);
        us_states.insert(fold_name(sub.name), code);
        for name in sub.other_names {
            us_states.insert(fold_name(name), code);
        }
    }
    us_states.insert("washingtondc".into(), *b"dc");

    Table {
        alpha2,
        alpha3,
        numeric,
        names,
        us_states,
    }
}

/// Folds a name for lookup: compatibility decomposition, marks dropped, lowercase, letters and
/// digits only, a leading "the" dropped ("The Netherlands" = "Netherlands").
fn fold_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    let lower_start = name.trim_start().to_lowercase();
    if lower_start.starts_with("the ") && out.len() > 3 {
        out.drain(..3);
    }
    out
}

/// The two-letter code of a US state, district or territory given by code or name
/// (`"California"`, `"CA"`, `"Washington, D.C."`).
pub(crate) fn us_state_code(input: &str) -> Option<[u8; 2]> {
    let folded = fold_name(input);
    table().us_states.get(&folded).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<String> {
        CountryCode::lookup(s).map(|c| c.to_string())
    }

    #[test]
    fn codes_and_names() {
        assert_eq!(c("United States"), Some("us".into()));
        assert_eq!(c("united states of america"), Some("us".into()));
        assert_eq!(c("USA"), Some("us".into()));
        assert_eq!(c("U.S.A."), Some("us".into()));
        assert_eq!(c("us"), Some("us".into()));
        assert_eq!(c("840"), Some("us".into()));
        assert_eq!(c("United Kingdom"), Some("gb".into()));
        assert_eq!(c("Great Britain"), Some("gb".into()));
        assert_eq!(c("UK"), Some("gb".into()));
        assert_eq!(c("GBR"), Some("gb".into()));
        assert_eq!(c("Deutschland"), Some("de".into()));
        assert_eq!(c("Germany"), Some("de".into()));
        assert_eq!(c("États-Unis"), Some("us".into()));
        assert_eq!(c("The Netherlands"), Some("nl".into()));
        assert_eq!(c("South Korea"), Some("kr".into()));
        assert_eq!(c("Korea, Republic of"), Some("kr".into()));
        assert_eq!(c("Brasil"), Some("br".into()));
        assert_eq!(c("Brazil"), Some("br".into()));
        assert_eq!(c("México"), Some("mx".into()));
        assert_eq!(c("Russia"), Some("ru".into()));
        assert_eq!(c("Côte d'Ivoire"), Some("ci".into()));
        assert_eq!(c("España"), Some("es".into()));
        assert_eq!(c("France"), Some("fr".into()));
        assert_eq!(c("India"), Some("in".into()));
        assert_eq!(c("Japan"), Some("jp".into()));
        assert_eq!(c("Australia"), Some("au".into()));
        assert_eq!(c("Canada"), Some("ca".into()));
    }

    #[test]
    fn no_guessing() {
        // The SDKs take the first two letters: "United States" -> "un". Never here.
        assert_eq!(c("Un"), None);
        assert_eq!(c("XX"), None);
        assert_eq!(c("Atlantis"), None);
        assert_eq!(c(""), None);
        assert_eq!(c("999"), None);
    }

    #[test]
    fn us_states() {
        assert_eq!(us_state_code("California"), Some(*b"ca"));
        assert_eq!(us_state_code(" ny "), Some(*b"ny"));
        assert_eq!(us_state_code("New York"), Some(*b"ny"));
        assert_eq!(us_state_code("District of Columbia"), Some(*b"dc"));
        assert_eq!(us_state_code("Washington, D.C."), Some(*b"dc"));
        assert_eq!(us_state_code("Puerto Rico"), Some(*b"pr"));
        assert_eq!(us_state_code("Bavaria"), None);
    }
}
