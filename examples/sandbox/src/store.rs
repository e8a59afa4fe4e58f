//! Stored entities of a fake, with a count of how many times the API wrote each one.
//!
//! Entities are kept as compact JSON text plus a small summary of their indexed top-level
//! fields, so that a shop of 100,000 seeded orders fits in memory and lists filter and sort on
//! summaries, parsing only the entities a page returns.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

/// The key of one stored entity: a numeric id or a text key (an email, a hash, an insert id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum Key {
    /// A numeric id (sorted numerically).
    Num(u64),
    /// A text key.
    Text(String),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Num(n) => write!(f, "{n}"),
            Key::Text(s) => f.write_str(s),
        }
    }
}

impl From<u64> for Key {
    fn from(n: u64) -> Self {
        Key::Num(n)
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Text(s.to_owned())
    }
}

impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Text(s)
    }
}

/// Top-level fields copied into an entity's summary (what lists filter and sort on).
pub const INDEXED: &[&str] = &[
    "id",
    "status",
    "state",
    "date_created",
    "date_created_gmt",
    "date_modified",
    "date_modified_gmt",
    "customer_id",
    "email",
    "entity_id",
    "increment_id",
    "created_at",
    "updated_at",
    "store_id",
    "customer_email",
    "title",
    "tag",
    "topic",
    "account_id",
    "contact",
    "field",
    "row",
];

#[derive(Debug)]
struct Stored {
    json: Box<str>,
    summary: Value,
}

impl Stored {
    fn new(value: &Value) -> Self {
        let summary = match value {
            Value::Object(map) => Value::Object(
                INDEXED
                    .iter()
                    .filter_map(|k| {
                        map.get(*k)
                            .filter(|v| !v.is_object() && !v.is_array())
                            .map(|v| ((*k).to_owned(), v.clone()))
                    })
                    .collect::<Map<String, Value>>(),
            ),
            other => other.clone(),
        };
        Self {
            json: value.to_string().into_boxed_str(),
            summary,
        }
    }

    fn value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }
}

/// Entities by kind (`"orders"`, `"contacts"`, …) and key, in the vendor's JSON shape.
///
/// Seeding does not count as a write; every create or update through the vendor API does, so
/// `writes_of("contacts", 7) == 2` means a client wrote contact 7 twice (a duplicate to absorb).
#[derive(Debug, Default)]
pub struct EntityStore {
    kinds: BTreeMap<String, BTreeMap<Key, Stored>>,
    writes: BTreeMap<String, BTreeMap<Key, u64>>,
}

impl EntityStore {
    /// Stores `value` without counting a write (seed data, changes made "in the shop").
    pub fn seed(&mut self, kind: &str, key: impl Into<Key>, value: Value) {
        self.kinds
            .entry(kind.to_owned())
            .or_default()
            .insert(key.into(), Stored::new(&value));
    }

    /// Stores `value` and counts one write of that entity.
    pub fn write(&mut self, kind: &str, key: impl Into<Key>, value: Value) {
        let key = key.into();
        self.count_write(kind, key.clone());
        self.seed(kind, key, value);
    }

    /// Removes an entity (counts as a write).
    pub fn remove(&mut self, kind: &str, key: impl Into<Key>) -> Option<Value> {
        let key = key.into();
        self.count_write(kind, key.clone());
        self.kinds.get_mut(kind)?.remove(&key).map(|s| s.value())
    }

    /// A copy of one entity.
    pub fn get(&self, kind: &str, key: impl Into<Key>) -> Option<Value> {
        self.kinds.get(kind)?.get(&key.into()).map(Stored::value)
    }

    /// Whether an entity exists.
    pub fn contains(&self, kind: &str, key: impl Into<Key>) -> bool {
        self.kinds
            .get(kind)
            .is_some_and(|m| m.contains_key(&key.into()))
    }

    /// Changes an entity in place without counting a write (see [`EntityStore::count_write`]).
    pub fn update(
        &mut self,
        kind: &str,
        key: impl Into<Key>,
        change: impl FnOnce(&mut Value),
    ) -> bool {
        let Some(stored) = self
            .kinds
            .get_mut(kind)
            .and_then(|m| m.get_mut(&key.into()))
        else {
            return false;
        };
        let mut value = stored.value();
        change(&mut value);
        *stored = Stored::new(&value);
        true
    }

    /// Counts a write of an entity.
    pub fn count_write(&mut self, kind: &str, key: impl Into<Key>) {
        *self
            .writes
            .entry(kind.to_owned())
            .or_default()
            .entry(key.into())
            .or_default() += 1;
    }

    /// Copies of all entities of a kind, in key order (parses each one: for small kinds).
    pub fn list(&self, kind: &str) -> Vec<Value> {
        self.kinds
            .get(kind)
            .map(|m| m.values().map(Stored::value).collect())
            .unwrap_or_default()
    }

    /// Keys of the entities whose summary (the [`INDEXED`] fields) passes `keep`, in key order.
    pub fn scan(&self, kind: &str, mut keep: impl FnMut(&Value) -> bool) -> Vec<Key> {
        self.kinds
            .get(kind)
            .map(|m| {
                m.iter()
                    .filter(|(_, s)| keep(&s.summary))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `(key, summary)` of every entity of a kind, in key order.
    pub fn summaries(&self, kind: &str) -> Vec<(Key, &Value)> {
        self.kinds
            .get(kind)
            .map(|m| m.iter().map(|(k, s)| (k.clone(), &s.summary)).collect())
            .unwrap_or_default()
    }

    /// The first entity whose summary passes `hit`.
    pub fn find(&self, kind: &str, mut hit: impl FnMut(&Value) -> bool) -> Option<(Key, Value)> {
        let (k, s) = self
            .kinds
            .get(kind)?
            .iter()
            .find(|(_, s)| hit(&s.summary))?;
        Some((k.clone(), s.value()))
    }

    /// How many entities of a kind are stored.
    pub fn count(&self, kind: &str) -> usize {
        self.kinds.get(kind).map_or(0, BTreeMap::len)
    }

    /// The next free numeric id of a kind (largest numeric key + 1).
    pub fn next_id(&self, kind: &str) -> u64 {
        self.kinds
            .get(kind)
            .and_then(|m| {
                m.keys().rev().find_map(|k| match k {
                    Key::Num(n) => Some(*n),
                    Key::Text(_) => None,
                })
            })
            .unwrap_or(0)
            + 1
    }

    /// How many times the API wrote one entity.
    pub fn writes_of(&self, kind: &str, key: impl Into<Key>) -> u64 {
        self.writes
            .get(kind)
            .and_then(|m| m.get(&key.into()))
            .copied()
            .unwrap_or(0)
    }

    /// Every entity as `{kind: [entity, …]}`.
    pub fn snapshot(&self) -> Value {
        let map = self
            .kinds
            .keys()
            .map(|k| (k.clone(), Value::Array(self.list(k))))
            .collect();
        Value::Object(map)
    }

    /// Write counts as `{kind: {key: count}}`.
    pub fn writes_snapshot(&self) -> Value {
        let map = self
            .writes
            .iter()
            .map(|(k, m)| {
                let inner = m
                    .iter()
                    .map(|(key, n)| (key.to_string(), Value::from(*n)))
                    .collect();
                (k.clone(), Value::Object(inner))
            })
            .collect();
        Value::Object(map)
    }

    /// Drops every entity and write count.
    pub fn clear(&mut self) {
        self.kinds.clear();
        self.writes.clear();
    }
}
