//! EMAIL: trim, lowercase (after NFC), and refuse what cannot be an address.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Appends the normalized address to `out`, or returns `false` when `input` is not an address
/// (no `@`, an empty local part, a domain without a dot, whitespace inside, …).
pub(crate) fn normalize_email(input: &str, out: &mut String) -> bool {
    let t = input.trim();
    let start = out.len();
    if t.is_ascii() {
        out.push_str(t);
        out[start..].make_ascii_lowercase();
    } else if is_nfc_quick(t.chars()) == IsNormalized::Yes {
        out.push_str(&t.to_lowercase());
    } else {
        let composed: String = t.nfc().collect();
        out.push_str(&composed.to_lowercase());
    }
    if is_address(&out[start..]) {
        true
    } else {
        out.truncate(start);
        false
    }
}

fn is_address(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || domain.len() < 3 {
        return false;
    }
    let no_space = if s.is_ascii() {
        !s.bytes().any(|b| b <= b' ' || b == 0x7f)
    } else {
        !s.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if !no_space {
        return false;
    }
    // Quoted local parts may contain '@'; anything else may not.
    if local.contains('@') && !(local.starts_with('"') && local.ends_with('"')) {
        return false;
    }
    let mut labels = 0;
    for l in domain.split('.') {
        let ok = !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return false;
        }
        labels += 1;
    }
    labels >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> Option<String> {
        let mut out = String::new();
        normalize_email(s, &mut out).then_some(out)
    }

    #[test]
    fn examples() {
        assert_eq!(e(" Mary@Example.com ").as_deref(), Some("mary@example.com"));
        assert_eq!(
            e("John_Smith@gmail.com").as_deref(),
            Some("john_smith@gmail.com")
        );
        assert_eq!(e("tést@Exämple.de").as_deref(), Some("tést@exämple.de"));
        assert_eq!(e("a@b.c").as_deref(), Some("a@b.c"));
        assert_eq!(e("\"a@b\"@c.d").as_deref(), Some("\"a@b\"@c.d"));
    }

    #[test]
    fn not_addresses() {
        for s in [
            "",
            "a",
            "abc",
            "a@b",
            "@b.c",
            ".c",
            "@",
            "a b@c.de",
            "a@b..c",
            "a@-b.c",
            "324342@@@@bar.com",
        ] {
            assert_eq!(e(s), None, "{s}");
        }
    }
}
