//! Paging that cannot loop: servers that repeat the last page (or page 1) forever, lie about
//! `total_count`, gain orders while we page, or ignore the keyset filter.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use futures_util::TryStreamExt;
use magento_client::{Error, OrderFeed, SearchCriteria, SortDirection};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

async fn serve(fake: FakeMagento) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(fake)
        .mount(&server)
        .await;
    server
}

async fn offset_scan(fake: FakeMagento, page_size: u32) -> (Vec<u64>, usize) {
    let requests = fake.request_counter();
    let server = serve(fake).await;
    let client = bearer_client(&server.uri());
    let criteria = SearchCriteria::new().page_size(page_size);
    let stream = client.orders().search_stream(criteria);
    // The guard against a hang is the test itself: a loop would never finish.
    let orders: Vec<_> =
        tokio::time::timeout(Duration::from_secs(10), stream.try_collect::<Vec<_>>())
            .await
            .expect("paging terminated")
            .unwrap();
    (ids(&orders), requests.load(Ordering::SeqCst))
}

fn one_to(n: u64) -> Vec<u64> {
    (1..=n).collect()
}

#[tokio::test]
async fn last_page_repeated_forever_with_an_honest_total() {
    // Magento ≤ 2.3: a page past the end is the last page again. 30 orders, pages of 10:
    // `3 × 10 ≥ 30` stops before ever asking for page 4.
    let (got, requests) =
        offset_scan(FakeMagento::new(orders(30)).past_end(PastEnd::LastPage), 10).await;
    assert_eq!(got, one_to(30));
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn last_page_repeated_forever_with_an_inflated_total() {
    // The total says 10 000, every page past the end repeats the (full) last page: only the
    // repeat check can stop this, and it does after one extra request.
    let fake = FakeMagento::new(orders(30))
        .past_end(PastEnd::LastPage)
        .total(Total::Inflated(10_000));
    let (got, requests) = offset_scan(fake, 10).await;
    assert_eq!(got, one_to(30), "every order exactly once");
    assert_eq!(requests, 4);
}

#[tokio::test]
async fn page_one_returned_past_the_end_without_a_total() {
    // Magento 2.4 outside REST: page 1 again past the end; no total_count at all.
    let fake = FakeMagento::new(orders(20))
        .past_end(PastEnd::FirstPage)
        .total(Total::Missing);
    let (got, requests) = offset_scan(fake, 10).await;
    assert_eq!(got, one_to(20));
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn short_and_empty_pages_end_the_scan() {
    let (got, requests) = offset_scan(FakeMagento::new(orders(25)).total(Total::Missing), 10).await;
    assert_eq!((got, requests), (one_to(25), 3));
    let (got, requests) = offset_scan(FakeMagento::new(orders(20)).total(Total::Missing), 10).await;
    assert_eq!((got, requests), (one_to(20), 3), "the third page is empty");
    let (got, requests) = offset_scan(FakeMagento::new(vec![]), 10).await;
    assert_eq!((got, requests), (vec![], 1));
}

#[tokio::test]
async fn offset_paging_while_new_orders_arrive() {
    // Two new orders land before every request after the first; sorted by entity_id they
    // append at the end, the total grows, and the scan still ends with each order once.
    let fake = FakeMagento::new(orders(10)).before(|table, n| {
        if n > 1 && table.len() < 40 {
            for _ in 0..2 {
                let id = table.len() as u64 + 1;
                table.push(order_json(id, 1, "2026-11-20 11:00:00"));
            }
        }
    });
    let (got, _) = offset_scan(fake, 4).await;
    let mut sorted = got.clone();
    sorted.dedup();
    assert_eq!(sorted, got, "no duplicates");
    assert_eq!(got, one_to(got.len() as u64), "no gaps");
    assert!(got.len() >= 10);
}

#[tokio::test]
async fn newest_first_offset_paging_with_arrivals_has_no_duplicates() {
    // DESC paging is where rows shift: each arrival pushes seen rows onto the next page.
    let fake = FakeMagento::new(orders(12)).before(|table, n| {
        if n > 1 && table.len() < 20 {
            let id = table.len() as u64 + 1;
            table.push(order_json(id, 1, "2026-11-20 11:00:00"));
        }
    });
    let server = serve(fake).await;
    let client = bearer_client(&server.uri());
    let criteria = SearchCriteria::new()
        .sort("entity_id", SortDirection::Desc)
        .page_size(4);
    let got: Vec<_> = client
        .orders()
        .search_stream(criteria)
        .try_collect()
        .await
        .unwrap();
    let got = ids(&got);
    let mut unique = got.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), got.len(), "each order once: {got:?}");
    // Every order that existed when the scan started was read.
    assert!((1..=12).all(|id| got.contains(&id)), "{got:?}");
}

#[tokio::test]
async fn keyset_feed_reads_every_order_while_new_ones_arrive() {
    // One new order lands before every request after the first.
    let fake = FakeMagento::new(orders(10)).before(|table, n| {
        if n > 1 && table.len() < 25 {
            let id = table.len() as u64 + 1;
            table.push(order_json(id, 1, "2026-11-20 11:00:00"));
        }
    });
    let table = fake.orders.clone();
    let server = serve(fake).await;
    let client = bearer_client(&server.uri());
    let feed = OrderFeed::new().store(1).page_size(3);
    let first: Vec<_> = client
        .orders()
        .feed(feed.clone())
        .try_collect()
        .await
        .unwrap();
    let first = ids(&first);
    // The stream ends once it has caught up (a short page), with no gap and no duplicate...
    assert_eq!(first, one_to(first.len() as u64));
    assert!(
        first.len() > 10,
        "orders that arrived during the scan were read: {first:?}"
    );
    // ...and the next run resumes after the last id and reads the rest.
    let mut all = first.clone();
    loop {
        let after = *all.last().unwrap();
        let more: Vec<_> = client
            .orders()
            .feed(feed.clone().after_entity_id(after))
            .try_collect()
            .await
            .unwrap();
        if more.is_empty() {
            break;
        }
        all.extend(ids(&more));
    }
    assert_eq!(all, one_to(table.lock().unwrap().len() as u64));
    assert_eq!(all.len(), 25);
    // Always page 1 of `entity_id > last`: no offset is ever sent.
    for r in server.received_requests().await.unwrap() {
        let page = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "searchCriteria[currentPage]")
            .unwrap()
            .1;
        assert_eq!(page, "1");
    }
}

#[tokio::test]
async fn keyset_feed_resumes_after_a_cursor_and_filters_by_store() {
    let mut table = orders(8);
    table.push(order_json(9, 2, "2026-11-20 12:00:00"));
    table.push(order_json(10, 1, "2026-11-20 12:00:00"));
    let server = serve(FakeMagento::new(table)).await;
    let client = bearer_client(&server.uri());
    let got: Vec<_> = client
        .orders()
        .feed(OrderFeed::new().store(1).after_entity_id(6).page_size(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&got), vec![7, 8, 10]);
}

#[tokio::test]
async fn a_server_ignoring_the_keyset_filter_fails_instead_of_looping_or_skipping() {
    let mut fake = FakeMagento::new(orders(10));
    fake.ignore_filters = true;
    let server = serve(fake).await;
    let client = bearer_client(&server.uri());
    let result: Result<Vec<_>, _> = tokio::time::timeout(
        Duration::from_secs(10),
        client
            .orders()
            .feed(OrderFeed::new().page_size(4))
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("terminates");
    let err = result.unwrap_err();
    match &err {
        Error::KeysetViolation { after, ids, .. } => {
            assert_eq!(*after, Some(4));
            assert_eq!(ids, &vec![1, 2, 3, 4]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("ignored the `entity_id gt` filter"),
        "{err}"
    );
}

#[tokio::test]
async fn keyset_feed_continues_past_short_pages_when_the_server_caps_page_size() {
    // We ask for 5 per page, the server answers at most 3 (honest totals): a short page is not
    // the end while total_count says more orders follow the cursor.
    let fake = FakeMagento::new(orders(11)).cap_page_size(3);
    let requests = fake.request_counter();
    let server = serve(fake).await;
    let client = bearer_client(&server.uri());
    let got: Vec<_> = tokio::time::timeout(
        Duration::from_secs(10),
        client
            .orders()
            .feed(OrderFeed::new().page_size(5))
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("terminates")
    .unwrap();
    assert_eq!(ids(&got), one_to(11));
    // 3 + 3 + 3 + 2: the last page holds all of its total, so no extra empty request.
    assert_eq!(requests.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn keyset_feed_without_a_total_still_ends_on_a_short_page() {
    let fake = FakeMagento::new(orders(7)).total(Total::Missing);
    let requests = fake.request_counter();
    let server = serve(fake).await;
    let client = bearer_client(&server.uri());
    let got: Vec<_> = client
        .orders()
        .feed(OrderFeed::new().page_size(5))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&got), one_to(7));
    assert_eq!(requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_offset_stream_that_stops_progressing_fails_instead_of_ending_early() {
    // Newest-first while orders churn: every page after the first shows rows already read, and
    // the total keeps changing, so no page is an exact repeat. The stream must not end with Ok
    // (that would look like a finished scan).
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(|request: &Request| {
            let page: u64 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "searchCriteria[currentPage]")
                .map(|(_, v)| v.parse().unwrap())
                .unwrap();
            let (first, second) = if page == 1 { (1, 2) } else { (2, 1) };
            ResponseTemplate::new(200).set_body_json(json!({
                "items": [
                    order_json(first, 1, "2026-11-20 10:00:00"),
                    order_json(second, 1, "2026-11-20 10:00:00"),
                ],
                "total_count": 100 + page,
            }))
        })
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());
    let stream = client
        .orders()
        .search_stream(SearchCriteria::new().page_size(2));
    let result = tokio::time::timeout(Duration::from_secs(10), stream.try_collect::<Vec<_>>())
        .await
        .expect("terminates");
    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::Paging { source, .. } if source.items_read == 2),
        "{err:?}"
    );
    assert!(err.to_string().contains("keyset paging"), "{err}");
}

#[tokio::test]
async fn rows_shifting_with_a_growing_total_are_not_a_repeated_page() {
    // Sorted newest first while two orders arrive: page 2 shows page 1's rows again, and
    // total_count grew. That is a shift, not Magento's clamped replay: the scan goes on and
    // reads the older orders instead of ending quietly with two.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/orders"))
        .respond_with(|request: &Request| {
            let page: u64 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "searchCriteria[currentPage]")
                .map(|(_, v)| v.parse().unwrap())
                .unwrap();
            let (ids, total): (&[u64], u64) = match page {
                1 => (&[10, 9], 10),
                2 => (&[10, 9], 12),
                3 => (&[8, 7], 12),
                _ => (&[], 12),
            };
            let items: Vec<_> = ids
                .iter()
                .map(|&id| order_json(id, 1, "2026-11-20 10:00:00"))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"items": items, "total_count": total}))
        })
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());
    let criteria = SearchCriteria::new()
        .sort("entity_id", SortDirection::Desc)
        .page_size(2);
    let orders: Vec<_> = tokio::time::timeout(
        Duration::from_secs(10),
        client
            .orders()
            .search_stream(criteria)
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("terminates")
    .unwrap();
    assert_eq!(ids(&orders), vec![10, 9, 8, 7]);
}
