//! MADID (mobile advertiser id: lowercase, hyphens kept, never hashed) and LOOKALIKE_VALUE.

use std::str::FromStr;

use rust_decimal::Decimal;

/// Appends the lowercased advertiser id when it is an IDFA/GAID-shaped UUID that is not the
/// all-zero id a device sends when tracking is limited.
pub(crate) fn normalize_madid(input: &str, out: &mut String) -> bool {
    let t = input.trim();
    let b = t.as_bytes();
    let shaped = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if !shaped || b.iter().all(|c| *c == b'0' || *c == b'-') {
        return false;
    }
    out.extend(b.iter().map(|c| c.to_ascii_lowercase() as char));
    true
}

/// Appends a customer value: a non-negative decimal, written without exponent or needless
/// zeros (`"12.50"` → `"12.5"`). Currency symbols and thousands separators are not guessed at.
pub(crate) fn normalize_value(input: &str, out: &mut String) -> bool {
    let t = input.trim();
    let parsed = Decimal::from_str(t).or_else(|_| Decimal::from_scientific(t));
    match parsed {
        Ok(d) if !d.is_sign_negative() => {
            out.push_str(&d.normalize().to_string());
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn madid() {
        let mut s = String::new();
        assert!(normalize_madid(
            " AECE52E7-03EE-455A-B3C4-E57283966239 ",
            &mut s
        ));
        assert_eq!(s, "aece52e7-03ee-455a-b3c4-e57283966239");
        assert!(!normalize_madid(
            "00000000-0000-0000-0000-000000000000",
            &mut String::new()
        ));
        assert!(!normalize_madid("not-an-id", &mut String::new()));
    }

    #[test]
    fn value() {
        let v = |s: &str| {
            let mut out = String::new();
            normalize_value(s, &mut out).then_some(out)
        };
        assert_eq!(v("12.50").as_deref(), Some("12.5"));
        assert_eq!(v(" 100 ").as_deref(), Some("100"));
        assert_eq!(v("1e3").as_deref(), Some("1000"));
        assert_eq!(v("0").as_deref(), Some("0"));
        assert_eq!(v("-5"), None);
        assert_eq!(v("$5"), None);
        assert_eq!(v(""), None);
    }
}
