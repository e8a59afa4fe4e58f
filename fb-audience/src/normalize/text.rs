//! FN, LN, FI, CT and ST: Unicode NFC, lowercase, letters only.
//!
//! Meta's rule for names is "lowercase, no punctuation, special characters in UTF-8": letters
//! of every script are kept (`Valéry` → `valéry`, `정` → `정`), digits, punctuation and spaces are
//! dropped (`Mary-Jane` → `maryjane`, `O'Neil` → `oneil`). Combining marks that have no
//! precomposed form (Devanagari vowel signs, Thai tone marks) are part of the letters and kept.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Appends the letters of `input`, lowercased, in NFC, to `out`. Returns `false` when nothing
/// was appended.
pub(crate) fn letters_lower(input: &str, out: &mut String) -> bool {
    let start = out.len();
    if input.is_ascii() {
        out.extend(
            input
                .bytes()
                .filter(u8::is_ascii_alphabetic)
                .map(|b| b.to_ascii_lowercase() as char),
        );
        return out.len() > start;
    }
    // Below U+0300 every character is its own NFC form and no character combines, so Latin
    // text with precomposed accents (the usual case) needs no normalization pass.
    if input.chars().all(|c| (c as u32) < 0x300) || is_nfc_quick(input.chars()) == IsNormalized::Yes
    {
        push_letters(input, out);
    } else {
        // NFC first, so a decomposed `e` + U+0301 is one letter `é`, not a letter and a mark.
        let composed: String = input.nfc().collect();
        push_letters(&composed, out);
    }
    // Lowercasing can decompose (`İ` → `i` + U+0307); compose again so the result is NFC.
    let produced = &out[start..];
    if !produced.chars().all(|c| (c as u32) < 0x300)
        && is_nfc_quick(produced.chars()) != IsNormalized::Yes
    {
        let recomposed: String = produced.nfc().collect();
        out.truncate(start);
        out.push_str(&recomposed);
    }
    out.len() > start
}

/// Letters (lowercased) and the combining marks that follow a letter.
fn push_letters(text: &str, out: &mut String) {
    let start = out.len();
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphabetic() {
                out.push(c.to_ascii_lowercase());
            }
        } else if c.is_alphabetic() {
            out.extend(c.to_lowercase());
        } else if is_combining_mark(c) && out.len() > start {
            out.push(c);
        }
    }
}

/// The first letter (with any combining marks that belong to it) of the name rule's output.
pub(crate) fn first_initial(input: &str, out: &mut String) -> bool {
    let mut letters = String::new();
    if !letters_lower(input, &mut letters) {
        return false;
    }
    let mut chars = letters.char_indices();
    let end = chars
        .find(|(i, c)| *i > 0 && !is_combining_mark(*c))
        .map_or(letters.len(), |(i, _)| i);
    out.push_str(&letters[..end]);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        let mut out = String::new();
        letters_lower(s, &mut out);
        out
    }

    #[test]
    fn names() {
        assert_eq!(n("Mary"), "mary");
        assert_eq!(n(" Mary-Jane "), "maryjane");
        assert_eq!(n("O'Neil"), "oneil");
        assert_eq!(n("Valéry"), "valéry");
        assert_eq!(n("Vale\u{301}ry"), "valéry");
        assert_eq!(n("정"), "정");
        assert_eq!(n("José"), "josé");
        assert_eq!(n("São Paulo"), "sãopaulo");
        assert_eq!(n("Washington D.C."), "washingtondc");
        assert_eq!(n("Seattle-98121"), "seattle");
        assert_eq!(n("ÇAĞLAR"), "çağlar");
        assert_eq!(n("ДМИТРИЙ"), "дмитрий");
        assert_eq!(n("देवनागरी"), "देवनागरी");
        assert_eq!(n("123"), "");
        assert_eq!(n("İstanbul"), "i̇stanbul");
    }

    #[test]
    fn initials() {
        let mut out = String::new();
        assert!(first_initial("  George", &mut out));
        assert_eq!(out, "g");
        out.clear();
        assert!(first_initial("Élodie", &mut out));
        assert_eq!(out, "é");
        out.clear();
        assert!(first_initial("देव", &mut out));
        assert_eq!(out, "दे");
        out.clear();
        assert!(!first_initial("--", &mut out));
    }
}
