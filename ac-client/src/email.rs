//! The one check every write keyed by email makes before sending.

use crate::error::{Error, Result};

/// `email`, trimmed, when it can be an address (ActiveCampaign keys contacts by email);
/// [`Error::InvalidInput`] naming the `email` field otherwise.
pub(crate) fn check_email(email: &str) -> Result<&str> {
    let email = email.trim();
    let ok = match email.find('@') {
        Some(i) => i > 0 && i + 1 < email.len() && !email.chars().any(char::is_whitespace),
        None => false,
    };
    if ok {
        Ok(email)
    } else {
        Err(Error::InvalidInput {
            field: "email",
            message: format!(
                "{email:?} is not an email address; ActiveCampaign keys contacts by email"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check() {
        assert_eq!(check_email(" a@b.test ").unwrap(), "a@b.test");
        for bad in ["", "ab", "@b", "a@", "a b@c.test"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
