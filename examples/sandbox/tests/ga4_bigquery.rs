//! GA4 Measurement Protocol is always 2xx; the validator explains; BigQuery reports per-row errors in a 200.

mod common;

use sandbox::bigquery::{BigQueryFake, TOKEN};
use sandbox::ga4::{API_SECRET, Ga4Fake, MEASUREMENT_ID};
use serde_json::{Value, json};

#[tokio::test]
async fn ga4_collect_is_always_2xx_and_debug_validates() {
    let ga = Ga4Fake::start().await.unwrap();
    let client = reqwest::Client::new();
    let good = json!({"client_id": "123.456", "events": [{"name": "purchase", "params": {"transaction_id": "1001", "value": 84.94, "currency": "EUR"}}]});
    let bad = json!({"client_id": "123.456", "events": [{"name": "_badEventName", "params": {}}]});
    for (body, secret) in [
        (&good, API_SECRET),
        (&bad, API_SECRET),
        (&good, "wrong-secret"),
    ] {
        let r = client
            .post(format!(
                "{}/mp/collect?measurement_id={MEASUREMENT_ID}&api_secret={secret}",
                ga.base_url()
            ))
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "always 2xx");
    }
    let r = client
        .post(format!(
            "{}/mp/collect?measurement_id={MEASUREMENT_ID}&api_secret={API_SECRET}",
            ga.base_url()
        ))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        ga.events().len(),
        1,
        "only the valid, authorised event was kept"
    );

    let v: Value = client
        .post(format!(
            "{}/debug/mp/collect?measurement_id={MEASUREMENT_ID}&api_secret=anything",
            ga.base_url()
        ))
        .json(&bad)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let m = &v["validationMessages"][0];
    assert_eq!(m["validationCode"], "NAME_INVALID");
    assert_eq!(m["fieldPath"], "events");
    let ok: Value = client
        .post(format!("{}/debug/mp/collect", ga.base_url()))
        .json(&good)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["validationMessages"], json!([]));
}

#[tokio::test]
async fn bigquery_insert_all_dedupes_and_reports_row_errors_in_a_200() {
    let bq = BigQueryFake::start().await.unwrap();
    let url = format!(
        "{}/bigquery/v2/projects/sandbox-project/datasets/commerce/tables/orders/insertAll",
        bq.base_url()
    );
    let client = reqwest::Client::new();
    let rows = json!({"rows": [
        {"insertId": "o-1", "json": {"order_id": "1", "total": "84.94", "currency": "EUR"}},
        {"insertId": "o-2", "json": {"order_id": "2", "total": "not a number"}},
        {"insertId": "o-3", "json": {"order_id": "3", "colour": "red"}}
    ]});
    let r = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&rows)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let errors = v["insertErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0]["errors"][0]["reason"], "stopped");
    assert_eq!(errors[1]["errors"][0]["reason"], "invalid");
    assert_eq!(errors[2]["errors"][0]["message"], "no such field: colour.");
    assert!(
        bq.rows("sandbox-project:commerce.orders").is_empty(),
        "nothing inserted without skipInvalidRows"
    );

    let mut skip = rows.clone();
    skip["skipInvalidRows"] = json!(true);
    let v: Value = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&skip)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["insertErrors"].as_array().unwrap().len(), 2);
    let v: Value = client
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"rows": [{"insertId": "o-1", "json": {"order_id": "1"}}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v.get("insertErrors").is_none());
    assert_eq!(
        bq.rows("sandbox-project:commerce.orders").len(),
        1,
        "insertId o-1 deduplicated"
    );
    assert_eq!(bq.writes("sandbox-project:commerce.orders", "o-1"), 2);

    let missing = client
        .post(url.replace("orders", "nope"))
        .bearer_auth(TOKEN)
        .json(&rows)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let unauth = client.post(&url).json(&rows).send().await.unwrap();
    assert_eq!(unauth.status(), 401);
}

#[tokio::test]
async fn ga4_debug_answer_matches_googles_documented_example() {
    // Fixture: the example response of the validating-events guide, for the same bad event.
    let ga = Ga4Fake::start().await.unwrap();
    let bad = json!({"client_id": "123.456", "events": [{"name": "_badEventName", "params": {}}]});
    let got: Value = reqwest::Client::new()
        .post(format!(
            "{}/debug/mp/collect?measurement_id={MEASUREMENT_ID}&api_secret={API_SECRET}",
            ga.base_url()
        ))
        .json(&bad)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented = common::fixture("ga4_debug_validation_docs.json");
    common::Shape::new().assert_matches("/debug/mp/collect", &documented, &got);
    assert_eq!(got, documented, "the guide's own example, word for word");
}

#[tokio::test]
async fn bigquery_insert_errors_match_the_rest_reference() {
    let bq = BigQueryFake::start().await.unwrap();
    let got: Value = reqwest::Client::new()
        .post(format!(
            "{}/bigquery/v2/projects/sandbox-project/datasets/commerce/tables/orders/insertAll",
            bq.base_url()
        ))
        .bearer_auth(TOKEN)
        .json(&json!({"skipInvalidRows": true, "rows": [
            {"insertId": "o-1", "json": {"order_id": "1", "total": "84.94"}},
            {"insertId": "o-2", "json": {"order_id": "2", "total": "not a number"}}
        ]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["insertErrors"].as_array().map(Vec::len), Some(1));
    common::Shape::new().assert_matches(
        "tabledata.insertAll",
        &common::fixture("bigquery_insert_all_response.json"),
        &got,
    );
}
