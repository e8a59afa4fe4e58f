//! The axum webhook endpoint: verify → store (deduplicated) → answer; refusals and body limits.
#![cfg(all(feature = "axum", feature = "sqlite", feature = "http"))]

use std::sync::Arc;

use sync_core::store::InboxStore;
use sync_core::store::sqlite::SqliteStore;
use sync_core::webhook::axum::WebhookEndpoint;
use sync_core::webhook::{Accepted, Acceptor, Refused, StoredHeaders};

/// Accepts requests whose `x-signature` is `ok`, keyed by `x-delivery`; `x-ping` is answered only.
struct Signed;

impl Acceptor for Signed {
    fn accept(&self, headers: &http::HeaderMap, _body: &[u8]) -> Result<Accepted, Refused> {
        if headers.contains_key("x-ping") {
            return Ok(Accepted::answer_only("ping"));
        }
        if headers.get("x-signature").is_none_or(|s| s != "ok") {
            return Err(Refused::new(401, "signature mismatch"));
        }
        let stored = StoredHeaders::from(headers).only(["x-delivery", "x-topic"]);
        let key = stored.get("x-delivery").unwrap_or_default().to_string();
        Ok(Accepted::new(key, stored).kind("order.updated"))
    }
}

async fn serve(inbox: Arc<SqliteStore>) -> String {
    let app = axum::Router::new().route(
        "/webhooks/{store}",
        WebhookEndpoint::new("shop-a", Signed, inbox)
            .max_body_bytes(1024)
            .into_route(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/shop-a", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn stores_once_answers_duplicates_and_refuses_without_storing() {
    let inbox = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let url = serve(inbox.clone()).await;
    let client = reqwest::Client::new();
    let send = |sig: &'static str, delivery: &'static str, body: Vec<u8>| {
        client
            .post(&url)
            .header("x-signature", sig)
            .header("x-delivery", delivery)
            .header("x-topic", "order.updated")
            .header("authorization", "Bearer proxy-token-123")
            .body(body)
            .send()
    };
    let body = br#"{"id":727,"status":"processing"}"#.to_vec();

    let first = send("ok", "d-1", body.clone()).await.unwrap();
    assert_eq!(first.status(), 200);
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["duplicate"], false);
    let again: serde_json::Value = send("ok", "d-1", body.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (again["duplicate"].clone(), again["id"].clone()),
        (true.into(), first["id"].clone())
    );

    let refused = send("forged", "d-2", body.clone()).await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.json::<serde_json::Value>().await.unwrap()["error"],
        "signature mismatch"
    );
    assert_eq!(
        send("ok", "d-3", vec![b'x'; 2048]).await.unwrap().status(),
        413
    );
    let ping = client
        .post(&url)
        .header("x-ping", "1")
        .body("webhook_id=7")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);

    let stats = inbox.stats().await.unwrap();
    assert_eq!(stats.pending, 1, "only d-1 is stored");
    let claimed = inbox
        .claim(10, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(claimed[0].body, body);
    let stored = claimed[0].stored_headers();
    assert_eq!(stored.get("x-topic"), Some("order.updated"));
    assert_eq!(
        stored.get("authorization"),
        None,
        "credentials never reach the inbox"
    );
}

#[tokio::test]
async fn a_broken_upload_is_400_and_only_an_oversized_one_is_413() {
    let inbox = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let endpoint = WebhookEndpoint::new("shop-a", Signed, inbox.clone()).max_body_bytes(1024);
    let mut headers = http::HeaderMap::new();
    headers.insert("x-signature", "ok".parse().unwrap());
    headers.insert("x-delivery", "d-9".parse().unwrap());
    // Chunked (no Content-Length); the sender's connection drops after the first chunk.
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
        Ok(axum::body::Bytes::from_static(br#"{"id":727,"#)),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by peer",
        )),
    ];
    let broken = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
    assert_eq!(endpoint.receive(&headers, broken).await.status(), 400);

    // Chunked and over the limit: still 413.
    let big: Vec<Result<axum::body::Bytes, std::io::Error>> =
        vec![Ok(vec![b'x'; 700].into()), Ok(vec![b'x'; 700].into())];
    let oversized = axum::body::Body::from_stream(futures_util::stream::iter(big));
    assert_eq!(endpoint.receive(&headers, oversized).await.status(), 413);
    assert_eq!(inbox.stats().await.unwrap().pending, 0);
}
