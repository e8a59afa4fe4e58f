//! The answer to `POST /{audience_id}/users` and `/usersreplace`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Meta's answer to one uploaded batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadResponse {
    /// The audience (called `account_id` in the usersreplace reference).
    #[serde(default, alias = "account_id", deserialize_with = "id_string")]
    pub audience_id: Option<String>,
    /// The session.
    #[serde(default, deserialize_with = "id_string")]
    pub session_id: Option<String>,
    /// Rows received in this session so far.
    #[serde(default)]
    pub num_received: i64,
    /// Rows Meta could not use (Meta says the count is approximate).
    #[serde(default)]
    pub num_invalid_entries: i64,
    /// Up to 100 examples of unusable rows.
    #[serde(default, deserialize_with = "samples")]
    pub invalid_entry_samples: Vec<InvalidSample>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UploadResponse {
    /// An answer that says nothing (the batch's real answer was lost).
    pub(crate) fn empty() -> Self {
        UploadResponse {
            audience_id: None,
            session_id: None,
            num_received: 0,
            num_invalid_entries: 0,
            invalid_entry_samples: Vec::new(),
            extra: Map::new(),
        }
    }
}

/// One example of an unusable row, as Meta reports it (a map entry or a list element).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InvalidSample {
    /// The value (usually a hash) Meta could not use.
    pub value: String,
    /// Meta's reason, when the samples come as a map.
    pub reason: Option<String>,
}

fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn samples<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<InvalidSample>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => map
            .into_iter()
            .map(|(value, reason)| InvalidSample {
                value,
                reason: Some(text(reason)),
            })
            .collect(),
        Value::Array(items) => items
            .into_iter()
            .map(|v| InvalidSample {
                value: text(v),
                reason: None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sample_shapes() {
        let a: UploadResponse = serde_json::from_str(
            r#"{"audience_id":"23842","session_id":"9778993","num_received":5,"num_invalid_entries":1,"invalid_entry_samples":{"abc":"invalid hash"}}"#,
        )
        .unwrap();
        assert_eq!(
            a.invalid_entry_samples[0].reason.as_deref(),
            Some("invalid hash")
        );
        let b: UploadResponse = serde_json::from_str(
            r#"{"account_id":"23842","session_id":9778993,"num_received":5,"num_invalid_entries":0,"invalid_entry_samples":["x"]}"#,
        )
        .unwrap();
        assert_eq!(b.audience_id.as_deref(), Some("23842"));
        assert_eq!(b.session_id.as_deref(), Some("9778993"));
        assert_eq!(b.invalid_entry_samples[0].value, "x");
    }
}
