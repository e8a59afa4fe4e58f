//! [`LeakCheck`]: which canary secrets appear in which texts.

/// Collects texts (error `Display`/`Debug`, captured logs, dead-letter reasons) and finds the
/// canary secrets in them, as given, percent-encoded or JSON-escaped.
///
/// ```
/// use sync_core::testing::LeakCheck;
///
/// let mut check = LeakCheck::new(["ck_live_canary_1234"]);
/// check.record("error", "401 for consumer_key=[REDACTED]");
/// check.record("log", "GET /orders?consumer_key=ck_live_canary_1234");
/// assert_eq!(check.leaks(), vec![("log".to_string(), "ck_live_canary_1234".to_string())]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct LeakCheck {
    canaries: Vec<String>,
    texts: Vec<(String, String)>,
}

impl LeakCheck {
    /// Look for these secrets (empty ones are ignored).
    pub fn new<I, S>(canaries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        LeakCheck {
            canaries: canaries
                .into_iter()
                .map(Into::into)
                .filter(|c: &String| !c.is_empty())
                .collect(),
            texts: Vec::new(),
        }
    }

    /// Keep `text` under `label` for the check.
    pub fn record(&mut self, label: impl Into<String>, text: impl Into<String>) -> &mut Self {
        self.texts.push((label.into(), text.into()));
        self
    }

    /// Keep both the `Display` (label `"<label> (Display)"`) and the `Debug` (label
    /// `"<label> (Debug)"`) of `value`, typically an error.
    pub fn record_error<E>(&mut self, label: &str, value: &E) -> &mut Self
    where
        E: std::fmt::Display + std::fmt::Debug + ?Sized,
    {
        self.record(format!("{label} (Display)"), value.to_string());
        self.record(format!("{label} (Debug)"), format!("{value:?}"));
        self
    }

    /// How many texts were recorded.
    pub fn recorded(&self) -> usize {
        self.texts.len()
    }

    /// Every (label, canary) pair where the text recorded under the label contains the canary.
    pub fn leaks(&self) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for (label, text) in &self.texts {
            for canary in &self.canaries {
                if forms(canary)
                    .iter()
                    .any(|form| text.contains(form.as_str()))
                {
                    found.push((label.clone(), canary.clone()));
                }
            }
        }
        found
    }

    /// Panic, naming each label and the canary it leaked, when any text holds a canary.
    #[track_caller]
    pub fn assert_none(&self) {
        let leaks = self.leaks();
        if !leaks.is_empty() {
            let listed: Vec<String> = leaks
                .iter()
                .map(|(label, canary)| format!("  {label}: {canary}"))
                .collect();
            panic!(
                "{} of {} recorded texts leak a canary secret:\n{}",
                leaks.len(),
                self.texts.len(),
                listed.join("\n")
            );
        }
    }

    /// Panic unless some text holds a canary: the check itself works (run it with redaction
    /// switched off).
    #[track_caller]
    pub fn assert_some(&self) {
        assert!(
            !self.leaks().is_empty(),
            "none of {} recorded texts holds a canary: the check would not see a leak",
            self.texts.len()
        );
    }
}

/// A canary as given, percent-encoded and JSON-escaped.
fn forms(canary: &str) -> Vec<String> {
    let mut forms = vec![canary.to_string()];
    let encoded: String = url::form_urlencoded::byte_serialize(canary.as_bytes()).collect();
    let escaped = serde_json::to_string(canary).unwrap_or_default();
    for form in [encoded, escaped.trim_matches('"').to_string()] {
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_encoded_forms_and_names_the_label() {
        let mut check = LeakCheck::new(["cs_a/b+c", ""]);
        check.record("clean", "nothing here");
        check.record("encoded", "oauth_signature over cs_a%2Fb%2Bc");
        assert_eq!(
            check.leaks(),
            vec![("encoded".to_string(), "cs_a/b+c".to_string())]
        );
        check.assert_some();
        let result = std::panic::catch_unwind(|| check.assert_none());
        assert!(result.is_err());
    }
}
