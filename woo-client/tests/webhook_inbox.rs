//! A WooCommerce delivery through sync-core's axum endpoint into a SQLite inbox, and back out
//! through the inbox worker as a typed event.

mod common;

use std::sync::{Arc, Mutex};

use common::fixture;
use secrecy::SecretString;
use sync_core::StageError;
use sync_core::inbox_worker::{InboxWorker, handler_fn};
use sync_core::store::sqlite::SqliteStore;
use sync_core::store::{DeadLetterQuery, DeadLetterStore, InboxStore};
use sync_core::webhook::axum::WebhookEndpoint;
use woo_client::webhook_receive::{Payload, WebhookVerifier, parse_delivery};

#[tokio::test]
async fn signed_order_goes_through_the_endpoint_into_the_inbox_and_parses_back() {
    let verifier = WebhookVerifier::new(SecretString::from("whsec_shop_a"));
    let inbox = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let app = axum::Router::new().route(
        "/webhooks/woocommerce/shop-a",
        WebhookEndpoint::new("woocommerce:shop-a", verifier.clone(), inbox.clone()).into_route(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/woocommerce/shop-a",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = sync_core::http::reqwest::Client::new();
    let post = |body: Vec<u8>, signature: String, delivery: &'static str| {
        client
            .post(&url)
            .header("X-WC-Webhook-Source", "https://shop.example.com/")
            .header("X-WC-Webhook-Topic", "order.updated")
            .header("X-WC-Webhook-Resource", "order")
            .header("X-WC-Webhook-Event", "updated")
            .header("X-WC-Webhook-ID", "12")
            .header("X-WC-Webhook-Delivery-ID", delivery)
            .header("X-WC-Webhook-Signature", signature)
            .body(body)
            .send()
    };
    let order = fixture("order.json").into_bytes();
    let signature = verifier.sign(&order);
    for delivery in ["a1", "a1"] {
        let answer = post(order.clone(), signature.clone(), delivery)
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    // Signed but truncated: stored, dead-lettered later by the worker.
    let truncated = order[..order.len() / 2].to_vec();
    let answer = post(truncated.clone(), verifier.sign(&truncated), "a2")
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    // Forged: 401, nothing stored.
    let answer = post(order.clone(), "Zm9yZ2Vk".into(), "a3").await.unwrap();
    assert_eq!(answer.status(), 401);
    // The creation ping: 200, nothing stored.
    let ping = client
        .post(&url)
        .body("webhook_id=12")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
    assert_eq!(InboxStore::stats(&*inbox).await.unwrap().pending, 2);

    let seen = Arc::new(Mutex::new(Vec::new()));
    let worker = {
        let seen = seen.clone();
        InboxWorker::new(
            inbox.clone(),
            handler_fn(move |delivery| {
                let seen = seen.clone();
                async move {
                    let event = parse_delivery(&delivery).map_err(|e| {
                        StageError::new(
                            sync_core::Verdict::Permanent(sync_core::PermanentKind::Data),
                            e,
                        )
                    })?;
                    if let Payload::Order(order) = event.payload {
                        seen.lock().unwrap().push(order.id);
                    }
                    Ok(())
                }
            }),
        )
    };
    let report = worker.work().await.unwrap();
    assert_eq!((report.processed, report.dead_lettered), (1, 1));
    assert_eq!(*seen.lock().unwrap(), vec![727]);
    let letters = inbox.list(&DeadLetterQuery::default()).await.unwrap();
    assert_eq!(
        letters[0].letter.payload["headers"]["x-wc-webhook-topic"],
        "order.updated"
    );
}
