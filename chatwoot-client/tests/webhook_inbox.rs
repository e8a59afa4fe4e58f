//! A Chatwoot delivery through sync-core's axum endpoint into a SQLite inbox, and back out
//! through the inbox worker as a typed event.

mod common;

use std::sync::{Arc, Mutex};

use chatwoot_client::webhook::{WebhookVerifier, parse_delivery, sign};
use common::fixture_text;
use sync_core::StageError;
use sync_core::inbox_worker::{InboxWorker, handler_fn};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{DeadLetterQuery, DeadLetterStore, InboxStore};
use sync_core::webhook::axum::WebhookEndpoint;

const SECRET: &str = "whsec-test-4f9a";

#[tokio::test]
async fn signed_message_goes_through_the_endpoint_into_the_inbox_and_parses_back() {
    let inbox = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let app = axum::Router::new().route(
        "/webhooks/chatwoot",
        WebhookEndpoint::new("chatwoot:acme", WebhookVerifier::new(SECRET), inbox.clone())
            .into_route(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/chatwoot",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = sync_core::http::reqwest::Client::new();
    let post = |body: Vec<u8>, secret: &str, delivery: &'static str| {
        let now = chrono::Utc::now().timestamp();
        client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("X-Chatwoot-Signature", sign(secret, now, &body))
            .header("X-Chatwoot-Timestamp", now.to_string())
            .header("X-Chatwoot-Delivery", delivery)
            .body(body)
            .send()
    };
    let message = fixture_text("webhook_message_created.json").into_bytes();
    for _ in 0..2 {
        let answer = post(message.clone(), SECRET, "6f1c2b9e-0001")
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    let truncated = message[..message.len() / 2].to_vec();
    assert_eq!(
        post(truncated, SECRET, "6f1c2b9e-0002")
            .await
            .unwrap()
            .status(),
        200
    );
    let forged = post(message.clone(), "not-the-secret", "6f1c2b9e-0003")
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    assert_eq!(InboxStore::stats(&*inbox).await.unwrap().pending, 2);

    let seen = Arc::new(Mutex::new(Vec::new()));
    let worker = {
        let seen = seen.clone();
        InboxWorker::new(
            inbox.clone(),
            handler_fn(move |delivery| {
                let seen = seen.clone();
                async move {
                    assert!(
                        delivery
                            .stored_headers()
                            .get("x-chatwoot-signature")
                            .is_some()
                    );
                    let event = parse_delivery(&delivery).map_err(|e| {
                        StageError::new(
                            sync_core::Verdict::Permanent(sync_core::PermanentKind::Data),
                            e,
                        )
                    })?;
                    seen.lock().unwrap().push(event.name().to_string());
                    Ok(())
                }
            }),
        )
    };
    let report = worker.work().await.unwrap();
    assert_eq!((report.processed, report.dead_lettered), (1, 1));
    assert_eq!(*seen.lock().unwrap(), vec!["message_created"]);
    let letters = inbox.list(&DeadLetterQuery::default()).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].letter.payload["source"], "chatwoot:acme");
}
