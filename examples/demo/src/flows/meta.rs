//! A purchase → a Meta custom audience member, normalized and hashed by `fb-audience`.

use fb_audience::AudienceChange;
use serde_json::Value;

use super::Purchase;

/// The audience's columns: the email, normalized (trimmed, lower-cased) and SHA-256 hashed.
pub const SCHEMA: &str = "EMAIL";

/// Every buyer joins the audience. A purchase without a usable email has nothing identifying
/// left after normalization, so the sink rejects it with that reason (a dead letter), rather
/// than this mapping dropping it unseen.
pub fn change(payload: &Value) -> AudienceChange {
    let email = Purchase::from_payload(payload)
        .ok()
        .and_then(|p| p.summary().email.clone())
        .unwrap_or_default();
    AudienceChange::Add(vec![email])
}
