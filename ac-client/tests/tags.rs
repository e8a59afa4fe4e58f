//! Tags: find, create when missing (racing with itself), add, remove.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{body_json, client};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn tag(id: u32, name: &str) -> serde_json::Value {
    json!({"tagType": "contact", "tag": name, "description": "", "id": id.to_string()})
}

#[tokio::test]
async fn find_pages_past_substring_matches() {
    let server = MockServer::start().await;
    // The API's search matches substrings: "vip" finds 100 "vip-…" tags before "VIP".
    Mock::given(method("GET"))
        .and(path("/api/3/tags"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tags": (0..100).map(|i| tag(i + 1, &format!("vip-{i}"))).collect::<Vec<_>>(),
            "meta": {"total": "101"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/tags"))
        .and(query_param("offset", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tags": [tag(500, "VIP")], "meta": {"total": "101"}
        })))
        .mount(&server)
        .await;
    let found = client(&server).tags().find("vip").await.unwrap().unwrap();
    assert_eq!(found.id, 500);
    assert_eq!(found.name, "VIP");
}

/// Twenty tasks on two clones ask for the same missing tag at once: one search, one create.
#[tokio::test]
async fn ensure_racing_with_itself_creates_one_tag() {
    let server = MockServer::start().await;
    let creates = Arc::new(AtomicUsize::new(0));
    let seen = creates.clone();
    Mock::given(method("GET"))
        .and(path("/api/3/tags"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"tags": [], "meta": {"total": "0"}}))
                // Slow enough that every task is waiting while the first one looks.
                .set_delay(Duration::from_millis(100)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/tags"))
        .respond_with(move |req: &Request| {
            seen.fetch_add(1, Ordering::SeqCst);
            let body = body_json(req);
            assert_eq!(body["tag"]["tagType"], "contact");
            ResponseTemplate::new(201)
                .set_body_json(json!({"tag": tag(77, body["tag"]["tag"].as_str().unwrap())}))
        })
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server);
    let other = c.clone();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let c = if i % 2 == 0 { c.clone() } else { other.clone() };
        tasks.push(tokio::spawn(async move {
            let name = if i % 3 == 0 {
                "Subscriber"
            } else {
                " subscriber "
            };
            c.tags().ensure(name).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 77);
    }
    assert_eq!(creates.load(Ordering::SeqCst), 1);
    // Cached now: no further requests.
    assert_eq!(c.tags().ensure("SUBSCRIBER").await.unwrap(), 77);
}

/// Another process created the tag between our search and our create: ActiveCampaign refuses
/// the duplicate and we use theirs.
#[tokio::test]
async fn ensure_recovers_from_a_duplicate_create() {
    let server = MockServer::start().await;
    let searches = Arc::new(AtomicUsize::new(0));
    let n = searches.clone();
    Mock::given(method("GET"))
        .and(path("/api/3/tags"))
        .respond_with(move |_: &Request| {
            let body = if n.fetch_add(1, Ordering::SeqCst) == 0 {
                json!({"tags": [], "meta": {"total": "0"}})
            } else {
                json!({"tags": [tag(9, "churned")], "meta": {"total": "1"}})
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/tags"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({"errors": [
            {"title": "Tag already exists", "detail": "", "code": "duplicate"}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client(&server).tags().ensure("churned").await.unwrap(), 9);
    assert_eq!(searches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn add_and_remove_on_a_contact() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3/contactTags"))
        .respond_with(|req: &Request| {
            assert_eq!(
                body_json(req),
                json!({"contactTag": {"contact": 113, "tag": 20}})
            );
            // Documented 201 shape (reference §4.3).
            ResponseTemplate::new(201).set_body_json(json!({"contactTag": {
                "cdate": "2026-11-22T02:00:00-05:00", "contact": "113", "id": "555", "tag": "20",
                "links": {"contact": "/api/3/contactTags/555/contact"}
            }}))
        })
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/3/contacts/113/contactTags"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"contactTags": [
                {"contact": "113", "tag": "20", "id": "555"},
                {"contact": "113", "tag": "21", "id": "556"}
            ]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/3/contactTags/555"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let ct = c.tags().add_to_contact(113, 20).await.unwrap();
    assert_eq!((ct.id, ct.contact, ct.tag), (555, 113, 20));
    assert!(c.tags().remove_from_contact(113, 20).await.unwrap());
    // A tag the contact does not have: nothing to do, no DELETE.
    assert!(!c.tags().remove_from_contact(113, 99).await.unwrap());
}

/// Two clients built separately for one account (say, two workers in one process) race to
/// ensure the same new tag: the account's tag cache is shared, so only one creates it.
#[tokio::test]
async fn separately_built_clients_of_one_account_create_a_tag_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/tags"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"tags": [], "meta": {"total": "0"}}))
                // Slow enough that both clients are asking while the first one looks.
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/3/tags"))
        .respond_with(move |req: &Request| {
            let body = body_json(req);
            ResponseTemplate::new(201)
                .set_body_json(json!({"tag": tag(88, body["tag"]["tag"].as_str().unwrap())}))
        })
        .mount(&server)
        .await;

    // Not clones: each builds its own executor, as two services wired separately would.
    let first = client(&server);
    let second = client(&server);
    let (first_tags, second_tags) = (first.tags(), second.tags());
    let (a, b) = tokio::join!(
        first_tags.ensure("winter-sale"),
        second_tags.ensure("Winter-Sale")
    );
    assert_eq!((a.unwrap(), b.unwrap()), (88, 88));
    let requests = server.received_requests().await.unwrap();
    let posts = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/api/3/tags")
        .count();
    assert_eq!(posts, 1, "one POST /tags for the account");
}
