//! Properties: paging terminates with every row exactly once whatever the server does past the
//! end or claims as its total; searchCriteria survive the wire; placeholders fill.
//!
//! Offset paging runs through the client's stream (the kit's paginator with the crate's
//! `OffsetRule`) against a loopback server answering with [`serve`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use magento_client::paging::{KeysetPager, SearchPage};
use magento_client::{
    Client, ConditionType, Credentials, EntityId, Filter, MagentoErrorBody, SearchCriteria,
    SortDirection,
};
use proptest::prelude::*;
use serde_json::json;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[derive(Debug, Clone, PartialEq)]
struct Row(u64);
impl EntityId for Row {
    fn entity_id(&self) -> u64 {
        self.0
    }
}

#[derive(Debug, Clone, Copy)]
enum PastEnd {
    Empty,
    Last,
    First,
}

#[derive(Debug, Clone, Copy)]
enum Total {
    Honest,
    Inflated,
    Missing,
    Deflated,
}

/// Magento's offset paging over rows 1..=n with the given quirks.
fn serve(n: u64, criteria: &SearchCriteria, past_end: PastEnd, total: Total) -> SearchPage<Row> {
    let size = u64::from(criteria.effective_page_size());
    let last_page = n.div_ceil(size).max(1);
    let mut page = u64::from(criteria.effective_current_page());
    if page > last_page {
        page = match past_end {
            PastEnd::Empty => 0,
            PastEnd::Last => last_page,
            PastEnd::First => 1,
        };
    }
    let items = if page == 0 {
        Vec::new()
    } else {
        ((page - 1) * size + 1..=(page * size).min(n))
            .map(Row)
            .collect()
    };
    let total = match total {
        Total::Honest => Some(n),
        Total::Inflated => Some(n * 10 + 1000),
        Total::Missing => None,
        Total::Deflated => Some(n / 2),
    };
    SearchPage::new(items, total, criteria)
}

/// The quirks the loopback server answers with, and how many requests it answered.
#[derive(Default)]
struct Served {
    quirks: Mutex<Option<(u64, PastEnd, Total)>>,
    requests: AtomicU64,
}

/// A runtime, a loopback Magento answering `GET /rest/V1/orders` with [`serve`], and a client.
struct OffsetHarness {
    runtime: tokio::runtime::Runtime,
    served: Arc<Served>,
    client: Client,
    _server: MockServer,
}

impl OffsetHarness {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let served = Arc::new(Served::default());
        let answer = served.clone();
        let server = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(wiremock::matchers::path("/rest/V1/orders"))
                .respond_with(move |request: &Request| {
                    answer.requests.fetch_add(1, Ordering::SeqCst);
                    let (n, past_end, total) = answer.quirks.lock().unwrap().unwrap();
                    let pairs: Vec<(String, String)> =
                        request.url.query_pairs().into_owned().collect();
                    let criteria = SearchCriteria::from_query_pairs(&pairs).unwrap();
                    let page = serve(n, &criteria, past_end, total);
                    let items: Vec<_> = page
                        .items
                        .iter()
                        .map(|row| json!({
                            "entity_id": row.0, "increment_id": format!("{:09}", row.0),
                            "created_at": "2026-11-20 10:00:00", "updated_at": "2026-11-20 10:00:00"
                        }))
                        .collect();
                    let mut body = json!({ "items": items });
                    if let Some(total) = page.total_count {
                        body["total_count"] = json!(total);
                    }
                    ResponseTemplate::new(200).set_body_json(body)
                })
                .mount(&server)
                .await;
            server
        });
        let client = Client::builder(server.uri())
            .credentials(Credentials::integration_bearer("integration-token"))
            .build()
            .unwrap();
        OffsetHarness {
            runtime,
            served,
            client,
            _server: server,
        }
    }

    /// The ids an offset scan of `n` rows yields, and the requests it took.
    fn scan(&self, n: u64, size: u32, past_end: PastEnd, total: Total) -> (Vec<u64>, u64) {
        *self.served.quirks.lock().unwrap() = Some((n, past_end, total));
        self.served.requests.store(0, Ordering::SeqCst);
        let stream = self
            .client
            .orders()
            .search_stream(SearchCriteria::new().page_size(size));
        let orders = self
            .runtime
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(10), stream.try_collect::<Vec<_>>()).await
            })
            .expect("paging terminated")
            .unwrap();
        let ids = orders.iter().map(|o| o.entity_id).collect();
        (ids, self.served.requests.load(Ordering::SeqCst))
    }
}

thread_local! {
    static HARNESS: OffsetHarness = OffsetHarness::new();
}

fn past_end() -> impl Strategy<Value = PastEnd> {
    prop_oneof![
        Just(PastEnd::Empty),
        Just(PastEnd::Last),
        Just(PastEnd::First)
    ]
}

fn total() -> impl Strategy<Value = Total> {
    prop_oneof![
        Just(Total::Honest),
        Just(Total::Inflated),
        Just(Total::Missing)
    ]
}

proptest! {
    #[test]
    fn offset_paging_terminates_with_each_row_once(
        n in 0u64..150,
        size in 1u32..25,
        past_end in past_end(),
        total in total(),
    ) {
        let (got, requests) = HARNESS.with(|h| h.scan(n, size, past_end, total));
        prop_assert!(requests <= n / u64::from(size) + 3, "too many requests: {requests}");
        prop_assert_eq!(got, (1..=n).collect::<Vec<_>>());
    }

    #[test]
    fn a_total_below_the_truth_never_duplicates(n in 1u64..100, size in 1u32..20, past_end in past_end()) {
        // A total that is too small can end the scan early (the client trusts it), but never
        // yields a row twice or out of order.
        let (got, _) = HARNESS.with(|h| h.scan(n, size, past_end, Total::Deflated));
        prop_assert_eq!(got.clone(), (1..=got.len() as u64).collect::<Vec<_>>());
    }

    #[test]
    fn keyset_paging_reads_every_row_once(
        ids in proptest::collection::btree_set(1u64..10_000, 0..120),
        size in 1u32..30,
        start in proptest::option::of(0u64..5_000),
    ) {
        let rows: Vec<u64> = ids.into_iter().collect();
        let mut pager = KeysetPager::new(SearchCriteria::new(), size).after(start);
        let mut got = Vec::new();
        while let Some(criteria) = pager.next_criteria() {
            let after = criteria
                .filter_groups()
                .iter()
                .flat_map(|g| g.filters())
                .find(|f| f.field() == "entity_id" && f.condition() == ConditionType::Gt)
                .map(|f| f.value().parse::<u64>().unwrap());
            let remaining: Vec<u64> = rows.iter().copied().filter(|id| after.is_none_or(|a| *id > a)).collect();
            let items = remaining.iter().take(size as usize).map(|&i| Row(i)).collect();
            let page = SearchPage::new(items, Some(remaining.len() as u64), &criteria);
            got.extend(pager.accept(page, "test").unwrap().into_iter().map(|r| r.0));
        }
        let expected: Vec<u64> = rows.into_iter().filter(|id| start.is_none_or(|s| *id > s)).collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn search_criteria_survive_the_wire(
        filters in proptest::collection::vec(
            ("[a-z_]{1,12}", 0usize..17, "\\PC{0,16}"),
            0..8,
        ),
        or_width in 1usize..3,
        sorts in proptest::collection::vec(("[a-z_]{1,10}", any::<bool>()), 0..3),
        size in 1u32..300,
        page in 1u32..50,
    ) {
        let mut criteria = SearchCriteria::new();
        for chunk in filters.chunks(or_width) {
            criteria = criteria.any_of(chunk.iter().map(|(field, cond, value)| {
                Filter::new(field.clone(), ConditionType::ALL[*cond], value.clone())
            }));
        }
        for (field, asc) in sorts {
            criteria = criteria.sort(field, if asc { SortDirection::Asc } else { SortDirection::Desc });
        }
        let criteria = criteria.page_size(size).current_page(page);
        let wire = criteria.to_query_string();
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(wire.as_bytes()).into_owned().collect();
        prop_assert_eq!(SearchCriteria::from_query_pairs(&decoded).unwrap(), criteria);
    }

    #[test]
    fn positional_placeholders_fill_without_confusing_prefixes(values in proptest::collection::vec("[a-z]{1,5}", 1..14)) {
        let message: String = (1..=values.len()).map(|i| format!("<%{i}>")).collect();
        let body: MagentoErrorBody = serde_json::from_value(serde_json::json!({
            "message": message, "parameters": values
        })).unwrap();
        let expected: String = values.iter().map(|v| format!("<{v}>")).collect();
        prop_assert_eq!(body.render(), expected);
    }
}
