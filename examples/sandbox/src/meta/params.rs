//! Graph API parameters: from the query string, an urlencoded or multipart form body, or a JSON
//! body; `payload` and `session` may be JSON text inside a form field.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, Uri};
use serde_json::Value;

/// All parameters of one Graph call (later sources override earlier: query < body).
pub fn collect(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (k, v) in url_pairs(uri.query().unwrap_or_default()) {
        out.insert(k, parse_json_text(v));
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/json") {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            out.extend(map);
        }
    } else if let Some(boundary) = content_type.split("boundary=").nth(1) {
        for (k, v) in multipart_fields(body, boundary.trim_matches('"')) {
            out.insert(k, parse_json_text(v));
        }
    } else if !body.is_empty() {
        for (k, v) in url_pairs(&String::from_utf8_lossy(body)) {
            out.insert(k, parse_json_text(v));
        }
    }
    out
}

fn url_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (crate::php::urldecode(k), crate::php::urldecode(v))
        })
        .collect()
}

/// `payload={"schema":...}` arrives as text; objects and arrays are parsed, the rest stays text.
fn parse_json_text(v: String) -> Value {
    let t = v.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        serde_json::from_str(t).unwrap_or(Value::String(v))
    } else {
        Value::String(v)
    }
}

/// The text fields of a `multipart/form-data` body (`curl -F`).
fn multipart_fields(body: &[u8], boundary: &str) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    text.split(delimiter.as_str())
        .filter_map(|part| {
            let part = part.strip_prefix("\r\n").unwrap_or(part);
            let (head, value) = part.split_once("\r\n\r\n")?;
            let name = head.split("name=\"").nth(1)?.split('"').next()?.to_owned();
            Some((name, value.strip_suffix("\r\n").unwrap_or(value).to_owned()))
        })
        .collect()
}

/// A parameter as text (numbers and booleans written out).
pub fn text(params: &BTreeMap<String, Value>, name: &str) -> Option<String> {
    match params.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}
