//! Shared test helpers: fixtures, orders derived from the documented order, and a small
//! in-process Magento that answers `GET /V1/orders` searches the way the real one does
//! (including its past-the-end paging behaviours).
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use magento_client::sync_core::retry::{ExponentialBackoff, Jitter};
use magento_client::{
    Client, ClientOptions, ConditionType, Credentials, SearchCriteria, SortDirection,
};
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// The documented order (entity_id 3) with another id, increment id, store and update time.
pub fn order_json(entity_id: u64, store_id: u32, updated_at: &str) -> Value {
    let mut order = fixture_json("order.json");
    order["entity_id"] = json!(entity_id);
    order["increment_id"] = json!(format!("{entity_id:09}"));
    order["store_id"] = json!(store_id);
    order["updated_at"] = json!(updated_at);
    order
}

/// Orders 1..=n in store 1, updated one second apart.
pub fn orders(n: u64) -> Vec<Value> {
    (1..=n)
        .map(|id| {
            order_json(
                id,
                1,
                &format!("2026-11-20 10:{:02}:{:02}", id / 60, id % 60),
            )
        })
        .collect()
}

/// A fast retry policy for tests (no jitter, millisecond waits).
pub fn fast_retries(attempts: u32) -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
        .max_attempts(attempts)
        .jitter(Jitter::None)
}

pub fn client(uri: &str, auth: Credentials) -> Client {
    Client::builder(uri)
        .credentials(auth)
        .options(
            ClientOptions::new()
                .retry_policy(fast_retries(4))
                .attempt_timeout(Duration::from_secs(5)),
        )
        .build()
        .unwrap()
}

pub fn bearer_client(uri: &str) -> Client {
    client(
        uri,
        Credentials::integration_bearer("integration-token-0123"),
    )
}

/// What a page past the end holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastEnd {
    /// 2.4.x REST: nothing.
    Empty,
    /// ≤ 2.3: the last page again.
    LastPage,
    /// 2.4.x outside REST: page 1 again.
    FirstPage,
}

/// What `total_count` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    Honest,
    /// A number far above the real count (a broken extension, a count query without filters).
    Inflated(u64),
    Missing,
}

type Hook = Box<dyn Fn(&mut Vec<Value>, usize) + Send + Sync>;

/// `GET /V1/orders` over an in-memory order table.
pub struct FakeMagento {
    pub orders: Arc<Mutex<Vec<Value>>>,
    pub past_end: PastEnd,
    pub total: Total,
    /// Ignore every filter (a plugin that breaks the repository).
    pub ignore_filters: bool,
    /// Answer at most this many rows per page whatever `pageSize` asked for (a proxy or an
    /// extension capping the page size).
    pub max_page_size: Option<usize>,
    /// Runs before each answer with the table and the request number (1-based).
    pub before: Option<Hook>,
    pub requests: Arc<AtomicUsize>,
}

impl FakeMagento {
    pub fn new(orders: Vec<Value>) -> Self {
        FakeMagento {
            orders: Arc::new(Mutex::new(orders)),
            past_end: PastEnd::Empty,
            total: Total::Honest,
            ignore_filters: false,
            max_page_size: None,
            before: None,
            requests: Arc::new(AtomicUsize::new(0)),
        }
    }
    pub fn past_end(mut self, p: PastEnd) -> Self {
        self.past_end = p;
        self
    }
    pub fn total(mut self, t: Total) -> Self {
        self.total = t;
        self
    }
    pub fn cap_page_size(mut self, max: usize) -> Self {
        self.max_page_size = Some(max);
        self
    }
    pub fn before(mut self, hook: impl Fn(&mut Vec<Value>, usize) + Send + Sync + 'static) -> Self {
        self.before = Some(Box::new(hook));
        self
    }
    pub fn request_counter(&self) -> Arc<AtomicUsize> {
        self.requests.clone()
    }
}

fn compare(value: &Value, wanted: &str) -> Option<std::cmp::Ordering> {
    match value {
        Value::Number(n) => {
            let a: f64 = n.to_string().parse().ok()?;
            let b: f64 = wanted.parse().ok()?;
            a.partial_cmp(&b)
        }
        Value::String(s) => Some(s.as_str().cmp(wanted)),
        _ => None,
    }
}

fn cmp_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y): (f64, f64) = (
                x.to_string().parse().unwrap(),
                y.to_string().parse().unwrap(),
            );
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    }
}

fn matches(order: &Value, field: &str, cond: ConditionType, wanted: &str) -> bool {
    use std::cmp::Ordering::*;
    let value = &order[field];
    let c = compare(value, wanted);
    match cond {
        ConditionType::Eq => c == Some(Equal),
        ConditionType::Neq => c != Some(Equal),
        ConditionType::Gt => c == Some(Greater),
        ConditionType::Gteq | ConditionType::Moreq | ConditionType::From => {
            matches!(c, Some(Greater | Equal))
        }
        ConditionType::Lt => c == Some(Less),
        ConditionType::Lteq | ConditionType::To => matches!(c, Some(Less | Equal)),
        ConditionType::In => wanted.split(',').any(|w| compare(value, w) == Some(Equal)),
        ConditionType::Nin => !wanted.split(',').any(|w| compare(value, w) == Some(Equal)),
        ConditionType::Null => value.is_null(),
        ConditionType::Notnull => !value.is_null(),
        other => panic!("FakeMagento does not implement {other}"),
    }
}

impl FakeMagento {
    pub fn answer(&self, criteria: &SearchCriteria) -> Value {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let mut table = self.orders.lock().unwrap();
        if let Some(hook) = &self.before {
            hook(&mut table, n);
        }
        let mut hits: Vec<Value> = table
            .iter()
            .filter(|o| {
                self.ignore_filters
                    || criteria.filter_groups().iter().all(|g| {
                        g.filters()
                            .iter()
                            .any(|f| matches(o, f.field(), f.condition(), f.value()))
                    })
            })
            .cloned()
            .collect();
        for sort in criteria.sort_orders().iter().rev() {
            hits.sort_by(|a, b| {
                let ord = cmp_values(&a[&sort.field], &b[&sort.field]);
                match sort.direction {
                    SortDirection::Asc => ord,
                    SortDirection::Desc => ord.reverse(),
                }
            });
        }
        let mut size = criteria.effective_page_size() as usize;
        if let Some(max) = self.max_page_size {
            size = size.min(max);
        }
        let total = hits.len();
        let last_page = total.div_ceil(size).max(1);
        let mut page = criteria.effective_current_page() as usize;
        if page > last_page {
            match self.past_end {
                PastEnd::Empty => page = usize::MAX,
                PastEnd::LastPage => page = last_page,
                PastEnd::FirstPage => page = 1,
            }
        }
        let items: Vec<Value> = if page == usize::MAX {
            Vec::new()
        } else {
            hits.into_iter()
                .skip((page - 1) * size)
                .take(size)
                .collect()
        };
        let mut body = json!({ "items": items, "search_criteria": {"page_size": size} });
        match self.total {
            Total::Honest => body["total_count"] = json!(total),
            Total::Inflated(t) => body["total_count"] = json!(t),
            Total::Missing => {}
        }
        body
    }
}

impl Respond for FakeMagento {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let criteria =
            SearchCriteria::from_query_pairs(&pairs).expect("client sent valid criteria");
        ResponseTemplate::new(200).set_body_json(self.answer(&criteria))
    }
}

/// Entity ids of decoded orders.
pub fn ids(orders: &[magento_client::Order]) -> Vec<u64> {
    orders.iter().map(|o| o.entity_id).collect()
}
