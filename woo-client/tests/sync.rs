//! The sync-core sources: incremental by `date_modified_gmt`, unsorted-safe, with the engine.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use sync_core::store::{MemoryDeadLetters, MemoryWatermarks};
use sync_core::{
    Ack, Classify, PermanentKind, Pipeline, Sink, SinkRecord, Source, SourceOrder, StageError,
    StreamKey, Verdict, WatermarkStore,
};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use woo_client::models::{Order, OrderStatus};
use woo_client::sync::{OrderSource, ProductSource, SubscriptionSource};

use common::{basic_client, fixture, fixture_json, query_value, received};

fn order(id: u64, modified: &str) -> Value {
    let mut o = fixture_json("order.json");
    o["id"] = json!(id);
    o["date_modified_gmt"] = json!(modified);
    o
}

async fn mount_orders(server: &MockServer, page: u32, orders: Vec<Value>, total_pages: u32) {
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders"))
        .and(query_param("page", page.to_string().as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-WP-TotalPages", total_pages.to_string().as_str())
                .set_body_json(Value::Array(orders)),
        )
        .mount(server)
        .await;
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn order_source_reads_modified_after_in_utc_and_drops_repeats() {
    let server = MockServer::start().await;
    // A page shift served order 2 twice; order 9 is older than the filter (a server that
    // ignored `modified_after`) and is dropped here too.
    mount_orders(
        &server,
        1,
        vec![
            order(1, "2024-05-01T10:00:05"),
            order(2, "2024-05-01T10:00:06"),
        ],
        2,
    )
    .await;
    mount_orders(
        &server,
        2,
        vec![
            order(2, "2024-05-01T10:00:06"),
            order(3, "2024-05-01T11:00:00"),
            order(9, "2024-04-01T00:00:00"),
        ],
        2,
    )
    .await;

    let mut source = OrderSource::new(basic_client(&server.uri()))
        .per_page(2)
        .lookback(Duration::from_secs(600))
        .clock_skew(Duration::from_secs(60))
        .filter(|list| list.status([OrderStatus::Processing]));
    assert_eq!(
        source.order(),
        SourceOrder::Unsorted {
            lookback: Duration::from_secs(600),
            clock_skew: Duration::from_secs(60)
        }
    );
    source.start(Some(t("2024-05-01T10:00:00Z"))).await.unwrap();
    let mut keys = Vec::new();
    let mut cursors = Vec::new();
    while let Some(batch) = source.next_batch().await.unwrap() {
        for r in batch {
            keys.push(r.key);
            cursors.push(r.cursor);
        }
    }
    assert_eq!(keys, ["order:1", "order:2", "order:3"]);
    assert_eq!(cursors[2], t("2024-05-01T11:00:00Z"));
    assert_eq!(source.repeats_dropped(), 1);

    let requests = received(&server).await;
    for r in &requests {
        assert_eq!(
            query_value(r, "modified_after").as_deref(),
            Some("2024-05-01T10:00:00")
        );
        assert_eq!(query_value(r, "dates_are_gmt").as_deref(), Some("true"));
        assert_eq!(query_value(r, "orderby").as_deref(), Some("id"));
        assert_eq!(query_value(r, "status[0]").as_deref(), Some("processing"));
    }
}

#[tokio::test]
async fn source_errors_keep_their_classification() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_raw(fixture("error_rest_no_route.json"), "application/json"),
        )
        .mount(&server)
        .await;
    let mut source = SubscriptionSource::new(basic_client(&server.uri()));
    source.start(None).await.unwrap();
    let err = source.next_batch().await.unwrap_err();
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    assert!(
        err.to_string().contains("WooCommerce Subscriptions"),
        "{err}"
    );
}

#[tokio::test]
async fn subscription_and_product_sources_use_modification_dates() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/subscriptions"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-WP-TotalPages", "1")
                .set_body_raw(fixture("subscriptions_list.json"), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/products"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-WP-TotalPages", "1")
                .set_body_json(json!([fixture_json("product.json")])),
        )
        .mount(&server)
        .await;
    let client = basic_client(&server.uri());

    let mut subs = SubscriptionSource::new(client.clone());
    subs.start(None).await.unwrap();
    let batch = subs.next_batch().await.unwrap().unwrap();
    assert_eq!(batch.len(), 4);
    assert_eq!(batch[0].key, "subscription:1314");
    assert_eq!(batch[0].cursor, t("2021-04-23T07:24:34Z"));
    assert!(subs.next_batch().await.unwrap().is_none());

    let mut products = ProductSource::new(client);
    products
        .start(Some(t("2017-01-01T00:00:00Z")))
        .await
        .unwrap();
    let batch = products.next_batch().await.unwrap().unwrap();
    assert_eq!(batch[0].key, "product:794");
    assert_eq!(batch[0].cursor, t("2017-03-23T20:01:14Z"));
    let product_request = received(&server)
        .await
        .into_iter()
        .find(|r| r.url.path().ends_with("/products"))
        .unwrap();
    assert_eq!(
        query_value(&product_request, "modified_after").as_deref(),
        Some("2017-01-01T00:00:00")
    );
}

/// Records what it was given.
#[derive(Default)]
struct Collect(Mutex<Vec<String>>);

#[async_trait]
impl Sink<Order> for Collect {
    async fn write(&self, batch: &[SinkRecord<'_, Order>]) -> Result<Vec<Ack>, StageError> {
        let mut seen = self.0.lock().unwrap();
        seen.extend(batch.iter().map(|r| format!("{}@{}", r.key, r.data.total)));
        Ok(vec![Ack::Delivered; batch.len()])
    }
}

#[tokio::test]
async fn pipeline_runs_orders_incrementally_with_lookback() {
    let server = MockServer::start().await;
    mount_orders(
        &server,
        1,
        vec![
            order(727, "2017-03-22T19:28:08"),
            order(723, "2017-03-21T19:54:51"),
        ],
        1,
    )
    .await;
    let stream = StreamKey::new("woo-test", "orders", "shop.test");
    let watermarks = Arc::new(MemoryWatermarks::new());
    let clock = || Utc.with_ymd_and_hms(2017, 4, 1, 0, 0, 0).unwrap();
    let build = |sink: Arc<Collect>| {
        Pipeline::builder(
            stream.clone(),
            OrderSource::new(basic_client(&server.uri())),
            ArcSink(sink),
        )
        .watermarks(watermarks.clone())
        .dead_letters(Arc::new(MemoryDeadLetters::new()))
        .clock(clock)
        .build()
        .unwrap()
    };

    let sink = Arc::new(Collect::default());
    let report = build(sink.clone()).run().await.unwrap();
    assert_eq!(report.delivered, 2);
    assert_eq!(
        *sink.0.lock().unwrap(),
        ["order:727@29.35", "order:723@29.35"]
    );
    let stored = watermarks.load(&stream).await.unwrap().unwrap();
    assert_eq!(
        stored, "2017-03-22T19:28:08Z",
        "the newest modification time"
    );
    assert!(query_value(&received(&server).await[0], "modified_after").is_none());

    // The next run re-reads the default 15-minute lookback before the watermark.
    build(Arc::new(Collect::default())).run().await.unwrap();
    let second = &received(&server).await[1];
    assert_eq!(
        query_value(second, "modified_after").as_deref(),
        Some("2017-03-22T19:13:08")
    );
    assert_eq!(
        query_value(second, "dates_are_gmt").as_deref(),
        Some("true")
    );
}

struct ArcSink(Arc<Collect>);

#[async_trait]
impl Sink<Order> for ArcSink {
    async fn write(&self, batch: &[SinkRecord<'_, Order>]) -> Result<Vec<Ack>, StageError> {
        self.0.write(batch).await
    }
}

/// A store whose filtered order list loses order 1 (trashed) right after the first page is
/// served: page 2 then starts one slot later, and order 3 would be read by nobody.
struct ShrinkingStore {
    ids: Mutex<Vec<u64>>,
    requests: Mutex<u32>,
}

impl wiremock::Respond for ShrinkingStore {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let page: usize = query_value(request, "page").unwrap().parse().unwrap();
        let per_page: usize = query_value(request, "per_page").unwrap().parse().unwrap();
        let mut ids = self.ids.lock().unwrap();
        let body: Vec<Value> = ids
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|&id| order(id, "2024-05-01T10:00:05"))
            .collect();
        let total = ids.len();
        let response = ResponseTemplate::new(200)
            .insert_header("X-WP-Total", total.to_string().as_str())
            .insert_header(
                "X-WP-TotalPages",
                total.div_ceil(per_page).to_string().as_str(),
            )
            .set_body_json(Value::Array(body));
        let mut requests = self.requests.lock().unwrap();
        *requests += 1;
        if *requests == 1 {
            ids.retain(|&id| id != 1);
        }
        response
    }
}

#[tokio::test]
async fn source_fails_retryably_when_the_list_shrinks_mid_run_instead_of_skipping() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders"))
        .respond_with(ShrinkingStore {
            ids: Mutex::new(vec![1, 2, 3, 4, 5]),
            requests: Mutex::new(0),
        })
        .mount(&server)
        .await;

    let mut source = OrderSource::new(basic_client(&server.uri())).per_page(2);
    source.start(Some(t("2024-05-01T10:00:00Z"))).await.unwrap();
    let first = source.next_batch().await.unwrap().unwrap();
    let keys: Vec<_> = first.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["order:1", "order:2"]);

    // Page 2 is now [4, 5] with X-WP-Total 4 (was 5): reading on would skip order 3.
    let err = source
        .next_batch()
        .await
        .expect_err("a shrunken list must not be paged on silently");
    assert!(
        err.verdict().is_retryable(),
        "retryable, so the engine commits nothing and the next run re-reads: {err}"
    );
    assert!(err.to_string().contains("shrank"), "{err}");

    // The next run (the store now stable) reads every order still in the filter, 3 included.
    source.start(Some(t("2024-05-01T10:00:00Z"))).await.unwrap();
    let mut keys = Vec::new();
    while let Some(batch) = source.next_batch().await.unwrap() {
        keys.extend(batch.into_iter().map(|r| r.key));
    }
    assert_eq!(keys, ["order:2", "order:3", "order:4", "order:5"]);
}
