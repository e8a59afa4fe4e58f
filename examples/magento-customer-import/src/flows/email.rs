//! The email rule: one normalisation for the unique key and for the duplicate check.

use std::fmt;

/// An email as the customer key: trimmed and lower-cased (Unicode lower case, not ASCII only:
/// `ÜBER@Example.DE` and `über@example.de` are one customer).
///
/// It is computed here, in Rust, and stored in the `email_key` column that carries the unique
/// index; SQL never normalises again (SQLite's `lower()` folds ASCII only, which is how a
/// check and a key drift apart).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailKey(String);

/// Why an order's email cannot be a customer key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailProblem {
    /// No email, or only blanks.
    Missing,
    /// Not an address (`jan@@example.nl`, `sanne at example.nl`); the trimmed text is kept.
    Malformed(String),
}

impl fmt::Display for EmailProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmailProblem::Missing => f.write_str("the order has no customer_email"),
            EmailProblem::Malformed(text) => {
                write!(f, "customer_email {text:?} is not an email address")
            }
        }
    }
}

impl EmailKey {
    /// The key of `raw`, and the email as shown (trimmed, case kept).
    ///
    /// An address needs exactly one `@` with text on both sides and no blanks inside; nothing
    /// stricter, since shops accept addresses a stricter rule would refuse.
    pub fn parse(raw: Option<&str>) -> Result<(EmailKey, String), EmailProblem> {
        let trimmed = raw.map(str::trim).unwrap_or_default();
        if trimmed.is_empty() {
            return Err(EmailProblem::Missing);
        }
        let malformed = || EmailProblem::Malformed(trimmed.to_string());
        let (local, domain) = trimmed.split_once('@').ok_or_else(malformed)?;
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || trimmed.chars().any(char::is_whitespace)
        {
            return Err(malformed());
        }
        Ok((EmailKey(trimmed.to_lowercase()), trimmed.to_string()))
    }

    /// The key text, as stored in `customers.email_key`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> String {
        EmailKey::parse(Some(raw)).unwrap().0.0
    }

    #[test]
    fn untidy_addresses_share_one_key() {
        assert_eq!(key(" Jan.DeVries@Example.NL "), "jan.devries@example.nl");
        assert_eq!(key("jan.devries@example.nl"), "jan.devries@example.nl");
        // Unicode case, not just ASCII: SQLite's lower() would keep the Ü.
        assert_eq!(key("ÜBER@Beispiel.DE"), key("über@beispiel.de"));
        // The shown email keeps its case, trimmed.
        let (_, shown) = EmailKey::parse(Some("  Ann@Example.com\t")).unwrap();
        assert_eq!(shown, "Ann@Example.com");
    }

    #[test]
    fn missing_and_malformed_are_told_apart() {
        assert_eq!(EmailKey::parse(None), Err(EmailProblem::Missing));
        assert_eq!(EmailKey::parse(Some("  ")), Err(EmailProblem::Missing));
        for bad in [
            "jan@@example.nl",
            "sanne at example.nl",
            "@example.nl",
            "jan@",
            "jan@.nl",
        ] {
            assert_eq!(
                EmailKey::parse(Some(bad)),
                Err(EmailProblem::Malformed(bad.to_string())),
                "{bad}"
            );
        }
        assert_eq!(
            EmailProblem::Malformed("sanne at example.nl".into()).to_string(),
            "customer_email \"sanne at example.nl\" is not an email address"
        );
    }
}
