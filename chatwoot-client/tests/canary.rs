//! Canary: no credential the client holds, or that a server echoes back, reaches an error's
//! `Display`/`Debug`, a log line (TRACE included) or a dead-letter reason. One test function:
//! the redaction switch it flips is process-wide.

use std::sync::Arc;
use std::time::Duration;

use chatwoot_client::contacts::ContactInput;
use chatwoot_client::platform::UserInput;
use chatwoot_client::sync::{ContactSink, CustomerSnapshot};
use chatwoot_client::{
    ApplicationClient, ApplicationToken, ClientOptions, PlatformClient, PlatformToken,
};
use serde_json::json;
use sync_core::redact::set_enabled_for_canary_tests;
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::store::{DeadLetterQuery, DeadLetterStore, MemoryDeadLetters, MemoryWatermarks};
use sync_core::testing::{EchoResponder, EchoShape, LeakCheck, LogCapture};
use sync_core::{Pipeline, SourceOrder, SourceRecord, StreamKey, VecSource};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A user's Application API token, in Chatwoot's format (24 characters).
const APP_TOKEN: &str = "xQ7wcanaryAPP9tK2mZp4Lr8";
/// A Platform App's token.
const PLATFORM_TOKEN: &str = "Pf3canaryPLATFORMv8Nq2Ws5";
/// A user's password sent to the Platform API.
const USER_PASSWORD: &str = "Canary!Passw0rd-2718";
/// Credentials pasted into a base URL.
const URL_PASSWORD: &str = "canary-basic-pass-4471";
const URL_QUERY_TOKEN: &str = "canaryQueryTok3n9981";
/// What a redirect's Location carries.
const SSO_TOKEN: &str = "canarySsoAuthTok-55102";

const CANARIES: [&str; 6] = [
    APP_TOKEN,
    PLATFORM_TOKEN,
    USER_PASSWORD,
    URL_PASSWORD,
    URL_QUERY_TOKEN,
    SSO_TOKEN,
];

/// Turns redaction back on even when an assertion fails.
struct RedactionOn;

impl Drop for RedactionOn {
    fn drop(&mut self) {
        set_enabled_for_canary_tests(true);
    }
}

fn policy() -> ExponentialBackoff {
    // One retry on a 500, so the executor's "retrying" log line is captured too.
    ExponentialBackoff::default()
        .initial(Duration::from_millis(1))
        .jitter(Jitter::None)
        .max_attempts(2)
}

fn app(server: &MockServer) -> ApplicationClient {
    ApplicationClient::builder(server.uri())
        .account_id(1)
        .credentials(ApplicationToken::new(APP_TOKEN))
        .options(ClientOptions::new().retry_policy(policy()).no_rate_limit())
        .build()
        .unwrap()
}

fn platform(server: &MockServer) -> PlatformClient {
    PlatformClient::builder(server.uri())
        .credentials(PlatformToken::new(PLATFORM_TOKEN))
        .options(ClientOptions::new().retry_policy(policy()).no_rate_limit())
        .build()
        .unwrap()
}

async fn echo(server: &MockServer, responder: EchoResponder) {
    server.reset().await;
    Mock::given(any())
        .respond_with(responder)
        .mount(server)
        .await;
}

/// Drive every error path and collect what a user could see.
async fn exercise() -> LeakCheck {
    let mut check = LeakCheck::new(CANARIES);
    let logs = LogCapture::install();
    let server = MockServer::start().await;
    let app = app(&server);
    let platform = platform(&server);
    check.record("application client (Debug)", format!("{app:?}"));
    check.record("platform client (Debug)", format!("{platform:?}"));

    // Echoing servers, every shape, every status, both APIs.
    let shapes = [
        EchoShape::JsonMessage,
        EchoShape::PlainText,
        EchoShape::HeaderObject,
    ];
    for status in [400, 401, 403, 500] {
        for shape in shapes {
            echo(&server, EchoResponder::new(status, shape)).await;
            let case = format!("{status} {shape:?}");
            let err = app.contacts().get(42).await.unwrap_err();
            check.record_error(&format!("app contacts.get {case}"), &err);
            let err = app
                .contacts()
                .create(&ContactInput::new().email("ada@example.com"))
                .await
                .unwrap_err();
            check.record_error(&format!("app contacts.create {case}"), &err);
            let err = platform.accounts().get(1).await.unwrap_err();
            check.record_error(&format!("platform accounts.get {case}"), &err);
            let user = UserInput::new("Grace", "grace@example.com").password(USER_PASSWORD);
            let err = platform.users().create(&user).await.unwrap_err();
            check.record_error(&format!("platform users.create {case}"), &err);
        }
    }

    // A JSON object of headers under a key Chatwoot's error shapes do not use.
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "request": {"headers": {
                "api_access_token": APP_TOKEN,
                "Authorization": format!("Bearer {PLATFORM_TOKEN}"),
                "Cookie": format!("_chatwoot_session={APP_TOKEN}"),
            }, "body": {"user": {"password": USER_PASSWORD}}}
        })))
        .mount(&server)
        .await;
    let err = app.contacts().get(42).await.unwrap_err();
    check.record_error("app headers object", &err);
    let err = platform.accounts().get(1).await.unwrap_err();
    check.record_error("platform headers object", &err);

    // Labels the token may not create: the refusal echoes the request inside the report.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/1/labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"payload": []})))
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(EchoResponder::new(401, EchoShape::PlainText))
        .mount(&server)
        .await;
    let err = app
        .conversations()
        .set_labels(12, &["vip"])
        .await
        .unwrap_err();
    check.record_error("labels refused", &err);

    // A redirect whose Location carries credentials.
    let location = format!(
        "https://chat.example.com/app/login?sso_auth_token={SSO_TOKEN}&api_access_token={APP_TOKEN}"
    );
    echo(&server, EchoResponder::redirect(location.as_str())).await;
    let err = app.contacts().get(42).await.unwrap_err();
    check.record_error("app redirect", &err);
    let err = platform.accounts().get(1).await.unwrap_err();
    check.record_error("platform redirect", &err);

    // Bad base URLs: user-info and a token in the query.
    for bad in [
        format!(
            "https://admin:{URL_PASSWORD}@chat.example.com/?api_access_token={URL_QUERY_TOKEN}"
        ),
        format!("https://chat.example.com/?token={URL_QUERY_TOKEN}"),
        format!("ftp://admin:{URL_PASSWORD}@chat.example.com/?x={URL_QUERY_TOKEN}"),
        format!("chat example com/?api_access_token={URL_QUERY_TOKEN}&p={URL_PASSWORD}"),
    ] {
        let builder = ApplicationClient::builder(bad.as_str())
            .account_id(1)
            .credentials(ApplicationToken::new(APP_TOKEN));
        check.record(
            format!("application builder Debug {bad:.20}"),
            format!("{builder:?}"),
        );
        let err = builder.build().unwrap_err();
        check.record_error(&format!("application builder {bad:.20}"), &err);
        let builder =
            PlatformClient::builder(bad.as_str()).credentials(PlatformToken::new(PLATFORM_TOKEN));
        check.record(
            format!("platform builder Debug {bad:.20}"),
            format!("{builder:?}"),
        );
        let err = builder.build().unwrap_err();
        check.record_error(&format!("platform builder {bad:.20}"), &err);
    }

    // Nothing listening: a transport error.
    let down = ApplicationClient::builder("http://127.0.0.1:9")
        .account_id(1)
        .credentials(ApplicationToken::new(APP_TOKEN))
        .options(
            ClientOptions::new()
                .retry_policy(policy())
                .attempt_timeout(Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    let err = down.contacts().get(42).await.unwrap_err();
    check.record_error("transport", &err);

    // A dead letter written by the sink's per-record answer, through sync-core's Pipeline.
    echo(&server, EchoResponder::new(422, EchoShape::JsonMessage)).await;
    let stream = StreamKey::new("shop-to-chatwoot", "customers", "canary");
    let dead_letters = Arc::new(MemoryDeadLetters::new());
    let customer = SourceRecord {
        key: "customer-1001".to_string(),
        cursor: 1001u64,
        data: CustomerSnapshot {
            identifier: Some("woo:1001".into()),
            email: Some("ada@example.com".into()),
            ..Default::default()
        },
    };
    let mut pipeline = Pipeline::builder(
        stream.clone(),
        VecSource::new(vec![customer], SourceOrder::Sorted, 10),
        ContactSink::new(app.clone()),
    )
    .watermarks(Arc::new(MemoryWatermarks::new()))
    .dead_letters(dead_letters.clone())
    .build()
    .unwrap();
    let report = pipeline.run().await.unwrap();
    assert_eq!(report.dead_lettered, 1, "{report:?}");
    for letter in dead_letters
        .list(&DeadLetterQuery::open(stream))
        .await
        .unwrap()
    {
        check.record("dead letter reason", letter.letter.reason.clone());
        check.record(
            "dead letter response",
            letter.letter.last_response.clone().unwrap_or_default(),
        );
    }

    check.record("logs (TRACE)", logs.contents());
    assert!(check.recorded() > 100, "{} texts", check.recorded());
    check
}

#[test]
fn no_secret_reaches_errors_logs_or_dead_letters() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _on = RedactionOn;

    let redacted = runtime.block_on(exercise());
    redacted.assert_none();

    // The check must be able to fail: without redaction the echoes leak.
    set_enabled_for_canary_tests(false);
    let unredacted = runtime.block_on(exercise());
    set_enabled_for_canary_tests(true);
    unredacted.assert_some();
    // Per path: each of these must leak with redaction off, or the path is not exercised.
    let leaks = unredacted.leaks();
    let mut must_leak: Vec<(String, &str)> = Vec::new();
    for status in [400, 401, 403, 500] {
        for shape in ["JsonMessage", "PlainText"] {
            let case = format!("{status} {shape}");
            must_leak.push((format!("app contacts.get {case} "), APP_TOKEN));
            must_leak.push((format!("app contacts.create {case} "), APP_TOKEN));
            must_leak.push((format!("platform accounts.get {case} "), PLATFORM_TOKEN));
            must_leak.push((format!("platform users.create {case} "), USER_PASSWORD));
        }
    }
    for (label, canary) in [
        ("app headers object", APP_TOKEN),
        ("platform headers object", USER_PASSWORD),
        ("labels refused", APP_TOKEN),
        ("app redirect", SSO_TOKEN),
        ("platform redirect", SSO_TOKEN),
        (
            "application builder Debug https://admin:canary",
            URL_PASSWORD,
        ),
        ("platform builder Debug https://admin:canary", URL_PASSWORD),
        // The builders' errors no longer repeat the base URL at all (sync-core's
        // `parse_base_url`), so they cannot leak it even with redaction off; their Debug
        // output, which shows the URL, is still checked above.
        ("dead letter reason", APP_TOKEN),
        ("dead letter response", APP_TOKEN),
        ("logs (TRACE)", APP_TOKEN),
        ("logs (TRACE)", PLATFORM_TOKEN),
        ("logs (TRACE)", USER_PASSWORD),
        ("logs (TRACE)", SSO_TOKEN),
    ] {
        must_leak.push((label.to_string(), canary));
    }
    for (label, canary) in &must_leak {
        assert!(
            leaks
                .iter()
                .any(|(l, c)| l.starts_with(label.as_str()) && c == canary),
            "{label:?} did not show {canary} without redaction: that path is not exercised"
        );
    }
}
