//! Pages with totals, streams across pages, stable ordering and date filters in UTC.

mod common;

use chrono::{TimeZone, Utc};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use woo_client::models::{Order, OrderStatus};
use woo_client::{ClientError, OrderBy, SortOrder};

use common::{basic_client, fixture_json, query_value, received};

/// Orders with the fixture's shape and the given ids.
fn orders(ids: &[u64]) -> Value {
    let template = fixture_json("order.json");
    Value::Array(
        ids.iter()
            .map(|id| {
                let mut o = template.clone();
                o["id"] = json!(id);
                o["number"] = json!(id.to_string());
                o
            })
            .collect(),
    )
}

async fn mount_page(server: &MockServer, page: u32, ids: &[u64], total: Option<(u64, u32)>) {
    let mut response = ResponseTemplate::new(200).set_body_json(orders(ids));
    if let Some((total, pages)) = total {
        response = response
            .insert_header("X-WP-Total", total.to_string().as_str())
            .insert_header("X-WP-TotalPages", pages.to_string().as_str());
    }
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders"))
        .and(query_param("page", page.to_string().as_str()))
        .respond_with(response)
        .mount(server)
        .await;
}

#[tokio::test]
async fn pages_carry_totals_and_the_stream_reads_them_all_in_order() {
    let server = MockServer::start().await;
    mount_page(&server, 1, &[1, 2], Some((5, 3))).await;
    mount_page(&server, 2, &[3, 4], Some((5, 3))).await;
    mount_page(&server, 3, &[5], Some((5, 3))).await;

    let client = basic_client(&server.uri());
    let first = client.orders().list().per_page(2).send().await.unwrap();
    assert_eq!((first.total, first.total_pages), (Some(5), Some(3)));
    assert_eq!(
        (first.page, first.per_page, first.next_page()),
        (1, 2, Some(2))
    );

    let all: Vec<Order> = client
        .orders()
        .list()
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|o| o.id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    // One request for `send`, then pages 1–3: stopped at X-WP-TotalPages, no page 4.
    let requests = received(&server).await;
    let pages: Vec<_> = requests
        .iter()
        .map(|r| query_value(r, "page").unwrap())
        .collect();
    assert_eq!(pages, ["1", "1", "2", "3"]);
    for r in &requests {
        // Stable order across pages: by id, ascending.
        assert_eq!(query_value(r, "orderby").as_deref(), Some("id"));
        assert_eq!(query_value(r, "order").as_deref(), Some("asc"));
        assert_eq!(query_value(r, "per_page").as_deref(), Some("2"));
    }
}

#[tokio::test]
async fn without_total_headers_the_stream_stops_on_an_empty_page() {
    let server = MockServer::start().await;
    mount_page(&server, 1, &[10, 11], None).await;
    mount_page(&server, 2, &[12], None).await;
    mount_page(&server, 3, &[], None).await;
    let client = basic_client(&server.uri());
    let pages: Vec<_> = client
        .orders()
        .list()
        .per_page(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0].total, None);
    assert!(pages[2].items.is_empty() && pages[2].is_last());
    let all = client.orders().list().per_page(2).all().await.unwrap();
    assert_eq!(all.iter().map(|o| o.id).collect::<Vec<_>>(), [10, 11, 12]);
    let pages: Vec<_> = received(&server)
        .await
        .iter()
        .map(|r| query_value(r, "page").unwrap())
        .collect();
    assert_eq!(
        pages,
        ["1", "2", "3", "1", "2", "3"],
        "read on to the empty page, then stop"
    );
}

#[tokio::test]
async fn date_filters_are_sent_in_utc_with_dates_are_gmt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders"))
        .and(query_param("modified_after", "2024-05-01T10:00:00"))
        .and(query_param("before", "2024-06-01T00:00:00"))
        .and(query_param("dates_are_gmt", "true"))
        .and(query_param("status[0]", "processing"))
        .and(query_param("status[1]", "completed"))
        .and(query_param("orderby", "modified"))
        .and(query_param("order", "desc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(orders(&[1])))
        .expect(1)
        .mount(&server)
        .await;
    let page = basic_client(&server.uri())
        .orders()
        .list()
        .status([OrderStatus::Processing, OrderStatus::Completed])
        .modified_after(Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap())
        .before(Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap())
        .order_by(OrderBy::Modified, SortOrder::Desc)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_the_error() {
    let server = MockServer::start().await;
    mount_page(&server, 1, &[1, 2], Some((4, 2))).await;
    Mock::given(method("GET"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "rest_invalid_param", "message": "Invalid parameter(s): page", "data": {"status": 400}
        })))
        .mount(&server)
        .await;
    let results: Vec<_> = futures_util::StreamExt::collect::<Vec<_>>(
        basic_client(&server.uri())
            .orders()
            .list()
            .per_page(2)
            .stream(),
    )
    .await;
    // Two orders, then the error, then nothing: never partial data reported as complete.
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    assert_eq!(
        results[2]
            .as_ref()
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(400)
    );
}

#[tokio::test]
async fn a_server_that_ignores_page_and_sends_no_totals_is_not_paged_forever() {
    let server = MockServer::start().await;
    // A cache or plugin that answers every `page` with the first one, headers stripped.
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders"))
        .respond_with(ResponseTemplate::new(200).set_body_json(orders(&[1, 2])))
        .mount(&server)
        .await;
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        basic_client(&server.uri())
            .orders()
            .list()
            .per_page(2)
            .stream()
            .try_collect::<Vec<Order>>(),
    )
    .await
    .expect("the scan ends")
    .unwrap();
    assert_eq!(read.iter().map(|o| o.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        received(&server).await.len(),
        2,
        "page 2 repeated page 1: stop"
    );
}
