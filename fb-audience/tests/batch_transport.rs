//! How batches travel: removals in the query string (as Meta's Python and Node SDKs send a
//! DELETE) in batches whose URL stays under the limit, and a `usersreplace` batch resent after
//! a timeout with the same session, only while Meta's replace window is open.

use std::time::Duration;

use fb_audience::{Client, Credentials, Error, MAX_REMOVAL_URL_BYTES, Normalizer, sha256_hex};
use serde_json::{Value, json};
use sync_core::http::ClientOptions;
use sync_core::retry::{ExponentialBackoff, Jitter};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "EAAB-test-token-4f2a";
const SECRET: &str = "app-secret-9c1d";

/// Fast retries (5 ms, 3 attempts): what every test client starts from.
fn options() -> ClientOptions {
    ClientOptions::new().retry_policy(
        ExponentialBackoff::default()
            .initial(Duration::from_millis(5))
            .jitter(Jitter::None)
            .max_attempts(3),
    )
}

fn client_with(
    server: &MockServer,
    f: impl FnOnce(fb_audience::ClientBuilder) -> fb_audience::ClientBuilder,
) -> Client {
    f(Client::builder()
        .credentials(Credentials::new(TOKEN.to_string()).with_app_secret(SECRET.to_string()))
        .base_url(server.uri())
        .graph_version("v26.0")
        .options(options()))
    .build()
    .unwrap()
}

fn ok_upload(received: i64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "audience_id": "23850000000001",
        "session_id": "77",
        "num_received": received,
        "num_invalid_entries": 0,
        "invalid_entry_samples": {}
    }))
}

fn emails(n: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| vec![format!("Customer.{i}@Example.com")])
        .collect()
}

/// A query parameter of `r`, parsed as the JSON it holds.
fn query_json(r: &Request, name: &str) -> Value {
    let (_, v) = r
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no `{name}` in the query of {}", r.url));
    serde_json::from_str(&v).unwrap()
}

#[tokio::test]
async fn removal_sends_its_rows_in_the_query_string_under_the_url_limit() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v26.0/23850000000001/users"))
        .respond_with(ok_upload(400))
        .mount(&server)
        .await;
    let report = client_with(&server, |b| b)
        .audience("23850000000001")
        .remove_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(emails(1_000))
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    // About 73 bytes a hashed e-mail once encoded: 1,000 of them need three URLs.
    assert_eq!(requests.len(), 3, "{}", requests.len());
    let mut rows = Vec::new();
    let mut sessions = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        assert_eq!(r.method.as_str(), "DELETE");
        assert!(
            r.body.is_empty(),
            "nothing in the body: Meta reads the query"
        );
        let len = r.url.as_str().len();
        assert!(len <= MAX_REMOVAL_URL_BYTES, "URL of {len} bytes");
        if i + 1 < requests.len() {
            assert!(
                len > MAX_REMOVAL_URL_BYTES - 200,
                "batches are filled: {len}"
            );
        }
        let session = query_json(r, "session");
        let payload = query_json(r, "payload");
        assert_eq!(payload["schema"], json!(["EMAIL"]));
        rows.extend(payload["data"].as_array().unwrap().iter().cloned());
        sessions.push((
            session["session_id"].as_i64().unwrap(),
            session["batch_seq"].as_u64().unwrap(),
            session["last_batch_flag"].as_bool().unwrap(),
        ));
        // The credentials travel as on every call.
        assert!(
            r.url
                .query_pairs()
                .any(|(k, v)| k == "access_token" && v == TOKEN)
        );
    }
    let id = sessions[0].0;
    assert_eq!(sessions, [(id, 1, false), (id, 2, false), (id, 3, true)]);
    // Parsed back, the rows are exactly the people removed, in order.
    let expected: Vec<Value> = (0..1_000)
        .map(|i| json!([sha256_hex(&format!("customer.{i}@example.com"))]))
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(report.rows_sent, 1_000);
    assert_eq!(report.batches, 3);
}

#[tokio::test]
async fn multi_key_removal_stays_under_the_url_limit() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v26.0/777/users"))
        .respond_with(ok_upload(100))
        .mount(&server)
        .await;
    let rows: Vec<Vec<String>> = (0..250)
        .map(|i| {
            vec![
                format!("buyer{i}@shop.example"),
                format!("+1 650 555 {:04}", 1000 + i),
                "Anne-Marie".into(),
                "O'Neill".into(),
                format!("CUST-{i}"),
            ]
        })
        .collect();
    client_with(&server, |b| b)
        .audience("777")
        .remove_users(
            "EMAIL,PHONE,FN,LN,EXTERN_ID".parse().unwrap(),
            Normalizer::default(),
        )
        .run(rows)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests.len() >= 3, "{}", requests.len());
    let mut sent = 0;
    for r in &requests {
        assert!(r.url.as_str().len() <= MAX_REMOVAL_URL_BYTES);
        let data = query_json(r, "payload")["data"].as_array().unwrap().clone();
        assert_eq!(data[0].as_array().unwrap().len(), 5);
        sent += data.len();
    }
    assert_eq!(sent, 250);
    assert_eq!(
        query_json(&requests[0], "payload")["data"][0][4],
        "CUST-0",
        "EXTERN_ID is sent as given"
    );
}

/// Answers the first request only after the client gave up on it, then `then`.
async fn first_attempt_times_out(server: &MockServer, then: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v26.0/777/usersreplace"))
        .respond_with(ok_upload(3).set_delay(Duration::from_secs(2)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/usersreplace"))
        .respond_with(then)
        .mount(server)
        .await;
}

#[tokio::test]
async fn replace_batch_resent_after_a_timeout_carries_the_same_session() {
    let server = MockServer::start().await;
    first_attempt_times_out(&server, ok_upload(3)).await;
    let report = client_with(&server, |b| {
        b.options(options().attempt_timeout(Duration::from_millis(200)))
    })
    .audience("777")
    .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
    .session_id(4_242)
    .run(emails(3))
    .await
    .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let first: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let second: Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(
        first["session"],
        json!({"session_id": 4242, "batch_seq": 1, "last_batch_flag": true})
    );
    // Same session id, batch_seq, last_batch_flag and rows: Meta sees one batch twice, not a
    // second replace.
    assert_eq!(first, second);
    assert_eq!(report.batches, 1);
    assert_eq!(report.rows_sent, 3);
}

#[tokio::test]
async fn replace_batch_is_not_resent_once_the_window_has_closed() {
    let server = MockServer::start().await;
    first_attempt_times_out(&server, ok_upload(3)).await;
    // The attempt times out after 200 ms, past the 150 ms window: Meta would discard a resend.
    let err = client_with(&server, |b| {
        b.options(options().attempt_timeout(Duration::from_millis(200)))
            .replace_window(Duration::from_millis(150))
    })
    .audience("777")
    .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
    .run(emails(3))
    .await
    .unwrap_err();
    match &err {
        Error::ReplaceResendTooLate {
            batch_seq, source, ..
        } => {
            assert_eq!(*batch_seq, 1);
            assert!(matches!(**source, Error::Http(_)), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn resent_last_batch_that_finds_its_session_finished_is_done() {
    let server = MockServer::start().await;
    let finished: Value =
        serde_json::from_str(include_str!("fixtures/error_replace_finished.json")).unwrap();
    first_attempt_times_out(&server, ResponseTemplate::new(400).set_body_json(finished)).await;
    // The first attempt reached Meta and finished the session; only its answer was lost.
    let report = client_with(&server, |b| {
        b.options(options().attempt_timeout(Duration::from_millis(200)))
    })
    .audience("777")
    .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
    .run(emails(3))
    .await
    .unwrap();
    assert_eq!(report.batches, 1);
    assert_eq!(report.rows_sent, 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_finished_session_on_the_first_attempt_is_still_an_error() {
    let server = MockServer::start().await;
    let finished: Value =
        serde_json::from_str(include_str!("fixtures/error_replace_finished.json")).unwrap();
    Mock::given(method("POST"))
        .and(path("/v26.0/777/usersreplace"))
        .respond_with(ResponseTemplate::new(400).set_body_json(finished))
        .mount(&server)
        .await;
    let err = client_with(&server, |b| b)
        .audience("777")
        .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(emails(3))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ReplaceSession {
                failure: fb_audience::ReplaceFailure::AlreadyFinished,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_failed_removal_does_not_print_its_rows() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v26.0/777/users"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&server)
        .await;
    let err = client_with(&server, |b| b)
        .audience("777")
        .remove_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(emails(300))
        .await
        .unwrap_err();
    // The error names the request, not the 20 KB of hashed e-mails in its query string.
    let shown = format!("{err} {err:?}");
    assert!(shown.len() < 2_000, "{} bytes: {shown}", shown.len());
    assert!(
        !shown.contains(&sha256_hex("customer.0@example.com")),
        "{shown}"
    );
    assert!(shown.contains("502"), "{shown}");
}
