//! Query parameters as WooCommerce's PHP side will see them, in the order they were set.

use chrono::{DateTime, Utc};

use crate::models::serde_helpers::format_gmt;

/// A request parameter as PHP sees it after parsing the query string: one value, or a list
/// (sent as `key[0]=…&key[1]=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamValue {
    /// A single value.
    One(String),
    /// A list, indexed from 0.
    List(Vec<String>),
}

/// Ordered query parameters; setting a name again replaces its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    params: Vec<(String, ParamValue)>,
}

impl Query {
    pub(crate) fn new() -> Self {
        Query::default()
    }

    fn put(&mut self, name: &str, value: ParamValue) {
        match self.params.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name.to_string(), value)),
        }
    }

    pub(crate) fn set(&mut self, name: &str, value: impl ToString) {
        self.put(name, ParamValue::One(value.to_string()));
    }

    /// A list, sent as `name[0]=…&name[1]=…` (the form WooCommerce's OAuth check signs).
    pub(crate) fn set_list<I, S>(&mut self, name: &str, values: I)
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        let values: Vec<String> = values.into_iter().map(|v| v.to_string()).collect();
        if values.is_empty() {
            self.remove(name);
        } else {
            self.put(name, ParamValue::List(values));
        }
    }

    /// A UTC instant, formatted without an offset; callers also send `dates_are_gmt=true`.
    pub(crate) fn set_gmt(&mut self, name: &str, at: DateTime<Utc>) {
        self.set(name, format_gmt(&at));
    }

    pub(crate) fn remove(&mut self, name: &str) {
        self.params.retain(|(n, _)| n != name);
    }

    #[cfg(test)]
    pub(crate) fn get(&self, name: &str) -> Option<&ParamValue> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub(crate) fn params(&self) -> &[(String, ParamValue)] {
        &self.params
    }
}

/// The `name=value` pairs to put on the wire, lists expanded to `name[i]`.
pub(crate) fn wire_pairs(params: &[(String, ParamValue)]) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(params.len());
    for (name, value) in params {
        match value {
            ParamValue::One(v) => out.push((name.clone(), v.clone())),
            ParamValue::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    out.push((format!("{name}[{i}]"), v.clone()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_expand_with_indices_and_set_replaces() {
        let mut q = Query::new();
        q.set("page", 1);
        q.set_list("status", ["processing", "on-hold"]);
        q.set("page", 2);
        assert_eq!(
            wire_pairs(q.params()),
            vec![
                ("page".to_string(), "2".to_string()),
                ("status[0]".to_string(), "processing".to_string()),
                ("status[1]".to_string(), "on-hold".to_string()),
            ]
        );
        q.set_list("status", Vec::<String>::new());
        assert!(q.get("status").is_none());
    }
}
