//! WooCommerce error bodies mapped to clear errors, classified; 429 and 503 retried.

mod common;

use serde_json::json;
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use woo_client::Error;

use common::{basic_client, fixture, received};

#[tokio::test]
async fn status_401_404_400_become_clear_permanent_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/wp-json/wc/v3/orders/1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "woocommerce_rest_cannot_view",
            "message": "Sorry, you cannot list resources.",
            "data": {"status": 401}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/wp-json/wc/v3/orders/2"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_raw(fixture("error_rest_no_route.json"), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/wp-json/wc/v3/orders/3"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_raw(fixture("error_woocommerce_rest.json"), "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/wp-json/wc/v3/orders/4"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "rest_invalid_param",
            "message": "Invalid parameter(s): status",
            "data": {"status": 400, "params": {"status": "status is not one of pending, processing"}}
        })))
        .mount(&server)
        .await;
    let orders = basic_client(&server.uri()).orders();

    let err = orders.get(1).await.unwrap_err();
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    let text = err.to_string();
    assert!(
        text.contains("401") && text.contains("woocommerce_rest_cannot_view"),
        "{text}"
    );
    assert!(
        text.contains("Authorization header"),
        "the hint says what to try: {text}"
    );
    assert!(
        text.contains("orders.get") && text.contains("/orders/1"),
        "names the request: {text}"
    );

    let err = orders.get(2).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.api_error().unwrap().code, "rest_no_route");
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    assert!(err.to_string().contains("pretty permalinks"), "{err}");

    let err = orders.get(3).await.unwrap_err();
    assert_eq!(err.api_error().unwrap().message, "Resource doesn't exist.");

    let err = orders.get(4).await.unwrap_err();
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Data));
    let api = err.api_error().unwrap();
    assert_eq!(api.status(), Some(400));
    assert!(api.invalid_params().unwrap().contains_key("status"));

    // Permanent errors are not retried: one request each.
    assert_eq!(received(&server).await.len(), 4);
}

#[tokio::test]
async fn rate_limits_and_unavailability_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>maintenance</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("order.json"), "application/json"),
        )
        .mount(&server)
        .await;
    let order = basic_client(&server.uri()).orders().get(727).await.unwrap();
    assert_eq!(order.id, 727);
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn persistent_503_gives_up_with_a_retryable_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>down</html>"))
        .mount(&server)
        .await;
    let err = basic_client(&server.uri())
        .orders()
        .get(1)
        .await
        .unwrap_err();
    // Not a WordPress body: kept as the HTTP error, with the body excerpt.
    assert!(matches!(err, Error::Http(_)), "{err:?}");
    assert!(err.verdict().is_retryable());
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(
        received(&server).await.len(),
        4,
        "the policy's four attempts"
    );
}

#[tokio::test]
async fn store_api_rate_limit_code_is_a_rate_limit_even_on_400() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("RateLimit-Retry-After", "0")
                .set_body_json(json!({
                    "code": "rate_limit_exceeded",
                    "message": "Too many requests. Please wait 0 seconds before trying again.",
                    "data": {"status": 400}
                })),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("order.json"), "application/json"),
        )
        .mount(&server)
        .await;
    basic_client(&server.uri()).orders().get(727).await.unwrap();
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn a_body_that_does_not_fit_names_the_json_path() {
    let server = MockServer::start().await;
    let mut orders = common::fixture_json("orders_list.json");
    orders[1]["line_items"][1]["price"] = json!("twenty");
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(orders))
        .mount(&server)
        .await;
    let err = basic_client(&server.uri())
        .orders()
        .list()
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Decode { source, operation } => {
            assert_eq!(source.path, "[1].line_items[1].price");
            assert_eq!(operation, "orders.list");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Server));
}
