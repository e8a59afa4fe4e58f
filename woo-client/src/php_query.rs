//! Query parameters as PHP reads them into `$_GET`, because that array — not the query string
//! — is what WooCommerce signs on the server.
//!
//! PHP turns the decoded `name=value` pairs into a tree: `meta[color]=red` becomes
//! `$_GET['meta']['color']`, `x[]=a&x[]=b` becomes `x[0]`, `x[1]`. It also rewrites names in
//! ways a client cannot see from the query it sent: `.` and space in a top-level name become `_`,
//! an unclosed `[` becomes `_`, text after a closing `]` is dropped, a repeated name keeps only its
//! last value, and a scalar and an array under one name overwrite each other.
//!
//! [`PhpQuery::parse`] mirrors the tree, and **refuses** every rewrite that changes what the
//! server reads (the request would otherwise be signed for, or act on, parameters the caller never
//! wrote). The one rewrite it mirrors is the append form `x[]`, whose meaning is unambiguous.

use std::fmt;

/// A parameter value as PHP holds it: a string, or an array (ordered, keyed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhpValue {
    /// A scalar.
    Scalar(String),
    /// An array: keys in insertion order, as PHP keeps them.
    Array(Vec<(String, PhpValue)>),
}

/// Why a query cannot be sent as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query parameter `{name}`: {reason}")]
pub struct QueryError {
    /// The name as given.
    pub name: String,
    /// What PHP would do with it, and what to send instead.
    pub reason: String,
}

/// The `$_GET` tree PHP builds from a query, top-level names in order of first appearance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhpQuery {
    entries: Vec<(String, PhpValue)>,
}

impl PhpQuery {
    /// Parse decoded `(name, value)` pairs as PHP does, refusing names PHP would rewrite.
    ///
    /// ```
    /// use woo_client::php_query::{PhpQuery, PhpValue};
    /// let q = PhpQuery::parse(&[("meta[key with space]", "v"), ("x[]", "a"), ("x[]", "b")]).unwrap();
    /// assert_eq!(q.get("x"), Some(&PhpValue::Array(vec![
    ///     ("0".into(), PhpValue::Scalar("a".into())),
    ///     ("1".into(), PhpValue::Scalar("b".into())),
    /// ])));
    /// assert!(PhpQuery::parse(&[("a.b", "1")]).is_err()); // PHP would read `a_b`
    /// assert!(PhpQuery::parse(&[("page", "1"), ("page", "2")]).is_err()); // last would win
    /// ```
    pub fn parse<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> Result<Self, QueryError> {
        let mut query = PhpQuery::default();
        for (name, value) in pairs {
            query.insert(name.as_ref(), value.as_ref())?;
        }
        Ok(query)
    }

    /// The top-level entries, in order of first appearance.
    pub fn entries(&self) -> &[(String, PhpValue)] {
        &self.entries
    }

    /// A top-level entry.
    pub fn get(&self, name: &str) -> Option<&PhpValue> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn insert(&mut self, name: &str, value: &str) -> Result<(), QueryError> {
        let refuse = |reason: String| QueryError {
            name: name.to_string(),
            reason,
        };
        let (top, segments) = split_name(name).map_err(refuse)?;
        let mut slot = match self.entries.iter().position(|(n, _)| n == top) {
            Some(i) => &mut self.entries[i].1,
            None => {
                // A placeholder that the walk below fills.
                self.entries
                    .push((top.to_string(), PhpValue::Array(Vec::new())));
                let last = self.entries.len() - 1;
                if segments.is_empty() {
                    self.entries[last].1 = PhpValue::Scalar(value.to_string());
                    return Ok(());
                }
                &mut self.entries[last].1
            }
        };
        if segments.is_empty() {
            return Err(refuse(
                "given more than once: PHP keeps only the last value. Send a list as `name[]`"
                    .into(),
            ));
        }
        for (depth, segment) in segments.iter().enumerate() {
            let last = depth + 1 == segments.len();
            let PhpValue::Array(items) = slot else {
                return Err(refuse(
                    "also given as a single value: PHP would overwrite one with the other".into(),
                ));
            };
            let key = match segment {
                Some(key) => key.to_string(),
                None => next_index(items).to_string(),
            };
            let position = items.iter().position(|(k, _)| *k == key);
            let position = match (position, last) {
                (Some(_), true) => {
                    return Err(refuse(
                        "given more than once: PHP keeps only the last value".into(),
                    ));
                }
                (Some(i), false) => i,
                (None, _) => {
                    let fresh = if last {
                        PhpValue::Scalar(value.to_string())
                    } else {
                        PhpValue::Array(Vec::new())
                    };
                    items.push((key, fresh));
                    items.len() - 1
                }
            };
            slot = &mut items[position].1;
        }
        Ok(())
    }
}

impl fmt::Display for PhpQuery {
    /// The tree in PHP's bracket notation, for messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (name, value) in &self.entries {
            for (path, v) in flatten(name.clone(), value) {
                if !first {
                    f.write_str("&")?;
                }
                first = false;
                write!(f, "{path}={v}")?;
            }
        }
        Ok(())
    }
}

fn flatten(path: String, value: &PhpValue) -> Vec<(String, String)> {
    match value {
        PhpValue::Scalar(v) => vec![(path, v.clone())],
        PhpValue::Array(items) => items
            .iter()
            .flat_map(|(k, v)| flatten(format!("{path}[{k}]"), v))
            .collect(),
    }
}

/// Split `top[a][b]` into `top` and its index segments (`None` for the append form `[]`),
/// refusing every shape PHP would rewrite.
fn split_name(name: &str) -> Result<(&str, Vec<Option<&str>>), String> {
    let (top, mut rest) = match name.find('[') {
        Some(at) => (&name[..at], &name[at..]),
        None => (name, ""),
    };
    if top.is_empty() {
        return Err("has no name before `[`: PHP drops it".into());
    }
    if top.starts_with(' ') {
        return Err("starts with a space: PHP strips it".into());
    }
    if php_int_key(top).is_some() {
        // `array_merge($_GET, $_POST)` in WooCommerce's check renumbers integer keys.
        return Err("is a number: WooCommerce's signature check renumbers numeric names".into());
    }
    if top.contains(['.', ' ']) {
        return Err(format!(
            "PHP reads `.` and space in a name as `_` (the server would see `{}`)",
            top.replace(['.', ' '], "_")
        ));
    }
    let mut segments = Vec::new();
    while !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('[') else {
            return Err("has text after a closing `]`: PHP drops it".into());
        };
        let Some(close) = inner.find(']') else {
            return Err("has a `[` without a closing `]`: PHP reads it as `_`".into());
        };
        let key = &inner[..close];
        // PHP treats `[]` and `[ ]` both as "append".
        segments.push(if key.is_empty() || key == " " {
            None
        } else {
            Some(key)
        });
        rest = &inner[close + 1..];
    }
    Ok((top, segments))
}

/// The index PHP's `[]` appends at: one past the largest integer key, or 0.
fn next_index(items: &[(String, PhpValue)]) -> i64 {
    items
        .iter()
        .filter_map(|(k, _)| php_int_key(k))
        .max()
        .map_or(0, |max| max + 1)
}

/// `Some(n)` when PHP would store `key` as the integer `n`.
pub(crate) fn php_int_key(key: &str) -> Option<i64> {
    let digits = key.strip_prefix('-').unwrap_or(key);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && key != "-0";
    if canonical { key.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(v: &str) -> PhpValue {
        PhpValue::Scalar(v.into())
    }

    #[test]
    fn nested_and_append_forms_build_php_arrays() {
        let q = PhpQuery::parse(&[
            ("a[x][y]", "1"),
            ("a[x][z]", "2"),
            ("l[]", "p"),
            ("l[5]", "q"),
            ("l[]", "r"),
        ])
        .unwrap();
        assert_eq!(
            q.get("a"),
            Some(&PhpValue::Array(vec![(
                "x".into(),
                PhpValue::Array(vec![("y".into(), scalar("1")), ("z".into(), scalar("2"))])
            )]))
        );
        assert_eq!(q.to_string(), "a[x][y]=1&a[x][z]=2&l[0]=p&l[5]=q&l[6]=r");
    }

    #[test]
    fn rewrites_php_would_make_are_refused() {
        for (pairs, why) in [
            (vec![("a.b", "1")], "`_`"),
            (vec![("a b", "1")], "`_`"),
            (vec![(" a", "1")], "space"),
            (vec![("a[b", "1")], "closing"),
            (vec![("a[b]c", "1")], "after"),
            (vec![("[b]", "1")], "no name"),
            (vec![("5", "1")], "number"),
            (vec![("a", "1"), ("a", "2")], "last"),
            (vec![("a[k]", "1"), ("a[k]", "2")], "last"),
            (vec![("a", "1"), ("a[k]", "2")], "overwrite"),
            (vec![("a[k]", "1"), ("a", "2")], "last"),
        ] {
            let err = PhpQuery::parse(&pairs).unwrap_err();
            assert!(err.to_string().contains(why), "{pairs:?}: {err}");
        }
        // Inside brackets PHP keeps `.` and spaces.
        PhpQuery::parse(&[("meta[a.b c]", "1")]).unwrap();
    }

    #[test]
    fn php_integer_keys() {
        assert_eq!(php_int_key("0"), Some(0));
        assert_eq!(php_int_key("-3"), Some(-3));
        assert_eq!(php_int_key("07"), None);
        assert_eq!(php_int_key("-0"), None);
        assert_eq!(php_int_key("1a"), None);
    }
}
