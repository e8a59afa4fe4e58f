//! ZIP: lowercase, no spaces or dashes; US ZIP codes keep their first five digits.

use super::country::CountryCode;

/// Appends the normalized postal code. `country` is the record's country (or the default);
/// `None` means unknown, and a `12345-6789` shape is then read as a US ZIP+4.
pub(crate) fn normalize_zip(input: &str, country: Option<CountryCode>, out: &mut String) -> bool {
    let t = input.trim();
    let is_us = match country {
        Some(c) => c == CountryCode::US,
        None => looks_like_zip_plus_four(t),
    };
    if is_us {
        return us_zip(t, out);
    }
    let start = out.len();
    for c in t.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out.len() > start
}

fn looks_like_zip_plus_four(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10 && b[5] == b'-' && b[..5].iter().chain(&b[6..]).all(u8::is_ascii_digit)
}

/// US: the five-digit ZIP. ZIP+4 (`94035-1234`, `940351234`) keeps the first five digits; three
/// or four digits are a ZIP that lost its leading zeros in a spreadsheet (`7030` → `07030`).
fn us_zip(t: &str, out: &mut String) -> bool {
    let main = t.split(['-', ' ']).find(|p| !p.is_empty()).unwrap_or("");
    if main.is_empty() || !main.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match main.len() {
        3 | 4 => {
            out.extend(std::iter::repeat_n('0', 5 - main.len()));
            out.push_str(main);
        }
        5 | 9 => out.push_str(&main[..5]),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(s: &str, c: Option<&str>) -> Option<String> {
        let mut out = String::new();
        let country = c.and_then(CountryCode::from_alpha2);
        normalize_zip(s, country, &mut out).then_some(out)
    }

    #[test]
    fn examples() {
        assert_eq!(z("94035-1234", Some("us")).as_deref(), Some("94035"));
        assert_eq!(z("94035-1234", None).as_deref(), Some("94035"));
        assert_eq!(z("  98121", Some("us")).as_deref(), Some("98121"));
        assert_eq!(z("940351234", Some("us")).as_deref(), Some("94035"));
        assert_eq!(z("7030", Some("us")).as_deref(), Some("07030"));
        assert_eq!(z("M1 1AE", Some("gb")).as_deref(), Some("m11ae"));
        assert_eq!(z("NR9 5AL", None).as_deref(), Some("nr95al"));
        assert_eq!(z("01310-100", Some("br")).as_deref(), Some("01310100"));
        assert_eq!(z("K1A 0B1", Some("ca")).as_deref(), Some("k1a0b1"));
        assert_eq!(z("ABCDE", Some("us")), None);
        assert_eq!(z("12", Some("us")), None);
        assert_eq!(z(" - ", Some("fr")), None);
    }
}
