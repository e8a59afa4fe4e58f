//! Shared test helpers: documented fixtures and a key-structure comparison.
//!
//! A shape test checks the fake's answer against a vendor's documented example: every JSON path
//! of the example must exist in the answer with the same kind of value (string, number, bool,
//! object, array). Values are not compared, and the fake may carry more fields than the example.
#![allow(dead_code)] // each test binary uses a different part

use std::collections::BTreeSet;

use serde_json::Value;

/// Reads `tests/fixtures/<name>` as JSON. `.jsonc` files may hold `//` comments and trailing
/// commas (as Chatwoot's docs sample does); both are removed first.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let text = if name.ends_with(".jsonc") {
        strip_jsonc(&text)
    } else {
        text
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Drops `//` comments outside strings and commas right before `}` or `]`.
pub fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' if in_string => escaped = true,
                b'"' => in_string = !in_string,
                b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    // Trailing commas: a comma followed only by whitespace and a closing bracket.
    let chars: Vec<char> = out.chars().collect();
    let mut cleaned = String::with_capacity(out.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        cleaned.push(c);
    }
    cleaned
}

/// The kind of a JSON value, as a shape test compares it.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A comparison of a fake's answer with a documented example.
#[derive(Debug, Default)]
pub struct Shape {
    /// Paths whose object keys are data, not fields (`custom_attributes`): only the kind counts.
    maps: BTreeSet<String>,
    /// Paths the vendor documents as sometimes absent.
    optional: BTreeSet<String>,
}

impl Shape {
    /// A strict comparison.
    pub fn new() -> Self {
        Self::default()
    }

    /// Treats these paths (`a.b`, `list[].c`) as free-form maps.
    pub fn maps(mut self, paths: &[&str]) -> Self {
        self.maps.extend(paths.iter().map(|p| p.to_string()));
        self
    }

    /// Lets these paths be absent (still checked when present).
    pub fn optional(mut self, paths: &[&str]) -> Self {
        self.optional.extend(paths.iter().map(|p| p.to_string()));
        self
    }

    /// Every path of `documented` missing from `got` or holding another kind of value.
    /// `null` on either side matches any kind: vendors document nullable fields with an example
    /// value and send `null`, and the reverse. An empty array in `got` has nothing to compare.
    pub fn problems(&self, documented: &Value, got: &Value) -> Vec<String> {
        let mut out = Vec::new();
        self.walk("", documented, got, &mut out);
        out.sort();
        out.dedup();
        out
    }

    /// Panics with every problem found, naming `what`.
    pub fn assert_matches(&self, what: &str, documented: &Value, got: &Value) {
        let problems = self.problems(documented, got);
        assert!(
            problems.is_empty(),
            "{what} differs from the documented shape:\n  {}\ngot: {got:#}",
            problems.join("\n  ")
        );
    }

    fn walk(&self, path: &str, doc: &Value, got: &Value, out: &mut Vec<String>) {
        if doc.is_null() || got.is_null() {
            return;
        }
        if kind(doc) != kind(got) {
            out.push(format!(
                "{}: documented {}, got {}",
                display(path),
                kind(doc),
                kind(got)
            ));
            return;
        }
        if self.maps.contains(path) {
            return;
        }
        match (doc, got) {
            (Value::Object(d), Value::Object(g)) => {
                for (key, d_value) in d {
                    let child = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    match g.get(key) {
                        Some(g_value) => self.walk(&child, d_value, g_value, out),
                        None if self.optional.contains(&child) => {}
                        None => out.push(format!("{child}: missing")),
                    }
                }
            }
            (Value::Array(d), Value::Array(g)) => {
                let child = format!("{path}[]");
                // Every documented item against every item we got.
                for d_item in d {
                    for g_item in g {
                        self.walk(&child, d_item, g_item, out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn display(path: &str) -> &str {
    if path.is_empty() { "(root)" } else { path }
}

#[test]
fn shape_reports_missing_and_mistyped_fields() {
    let doc =
        serde_json::json!({"id": "1", "n": 2, "tags": [{"t": "x"}], "attrs": {"k": "v"}, "opt": 1});
    let good = serde_json::json!({"id": "9", "n": 3, "tags": [{"t": "y", "extra": 1}], "attrs": {"other": 5}, "more": true});
    assert!(
        Shape::new()
            .maps(&["attrs"])
            .optional(&["opt"])
            .problems(&doc, &good)
            .is_empty()
    );
    let bad = serde_json::json!({"id": 9, "tags": [{"t": 1}], "attrs": {}});
    assert_eq!(
        Shape::new().problems(&doc, &bad),
        vec![
            "attrs.k: missing",
            "id: documented string, got number",
            "n: missing",
            "opt: missing",
            "tags[].t: documented string, got number",
        ]
    );
    assert_eq!(
        strip_jsonc("{\n \"a\": \"x // y\", // c\n \"b\": 1,\n}\n"),
        "{\n \"a\": \"x // y\", \n \"b\": 1\n}\n"
    );
}
