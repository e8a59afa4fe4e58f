//! The Meta Graph fake: appsecret_proof, audience uploads with sessions, usersreplace rules,
//! Graph error envelopes and throttling codes.

mod common;

use hmac::{Hmac, Mac};
use sandbox::Faults;
use sandbox::meta::{MetaFake, MetaOptions};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Computed here independently: hex HMAC-SHA256, key = app secret, message = token.
fn proof(token: &str, secret: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(token.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

#[test]
fn appsecret_proof_matches_the_sdk_test_vector() {
    // facebook-python-business-sdk serverside/tests/util_test.py inputs, value recomputed.
    assert_eq!(
        sandbox::meta::appsecret_proof("access-token-234", "appsecret-123"),
        "cdfcbc87edc90f8123cd3797a0d6f6f7eedf63d97038a15d1693d297f653d7f2"
    );
}

async fn call(meta: &MetaFake, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    let c = meta.credentials();
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", meta.graph_url()))
        .query(&[
            ("access_token", c.access_token.as_str()),
            (
                "appsecret_proof",
                proof(&c.access_token, &c.app_secret).as_str(),
            ),
        ])
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn appsecret_proof_is_required_and_checked() {
    let meta = MetaFake::start().await.unwrap();
    let c = meta.credentials();
    let url = format!("{}/{}", meta.graph_url(), c.audience_id);
    let missing: Value = reqwest::Client::new()
        .get(&url)
        .query(&[("access_token", &c.access_token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(missing["error"]["code"], 100);
    assert_eq!(
        missing["error"]["message"],
        "API calls from the server require an appsecret_proof argument"
    );
    let wrong: Value = reqwest::Client::new()
        .get(&url)
        .query(&[
            ("access_token", c.access_token.as_str()),
            (
                "appsecret_proof",
                proof(&c.access_token, "not-the-secret").as_str(),
            ),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        wrong["error"]["message"],
        "Invalid appsecret_proof provided in the API argument"
    );
    assert_eq!(wrong["error"]["type"], "GraphMethodException");
    let (status, ok) = call(
        &meta,
        reqwest::Method::GET,
        &format!("/{}", c.audience_id),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(ok["id"], c.audience_id.as_str());
    let bad_token: Value = reqwest::Client::new()
        .get(&url)
        .query(&[("access_token", "nope")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bad_token["error"]["code"], 190);

    let relaxed = MetaFake::start_with(MetaOptions {
        require_appsecret_proof: false,
        ..MetaOptions::default()
    })
    .await
    .unwrap();
    let c = relaxed.credentials();
    let r = reqwest::Client::new()
        .get(format!("{}/{}", relaxed.graph_url(), c.audience_id))
        .query(&[("access_token", &c.access_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn users_add_and_remove_with_sessions_and_invalid_entries() {
    let meta = MetaFake::start().await.unwrap();
    let id = meta.credentials().audience_id;
    let payload = json!({"schema": ["EMAIL", "FN"], "data": [[sha("jan@example.nl"), sha("jan")], [sha("mia@beispiel.de"), sha("mia")], ["not-hashed@example.nl", sha("x")]]});
    let (status, r) = call(&meta, reqwest::Method::POST, &format!("/{id}/users"), json!({"payload": payload, "session": {"session_id": 9001, "batch_seq": 1, "last_batch_flag": false}})).await;
    assert_eq!(status, 200);
    assert_eq!(r["num_received"], 3);
    assert_eq!(r["num_invalid_entries"], 1);
    assert_eq!(r["session_id"], "9001");
    let more = json!({"schema": "EMAIL_SHA256", "data": [sha("femke@example.nl")]});
    let (_, r) = call(&meta, reqwest::Method::POST, &format!("/{id}/users"), json!({"payload": more, "session": {"session_id": 9001, "batch_seq": 2, "last_batch_flag": true}})).await;
    assert_eq!(r["num_received"], 4, "counted over the session");
    assert_eq!(meta.members(&id).len(), 3);
    let remove = json!({"schema": "EMAIL_SHA256", "data": [sha("femke@example.nl")]});
    let (status, _) = call(
        &meta,
        reqwest::Method::DELETE,
        &format!("/{id}/users"),
        json!({"payload": remove}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(meta.members(&id).len(), 2);
}

#[tokio::test]
async fn users_accepts_the_multipart_form_of_metas_example() {
    let meta = MetaFake::start().await.unwrap();
    let c = meta.credentials();
    // What `curl -F` sends, written out by hand.
    let boundary = "------------------------sandbox0123";
    let field = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let body = [
        field(
            "payload",
            &json!({"schema": "EMAIL_SHA256", "data": [sha("a@b.nl")]}).to_string(),
        ),
        field("access_token", &c.access_token),
        field("appsecret_proof", &proof(&c.access_token, &c.app_secret)),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    let r = reqwest::Client::new()
        .delete(format!("{}/{}/users", meta.graph_url(), c.audience_id))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["num_received"], 1);
}

#[tokio::test]
async fn usersreplace_sessions_follow_metas_rules() {
    let meta = MetaFake::start().await.unwrap();
    let id = meta.credentials().audience_id;
    let batch = |rows: Vec<&str>, seq: u64, last: bool| json!({"payload": {"schema": "EMAIL_SHA256", "data": rows.iter().map(|r| sha(r)).collect::<Vec<_>>()}, "session": {"session_id": 77, "batch_seq": seq, "last_batch_flag": last}});
    call(
        &meta,
        reqwest::Method::POST,
        &format!("/{id}/users"),
        json!({"payload": {"schema": "EMAIL_SHA256", "data": [sha("old@example.nl")]}}),
    )
    .await;
    let (status, r) = call(
        &meta,
        reqwest::Method::POST,
        &format!("/{id}/usersreplace"),
        batch(vec!["a@x.nl"], 2, false),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(r["error"]["code"], 2650);
    assert_eq!(
        r["error"]["error_subcode"], 1_870_147,
        "the first batch must be batch_seq 1"
    );
    call(
        &meta,
        reqwest::Method::POST,
        &format!("/{id}/usersreplace"),
        batch(vec!["a@x.nl", "b@x.nl"], 1, false),
    )
    .await;
    assert_eq!(
        meta.members(&id).len(),
        1,
        "nothing replaced before the last batch"
    );
    let (_, r) = call(
        &meta,
        reqwest::Method::POST,
        &format!("/{id}/usersreplace"),
        batch(vec!["c@x.nl"], 2, true),
    )
    .await;
    assert_eq!(r["num_received"], 3);
    let members = meta.members(&id);
    assert_eq!(members.len(), 3);
    assert!(!members.contains(&sha("old@example.nl")), "replaced");
    let (_, r) = call(
        &meta,
        reqwest::Method::POST,
        &format!("/{id}/usersreplace"),
        batch(vec!["d@x.nl"], 3, true),
    )
    .await;
    assert_eq!(
        r["error"]["error_subcode"], 1_870_159,
        "session already finished"
    );
}

#[tokio::test]
async fn throttling_uses_graph_codes_and_business_usage_header() {
    let meta = MetaFake::start().await.unwrap();
    meta.set_faults(Faults::throttle_burst(5));
    let c = meta.credentials();
    let mut codes = Vec::new();
    for _ in 0..5 {
        let r = reqwest::Client::new()
            .get(format!("{}/{}", meta.graph_url(), c.audience_id))
            .query(&[("access_token", &c.access_token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.headers().contains_key("x-business-use-case-usage"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["is_transient"], true);
        codes.push(body["error"]["code"].as_u64().unwrap());
    }
    codes.sort();
    assert_eq!(codes, vec![4, 17, 32, 613, 80003]);
}

#[tokio::test]
async fn answers_match_metas_documented_shapes() {
    let meta = MetaFake::start().await.unwrap();
    let id = meta.credentials().audience_id;

    // GET /{audience_id}: the Custom Audience reference's fields and types.
    let (status, audience) = call(&meta, reqwest::Method::GET, &format!("/{id}"), json!({})).await;
    assert_eq!(status, 200);
    common::Shape::new().assert_matches(
        "custom audience read",
        &common::fixture("meta_custom_audience.json"),
        &audience,
    );

    // POST /{audience_id}/users: the reference's return struct (ids as numeric strings).
    let payload =
        json!({"schema": "EMAIL_SHA256", "data": [sha("jan@example.nl"), "not-hashed@example.nl"]});
    let (status, added) = call(&meta, reqwest::Method::POST, &format!("/{id}/users"), json!({"payload": payload, "session": {"session_id": 9001, "batch_seq": 1, "last_batch_flag": true}})).await;
    assert_eq!(status, 200);
    common::Shape::new()
        .maps(&["invalid_entry_samples"])
        .assert_matches(
            "POST /{id}/users",
            &common::fixture("meta_users_response.json"),
            &added,
        );
    assert_eq!(added["num_invalid_entries"], 1);

    // Graph error envelope (graph-api/guides/error-handling). The user-facing title and message
    // are only there when Meta has one to show; error_subcode "does not always appear".
    let envelope = common::fixture("meta_graph_error_docs.json");
    let error_shape =
        common::Shape::new().optional(&["error.error_user_title", "error.error_user_msg"]);
    let (status, missing) = call(&meta, reqwest::Method::GET, "/999999999", json!({})).await;
    assert_eq!(status, 400);
    error_shape.assert_matches("unknown object error", &envelope, &missing);
    assert_eq!(missing["error"]["error_subcode"], 33);
    let unsigned: Value = reqwest::Client::new()
        .get(format!("{}/{id}", meta.graph_url()))
        .query(&[("access_token", meta.credentials().access_token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    error_shape
        .optional(&["error.error_subcode"])
        .assert_matches("missing appsecret_proof error", &envelope, &unsigned);
}
