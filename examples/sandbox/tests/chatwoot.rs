//! The Chatwoot fake: platform provisioning, contacts with merged custom attributes, labels
//! dropped when unknown, conversations without source_id, signed webhooks, 429 without Retry-After.

mod common;

use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use sandbox::chatwoot::ChatwootFake;
use sandbox::{Faults, Seed};
use serde_json::{Value, json};
use sha2::Sha256;

async fn send(
    cw: &ChatwootFake,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", cw.base_url()))
        .header("api_access_token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[test]
fn signature_matches_the_reference_vector() {
    // Vector computed from the documented formula (reference/chatwoot-ac-fb.md §3.3).
    assert_eq!(
        sandbox::chatwoot::webhooks::signature(
            "test-secret",
            "1700000000",
            r#"{"event":"message_created","id":1}"#
        ),
        "sha256=77a4c9ecab8fe968b13a6cc51d3ddcd4b2d74f50c837661ab5972c9e6791bb15"
    );
}

#[tokio::test]
async fn platform_provisions_accounts_users_and_tokens() {
    let cw = ChatwootFake::start(Seed::empty()).await.unwrap();
    let c = cw.credentials();
    let (s, account) = send(
        &cw,
        reqwest::Method::POST,
        "/platform/api/v1/accounts",
        &c.platform_token,
        json!({"name": "Winkel"}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, user) = send(
        &cw,
        reqwest::Method::POST,
        "/platform/api/v1/users",
        &c.platform_token,
        json!({"name": "Sanne", "email": "sanne@example.nl", "password": "Pw!123456"}),
    )
    .await;
    let user_id = user["id"].as_u64().unwrap();
    let account_id = account["id"].as_u64().unwrap();
    let (_, token) = send(
        &cw,
        reqwest::Method::POST,
        &format!("/platform/api/v1/users/{user_id}/token"),
        &c.platform_token,
        json!({}),
    )
    .await;
    let token = token["access_token"].as_str().unwrap().to_owned();
    // Not a member yet: the account_user step is needed before the user can work in it.
    let (s, _) = send(
        &cw,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/{account_id}/contacts"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(s, 401);
    send(
        &cw,
        reqwest::Method::POST,
        &format!("/platform/api/v1/accounts/{account_id}/account_users"),
        &c.platform_token,
        json!({"user_id": user_id, "role": "administrator"}),
    )
    .await;
    let (s, _) = send(
        &cw,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/{account_id}/contacts"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    // Platform tokens cannot call the Application API; user tokens cannot call the Platform API.
    let (s, e) = send(
        &cw,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/{account_id}/contacts"),
        &c.platform_token,
        json!({}),
    )
    .await;
    assert_eq!(
        (s, e["error"].as_str().unwrap()),
        (401, "Access to this endpoint is not authorized for bots")
    );
    let (s, _) = send(
        &cw,
        reqwest::Method::POST,
        "/platform/api/v1/accounts",
        &token,
        json!({"name": "x"}),
    )
    .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn contacts_labels_and_conversations() {
    let cw = ChatwootFake::start(Seed::orders(20)).await.unwrap();
    let c = cw.credentials();
    let base = format!("/api/v1/accounts/{}", c.account_id);
    let (s, created) = send(&cw, reqwest::Method::POST, &format!("{base}/contacts"), &c.user_token, json!({"name": "Jürgen Müller", "email": "Juergen@Beispiel.de", "inbox_id": c.inbox_id, "custom_attributes": {"ltv": "84.94"}})).await;
    assert_eq!(s, 200);
    let id = created["payload"]["contact"]["id"].as_u64().unwrap();
    assert_eq!(
        created["payload"]["contact_inbox"]["inbox"]["id"],
        c.inbox_id
    );
    let (s, dup) = send(
        &cw,
        reqwest::Method::POST,
        &format!("{base}/contacts"),
        &c.user_token,
        json!({"email": "juergen@beispiel.de"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(dup["attributes"], json!(["email"]));

    let (_, updated) = send(
        &cw,
        reqwest::Method::PUT,
        &format!("{base}/contacts/{id}"),
        &c.user_token,
        json!({"custom_attributes": {"orders": 3}}),
    )
    .await;
    assert_eq!(
        updated["payload"]["custom_attributes"],
        json!({"ltv": "84.94", "orders": 3}),
        "merged, not replaced"
    );

    let (_, labels) = send(
        &cw,
        reqwest::Method::POST,
        &format!("{base}/contacts/{id}/labels"),
        &c.user_token,
        json!({"labels": ["klant", "vip-2026"]}),
    )
    .await;
    assert_eq!(
        labels["payload"],
        json!(["klant"]),
        "unknown label dropped silently"
    );
    assert_eq!(
        cw.entity("contacts", id).unwrap()["labels"],
        json!(["klant"])
    );

    let (s, conv) = send(
        &cw,
        reqwest::Method::POST,
        &format!("{base}/conversations"),
        &c.user_token,
        json!({"inbox_id": c.inbox_id, "contact_id": id}),
    )
    .await;
    assert_eq!(s, 200, "no source_id needed");
    assert!(conv["contact_inbox"]["source_id"].is_string());

    let (_, list) = send(
        &cw,
        reqwest::Method::GET,
        &format!("{base}/contacts"),
        &c.user_token,
        json!({}),
    )
    .await;
    assert!(
        list["payload"].as_array().unwrap().len() <= 15,
        "page size 15"
    );
    assert!(list["meta"]["count"].as_u64().unwrap() >= 1);
    let (_, inboxes) = send(
        &cw,
        reqwest::Method::GET,
        &format!("{base}/inboxes"),
        &c.user_token,
        json!({}),
    )
    .await;
    assert_eq!(inboxes["payload"][0]["channel_type"], "Channel::Api");
}

#[tokio::test]
async fn webhooks_are_signed_and_throttling_has_no_retry_after() {
    let cw = ChatwootFake::start(Seed::empty()).await.unwrap();
    let c = cw.credentials();
    let seen: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>> = Arc::default();
    let s2 = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |h: axum::http::HeaderMap, b: String| {
            let s2 = s2.clone();
            async move {
                s2.lock().unwrap().push((h, b));
                "ok"
            }
        }),
    );
    let rx = sandbox::server::Running::start(app).await.unwrap();
    let base = format!("/api/v1/accounts/{}", c.account_id);
    let (_, hook) = send(&cw, reqwest::Method::POST, &format!("{base}/webhooks"), &c.user_token, json!({"webhook": {"url": format!("{}/hook", rx.base_url()), "subscriptions": ["contact_created"]}})).await;
    let secret = hook["payload"]["webhook"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        &cw,
        reqwest::Method::POST,
        &format!("{base}/contacts"),
        &c.user_token,
        json!({"name": "A <b> & c", "email": "a@example.nl"}),
    )
    .await;
    for _ in 0..50 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    {
        let seen = seen.lock().unwrap();
        let (headers, body) = &seen[0];
        let ts = headers["x-chatwoot-timestamp"].to_str().unwrap();
        let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        m.update(format!("{ts}.{body}").as_bytes());
        assert_eq!(
            headers["x-chatwoot-signature"].to_str().unwrap(),
            format!("sha256={}", hex::encode(m.finalize().into_bytes()))
        );
        assert!(headers.contains_key("x-chatwoot-delivery"));
        assert!(
            body.contains("\\u003cb\\u003e"),
            "Rails escapes < > & in to_json"
        );
        assert_eq!(
            serde_json::from_str::<Value>(body).unwrap()["event"],
            "contact_created"
        );
    }

    cw.set_faults(Faults::throttle_burst(1));
    let r = reqwest::Client::new()
        .get(format!("{}{base}/contacts", cw.base_url()))
        .header("api_access_token", &c.user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(r.text().await.unwrap(), "Retry later\n");
}

#[tokio::test]
async fn contacts_filter_finds_by_email_case_insensitively() {
    let cw = ChatwootFake::start(Seed::empty()).await.unwrap();
    let token = cw.credentials().user_token;
    let (status, _) = send(
        &cw,
        reqwest::Method::POST,
        "/api/v1/accounts/1/contacts",
        &token,
        json!({"name": "Jürgen Müller", "email": "kunde8@beispiel.de"}),
    )
    .await;
    assert_eq!(status, 200);
    let filter = |email: &str| json!({"payload": [{"attribute_key": "email", "filter_operator": "equal_to", "values": [email], "query_operator": null}]});
    let (status, found) = send(
        &cw,
        reqwest::Method::POST,
        "/api/v1/accounts/1/contacts/filter?page=1",
        &token,
        filter("Kunde8@Beispiel.DE"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["meta"]["count"], 1);
    assert_eq!(found["payload"][0]["email"], "kunde8@beispiel.de");
    let (_, none) = send(
        &cw,
        reqwest::Method::POST,
        "/api/v1/accounts/1/contacts/filter",
        &token,
        filter("other@beispiel.de"),
    )
    .await;
    assert_eq!(none["meta"]["count"], 0);
    assert_eq!(none["payload"], json!([]));
}

#[tokio::test]
async fn contacts_answer_in_the_swagger_contact_shape() {
    // Fixture: swagger/definitions/resource/contact.yml (see tests/fixtures/SOURCES.md).
    let documented = common::fixture("chatwoot_contact_swagger.json");
    let shape = common::Shape::new().maps(&[
        "payload[].custom_attributes",
        "payload[].additional_attributes",
        "payload.custom_attributes",
        "payload.additional_attributes",
    ]);
    let cw = ChatwootFake::start(Seed::orders(20)).await.unwrap();
    let c = cw.credentials();
    let base = format!("/api/v1/accounts/{}", c.account_id);
    let (status, created) = send(&cw, reqwest::Method::POST, &format!("{base}/contacts"), &c.user_token, json!({"name": "Fatemeh Ahmadi", "email": "fatemeh@example.ir", "phone_number": "+989121234567", "identifier": "shop-7", "custom_attributes": {"ltv": "84.94"}})).await;
    assert_eq!(status, 200);
    let id = created["payload"]["contact"]["id"].as_u64().unwrap();

    let (_, list) = send(
        &cw,
        reqwest::Method::GET,
        &format!("{base}/contacts"),
        &c.user_token,
        json!({}),
    )
    .await;
    assert!(!list["payload"].as_array().unwrap().is_empty());
    shape.assert_matches("GET /contacts", &documented, &list);

    let (_, one) = send(
        &cw,
        reqwest::Method::GET,
        &format!("{base}/contacts/{id}"),
        &c.user_token,
        json!({}),
    )
    .await;
    let single = json!({"payload": documented["payload"][0]});
    shape.assert_matches("GET /contacts/{id}", &single, &one);
    assert_eq!(one["payload"]["identifier"], "shop-7");
}
