//! Labels: Chatwoot drops titles that are not defined in the account (`LabelConcern`), so the
//! client creates missing labels before assigning them, or reports them.

mod common;

use chatwoot_client::Error;
use common::*;
use serde_json::{Value, json};
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `GET /labels` as Chatwoot renders it (`labels/index.json.jbuilder`).
async fn account_labels(server: &MockServer, titles: &[&str]) {
    let payload: Vec<Value> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"id": i + 1, "title": t, "description": null, "color": "#1f93ff",
                   "show_on_sidebar": true})
        })
        .collect();
    Mock::given(method("GET"))
        .and(path(app_path("labels")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "payload": payload })))
        .mount(server)
        .await;
}

/// (method, path) of every request the server saw, in order.
async fn seen(server: &MockServer) -> Vec<(String, String)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_string()))
        .collect()
}

fn position(seen: &[(String, String)], method: &str, path: &str) -> usize {
    seen.iter()
        .position(|(m, p)| m == method && p == path)
        .unwrap_or_else(|| panic!("no {method} {path} in {seen:?}"))
}

#[tokio::test]
async fn a_missing_label_is_created_before_the_conversation_is_labelled() {
    let server = MockServer::start().await;
    account_labels(&server, &["shipping"]).await;
    Mock::given(method("POST"))
        .and(path(app_path("labels")))
        // Lower case: Chatwoot stores titles lowercased and matches them exactly.
        .and(body_json(json!({"label": {"title": "vip"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 9, "title": "vip", "description": null, "color": "#1f93ff", "show_on_sidebar": null
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/labels")))
        .and(body_json(json!({"labels": ["shipping", "vip"]})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"payload": ["shipping", "vip"]})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let labels = app(&server)
        .conversations()
        .set_labels(12, &["shipping", "VIP"])
        .await
        .unwrap();
    assert_eq!(labels, ["shipping", "vip"]);
    let seen = seen(&server).await;
    assert!(
        position(&seen, "POST", &app_path("labels"))
            < position(&seen, "POST", &app_path("conversations/12/labels")),
        "the label must exist before it is assigned: {seen:?}"
    );
}

#[tokio::test]
async fn adding_labels_to_a_contact_creates_the_missing_ones_first() {
    let server = MockServer::start().await;
    account_labels(&server, &["newsletter"]).await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/7/labels")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": ["newsletter"]})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("labels")))
        .and(body_json(json!({"label": {"title": "repeat-buyer"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 4, "title": "repeat-buyer", "description": null, "color": "#1f93ff", "show_on_sidebar": null
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts/7/labels")))
        .and(body_json(json!({"labels": ["newsletter", "repeat-buyer"]})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"payload": ["newsletter", "repeat-buyer"]})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let labels = app(&server)
        .contacts()
        .add_labels(7, &["Repeat-Buyer"])
        .await
        .unwrap();
    assert_eq!(labels, ["newsletter", "repeat-buyer"]);
    let seen = seen(&server).await;
    assert!(
        position(&seen, "POST", &app_path("labels"))
            < position(&seen, "POST", &app_path("contacts/7/labels")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn labels_the_token_may_not_create_are_reported_and_nothing_is_assigned() {
    let server = MockServer::start().await;
    account_labels(&server, &["shipping"]).await;
    // An agent without the labels permission (LabelPolicy#create?).
    Mock::given(method("POST"))
        .and(path(app_path("labels")))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "You are not authorized to do this action"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/labels")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": ["shipping"]})))
        .expect(0)
        .mount(&server)
        .await;

    let err = app(&server)
        .conversations()
        .set_labels(12, &["shipping", "vip", "gold-tier"])
        .await
        .unwrap_err();
    let Error::MissingLabels { labels, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(labels, &["vip", "gold-tier"]);
    assert_eq!(
        source.as_ref().and_then(|e| e.status()).map(|s| s.as_u16()),
        Some(401)
    );
    let text = err.to_string();
    assert!(text.contains("vip, gold-tier"), "{text}");
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
}

#[tokio::test]
async fn a_label_chatwoot_left_out_of_the_assignment_is_reported() {
    let server = MockServer::start().await;
    account_labels(&server, &["shipping", "vip"]).await;
    // Deleted between the check and the assignment: Chatwoot keeps only "shipping".
    Mock::given(method("POST"))
        .and(path(app_path("conversations/12/labels")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": ["shipping"]})))
        .mount(&server)
        .await;
    let err = app(&server)
        .conversations()
        .set_labels(12, &["shipping", "vip"])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingLabels { labels, source: None } if labels == &["vip"]),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_title_chatwoot_would_refuse_is_refused_before_any_write() {
    let server = MockServer::start().await;
    account_labels(&server, &["shipping"]).await;
    let err = app(&server)
        .conversations()
        .set_labels(12, &["shipping", "needs review"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("needs review"), "{err}");
    let writes: Vec<_> = seen(&server)
        .await
        .into_iter()
        .filter(|(method, _)| method == "POST")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}
