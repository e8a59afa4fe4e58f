//! Read access beyond orders (customers, products, invoices, shipments, credit memos) and the
//! general request methods, against a mock Magento with the documented payload shapes.

mod common;

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use common::*;
use futures_util::TryStreamExt;
use magento_client::sync_core::http::reqwest::Url;
use magento_client::{Credentials, Error, Filter, OAuth1Credentials, SearchCriteria};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn search_body(items: Vec<Value>, total: u64) -> Value {
    json!({"items": items, "search_criteria": {}, "total_count": total})
}

#[tokio::test]
async fn customers_get_and_search_with_criteria() {
    let server = MockServer::start().await;
    let customer = fixture_json("customer.json");
    Mock::given(method("GET"))
        .and(path("/rest/V1/customers/2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&customer))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/customers/search"))
        .and(query_param(
            "searchCriteria[filter_groups][0][filters][0][field]",
            "email",
        ))
        .and(query_param("searchCriteria[pageSize]", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(search_body(vec![customer], 1)))
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());

    let got = client.customers().get(2).await.unwrap();
    assert_eq!(got.email, "jdoe@example.com");
    assert_eq!(
        got.created_at,
        Some(Utc.with_ymd_and_hms(2017, 8, 18, 18, 50, 20).unwrap())
    );
    assert_eq!(got.addresses[0].street, ["123 Oak Ave"]);
    assert_eq!(got.addresses[0].extra["region"]["region_code"], "TX");
    assert_eq!(
        got.extra["created_in"], "Default Store View",
        "unknown fields kept"
    );
    assert_eq!(
        serde_json::to_value(&got).unwrap()["extension_attributes"],
        json!({"is_subscribed": false})
    );

    let page = client
        .customers()
        .search(&SearchCriteria::new().filter(Filter::eq("email", "jdoe@example.com")))
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.total_count), (1, Some(1)));
}

#[tokio::test]
async fn products_by_sku_with_a_slash_keep_price_and_attributes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/products/MH01%2FXS-Black"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture_json("product.json")))
        .expect(1)
        .mount(&server)
        .await;
    let product = bearer_client(&server.uri())
        .products()
        .get_by_sku("MH01/XS-Black")
        .await
        .unwrap();
    assert_eq!(product.id, 2079);
    assert_eq!(product.price, Some(dec!(52)));
    assert_eq!(product.weight, Some(dec!(1.5)));
    assert_eq!(product.custom_attribute("color"), Some(&json!("49")));
    assert_eq!(
        product.custom_attribute("category_ids"),
        Some(&json!(["15", "36"]))
    );
    assert_eq!(
        product.extra["extension_attributes"]["stock_item"]["qty"],
        100
    );
}

#[tokio::test]
async fn invoices_stream_over_pages_with_exact_money() {
    let server = MockServer::start().await;
    let invoice = |id: u64| {
        let mut v = fixture_json("invoice.json");
        v["entity_id"] = json!(id);
        v
    };
    for (page, items) in [(1, vec![invoice(1), invoice(2)]), (2, vec![invoice(3)])] {
        Mock::given(method("GET"))
            .and(path("/rest/V1/invoices"))
            .and(query_param("searchCriteria[currentPage]", page.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(search_body(items, 3)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let invoices: Vec<_> = bearer_client(&server.uri())
        .invoices()
        .search_stream(SearchCriteria::new().page_size(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        invoices
            .iter()
            .map(|i| i.document.entity_id)
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let first = &invoices[0];
    assert_eq!(first.totals.grand_total, Some(dec!(84.939999)));
    assert_eq!(
        first.grand_total_money().unwrap().rounded().to_string(),
        "84.94 EUR"
    );
    assert_eq!(first.items[0].line.qty, Some(dec!(2)));
    assert_eq!(first.items[0].line.sku.as_deref(), Some("MH01/XS-Black"));
    assert_eq!(
        first.document.created_at,
        Some(Utc.with_ymd_and_hms(2017, 8, 21, 22, 41, 3).unwrap())
    );
    assert_eq!(first.extra["billing_address_id"], 6);
}

#[tokio::test]
async fn shipments_and_credit_memos_by_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/shipment/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture_json("shipment.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/creditmemo/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture_json("creditmemo.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/creditmemos"))
        .and(query_param(
            "searchCriteria[filter_groups][0][filters][0][field]",
            "order_id",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(search_body(vec![fixture_json("creditmemo.json")], 1)),
        )
        .mount(&server)
        .await;
    let client = bearer_client(&server.uri());
    let shipment = client.shipments().get(1).await.unwrap();
    assert_eq!(
        shipment.tracks[0].track_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(shipment.items[0].line.qty, Some(dec!(2)));
    assert_eq!(shipment.extra["packages"], json!([]));
    let memo = client.creditmemos().get(1).await.unwrap();
    assert_eq!(
        memo.grand_total_money().unwrap().rounded().to_string(),
        "44.97 EUR"
    );
    assert_eq!(memo.invoice_id, Some(1));
    let page = client
        .creditmemos()
        .search(&SearchCriteria::new().filter(Filter::eq("order_id", 3)))
        .await
        .unwrap();
    assert_eq!(page.items[0].document.entity_id, 1);
}

/// Checks each request's OAuth 1.0a signature against the public signer over the URL exactly as
/// received (path and query), and records what it saw.
struct SignatureCheck {
    creds: OAuth1Credentials,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Respond for SignatureCheck {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let header = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let field = |name: &str| {
            header
                .split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_string()
        };
        // wiremock reports `localhost`; the client signed the host it sent in `Host`.
        let mut url = Url::parse(request.url.as_str()).unwrap();
        let host = request.headers.get("host").unwrap().to_str().unwrap();
        let base = Url::parse(&format!("http://{host}/")).unwrap();
        url.set_host(base.host_str()).unwrap();
        url.set_port(base.port()).unwrap();
        let expected = self
            .creds
            .authorization_header(
                request.method.as_str(),
                &url,
                &field("oauth_nonce"),
                field("oauth_timestamp").parse().unwrap(),
            )
            .unwrap();
        self.seen.lock().unwrap().push(url.to_string());
        if expected == header {
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "items": []}))
        } else {
            ResponseTemplate::new(401).set_body_json(json!({
                "message": "The signature is invalid. Verify and try again."
            }))
        }
    }
}

#[tokio::test]
async fn general_requests_reuse_oauth_and_sign_the_query() {
    let server = MockServer::start().await;
    let creds = OAuth1Credentials::new("ck-0123", "cs-4567", "at-89ab", "ats-cdef");
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(wiremock::matchers::any())
        .respond_with(SignatureCheck {
            creds: creds.clone(),
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    let client = common::client(&server.uri(), Credentials::OAuth1(creds));

    let answer: Value = client
        .get_json(
            "taxRates/search",
            &[
                (
                    "searchCriteria[filter_groups][0][filters][0][field]",
                    "code",
                ),
                (
                    "searchCriteria[filter_groups][0][filters][0][value]",
                    "US-CA-*-Rate 1",
                ),
                ("searchCriteria[pageSize]", "20"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(answer["ok"], true);
    let answer: Value = client
        .send_json(
            "PUT",
            "/V1/products/MH01%2FXS-Black",
            &[("storeCode", "default")],
            Some(&json!({"product": {"price": 49.5}})),
        )
        .await
        .unwrap();
    assert_eq!(answer["ok"], true);
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen[0].contains("/rest/V1/taxRates/search?searchCriteria"),
        "{seen:?}"
    );
    assert!(
        seen[1].contains("/rest/V1/products/MH01%2FXS-Black?storeCode=default"),
        "{seen:?}"
    );

    // Refused before anything is signed or sent.
    let err = client
        .send_json::<Value, Value>("PATCH", "products/x", &[], None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = client
        .get_json::<Value>("orders?searchCriteria[pageSize]=1", &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("query"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn general_requests_reuse_the_admin_token_and_bearer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/V1/integration/admin/token"))
        .and(body_json(
            json!({"username": "sync-bot", "password": "pa55-w0rd"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("admin-token-abc123")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/V1/carts/mine"))
        .and(header("authorization", "Bearer admin-token-abc123"))
        .and(body_json(json!({"customerId": 2})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(41)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/V1/directory/currency"))
        .and(header("authorization", "Bearer integration-token-0123"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"base_currency_code": "EUR"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let admin = common::client(&server.uri(), Credentials::admin("sync-bot", "pa55-w0rd"));
    let cart: u64 = admin
        .send_json("post", "carts/mine", &[], Some(&json!({"customerId": 2})))
        .await
        .unwrap();
    assert_eq!(cart, 41);
    let currency: Value = bearer_client(&server.uri())
        .get_json("directory/currency", &[])
        .await
        .unwrap();
    assert_eq!(currency["base_currency_code"], "EUR");
}
