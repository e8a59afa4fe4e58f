//! GEN: `m` or `f` from the common ways of writing it.

/// `Some('m')` / `Some('f')` for the usual spellings in English and a few other languages;
/// `None` for anything else (Meta has no other value).
pub(crate) fn normalize_gender(input: &str) -> Option<char> {
    let t = input.trim().to_lowercase();
    let t = t.trim_end_matches('.');
    match t {
        "m" | "male" | "man" | "men" | "masculine" | "masculino" | "masculin" | "männlich"
        | "mannlich" | "maennlich" | "homme" | "hombre" | "mr" | "boy" | "h" => Some('m'),
        "f" | "female" | "woman" | "women" | "feminine" | "femenino" | "feminino" | "féminin"
        | "feminin" | "weiblich" | "w" | "femme" | "mujer" | "mulher" | "mrs" | "ms" | "miss"
        | "girl" => Some('f'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(normalize_gender("Male"), Some('m'));
        assert_eq!(normalize_gender(" F "), Some('f'));
        assert_eq!(normalize_gender("FEMALE"), Some('f'));
        assert_eq!(normalize_gender("weiblich"), Some('f'));
        assert_eq!(normalize_gender("Mr."), Some('m'));
        assert_eq!(normalize_gender("x"), None);
        assert_eq!(normalize_gender("other"), None);
        assert_eq!(normalize_gender(""), None);
    }
}
