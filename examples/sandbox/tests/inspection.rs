//! The `/_sandbox/...` inspection API over HTTP: requests, entities, writes, faults, seed, fire.

use sandbox::Seed;
use sandbox::activecampaign::{AcOptions, ActiveCampaignFake};
use sandbox::woo::WooFake;
use serde_json::{Value, json};

#[tokio::test]
async fn inspection_api_reports_requests_entities_and_writes() {
    let ac = ActiveCampaignFake::start_with(AcOptions {
        requests_per_second: 0,
        ..AcOptions::default()
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    for _ in 0..2 {
        client
            .post(format!("{}/contact/sync", ac.api_url()))
            .header("Api-Token", ac.api_token())
            .json(&json!({"contact": {"email": "a@b.nl"}}))
            .send()
            .await
            .unwrap();
    }
    let requests: Vec<Value> = client
        .get(format!("{}/_sandbox/requests", ac.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        requests.len(),
        2,
        "the inspection API's own requests are not logged"
    );
    assert_eq!(requests[0]["method"], "POST");
    assert_eq!(requests[0]["path"], "/api/3/contact/sync");
    assert_eq!(requests[0]["status"], 201);
    assert!(requests[0]["body"].as_str().unwrap().contains("a@b.nl"));
    let writes: Value = client
        .get(format!("{}/_sandbox/writes", ac.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(writes["contacts"]["1"], 2);
    let contacts: Vec<Value> = client
        .get(format!("{}/_sandbox/entities/contacts", ac.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(contacts.len(), 1);

    // Faults set at runtime over HTTP.
    let set: Value = client
        .put(format!("{}/_sandbox/faults", ac.base_url()))
        .json(&json!({"error_next": 1, "error_status": 503}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(set["error_next"], 1);
    let r = client
        .get(format!("{}/contacts", ac.api_url()))
        .header("Api-Token", ac.api_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let r = client
        .get(format!("{}/contacts", ac.api_url()))
        .header("Api-Token", ac.api_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn seed_and_fire_over_http() {
    let woo = WooFake::start(Seed::empty()).await.unwrap();
    let client = reqwest::Client::new();
    assert!(woo.entities("orders").is_empty());
    let r = client.post(format!("{}/_sandbox/seed", woo.base_url())).json(&json!({"orders": 1000, "customers": 50, "products": 12, "subscriptions": 20, "seed": 7})).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(woo.entities("orders").len(), 1000);
    let deliveries: Vec<Value> = client
        .post(format!("{}/_sandbox/webhooks/fire", woo.base_url()))
        .json(&json!({"topic": "order.updated", "ids": [1], "receiver": "http://127.0.0.1:9/closed", "secret": "s"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert!(
        deliveries[0]["status"].is_null(),
        "nothing listens on port 9: a transport error, not retried"
    );
    let logged: Vec<Value> = client
        .get(format!("{}/_sandbox/deliveries", woo.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
}
