//! The ActiveCampaign fake: v3 shapes, upsert by email, 5 req/s with 429, bulk import's 400 throttle.

use std::collections::BTreeSet;
use std::time::Duration;

use sandbox::Seed;
use sandbox::activecampaign::{AcOptions, ActiveCampaignFake};
use serde_json::{Value, json};

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

fn unlimited() -> AcOptions {
    AcOptions {
        requests_per_second: 0,
        ..AcOptions::default()
    }
}

async fn post(ac: &ActiveCampaignFake, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}{path}", ac.api_url()))
        .header("Api-Token", ac.api_token())
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn contact_sync_upserts_by_email_and_counts_writes() {
    let ac = ActiveCampaignFake::start_with(unlimited()).await.unwrap();
    let first = post(&ac, "/contact/sync", json!({"contact": {"email": "Jan@Example.nl", "firstName": "Jan", "fieldValues": [{"field": "1", "value": "84.94"}]}})).await;
    assert_eq!(first.status(), 201);
    let body: Value = first.json().await.unwrap();
    assert!(body["contact"]["id"].is_string(), "AC ids are strings");
    let again = post(
        &ac,
        "/contact/sync",
        json!({"contact": {"email": "jan@example.nl", "lastName": "de Vries"}}),
    )
    .await;
    assert_eq!(again.status(), 201);
    assert_eq!(ac.entities("contacts").len(), 1);
    assert_eq!(
        ac.writes("contacts", 1),
        2,
        "two writes of one contact: a duplicate the test can count"
    );
    let contact = ac.contact_by_email("JAN@example.nl").unwrap();
    assert_eq!(contact["firstName"], "Jan");
    assert_eq!(contact["lastName"], "de Vries");

    // GET /contacts/{id} has the recorded v3 shape.
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/ac_getContact.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let got: Value = reqwest::Client::new()
        .get(format!("{}/contacts/1", ac.api_url()))
        .header("Api-Token", ac.api_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys(&fixture), keys(&got));
    let contact_fixture: BTreeSet<String> = keys(&fixture["contact"])
        .into_iter()
        .filter(|k| {
            ![
                "contactAutomations",
                "contactLists",
                "fieldValues",
                "geoIps",
                "deals",
                "accountContacts",
            ]
            .contains(&k.as_str())
        })
        .collect();
    assert!(
        contact_fixture.is_subset(&keys(&got["contact"])),
        "{:?}",
        contact_fixture
            .difference(&keys(&got["contact"]))
            .collect::<Vec<_>>()
    );
    assert_eq!(got["fieldValues"][0]["value"], "84.94");

    let bad = post(
        &ac,
        "/contact/sync",
        json!({"contact": {"email": "jan@@example.nl"}}),
    )
    .await;
    assert_eq!(bad.status(), 422);
    let wrong_token = reqwest::Client::new()
        .get(format!("{}/contacts", ac.api_url()))
        .header("Api-Token", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), 403);
}

#[tokio::test]
async fn tags_and_contact_tags() {
    let ac = ActiveCampaignFake::start_with(unlimited()).await.unwrap();
    post(
        &ac,
        "/contact/sync",
        json!({"contact": {"email": "a@b.nl"}}),
    )
    .await;
    let tag: Value = post(
        &ac,
        "/tags",
        json!({"tag": {"tag": "iDEAL", "tagType": "contact", "description": ""}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let tag_id = tag["tag"]["id"].as_str().unwrap().to_owned();
    let dup = post(
        &ac,
        "/tags",
        json!({"tag": {"tag": "iDEAL", "tagType": "contact"}}),
    )
    .await;
    assert_eq!(dup.status(), 422);
    let ct = post(
        &ac,
        "/contactTags",
        json!({"contactTag": {"contact": "1", "tag": tag_id}}),
    )
    .await;
    assert_eq!(ct.status(), 201);
    assert_eq!(
        ct.json::<Value>().await.unwrap()["contactTag"]["tag"],
        tag_id.as_str()
    );
    let missing = post(
        &ac,
        "/contactTags",
        json!({"contactTag": {"contact": 99, "tag": 1}}),
    )
    .await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn five_requests_per_second_then_429_with_retry_after() {
    let ac = ActiveCampaignFake::start_with(AcOptions::default())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut throttled = None;
    for _ in 0..7 {
        let r = client
            .get(format!("{}/contacts", ac.api_url()))
            .header("Api-Token", ac.api_token())
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            throttled = Some(r);
        } else {
            assert!(r.headers().contains_key("ratelimit-remaining"));
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "{statuses:?}"
    );
    let r = throttled.expect("a 429");
    assert!(
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(r.headers()["ratelimit-limit"], "5");
    assert_eq!(r.headers()["ratelimit-remaining"], "0");
}

#[tokio::test]
async fn bulk_import_is_async_and_throttled_with_a_400() {
    let ac = ActiveCampaignFake::start_with(AcOptions {
        requests_per_second: 0,
        bulk_multi_per_minute: 1,
        bulk_delay_ms: 100,
        ..AcOptions::default()
    })
    .await
    .unwrap();
    let contacts = json!({"contacts": [
        {"email": "sanne@example.nl", "first_name": "Sanne", "tags": ["Abonnee"], "fields": [{"id": 3, "value": "active"}]},
        {"email": "jurgen@beispiel.de", "first_name": "Jürgen"}
    ]});
    let ok = post(&ac, "/import/bulk_import", contacts.clone()).await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["success"], 1);
    assert_eq!(body["queued_contacts"], 2);
    assert!(
        ac.entities("contacts").is_empty(),
        "queued, not yet processed"
    );

    let throttled = post(&ac, "/import/bulk_import", contacts).await;
    assert_eq!(
        throttled.status(),
        400,
        "bulk import throttles with 400, not 429"
    );
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["success"], 0);
    assert_eq!(body["message"], "Rate limit exceeded.");

    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(ac.entities("contacts").len(), 2);
    assert!(ac.contact_by_email("sanne@example.nl").is_some());

    let ac2 = ActiveCampaignFake::start_with(unlimited()).await.unwrap();
    let invalid = post(
        &ac2,
        "/import/bulk_import",
        json!({"contacts": [{"email": "ok@example.nl"}, {"email": ""}]}),
    )
    .await;
    assert_eq!(invalid.status(), 400);
    assert_eq!(
        invalid.json::<Value>().await.unwrap()["failureReasons"][0]["contact"],
        1
    );
    let _ = Seed::empty();
}

#[tokio::test]
async fn field_values_upsert_per_contact_and_field() {
    let ac = ActiveCampaignFake::start_with(unlimited()).await.unwrap();
    post(
        &ac,
        "/contact/sync",
        json!({"contact": {"email": "lotte@example.nl"}}),
    )
    .await;
    for value in ["iDEAL", "Bancontact"] {
        let r = post(
            &ac,
            "/fieldValues",
            json!({"fieldValue": {"contact": 1, "field": 4, "value": value}, "useDefaults": true}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["fieldValue"]["value"], value);
        assert_eq!(body["contacts"][0]["email"], "lotte@example.nl");
    }
    assert_eq!(
        ac.entities("fieldValues").len(),
        1,
        "one value per (contact, field)"
    );
    assert_eq!(ac.writes("fieldValues", "1:4"), 2);
    let fields: Value = reqwest::Client::new()
        .get(format!("{}/fields", ac.api_url()))
        .header("Api-Token", ac.api_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fields["meta"]["total"], "4");
}
