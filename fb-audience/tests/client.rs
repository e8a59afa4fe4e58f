//! The client against a local wiremock Graph API: audience CRUD, batching and sessions,
//! replace windows, throttling waits, permanent errors and secrets.
//!
//! Response bodies follow the shapes in Meta's public reference (Custom Audience `users` /
//! `usersreplace` responses, the Graph error envelope); see tests/fixtures/README.md.

use std::time::{Duration, Instant};

use fb_audience::{
    Client, CountryCode, Credentials, CustomerFileSource, Error, NewAudience, Normalizer,
    ReplaceFailure, UploadMode, appsecret_proof,
};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use sync_core::http::ClientOptions;
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "EAAB-test-token-4f2a";
const SECRET: &str = "app-secret-9c1d";

fn client(server: &MockServer) -> Client {
    client_with(server, |b| b)
}

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

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
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

/// Each request's batch as JSON: the body of an add or replace; for a removal, its `session`
/// and `payload` query parameters, each parsed as the JSON it holds.
fn bodies(requests: &[Request]) -> Vec<Value> {
    requests.iter().map(body_json).collect()
}

fn body_json(r: &Request) -> Value {
    if r.method.as_str() != "DELETE" {
        return serde_json::from_slice(&r.body).unwrap();
    }
    r.url
        .query_pairs()
        .filter(|(k, _)| k == "session" || k == "payload")
        .map(|(k, v)| (k.into_owned(), serde_json::from_str(&v).unwrap()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn emails(n: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| vec![format!("Person.{i}@Example.com ")])
        .collect()
}

#[tokio::test]
async fn audience_crud_with_appsecret_proof_and_version() {
    let server = MockServer::start().await;
    let proof = appsecret_proof(SECRET, TOKEN);
    Mock::given(method("POST"))
        .and(path("/v26.0/act_1234/customaudiences"))
        .and(query_param("access_token", TOKEN))
        .and(query_param("appsecret_proof", proof.as_str()))
        .and(body_partial_json(json!({
            "name": "Shop customers",
            "subtype": "CUSTOM",
            "customer_file_source": "USER_PROVIDED_ONLY"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "23850000000001"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v26.0/23850000000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("audience.json")))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v26.0/23850000000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .mount(&server)
        .await;
    // Two pages: the first has a `next` link, the second has cursors but no `next`.
    Mock::given(method("GET"))
        .and(path("/v26.0/act_1234/customaudiences"))
        .and(query_param("after", "CURSOR1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "3", "name": "c"}],
            "paging": {"cursors": {"before": "B2", "after": "CURSOR2"}}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v26.0/act_1234/customaudiences"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}],
            "paging": {"cursors": {"before": "B1", "after": "CURSOR1"},
                       "next": "https://graph.facebook.com/v26.0/act_1234/customaudiences?after=CURSOR1"}
        })))
        .with_priority(10)
        .mount(&server)
        .await;

    let c = client(&server);
    let account = c.ad_account("1234");
    let id = account
        .create_audience(&NewAudience::new(
            "Shop customers",
            CustomerFileSource::UserProvidedOnly,
        ))
        .await
        .unwrap();
    assert_eq!(id, "23850000000001");

    let audience = c.audience(&id).get().await.unwrap();
    assert_eq!(audience.name.as_deref(), Some("Shop customers"));
    assert_eq!(audience.approximate_count_lower_bound, Some(1000));
    assert!(audience.time_created.is_some());
    // Unknown fields survive a round trip.
    assert!(audience.extra.contains_key("retention_days"));
    let again: fb_audience::CustomAudience =
        serde_json::from_value(serde_json::to_value(&audience).unwrap()).unwrap();
    assert_eq!(again, audience);

    let page = account.audiences_page(2, None).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next_cursor.as_deref(), Some("CURSOR1"));
    let all: Vec<_> = account.audiences().try_collect().await.unwrap();
    let ids: Vec<_> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);

    assert!(c.audience(&id).delete().await.unwrap());
}

#[tokio::test]
async fn batches_of_ten_thousand_in_one_session() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/users"))
        .respond_with(ok_upload(10_000))
        .mount(&server)
        .await;
    let c = client(&server);
    let report = c
        .audience("777")
        .add_users("EMAIL".parse().unwrap(), Normalizer::default())
        .session_id(4242)
        .estimated_total(25_000)
        .run(emails(25_000))
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let bodies = bodies(&requests);
    assert_eq!(bodies.len(), 3);
    let sizes: Vec<usize> = bodies
        .iter()
        .map(|b| b["payload"]["data"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [10_000, 10_000, 5_000]);
    for (i, b) in bodies.iter().enumerate() {
        let s = &b["session"];
        assert_eq!(s["session_id"], 4242);
        assert_eq!(s["batch_seq"], i as u64 + 1, "batch_seq starts at 1");
        assert_eq!(s["last_batch_flag"], i == 2);
        assert_eq!(s["estimated_num_total"], 25_000);
        assert_eq!(b["payload"]["schema"], json!(["EMAIL"]));
    }
    // The first row, normalized and hashed.
    assert_eq!(
        bodies[0]["payload"]["data"][0][0],
        fb_audience::sha256_hex("person.0@example.com")
    );
    assert_eq!(report.batches, 3);
    assert_eq!(report.rows_sent, 25_000);
    assert_eq!(report.mode, UploadMode::Add);
    assert_eq!(report.num_received, 10_000);
}

#[tokio::test]
async fn rejected_values_are_never_hashed_and_are_reported() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v26.0/777/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audience_id": "777", "session_id": 9, "num_received": 2,
            "num_invalid_entries": 1, "invalid_entry_samples": ["abc"]
        })))
        .mount(&server)
        .await;
    let normalizer = Normalizer::builder()
        .default_country(CountryCode::US)
        .build();
    let rows = vec![
        vec!["mary@example.com", "(650)555-1212", "United States"],
        vec!["not an email", "", "Atlantis"],
        vec!["", "nonsense", "us"],
        vec!["ann@example.com", "", "UK"],
    ];
    let report = client(&server)
        .audience("777")
        .remove_users("EMAIL,PHONE,COUNTRY".parse().unwrap(), normalizer)
        .run(rows)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    // Removal as Meta's Python and Node SDKs send it: DELETE, parameters in the query string.
    assert!(requests[0].body.is_empty());
    let params: Vec<String> = requests[0]
        .url
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    assert_eq!(
        params,
        ["session", "payload", "access_token", "appsecret_proof"]
    );
    let body = &bodies(&requests)[0];
    assert_eq!(body["session"]["batch_seq"], 1);
    let data = body["payload"]["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "rows 2 and 3 have nothing identifying left");
    assert_eq!(
        data[0],
        json!([
            "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79",
            "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
            "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"
        ])
    );
    // An empty phone stays empty: never sha256("").
    assert_eq!(data[1][1], "");
    assert_eq!(report.rows_read, 4);
    assert_eq!(report.rows_skipped, 2);
    assert_eq!(report.num_invalid_entries, 1);
    assert_eq!(report.invalid_entry_samples[0].value, "abc");
    let counts = &report.rejections.counts;
    assert_eq!(counts[&(fb_audience::SchemaKey::Email, "invalid_email")], 1);
    assert_eq!(
        counts[&(fb_audience::SchemaKey::Country, "unknown_country")],
        1
    );
    assert_eq!(
        counts[&(fb_audience::SchemaKey::Phone, "phone_not_a_number")],
        1
    );
    let rows: Vec<u64> = report.rejections.samples.iter().map(|s| s.row).collect();
    assert_eq!(rows, [2, 3]);
}

#[tokio::test]
async fn replace_session_sequencing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/usersreplace"))
        .respond_with(ok_upload(3))
        .mount(&server)
        .await;
    let report = client(&server)
        .audience("777")
        .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
        .batch_size(2)
        .run(emails(5))
        .await
        .unwrap();
    let bodies = bodies(&server.received_requests().await.unwrap());
    let seqs: Vec<(u64, bool)> = bodies
        .iter()
        .map(|b| {
            (
                b["session"]["batch_seq"].as_u64().unwrap(),
                b["session"]["last_batch_flag"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(seqs, [(1, false), (2, false), (3, true)]);
    let ids: Vec<&Value> = bodies.iter().map(|b| &b["session"]["session_id"]).collect();
    assert!(
        ids.iter()
            .all(|id| *id == ids[0] && id.as_i64().unwrap() > 0)
    );
    assert_eq!(report.batches, 3);
}

#[tokio::test]
async fn replace_with_nothing_usable_sends_nothing() {
    let server = MockServer::start().await;
    let err = client(&server)
        .audience("777")
        .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run([["broken"], [""]])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NothingToUpload { rows: 2 }), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn replace_timed_out_on_metas_side_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/usersreplace"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(fixture("error_replace_timeout.json")),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .audience("777")
        .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(emails(3))
        .await
        .unwrap_err();
    match &err {
        Error::ReplaceSession {
            failure, batch_seq, ..
        } => {
            assert_eq!(*failure, ReplaceFailure::TimedOut);
            assert_eq!(*batch_seq, 1);
        }
        other => panic!("{other:?}"),
    }
    // Start over later: the engine retries the run, not the request.
    assert_eq!(err.verdict(), Verdict::Retry { after: None });
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn replace_window_stops_before_a_batch_meta_would_discard() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/usersreplace"))
        .respond_with(ok_upload(2).set_delay(Duration::from_millis(250)))
        .mount(&server)
        .await;
    let c = client_with(&server, |b| b.replace_window(Duration::from_millis(200)));
    let err = c
        .audience("777")
        .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
        .batch_size(2)
        .run(emails(5))
        .await
        .unwrap_err();
    match err {
        Error::ReplaceWindowExpired {
            batch_seq, elapsed, ..
        } => {
            assert_eq!(batch_seq, 2);
            assert!(elapsed >= Duration::from_millis(200));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn throttling_waits_for_the_announced_time_then_succeeds() {
    let server = MockServer::start().await;
    // Meta says: come back in 1 minute. The client caps waits at 300 ms for this test.
    let buc = r#"{"1234":[{"type":"custom_audience","call_count":100,"total_cputime":20,"total_time":35,"estimated_time_to_regain_access":1}]}"#;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/users"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-business-use-case-usage", buc)
                .set_body_json(fixture("error_throttled.json")),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/users"))
        .respond_with(ok_upload(1))
        .with_priority(2)
        .mount(&server)
        .await;
    let c = client_with(&server, |b| {
        b.options(options().max_server_wait(Duration::from_millis(300)))
    });
    let started = Instant::now();
    let report = c
        .audience("777")
        .add_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(emails(1))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(report.rows_sent, 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(
        elapsed >= Duration::from_millis(300),
        "waited only {elapsed:?}; the policy's own step is 5 ms"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn permanent_error_is_not_retried_and_leaks_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/users"))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("graph_error_docs.json")))
        .mount(&server)
        .await;
    let err = client(&server)
        .audience("777")
        .add_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(emails(1))
        .await
        .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    let graph = err.graph().unwrap();
    assert_eq!((graph.code, graph.error_subcode), (190, Some(460)));
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains(&appsecret_proof(SECRET, TOKEN)), "{text}");
    }
    assert!(err.to_string().contains("issue a new"), "{err}");
}

#[tokio::test]
async fn transport_errors_do_not_leak_the_token_either() {
    // Nothing listens on this port: the error carries the redacted URL.
    let c = Client::builder()
        .credentials(Credentials::new(TOKEN.to_string()).with_app_secret(SECRET.to_string()))
        .base_url("http://127.0.0.1:9")
        .options(ClientOptions::new().retry_policy(ExponentialBackoff::default().max_attempts(1)))
        .build()
        .unwrap();
    let err = c.audience("777").get().await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), format!("{c:?}")] {
        assert!(!text.contains(TOKEN) && !text.contains(SECRET), "{text}");
    }
    assert!(err.verdict().is_retryable());
}

#[tokio::test]
async fn server_errors_without_envelope_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "777"})))
        .with_priority(2)
        .mount(&server)
        .await;
    let a = client(&server).audience("777").get().await.unwrap();
    assert_eq!(a.id, "777");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[test]
fn bad_configuration_is_explained() {
    let err = Client::builder()
        .credentials(Credentials::new(TOKEN.to_string()))
        .graph_version("25")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("vNN.N"), "{err}");
    assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
}

#[tokio::test]
async fn batches_leave_as_rows_arrive_from_a_stream() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v26.0/777/users"))
        .respond_with(ok_upload(5))
        .mount(&server)
        .await;
    let c = client(&server);
    let upload = || {
        c.audience("777")
            .add_users("EMAIL".parse().unwrap(), Normalizer::default())
            .batch_size(5)
    };
    // Push by push: a full batch waits until the next row shows it is not the last one, then
    // leaves; at most one batch is ever held.
    let mut session = upload().start();
    for row in emails(5) {
        session.push(&row).await.unwrap();
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    session.push(&["sixth@example.com"]).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let report = session.finish().await.unwrap();
    assert_eq!((report.batches, report.rows_sent), (2, 6));

    // The same from a stream.
    let stream = futures_util::stream::iter(emails(12));
    let report = upload().run_stream(stream).await.unwrap();
    assert_eq!((report.batches, report.rows_sent), (3, 12));
    let bodies = bodies(&server.received_requests().await.unwrap());
    let last: Vec<bool> = bodies[2..]
        .iter()
        .map(|b| b["session"]["last_batch_flag"].as_bool().unwrap())
        .collect();
    assert_eq!(last, [false, false, true]);
}

#[tokio::test]
async fn errors_answer_the_kit_questions() {
    use sync_core::http::{ClientError, ErrorKind};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v26.0/190"))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("graph_error_docs.json")))
        .mount(&server)
        .await;
    // `id` must be a string: a 2xx of another shape.
    Mock::given(method("GET"))
        .and(path("/v26.0/shape"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 777})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v26.0/503"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let c = client(&server);

    let token = c.audience("190").get().await.unwrap_err();
    assert!(matches!(token, Error::Api { .. }), "{token:?}");
    assert_eq!(token.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(token.kind(), ErrorKind::Auth);
    assert_eq!(token.vendor_body().map(|g| g.code), Some(190));

    let shape = c.audience("shape").get().await.unwrap_err();
    assert_eq!(shape.kind(), ErrorKind::Decode);
    assert_eq!(shape.decode_path(), Some("id"));
    assert_eq!(shape.verdict(), Verdict::Permanent(PermanentKind::Server));

    // A 503 without a Graph envelope: Meta unavailable, retried; never "rate limit".
    let down = c.audience("503").get().await.unwrap_err();
    assert!(matches!(down, Error::Http(_)), "{down:?}");
    assert_eq!(down.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(down.kind(), ErrorKind::Server);
    assert!(down.verdict().is_retryable());
    assert!(
        down.to_string().contains(ErrorKind::Server.hint()),
        "{down}"
    );
    assert!(!down.to_string().contains("rate limit"), "{down}");
}

#[tokio::test]
async fn a_server_that_ignores_the_cursor_does_not_page_forever() {
    let server = MockServer::start().await;
    // Every request answers page 1 with a `next` link, whatever `after` says.
    Mock::given(method("GET"))
        .and(path("/v26.0/act_1234/customaudiences"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}],
            "paging": {"cursors": {"before": "B1", "after": "CURSOR1"},
                       "next": "https://graph.facebook.com/v26.0/act_1234/customaudiences?after=CURSOR1"}
        })))
        .mount(&server)
        .await;
    let all: Vec<_> = tokio::time::timeout(
        Duration::from_secs(10),
        client(&server)
            .ad_account("1234")
            .audiences()
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("paging ends")
    .unwrap();
    let ids: Vec<_> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
