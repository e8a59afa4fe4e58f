//! [`StoredHeaders`]: request headers in a typed, serializable form for the inbox row.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Request headers as stored with an inbox delivery: names lower-cased, values kept as
/// received (in order, repeated names included).
///
/// Serialized as a JSON object of name → string, or name → array of strings for a header
/// sent more than once. A plain JSON object of strings (what receivers stored before this type
/// existed) reads back too, so older inbox rows still parse.
///
/// ```
/// use sync_core::webhook::StoredHeaders;
///
/// let mut map = http::HeaderMap::new();
/// map.insert("X-WC-Webhook-Topic", "order.updated".parse().unwrap());
/// map.append("Via", "1.1 a".parse().unwrap());
/// map.append("Via", "1.1 b".parse().unwrap());
///
/// let stored = StoredHeaders::from(&map);
/// assert_eq!(stored.get("x-wc-webhook-topic"), Some("order.updated"));
/// assert_eq!(stored.get_all("via"), ["1.1 a", "1.1 b"]);
/// assert_eq!(
///     stored.to_json(),
///     serde_json::json!({"via": ["1.1 a", "1.1 b"], "x-wc-webhook-topic": "order.updated"})
/// );
/// let back = StoredHeaders::from_json(&stored.to_json()).unwrap();
/// assert_eq!(http::HeaderMap::from(&back), map);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    from = "BTreeMap<String, OneOrMany>",
    into = "BTreeMap<String, OneOrMany>"
)]
pub struct StoredHeaders {
    entries: BTreeMap<String, Vec<String>>,
}

/// One value, or several for a repeated header.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl From<BTreeMap<String, OneOrMany>> for StoredHeaders {
    fn from(map: BTreeMap<String, OneOrMany>) -> Self {
        let mut headers = StoredHeaders::new();
        for (name, values) in map {
            match values {
                OneOrMany::One(v) => headers.append(&name, v),
                OneOrMany::Many(vs) => vs.into_iter().for_each(|v| headers.append(&name, v)),
            }
        }
        headers
    }
}

impl From<StoredHeaders> for BTreeMap<String, OneOrMany> {
    fn from(headers: StoredHeaders) -> Self {
        headers
            .entries
            .into_iter()
            .map(|(name, mut values)| {
                let value = if values.len() == 1 {
                    OneOrMany::One(values.remove(0))
                } else {
                    OneOrMany::Many(values)
                };
                (name, value)
            })
            .collect()
    }
}

impl StoredHeaders {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a value for `name` (lower-cased), after any it already has.
    pub fn append(&mut self, name: &str, value: impl Into<String>) {
        self.entries
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value.into());
    }

    /// `self` with `name: value` appended.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.append(name, value);
        self
    }

    /// The first value of `name` (any case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).first().map(String::as_str)
    }

    /// Every value of `name` (any case), in the order received.
    pub fn get_all(&self, name: &str) -> &[String] {
        self.entries
            .get(&name.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Only the headers named in `names` (any case): what a receiver keeps of a request.
    pub fn only<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> StoredHeaders {
        let mut kept = StoredHeaders::new();
        for name in names {
            for value in self.get_all(name) {
                kept.append(name, value.clone());
            }
        }
        kept
    }

    /// Every header but those `is_secret` names (for example
    /// [`Redactor::is_secret_name`](crate::Redactor::is_secret_name)): a proxy's
    /// `Authorization` or a cookie never reaches the inbox.
    pub fn without(&self, mut is_secret: impl FnMut(&str) -> bool) -> StoredHeaders {
        StoredHeaders {
            entries: self
                .entries
                .iter()
                .filter(|(name, _)| !is_secret(name))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
        }
    }

    /// `(name, value)` pairs, names sorted, values in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .flat_map(|(name, values)| values.iter().map(move |v| (name.as_str(), v.as_str())))
    }

    /// How many distinct names there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The JSON object stored in the inbox's `headers` column.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Read headers back from the inbox's `headers` column (see the type's docs for the
    /// accepted shapes).
    pub fn from_json(value: &serde_json::Value) -> Result<StoredHeaders, serde_json::Error> {
        StoredHeaders::deserialize(value)
    }
}

/// Values that are not UTF-8 (rare; HTTP allows Latin-1 bytes) are kept with each invalid
/// byte replaced by U+FFFD.
impl From<&http::HeaderMap> for StoredHeaders {
    fn from(map: &http::HeaderMap) -> Self {
        let mut headers = StoredHeaders::new();
        for (name, value) in map {
            headers.append(
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            );
        }
        headers
    }
}

/// Names or values that are not valid in HTTP are skipped.
impl From<&StoredHeaders> for http::HeaderMap {
    fn from(headers: &StoredHeaders) -> Self {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers.iter() {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                map.append(name, value);
            }
        }
        map
    }
}

impl<'a> FromIterator<(&'a str, &'a str)> for StoredHeaders {
    fn from_iter<I: IntoIterator<Item = (&'a str, &'a str)>>(iter: I) -> Self {
        let mut headers = StoredHeaders::new();
        for (name, value) in iter {
            headers.append(name, value);
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_string_objects_from_older_rows_read_back() {
        let old =
            serde_json::json!({"X-WC-Webhook-Topic": "order.created", "x-wc-webhook-id": "7"});
        let headers = StoredHeaders::from_json(&old).unwrap();
        assert_eq!(headers.get("x-wc-webhook-topic"), Some("order.created"));
        assert_eq!(headers.get("X-WC-Webhook-ID"), Some("7"));
    }

    #[test]
    fn secrets_are_dropped_and_only_keeps_named() {
        let headers: StoredHeaders = [
            ("Authorization", "Bearer abc"),
            ("X-Chatwoot-Signature", "sha256=00"),
            ("Content-Type", "application/json"),
        ]
        .into_iter()
        .collect();
        let redactor = crate::Redactor::new();
        let kept = headers.without(|n| redactor.is_secret_name(n));
        assert_eq!(kept.get("authorization"), None);
        assert_eq!(kept.get("content-type"), Some("application/json"));
        let only = headers.only(["x-chatwoot-signature"]);
        assert_eq!(only.len(), 1);
    }
}
