//! Account labels: list, create, and make sure labels exist before they are assigned.
//!
//! Chatwoot attaches to a conversation or contact only the titles that are defined in the
//! account (`LabelConcern#valid_labels` filters the posted titles through the account's
//! labels) and drops the others without an error. It also stores titles in lower case, so
//! `"VIP"` never matches the label `vip`. So every label assignment in this crate first
//! [`ensure`s](Labels::ensure) the titles: it lowercases them, reads the account's labels,
//! creates the missing ones, and answers [`Error::MissingLabels`] naming them when the token
//! may not create labels, instead of letting Chatwoot drop them silently.

use std::collections::HashSet;

use serde::Serialize;

use sync_core::http::ApiRequest;

use crate::client::{ApplicationClient, JsonBody};
use crate::envelope::Payload;
use crate::error::Error;
use crate::models::Label;

impl ApplicationClient {
    /// The account's labels.
    pub fn labels(&self) -> Labels<'_> {
        Labels { client: self }
    }
}

/// A label to create.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewLabel {
    /// The title: letters, digits, `_` and `-`, at least two characters, starting with a
    /// letter or digit. Chatwoot lowercases it.
    pub title: String,
    /// A description for agents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The colour, `#rrggbb` (Chatwoot's default is `#1f93ff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Whether the dashboard lists it in the sidebar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_on_sidebar: Option<bool>,
}

impl NewLabel {
    /// A label with this title.
    pub fn new(title: impl Into<String>) -> Self {
        NewLabel {
            title: title.into(),
            ..NewLabel::default()
        }
    }
}

/// The lower-case title Chatwoot stores, or why Chatwoot would refuse it.
///
/// Chatwoot's rule (`RegexHelper::UNICODE_CHARACTER_NUMBER_HYPHEN_UNDERSCORE`): a letter or
/// digit, then one or more letters, digits, `_` or `-`.
///
/// ```
/// use chatwoot_client::labels::label_title;
/// assert_eq!(label_title("VIP-Customer").unwrap(), "vip-customer");
/// assert!(label_title("needs review").is_err());
/// assert!(label_title("x").is_err());
/// ```
pub fn label_title(raw: &str) -> Result<String, Error> {
    let title = raw.to_lowercase();
    let mut chars = title.chars();
    let first_ok = chars.next().is_some_and(char::is_alphanumeric);
    let rest: Vec<char> = chars.collect();
    let rest_ok = !rest.is_empty()
        && rest
            .iter()
            .all(|c| c.is_alphanumeric() || *c == '_' || *c == '-');
    if first_ok && rest_ok {
        Ok(title)
    } else {
        Err(Error::InvalidInput {
            field: "labels",
            message: format!(
                "`{raw}` is not a Chatwoot label title: use letters, digits, `_` and `-`, at \
                 least two characters, starting with a letter or digit"
            ),
        })
    }
}

/// Lower-case, de-duplicated titles in the order given (blank ones dropped).
fn normalize_titles(raw: &[&str]) -> Vec<String> {
    let mut seen = HashSet::new();
    raw.iter()
        .map(|label| label.to_lowercase())
        .filter(|title| !title.is_empty() && seen.insert(title.clone()))
        .collect()
}

/// Labels. Get it from [`ApplicationClient::labels`].
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    client: &'a ApplicationClient,
}

impl Labels<'_> {
    /// Every label of the account.
    pub async fn list(&self) -> Result<Vec<Label>, Error> {
        let request = ApiRequest::<Payload<Vec<Label>>>::get("labels.list", "labels");
        Ok(self.client.sender.send(request).await?.payload)
    }

    /// Create a label (administrators, or agents with the labels permission).
    pub async fn create(&self, label: &NewLabel) -> Result<Label, Error> {
        let mut label = label.clone();
        label.title = label_title(&label.title)?;
        let request = ApiRequest::post("labels.create", "labels")
            .json_body(&serde_json::json!({ "label": label }))?;
        self.client.sender.send_unwrapped(request).await
    }

    /// Make sure every title exists in the account, creating the missing ones; returns the
    /// lower-case titles to assign.
    ///
    /// When the token may not create labels (401/403), answers [`Error::MissingLabels`] with
    /// the titles that are missing, so nothing is assigned and silently dropped.
    pub async fn ensure(&self, titles: &[&str]) -> Result<Vec<String>, Error> {
        let titles = normalize_titles(titles);
        if titles.is_empty() {
            return Ok(titles);
        }
        let existing: HashSet<String> = self.list().await?.into_iter().map(|l| l.title).collect();
        let missing: Vec<&String> = titles.iter().filter(|t| !existing.contains(*t)).collect();
        // Titles that exist are valid by definition (older installations may hold titles the
        // current rule refuses); a missing one Chatwoot would refuse stops before any write.
        for title in &missing {
            label_title(title)?;
        }
        for (i, title) in missing.iter().enumerate() {
            match self.create(&NewLabel::new(title.as_str())).await {
                Ok(_) => tracing::info!(label = %title, "created missing chatwoot label"),
                // Created meanwhile by someone else: it exists, which is all we need.
                Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => {}
                Err(e) if e.status().is_some_and(|s| matches!(s.as_u16(), 401 | 403)) => {
                    return Err(Error::MissingLabels {
                        labels: missing[i..].iter().map(|t| (*t).clone()).collect(),
                        source: Some(Box::new(e)),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(titles)
    }
}

/// Fail when Chatwoot's answer to a label assignment lacks a title that was sent (it drops
/// undefined labels without an error, e.g. one deleted between [`Labels::ensure`] and the
/// assignment).
pub(crate) fn check_assigned(sent: &[String], assigned: Vec<String>) -> Result<Vec<String>, Error> {
    let dropped: Vec<String> = sent
        .iter()
        .filter(|t| !assigned.iter().any(|a| a.eq_ignore_ascii_case(t)))
        .cloned()
        .collect();
    if dropped.is_empty() {
        Ok(assigned)
    } else {
        Err(Error::MissingLabels {
            labels: dropped,
            source: None,
        })
    }
}
