//! `searchCriteria` as Magento's REST layer reads it from the query string.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::php::{PhpValue, parse_str};

/// What a page past the last one returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PastEnd {
    /// The last page again (Magento ≤ 2.3 collections clamp `currentPage`).
    RepeatLastPage,
    /// `items: []` (2.4 REST).
    Empty,
}

/// One filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Field.
    pub field: String,
    /// Value.
    pub value: String,
    /// `eq`, `gt`, `in`, …
    pub condition: String,
}

/// Parsed `searchCriteria`.
#[derive(Debug, Clone, Default)]
pub struct SearchCriteria {
    /// OR-groups, AND-ed together.
    pub groups: Vec<Vec<Filter>>,
    /// `(field, ascending)`.
    pub sort: Vec<(String, bool)>,
    /// `None`: all matches.
    pub page_size: Option<usize>,
    /// 1-based; 0 is read as 1.
    pub current_page: usize,
}

fn child<'a>(v: &'a PhpValue, snake: &str, camel: &str) -> Option<&'a PhpValue> {
    v.get(snake).or_else(|| v.get(camel))
}

fn items(v: Option<&PhpValue>) -> Vec<&PhpValue> {
    match v {
        Some(PhpValue::Arr(items)) => items.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    }
}

impl SearchCriteria {
    /// Reads `searchCriteria[...]` (snake_case or camelCase keys) from a query string.
    pub fn parse(query: &str) -> Self {
        let root = parse_str(query);
        let Some((_, sc)) = root.iter().find(|(k, _)| k == "searchCriteria") else {
            return Self {
                current_page: 1,
                ..Self::default()
            };
        };
        let groups = items(child(sc, "filter_groups", "filterGroups"))
            .into_iter()
            .map(|g| {
                items(g.get("filters"))
                    .into_iter()
                    .map(|f| Filter {
                        field: f
                            .get("field")
                            .and_then(PhpValue::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        value: f
                            .get("value")
                            .and_then(PhpValue::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        condition: child(f, "condition_type", "conditionType")
                            .and_then(PhpValue::as_str)
                            .unwrap_or("eq")
                            .to_owned(),
                    })
                    .collect()
            })
            .collect();
        let sort = items(child(sc, "sort_orders", "sortOrders"))
            .into_iter()
            .map(|s| {
                (
                    s.get("field")
                        .and_then(PhpValue::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    s.get("direction")
                        .and_then(PhpValue::as_str)
                        .unwrap_or("ASC")
                        .eq_ignore_ascii_case("ASC"),
                )
            })
            .collect();
        let page_size = child(sc, "page_size", "pageSize")
            .and_then(PhpValue::as_str)
            .and_then(|s| s.parse().ok());
        let current_page = child(sc, "current_page", "currentPage")
            .and_then(PhpValue::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or(1)
            .max(1);
        Self {
            groups,
            sort,
            page_size,
            current_page,
        }
    }

    /// Rejects unknown condition types as Magento does.
    pub fn validate(&self) -> Result<(), String> {
        const KNOWN: [&str; 17] = [
            "eq", "finset", "from", "gt", "gteq", "in", "like", "lt", "lteq", "moreq", "neq",
            "nfinset", "nin", "nlike", "notnull", "null", "to",
        ];
        for f in self.groups.iter().flatten() {
            if !KNOWN.contains(&f.condition.as_str()) {
                return Err(format!("Invalid condition type: {}", f.condition));
            }
        }
        Ok(())
    }

    /// The `search_criteria` echo of the response.
    pub fn echo(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| json!({"filters": g.iter().map(|f| json!({"field": f.field, "value": f.value, "condition_type": f.condition})).collect::<Vec<_>>()}))
            .collect();
        let mut v = json!({"filter_groups": groups, "current_page": self.current_page});
        if !self.sort.is_empty() {
            v["sort_orders"] = Value::Array(self.sort.iter().map(|(f, asc)| json!({"field": f, "direction": if *asc { "ASC" } else { "DESC" }})).collect());
        }
        if let Some(n) = self.page_size {
            v["page_size"] = json!(n);
        }
        v
    }

    /// Filters, sorts and pages; returns the page and the unpaged total.
    pub fn apply(&self, rows: Vec<Value>, past_end: PastEnd) -> (Vec<Value>, usize) {
        self.apply_by(rows, |r| r, past_end)
    }

    /// Whether every filtered and sorted field is one of `indexed`.
    pub fn only_uses(&self, indexed: &[&str]) -> bool {
        self.groups
            .iter()
            .flatten()
            .all(|f| indexed.contains(&f.field.as_str()))
            && self.sort.iter().all(|(f, _)| indexed.contains(&f.as_str()))
    }

    /// [`SearchCriteria::apply`] over rows that carry their fields at `value(row)`.
    pub fn apply_by<T>(
        &self,
        mut rows: Vec<T>,
        value: impl Fn(&T) -> &Value,
        past_end: PastEnd,
    ) -> (Vec<T>, usize) {
        rows.retain(|r| {
            self.groups
                .iter()
                .all(|g| g.iter().any(|f| matches(value(r), f)))
        });
        for (field, asc) in self.sort.iter().rev() {
            rows.sort_by(|a, b| {
                let o = compare(&value(a)[field.as_str()], &value(b)[field.as_str()]);
                if *asc { o } else { o.reverse() }
            });
        }
        let total = rows.len();
        let Some(size) = self.page_size.filter(|n| *n > 0) else {
            return (rows, total);
        };
        let last_page = total.div_ceil(size).max(1);
        let page = match past_end {
            PastEnd::RepeatLastPage => self.current_page.min(last_page),
            PastEnd::Empty => self.current_page,
        };
        (
            rows.into_iter()
                .skip((page - 1) * size)
                .take(size)
                .collect(),
            total,
        )
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (text(a).parse::<f64>(), text(b).parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => text(a).cmp(&text(b)),
    }
}

fn matches(row: &Value, f: &Filter) -> bool {
    let field = &row[f.field.as_str()];
    let value = Value::String(f.value.clone());
    let ord = compare(field, &value);
    let like = |pattern: &str, s: &str| {
        let parts: Vec<&str> = pattern.split('%').collect();
        let s = s.to_lowercase();
        let mut pos = 0;
        parts.iter().enumerate().all(|(i, p)| {
            let p = p.to_lowercase();
            if p.is_empty() {
                return true;
            }
            match s[pos..].find(&p) {
                Some(at) if i > 0 || at == 0 => {
                    pos += at + p.len();
                    true
                }
                _ => false,
            }
        }) && (pattern.ends_with('%') || pos == s.len())
    };
    match f.condition.as_str() {
        "eq" => ord == Ordering::Equal,
        "neq" => ord != Ordering::Equal,
        "gt" => ord == Ordering::Greater,
        "gteq" | "from" | "moreq" => ord != Ordering::Less,
        "lt" => ord == Ordering::Less,
        "lteq" | "to" => ord != Ordering::Greater,
        "in" => f
            .value
            .split(',')
            .any(|v| compare(field, &Value::String(v.trim().to_owned())) == Ordering::Equal),
        "nin" => !f
            .value
            .split(',')
            .any(|v| compare(field, &Value::String(v.trim().to_owned())) == Ordering::Equal),
        "like" => like(&f.value, &text(field)),
        "nlike" => !like(&f.value, &text(field)),
        "null" => field.is_null(),
        "notnull" => !field.is_null(),
        "finset" => text(field).split(',').any(|x| x == f.value),
        "nfinset" => !text(field).split(',').any(|x| x == f.value),
        _ => false,
    }
}
