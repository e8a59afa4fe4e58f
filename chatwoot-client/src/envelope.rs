//! Chatwoot's response envelopes: `{"payload": T}`, `{"meta": {...}, "payload": [T]}`, and
//! answers that are `{"payload": T}` on one version and a bare `T` on another.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sync_core::http::{ApiClient, decode_json};

use crate::error::Error;
use crate::models::lenient;
use crate::vendor::ChatwootVendor;

/// `{"payload": T}`, the envelope of most single-resource answers.
#[derive(Deserialize)]
pub(crate) struct Payload<T> {
    pub(crate) payload: T,
}

/// `{"meta": {...}, "payload": [T]}`, the envelope of contact lists, searches and filters.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
pub(crate) struct MetaList<T> {
    #[serde(default)]
    pub(crate) meta: ListMeta,
    #[serde(deserialize_with = "lenient::null_default")]
    pub(crate) payload: Vec<T>,
}

/// The `meta` of a contact list: the total, and on some versions a `has_more` flag.
#[derive(Deserialize, Default)]
pub(crate) struct ListMeta {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub(crate) count: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub(crate) has_more: Option<bool>,
}

/// Decode either `{"payload": T}` or a bare `T`. A mismatch is the client's
/// [`Error::Decode`] with the path inside the payload, its message through the client's
/// redactor (inbox, user and bot bodies carry credentials).
pub(crate) fn payload_or_bare<T: DeserializeOwned>(
    api: &ApiClient<ChatwootVendor>,
    operation: &str,
    value: Value,
) -> Result<T, Error> {
    let inner = match value {
        Value::Object(mut map) if map.contains_key("payload") && !map.contains_key("id") => {
            map.remove("payload").unwrap_or(Value::Null)
        }
        other => other,
    };
    let text = inner.to_string();
    decode_json(text.as_bytes()).map_err(|mut e| {
        e.message = api.redactor().text(&e.message);
        e.path = api.redactor().text(&e.path);
        <crate::Error as sync_core::http::FromKitFailure>::decode(operation, e)
    })
}
