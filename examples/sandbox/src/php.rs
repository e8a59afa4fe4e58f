//! PHP behaviour the PHP vendors (WooCommerce, Magento) show on the wire: `parse_str` for query
//! strings and form bodies, `rawurlencode`, and `json_encode`'s default escaping.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// A value as PHP's `$_GET` holds it: a string, or an ordered array with string keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhpValue {
    /// A scalar.
    Str(String),
    /// An ordered array; integer keys are kept as their decimal text.
    Arr(Vec<(String, PhpValue)>),
}

impl PhpValue {
    /// The scalar, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PhpValue::Str(s) => Some(s),
            PhpValue::Arr(_) => None,
        }
    }

    /// A child of an array by key.
    pub fn get(&self, key: &str) -> Option<&PhpValue> {
        match self {
            PhpValue::Arr(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            PhpValue::Str(_) => None,
        }
    }
}

/// `parse_str` / `$_GET`: the top-level array of a query string or form body.
///
/// Names: leading spaces dropped; in the part before the first `[`, `.` and space become `_`
/// (and an unmatched `[` too); `a[]` appends at the next integer index; `a[x][y]` nests; a later
/// duplicate replaces the earlier value in its original position; a scalar met by `a[x]` is
/// replaced by an array (so `order=asc&order[x]=y` loses `asc`).
pub fn parse_str(input: &str) -> Vec<(String, PhpValue)> {
    let mut root: Vec<(String, PhpValue)> = Vec::new();
    for pair in input.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = urldecode(raw_name);
        let value = urldecode(raw_value);
        register(&mut root, &name, value);
    }
    root
}

fn register(root: &mut Vec<(String, PhpValue)>, name: &str, value: String) {
    let name = name.trim_start_matches(' ');
    // The base name ends at the first '[' that has a matching ']'.
    let (base, mut rest) = match name.find('[') {
        Some(open) if name[open..].contains(']') => (&name[..open], Some(&name[open..])),
        _ => (name, None),
    };
    let mut base: String = base
        .chars()
        .map(|c| if c == '.' || c == ' ' { '_' } else { c })
        .collect();
    if rest.is_none() {
        // An unmatched '[' becomes '_' too (only the first one, as PHP does).
        if let Some(pos) = base.find('[') {
            base.replace_range(pos..pos + 1, "_");
        }
    }
    if base.is_empty() {
        return;
    }
    let mut indices: Vec<Option<String>> = Vec::new();
    while let Some(r) = rest {
        if !r.starts_with('[') {
            break;
        }
        let Some(close) = r.find(']') else { break };
        let idx = &r[1..close];
        indices.push(if idx.is_empty() {
            None
        } else {
            Some(idx.to_owned())
        });
        rest = Some(&r[close + 1..]);
    }
    insert(root, Some(base), &indices, value);
}

fn next_index(items: &[(String, PhpValue)]) -> String {
    let max = items
        .iter()
        .filter_map(|(k, _)| k.parse::<i64>().ok())
        .max();
    max.map_or(0, |m| m + 1).to_string()
}

fn insert(
    items: &mut Vec<(String, PhpValue)>,
    key: Option<String>,
    indices: &[Option<String>],
    value: String,
) {
    let key = key.unwrap_or_else(|| next_index(items));
    let pos = items.iter().position(|(k, _)| *k == key);
    if indices.is_empty() {
        match pos {
            Some(p) => items[p].1 = PhpValue::Str(value),
            None => items.push((key, PhpValue::Str(value))),
        }
        return;
    }
    let p = match pos {
        Some(p) => {
            if !matches!(items[p].1, PhpValue::Arr(_)) {
                items[p].1 = PhpValue::Arr(Vec::new());
            }
            p
        }
        None => {
            items.push((key, PhpValue::Arr(Vec::new())));
            items.len() - 1
        }
    };
    if let PhpValue::Arr(children) = &mut items[p].1 {
        insert(children, indices[0].clone(), &indices[1..], value);
    }
}

/// PHP `urldecode`: `+` is a space, `%XX` a byte, a stray `%` stays.
pub fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if hex_pair(bytes.get(i + 1), bytes.get(i + 2)).is_some() => {
                out.push(hex_pair(bytes.get(i + 1), bytes.get(i + 2)).unwrap_or(b'%'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_pair(a: Option<&u8>, b: Option<&u8>) -> Option<u8> {
    let h = |c: u8| (c as char).to_digit(16);
    Some((h(*a?)? * 16 + h(*b?)?) as u8)
}

const RAWURL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// PHP `rawurlencode` (RFC 3986: everything but `A-Za-z0-9-_.~` is percent-encoded).
pub fn rawurlencode(s: &str) -> String {
    utf8_percent_encode(s, RAWURL).to_string()
}

/// PHP `rawurldecode`: `%XX` decoded, `+` kept.
pub fn rawurldecode(s: &str) -> String {
    urldecode(&s.replace('+', "%2B"))
}

/// PHP `json_encode` with default flags: `/` escaped as `\/`, non-ASCII as `\uXXXX`.
pub fn json_encode(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> PhpValue {
        PhpValue::Str(v.to_owned())
    }

    #[test]
    fn parse_str_follows_php() {
        let parsed =
            parse_str("a.b=1&c+d=2&x[]=p&x[]=q&order=asc&order[k]=v&dup=1&dup=2&n[a][b]=z&e");
        assert_eq!(parsed[0], ("a_b".into(), s("1")));
        assert_eq!(parsed[1], ("c_d".into(), s("2")));
        assert_eq!(
            parsed[2],
            (
                "x".into(),
                PhpValue::Arr(vec![("0".into(), s("p")), ("1".into(), s("q"))])
            )
        );
        assert_eq!(
            parsed[3],
            ("order".into(), PhpValue::Arr(vec![("k".into(), s("v"))]))
        );
        assert_eq!(parsed[4], ("dup".into(), s("2")));
        assert_eq!(
            parsed[5],
            (
                "n".into(),
                PhpValue::Arr(vec![(
                    "a".into(),
                    PhpValue::Arr(vec![("b".into(), s("z"))])
                )])
            )
        );
        assert_eq!(parsed[6], ("e".into(), s("")));
        // An unmatched '[' becomes '_'.
        assert_eq!(parse_str("a[b=1")[0].0, "a_b");
    }

    #[test]
    fn json_encode_escapes_like_php() {
        let v = serde_json::json!([{"url": "https://x.nl/a"}, "Jürgen 김 😀"]);
        assert_eq!(
            json_encode(&v),
            r#"[{"url":"https:\/\/x.nl\/a"},"J\u00fcrgen \uae40 \ud83d\ude00"]"#
        );
    }
}
