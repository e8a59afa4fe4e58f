//! The client kit: one send, one paginator with its guards, per-attempt authorization, the
//! 401 resend, the plain-HTTP rule.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt;
use sync_core::Redactor;
use sync_core::http::*;
use sync_core::retry::{ExponentialBackoff, Jitter};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// What the test vendor's operations fail with.
#[derive(Debug, thiserror::Error)]
enum TestError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{operation}: {source}")]
    Decode {
        operation: String,
        source: DecodeError,
    },
    #[error("{operation}: {source}")]
    Paging {
        operation: String,
        source: PagingError,
    },
    #[error("{0}")]
    Url(String),
}

sync_core::kit_failures!(TestError);

#[derive(Debug)]
struct TestVendor {
    base: url::Url,
    token: Mutex<String>,
    attempts: AtomicU32,
    refreshes: AtomicU32,
}

impl TestVendor {
    fn new(server: &MockServer) -> Self {
        TestVendor {
            base: parse_base_url(&server.uri(), &ClientOptions::new(), false).unwrap(),
            token: Mutex::new("tok-1".into()),
            attempts: AtomicU32::new(0),
            refreshes: AtomicU32::new(0),
        }
    }
}

#[async_trait::async_trait]
impl Vendor for TestVendor {
    type Error = TestError;

    fn service(&self) -> &'static str {
        "test"
    }

    fn url(&self, path: &str) -> Result<url::Url, TestError> {
        self.base
            .join(path)
            .map_err(|e| TestError::Url(e.to_string()))
    }

    fn authorize(&self, request: &mut reqwest::Request) -> Result<(), BuildError> {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        let token = self.token.lock().unwrap().clone();
        let headers = request.headers_mut();
        headers.insert("x-token", token.parse().unwrap());
        headers.insert("x-attempt", attempt.to_string().parse().unwrap());
        Ok(())
    }

    async fn unauthorized(&self) -> bool {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        *self.token.lock().unwrap() = "tok-2".into();
        true
    }

    fn register_secrets(&self, redactor: &Redactor) {
        redactor.add_name("x-token");
    }

    fn http_error(&self, error: HttpError) -> TestError {
        TestError::Http(error)
    }
}

fn quick() -> ClientOptions {
    ClientOptions::new().retry_policy(
        ExponentialBackoff::default()
            .initial(Duration::from_millis(1))
            .max_delay(Duration::from_millis(5))
            .max_attempts(4)
            .jitter(Jitter::None),
    )
}

/// Page numbers with a fixed page size; the server's answers decide the end.
struct Numbered {
    page: u32,
    size: usize,
}

/// As [`Numbered`], yielding records read again (the caller de-duplicates by version).
struct NumberedKeepingRepeats(Numbered);

impl PageRule for NumberedKeepingRepeats {
    type Body = Vec<serde_json::Value>;
    type Item = serde_json::Value;

    fn next_request(&mut self) -> ApiRequest<Self::Body> {
        self.0.next_request()
    }

    fn read_page(&mut self, items: Self::Body, response: &HttpResponse) -> PageRead<Self::Item> {
        self.0.read_page(items, response)
    }

    fn item_key(&self, item: &Self::Item) -> Option<String> {
        self.0.item_key(item)
    }

    fn drop_repeated_items(&self) -> bool {
        false
    }
}

impl PageRule for Numbered {
    type Body = Vec<serde_json::Value>;
    type Item = serde_json::Value;

    fn next_request(&mut self) -> ApiRequest<Self::Body> {
        self.page += 1;
        ApiRequest::get("things.list", "things").query("page", self.page)
    }

    fn read_page(&mut self, items: Self::Body, response: &HttpResponse) -> PageRead<Self::Item> {
        let total = response.header("x-total").and_then(|t| t.parse().ok());
        let read = if items.len() < self.size {
            PageRead::last(items, PageEnd::Short)
        } else {
            PageRead::more(items)
        };
        read.with_total(total)
    }

    fn item_key(&self, item: &Self::Item) -> Option<String> {
        Some(item["id"].to_string())
    }
}

async fn serve_pages(server: &MockServer, pages: &[&str], total: Option<u64>) {
    for (i, body) in pages.iter().enumerate() {
        let mut answer = ResponseTemplate::new(200).set_body_raw(*body, "application/json");
        if let Some(total) = total {
            answer = answer.insert_header("x-total", total.to_string());
        }
        Mock::given(method("GET"))
            .and(path("/things"))
            .and(query_param("page", (i + 1).to_string()))
            .respond_with(answer)
            .mount(server)
            .await;
    }
}

fn ids(items: &[serde_json::Value]) -> Vec<i64> {
    items.iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_page_answered_again_ends_the_scan_without_duplicates() {
    let server = MockServer::start().await;
    // Past the end, the server clamps to its last page (Magento up to 2.3).
    let last = r#"[{"id":3},{"id":4}]"#;
    serve_pages(&server, &[r#"[{"id":1},{"id":2}]"#, last, last, last], None).await;
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();

    let pages: Vec<Page<serde_json::Value>> = client
        .pages(Numbered { page: 0, size: 2 })
        .try_collect()
        .await
        .unwrap();
    let items: Vec<_> = pages.iter().flat_map(|p| p.items.clone()).collect();
    assert_eq!(ids(&items), [1, 2, 3, 4]);
    assert_eq!(pages.last().unwrap().end, Some(PageEnd::Repeated));
    assert_eq!(pages.len(), 3, "stops at the first repeated page");
}

#[tokio::test]
async fn pages_that_bring_nothing_new_are_an_error_not_an_end() {
    let server = MockServer::start().await;
    // Rows shifting under an offset scan: every later page holds rows already read.
    serve_pages(
        &server,
        &[
            r#"[{"id":1},{"id":2}]"#,
            r#"[{"id":2},{"id":1}]"#,
            r#"[{"id":1},{"id":1}]"#,
            r#"[{"id":2},{"id":2}]"#,
            r#"[{"id":5},{"id":6}]"#,
        ],
        None,
    )
    .await;
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();

    let result: Result<Vec<_>, _> = client
        .items(Numbered { page: 0, size: 2 })
        .try_collect()
        .await;
    match result {
        Err(TestError::Paging { operation, source }) => {
            assert_eq!(operation, "things.list");
            assert_eq!((source.pages, source.items_read), (3, 2));
            assert!(source.to_string().contains("no progress"), "{source}");
        }
        other => panic!("expected a paging error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_total_ends_the_scan_and_empty_pages_end_it_too() {
    let server = MockServer::start().await;
    serve_pages(
        &server,
        &[r#"[{"id":1},{"id":2}]"#, r#"[{"id":3},{"id":4}]"#],
        Some(4),
    )
    .await;
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();
    let pages: Vec<_> = client
        .pages(Numbered { page: 0, size: 2 })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2, "no third request once the total is read");
    assert_eq!(pages[1].end, Some(PageEnd::TotalReached));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    let empty = MockServer::start().await;
    serve_pages(&empty, &[r#"[{"id":1},{"id":2}]"#, "[]"], None).await;
    let client = ApiClient::new(TestVendor::new(&empty), &quick()).unwrap();
    let pages: Vec<_> = client
        .pages(Numbered { page: 0, size: 2 })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.last().unwrap().end, Some(PageEnd::Empty));
}

/// 503 once, then the body.
struct FlakyOnce(AtomicU32);

impl Respond for FlakyOnce {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            ResponseTemplate::new(503)
        } else {
            ResponseTemplate::new(204)
        }
    }
}

#[tokio::test]
async fn every_attempt_is_authorized_afresh_and_empty_answers_decode() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/things/7"))
        .respond_with(FlakyOnce(AtomicU32::new(0)))
        .mount(&server)
        .await;
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();

    let () = client
        .send(ApiRequest::<()>::delete("things.delete", "things/7"))
        .await
        .unwrap();
    let seen: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["x-attempt"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, ["1", "2"], "authorize ran once per attempt");
}

/// 401 for the first token, 200 for the second.
struct WantsSecondToken;

impl Respond for WantsSecondToken {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match request.headers["x-token"].to_str().unwrap() {
            "tok-2" => ResponseTemplate::new(200).set_body_raw(r#"{"id":9}"#, "application/json"),
            _ => ResponseTemplate::new(401)
                .set_body_raw(r#"{"message":"token expired"}"#, "application/json"),
        }
    }
}

#[tokio::test]
async fn a_401_refreshes_the_credential_and_sends_once_more() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/9"))
        .respond_with(WantsSecondToken)
        .mount(&server)
        .await;
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();

    let thing: serde_json::Value = client
        .send(ApiRequest::get("things.get", "things/9"))
        .await
        .unwrap();
    assert_eq!(thing["id"], 9);
    assert_eq!(client.vendor().refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_of_another_shape_names_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"id":1,"price":"not a number"}"#, "application/json"),
        )
        .mount(&server)
        .await;
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Thing {
        id: u64,
        price: f64,
    }
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();
    match client
        .send(ApiRequest::<Thing>::get("things.get", "things/1"))
        .await
    {
        Err(TestError::Decode { operation, source }) => {
            assert_eq!(operation, "things.get");
            assert_eq!(source.path, "price");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn base_urls_with_credentials_or_plain_http_are_refused_without_echoing_them() {
    let options = ClientOptions::new();
    let with_user =
        parse_base_url("https://admin:hunter2@shop.example.com/", &options, false).unwrap_err();
    assert_eq!(with_user.field, "base_url");
    assert!(!with_user.to_string().contains("hunter2"));

    let with_key =
        parse_base_url("https://shop.example.com/?api_key=k-123", &options, false).unwrap_err();
    assert!(!with_key.to_string().contains("k-123"));

    assert!(parse_base_url("http://shop.example.com", &options, false).is_err());
    assert!(parse_base_url("http://shop.example.com", &options, true).is_ok());
    let local = parse_base_url("http://[::1]:8080/api", &options, false).unwrap();
    assert_eq!(
        local.path(),
        "/api/",
        "a trailing slash keeps relative paths under it"
    );
}

#[tokio::test]
async fn the_same_ids_under_a_growing_total_are_rows_shifting_not_the_end() {
    let server = MockServer::start().await;
    // Newest first while orders arrive: page 2 repeats page 1's ids, but the total grew.
    for (page, total) in [("1", "101"), ("2", "102"), ("3", "103"), ("4", "104")] {
        Mock::given(method("GET"))
            .and(path("/things"))
            .and(query_param("page", page))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-total", total)
                    .set_body_raw(r#"[{"id":1},{"id":2}]"#, "application/json"),
            )
            .mount(&server)
            .await;
    }
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();
    let result: Result<Vec<_>, _> = client
        .items(Numbered { page: 0, size: 2 })
        .try_collect()
        .await;
    assert!(
        matches!(result, Err(TestError::Paging { .. })),
        "a quiet end here would skip 99 rows: {result:?}"
    );
}

/// A keyset rule that refuses a page whose ids do not ascend past its cursor.
struct Keyset {
    after: i64,
}

impl PageRule for Keyset {
    type Body = Vec<serde_json::Value>;
    type Item = serde_json::Value;

    fn next_request(&mut self) -> ApiRequest<Self::Body> {
        ApiRequest::get("things.after", "things").set_query("after", self.after)
    }

    fn read_page(&mut self, items: Self::Body, _: &HttpResponse) -> PageRead<Self::Item> {
        let ids = ids(&items);
        if ids.iter().any(|&id| id <= self.after) {
            return PageRead::refused(PagingError::refused(format!(
                "the server answered ids at or below {} for `after={}`: it ignored the filter",
                self.after, self.after
            )));
        }
        match ids.last() {
            Some(&last) => {
                self.after = last;
                PageRead::more(items)
            }
            None => PageRead::last(items, PageEnd::Empty),
        }
    }
}

#[tokio::test]
async fn a_rule_can_refuse_a_page_that_breaks_the_contract() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things"))
        .and(query_param("after", "0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"[{"id":1},{"id":2}]"#, "application/json"),
        )
        .mount(&server)
        .await;
    // The server ignores the filter and starts over.
    Mock::given(method("GET"))
        .and(path("/things"))
        .and(query_param("after", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"[{"id":1},{"id":3}]"#, "application/json"),
        )
        .mount(&server)
        .await;
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();
    let mut items = Vec::new();
    let mut stream = std::pin::pin!(client.items(Keyset { after: 0 }));
    let error = loop {
        match stream.try_next().await {
            Ok(Some(item)) => items.push(item),
            Ok(None) => panic!("the scan ended quietly"),
            Err(e) => break e,
        }
    };
    assert_eq!(ids(&items), [1, 2]);
    match error {
        TestError::Paging { source, .. } => {
            assert_eq!(source.items_read, 2);
            assert!(source.message.contains("ignored the filter"));
        }
        other => panic!("expected a paging error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_rule_may_see_repeats_and_keep_the_guards() {
    let server = MockServer::start().await;
    // Record 2 changed between the pages and slid onto page 2; the total counts 3 records.
    serve_pages(
        &server,
        &[r#"[{"id":1},{"id":2}]"#, r#"[{"id":2},{"id":3}]"#, "[]"],
        Some(3),
    )
    .await;
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();
    let items: Vec<_> = client
        .items(NumberedKeepingRepeats(Numbered { page: 0, size: 2 }))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), [1, 2, 2, 3]);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "the total counts new records only, and ends the scan after page 2"
    );
}

#[tokio::test]
async fn a_server_ignoring_the_page_short_of_its_total_is_an_error_not_an_end() {
    let server = MockServer::start().await;
    // A cache serves page 1 for every page while the total says 500.
    let first = r#"[{"id":1},{"id":2}]"#;
    serve_pages(&server, &[first, first, first], Some(500)).await;
    let client = ApiClient::new(TestVendor::new(&server), &quick()).unwrap();
    let result: Result<Vec<_>, _> = client
        .items(Numbered { page: 0, size: 2 })
        .try_collect()
        .await;
    match result {
        Err(TestError::Paging { source, .. }) => {
            assert!(source.message.contains("2 of 500"), "{}", source.message)
        }
        other => panic!("a quiet end would skip 498 records: {other:?}"),
    }
}
