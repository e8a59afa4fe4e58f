//! Batches: chunks of at most 100, and per-item errors surfaced, never reported as success.

mod common;

use serde_json::{Value, json};
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use woo_client::Error;
use woo_client::batch::{BatchOp, BatchRequest, ItemFailure};
use woo_client::models::{OrderPatch, OrderStatus};

use common::{basic_client, fixture, fixture_json, received};

#[tokio::test]
async fn documented_batch_response_reads_as_full_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/batch"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("orders_batch_response.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let request: BatchRequest<Value, OrderPatch> = BatchRequest::new()
        .create(json!({"payment_method": "bacs"}))
        .create(json!({"payment_method": "bacs"}))
        .update(727, OrderPatch::status(OrderStatus::Completed))
        .delete(723);
    let outcome = basic_client(&server.uri())
        .orders()
        .batch(&request)
        .await
        .unwrap();
    assert_eq!(outcome.succeeded(), 4);
    let created: Vec<u64> = outcome
        .created
        .iter()
        .map(|r| r.as_ref().unwrap().id)
        .collect();
    assert_eq!(created, [728, 729]);
    assert_eq!(outcome.updated[0].as_ref().unwrap().id, 727);
    assert_eq!(outcome.deleted[0].as_ref().unwrap().id, 723);

    let sent: Value = serde_json::from_slice(&received(&server).await[0].body).unwrap();
    assert_eq!(sent["update"], json!([{"id": 727, "status": "completed"}]));
    assert_eq!(sent["delete"], json!([723]));
}

/// Echoes each update back as an order with that id, except ids in `reject`, which get
/// WooCommerce's inline error; counts items per request.
struct EchoBatch {
    reject: Vec<u64>,
}

impl Respond for EchoBatch {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let template = fixture_json("order.json");
        let answer = |id: u64| {
            if self.reject.contains(&id) {
                json!({"id": id, "error": {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 400}}})
            } else {
                let mut o = template.clone();
                o["id"] = json!(id);
                o
            }
        };
        let update: Vec<Value> = body["update"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|u| answer(u["id"].as_u64().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let create: Vec<Value> = body["create"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|c| {
                        if c["fail"] == json!(true) {
                            // Failed creates report id 0: only the position tells which one.
                            json!({"id": 0, "error": {"code": "woocommerce_rest_invalid_product_id", "message": "Product ID 0 is invalid.", "data": {"status": 400}}})
                        } else {
                            answer(9000)
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(json!({"create": create, "update": update}))
    }
}

#[tokio::test]
async fn large_batches_go_in_chunks_of_at_most_100() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/batch"))
        .respond_with(EchoBatch { reject: vec![] })
        .mount(&server)
        .await;
    let mut request: BatchRequest<Value, OrderPatch> = BatchRequest::new();
    for id in 1..=250 {
        request = request.update(id, OrderPatch::status(OrderStatus::Completed));
    }
    let outcome = basic_client(&server.uri())
        .orders()
        .batch(&request)
        .await
        .unwrap();
    assert_eq!(outcome.updated.len(), 250);
    assert_eq!(outcome.updated[249].as_ref().unwrap().id, 250);

    let sizes: Vec<usize> = received(&server)
        .await
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["update"].as_array().unwrap().len()
        })
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
}

#[tokio::test]
async fn failed_items_are_surfaced_with_list_position_and_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(EchoBatch {
            reject: vec![5, 150],
        })
        .mount(&server)
        .await;
    let mut request: BatchRequest<Value, Value> = BatchRequest::new()
        .create(json!({"line_items": []}))
        .create(json!({"fail": true}));
    for id in 1..=200 {
        request = request.update(id, json!({"status": "completed"}));
    }
    let partial = basic_client(&server.uri())
        .orders()
        .batch(&request)
        .await
        .expect_err("a batch with failed items is not a success");

    let failures: Vec<_> = partial.outcome.failures().collect();
    assert_eq!(failures.len(), 3);
    assert_eq!(
        (failures[0].op, failures[0].index, failures[0].id),
        (BatchOp::Create, 1, None)
    );
    assert_eq!(
        (failures[1].op, failures[1].index, failures[1].id),
        (BatchOp::Update, 4, Some(5))
    );
    assert_eq!(failures[2].id, Some(150));
    match &failures[1].failure {
        ItemFailure::Rejected(api) => {
            assert_eq!(api.code, "woocommerce_rest_shop_order_invalid_id")
        }
        other => panic!("{other:?}"),
    }
    // The successes are still there, so the caller knows what was applied.
    assert_eq!(partial.outcome.succeeded(), 199);
    assert_eq!(partial.outcome.created[0].as_ref().unwrap().id, 9000);
    assert_eq!(partial.verdict(), Verdict::Permanent(PermanentKind::Data));

    // `?` turns it into the crate error, naming the failed items.
    let err: Error = partial.into();
    let text = err.to_string();
    assert!(text.contains("3 of 202 batch items failed"), "{text}");
    assert!(text.contains("update #5"), "{text}");
}

#[tokio::test]
async fn a_failed_chunk_marks_its_items_and_the_unsent_rest() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(EchoBatch { reject: vec![] })
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(413).set_body_json(json!({
            "code": "woocommerce_rest_request_entity_too_large",
            "message": "Unable to accept more than 100 items for this request.",
            "data": {"status": 413}
        })))
        .mount(&server)
        .await;
    let mut request: BatchRequest<Value, Value> = BatchRequest::new();
    for id in 1..=30 {
        request = request.update(id, json!({}));
    }
    let partial = basic_client(&server.uri())
        .orders()
        .batch_in_chunks(&request, 10)
        .await
        .unwrap_err();
    let updated = &partial.outcome.updated;
    assert!(updated[..10].iter().all(Result::is_ok));
    assert!(
        updated[10..20]
            .iter()
            .all(|r| matches!(r.as_ref().unwrap_err().failure, ItemFailure::Request(_)))
    );
    assert!(
        updated[20..]
            .iter()
            .all(|r| matches!(r.as_ref().unwrap_err().failure, ItemFailure::NotSent))
    );
    // Stopped after the failed chunk: two requests, not three.
    assert_eq!(received(&server).await.len(), 2);
    // Some items can succeed on a later run.
    assert!(partial.verdict().is_retryable());
    assert!(
        partial.to_string().contains("lower the batch chunk size"),
        "{partial}"
    );
}

#[tokio::test]
async fn an_error_that_is_not_a_wp_error_object_is_still_a_failure() {
    let server = MockServer::start().await;
    // Plugins answer in their own shapes: a bare string, an object without `code`. `Order`
    // defaults every field, so these would otherwise decode as orders and count as applied.
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/batch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "update": [
                {"id": 1, "error": "stock locked by another request"},
                {"id": 2, "error": {"message": "Payment gateway refused the change"}},
                {"id": 3, "error": null, "status": "completed"},
            ]
        })))
        .mount(&server)
        .await;
    let request: BatchRequest<Value, Value> = BatchRequest::new()
        .update(1, json!({"status": "completed"}))
        .update(2, json!({"status": "completed"}))
        .update(3, json!({"status": "completed"}));
    let partial = basic_client(&server.uri())
        .orders()
        .batch(&request)
        .await
        .expect_err("items carrying an error are not successes");

    let failures: Vec<_> = partial.outcome.failures().collect();
    assert_eq!(
        failures.iter().map(|f| f.id).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );
    match &failures[0].failure {
        ItemFailure::RejectedRaw(raw) => assert_eq!(raw, "stock locked by another request"),
        other => panic!("{other:?}"),
    }
    match &failures[1].failure {
        ItemFailure::RejectedRaw(raw) => {
            assert_eq!(raw["message"], "Payment gateway refused the change")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        failures[1]
            .to_string()
            .contains("Payment gateway refused the change"),
        "{}",
        failures[1]
    );
    // `"error": null` is no error.
    assert_eq!(partial.outcome.succeeded(), 1);
    assert_eq!(partial.outcome.updated[2].as_ref().unwrap().id, 3);
    assert_eq!(partial.verdict(), Verdict::Permanent(PermanentKind::Data));
}
