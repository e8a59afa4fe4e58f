//! Canary (issue 10 §1): no Meta credential — access token, app secret, `appsecret_proof`, or
//! a password in a base URL — reaches an error's `Display` or `Debug`, a log line, a sink's
//! per-record reason or a dead letter, whatever the server echoes back; and the check sees the
//! leaks when redaction is switched off.
//!
//! One test function: the redaction switch is process-global.

use std::sync::Arc;
use std::time::Duration;

use fb_audience::{
    AudienceChange, AudienceSink, Client, Credentials, CustomerFileSource, NewAudience, Normalizer,
    appsecret_proof,
};
use serde::Serialize;
use serde_json::json;
use sync_core::http::ClientOptions;
use sync_core::redact::set_enabled_for_canary_tests;
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::{DeadLetterQuery, MemoryDeadLetters, MemoryWatermarks};
use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
use sync_core::{DeadLetterStore, Pipeline, Sink, SinkRecord, SourceOrder, SourceRecord};
use sync_core::{StreamKey, VecSource};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A system-user access token has this shape.
const TOKEN: &str = "EAAGm0PX4ZCpsBAKcanaryZBq7ZCtokenZB9xQZDZD0a1b2c3d4e5f6";
const APP_SECRET: &str = "3f9c2e7a1b5d4c8e9f0a1b2c3d4e5f6a";
/// The password of a base URL that (wrongly) carries user-info.
const URL_PASSWORD: &str = "proxy-canary-pass-Q7w2";

/// The two ways a client authenticates: a token alone, or with `appsecret_proof`.
fn credentials(with_secret: bool) -> Credentials {
    let c = Credentials::new(TOKEN.to_string());
    if with_secret {
        c.with_app_secret(APP_SECRET.to_string())
    } else {
        c
    }
}

fn client(server: &MockServer, with_secret: bool) -> Client {
    Client::builder()
        .credentials(credentials(with_secret))
        .base_url(server.uri())
        .options(
            ClientOptions::new()
                .retry_policy(
                    ExponentialBackoff::default()
                        .initial(Duration::from_millis(2))
                        .jitter(Jitter::None)
                        .max_attempts(2),
                )
                .max_server_wait(Duration::from_millis(10)),
        )
        .build()
        .expect("client builds")
}

/// A Graph error envelope whose texts echo the request, credentials included.
fn graph_echo(status: u16, code: i64) -> impl Fn(&Request) -> ResponseTemplate {
    move |req: &Request| {
        let token = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        ResponseTemplate::new(status).set_body_json(json!({"error": {
            "message": format!("(#{code}) Invalid request {} {}", req.method, req.url),
            "type": "OAuthException",
            "code": code,
            "error_user_title": format!("Token {token} rejected"),
            "error_user_msg": format!("The session for {token} is invalid"),
            "error_data": {"access_token": token, "url": req.url.to_string()},
            "fbtrace_id": "AbCcanary"
        }}))
    }
}

#[derive(Debug, Clone, Serialize)]
struct Customer {
    email: String,
    subscribed: bool,
}

fn customers() -> Vec<SourceRecord<Customer, u64>> {
    [("ada@example.com", true), ("left@example.com", false)]
        .into_iter()
        .enumerate()
        .map(|(i, (email, subscribed))| SourceRecord {
            key: format!("customer-{i}"),
            cursor: i as u64,
            data: Customer {
                email: email.into(),
                subscribed,
            },
        })
        .collect()
}

fn sink(client: &Client) -> AudienceSink<Customer> {
    AudienceSink::new(
        client.audience("23850000000001"),
        "EMAIL".parse().unwrap(),
        Normalizer::default(),
        |c: &Customer| {
            let values = vec![c.email.clone()];
            if c.subscribed {
                AudienceChange::Add(values)
            } else {
                AudienceChange::Remove(values)
            }
        },
    )
}

/// Every call the client makes, against `server`.
async fn calls(check: &mut LeakCheck, label: &str, c: &Client) {
    let audience = c.audience("23850000000001");
    let err = audience.get().await.unwrap_err();
    check.record_error(&format!("{label} get"), &err);
    let err = c
        .ad_account("1234")
        .create_audience(&NewAudience::new(
            "Shop customers",
            CustomerFileSource::UserProvidedOnly,
        ))
        .await
        .unwrap_err();
    check.record_error(&format!("{label} create"), &err);
    let rows = [["ada@example.com"], ["bob@example.com"]];
    let err = audience
        .add_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(rows)
        .await
        .unwrap_err();
    check.record_error(&format!("{label} add"), &err);
    let err = audience
        .remove_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(rows)
        .await
        .unwrap_err();
    check.record_error(&format!("{label} remove"), &err);
    let err = audience
        .replace_users("EMAIL".parse().unwrap(), Normalizer::default())
        .run(rows)
        .await
        .unwrap_err();
    check.record_error(&format!("{label} replace"), &err);
    check.record(format!("{label} client debug"), format!("{c:?}"));
}

/// Runs every error path once and records what it printed, logged and stored.
async fn exercise(check: &mut LeakCheck) {
    let logs = LogCapture::install();
    for with_secret in [false, true] {
        let mode = if with_secret { "proof" } else { "token" };

        // 1. Error bodies that echo the request: the three shapes of sync-core's echo, and a
        //    Graph envelope whose `message`, `error_user_msg` and `error_data` quote it.
        for status in [400, 401, 403, 500] {
            for shape in [
                EchoShape::JsonMessage,
                EchoShape::PlainText,
                EchoShape::HeaderObject,
            ] {
                let server = MockServer::start().await;
                Mock::given(any())
                    .respond_with(EchoResponder::new(status, shape))
                    .mount(&server)
                    .await;
                let label = format!("{mode} {status} {shape:?}");
                calls(check, &label, &client(&server, with_secret)).await;
            }
            let server = MockServer::start().await;
            let code = match status {
                401 => 190,
                403 => 200,
                500 => 1,
                _ => 100,
            };
            Mock::given(any())
                .respond_with(graph_echo(status, code))
                .mount(&server)
                .await;
            let label = format!("{mode} {status} graph");
            calls(check, &label, &client(&server, with_secret)).await;
        }

        // 2. A redirect whose Location carries the credentials.
        let server = MockServer::start().await;
        let proof = appsecret_proof(APP_SECRET, TOKEN);
        Mock::given(any())
            .respond_with(EchoResponder::redirect(format!(
                "https://graph.facebook.com/v25.0/23850000000001?access_token={TOKEN}\
                 &appsecret_proof={proof}"
            )))
            .mount(&server)
            .await;
        calls(
            check,
            &format!("{mode} redirect"),
            &client(&server, with_secret),
        )
        .await;

        // 3. Builder errors and Debug for base URLs with user-info or a credential in the query.
        for (i, bad) in [
            format!("https://ops:{URL_PASSWORD}@graph.facebook.com/"),
            format!("https://graph.facebook.com/?access_token={TOKEN}"),
            format!("https://ops:{URL_PASSWORD}@graph.facebook.com/?appsecret_proof={proof}"),
            format!("graph.facebook.com/?access_token={TOKEN}"),
        ]
        .into_iter()
        .enumerate()
        {
            let builder = Client::builder()
                .credentials(credentials(with_secret))
                .base_url(bad);
            check.record(format!("{mode} builder #{i} debug"), format!("{builder:?}"));
            let err = builder.build().unwrap_err();
            check.record_error(&format!("{mode} builder #{i}"), &err);
        }

        // 4. Dead letters: the sink under sync-core's pipeline, against a Graph refusal (code
        //    100: the batch's data) that quotes the request; and the sink's answers read directly.
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(graph_echo(400, 100))
            .mount(&server)
            .await;
        let c = client(&server, with_secret);
        let stream = StreamKey::new("fb-audience", "customers", mode);
        let dead_letters = Arc::new(MemoryDeadLetters::new());
        // The pipeline's own redactor is left at its default: the sink must not rely on it.
        let mut pipeline = Pipeline::builder(
            stream.clone(),
            VecSource::new(customers(), SourceOrder::Sorted, 10),
            sink(&c),
        )
        .watermarks(Arc::new(MemoryWatermarks::new()))
        .dead_letters(dead_letters.clone())
        .build()
        .unwrap();
        pipeline.run().await.unwrap();
        let letters = dead_letters
            .list(&DeadLetterQuery::open(stream))
            .await
            .unwrap();
        assert_eq!(letters.len(), 2, "{mode}: both records are dead-lettered");
        for letter in letters {
            let l = letter.letter;
            check.record(format!("{mode} dead letter reason"), l.reason);
            check.record(
                format!("{mode} dead letter response"),
                l.last_response.unwrap_or_default(),
            );
        }
        let record = Customer {
            email: "ada@example.com".into(),
            subscribed: true,
        };
        let acks = sink(&c)
            .write(&[SinkRecord {
                key: "customer-0",
                data: &record,
            }])
            .await
            .unwrap();
        check.record(format!("{mode} sink ack"), format!("{acks:?}"));
    }
    check.record("TRACE logs", logs.contents());
}

#[test]
fn no_credential_reaches_errors_logs_or_dead_letters() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let proof = appsecret_proof(APP_SECRET, TOKEN);
    let canaries = [TOKEN, APP_SECRET, proof.as_str(), URL_PASSWORD];

    let mut check = LeakCheck::new(canaries);
    runtime.block_on(exercise(&mut check));
    assert!(
        check.recorded() > 300,
        "{} texts recorded",
        check.recorded()
    );
    check.assert_none();

    // The check can fail: with redaction off, the same run shows the secrets.
    set_enabled_for_canary_tests(false);
    let mut unredacted = LeakCheck::new(canaries);
    runtime.block_on(exercise(&mut unredacted));
    set_enabled_for_canary_tests(true);
    unredacted.assert_some();
    let leaked: Vec<String> = unredacted.leaks().into_iter().map(|l| l.0).collect();
    for path in [
        "token 401 JsonMessage get (Display)",
        "proof 403 PlainText add (Debug)",
        "proof 400 HeaderObject remove (Display)",
        "proof 401 graph get (Display)",
        "proof 500 graph replace (Debug)",
        "proof redirect get (Display)",
        "TRACE logs",
        "proof dead letter reason",
        "proof dead letter response",
        "proof sink ack",
    ] {
        assert!(
            leaked.iter().any(|l| l == path),
            "with redaction off, {path:?} should have leaked: {leaked:?}"
        );
    }
}
