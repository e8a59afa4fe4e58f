//! Every error body shape, its classification, and that no error or Debug output shows the token.

mod common;

use std::time::Duration;

use ac_client::{ApiErrorBody, ApiToken, Client, ContactInput, Error};
use common::{TOKEN, client, fixture};
use serde_json::json;
use sync_core::http::reqwest::StatusCode;
use sync_core::http::{ClientError, ClientOptions};
use sync_core::{Classify, PermanentKind, StageError, Verdict};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn get_error(status: u16, body: &str, content_type: &str) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/contacts/1"))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
        )
        .mount(&server)
        .await;
    client(&server).contacts().get(1).await.unwrap_err()
}

/// Display and Debug of the error, and of the engine's wrapper around it, never show the token.
fn assert_secret_free(err: Error) {
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
    }
    let stage = StageError::from_classified(err);
    let text = format!("{stage} {stage:?}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
}

#[tokio::test]
async fn forbidden_is_a_configuration_error_naming_the_token_setting() {
    let err = get_error(403, r#"{"message":"Forbidden"}"#, "application/json").await;
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    let text = err.to_string();
    assert!(
        text.contains("Api-Token") && text.contains("Settings → Developer"),
        "{text}"
    );
    assert!(text.contains("contacts.get"), "names the operation: {text}");
    assert_secret_free(err);
}

#[tokio::test]
async fn not_found_with_a_vendor_body_is_the_records_problem() {
    for body in [
        fixture("error_404_errors.json"),
        fixture("error_404_message.json"),
    ] {
        let err = get_error(404, &body, "application/json").await;
        assert!(err.is_not_found(), "{err}");
        assert_eq!(
            err.verdict(),
            Verdict::Permanent(PermanentKind::Data),
            "{err}"
        );
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
    let err = get_error(404, &fixture("error_404_errors.json"), "application/json").await;
    let Some(ApiErrorBody::Errors(items)) = err.vendor_body() else {
        panic!("{err:?}")
    };
    assert_eq!(items[0].status, Some(404));
    assert_eq!(items[0].detail, "Contact not found");
}

#[tokio::test]
async fn not_found_without_a_vendor_body_means_a_wrong_base_url() {
    let err = get_error(404, "<html><body>Not Found</body></html>", "text/html").await;
    assert!(!err.is_not_found());
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    assert!(err.to_string().contains("check the base URL"), "{err}");
}

#[tokio::test]
async fn validation_shapes_are_data_errors() {
    let err = get_error(
        422,
        &fixture("error_422_duplicate.json"),
        "application/json",
    )
    .await;
    assert!(err.is_duplicate());
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Data));
    assert!(
        err.to_string().contains("at /data/attributes/email"),
        "{err}"
    );

    let err = get_error(400, "{}", "application/json").await;
    assert_eq!(err.vendor_body(), Some(&ApiErrorBody::Empty));
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Data));

    let err = get_error(
        400,
        r#"{"success":0,"message":"Invalid contact data","failureReasons":["contact 2: missing email"]}"#,
        "application/json",
    )
    .await;
    assert_eq!(
        err.vendor_body(),
        Some(&ApiErrorBody::Message {
            message: "Invalid contact data".into(),
            failure_reasons: vec!["contact 2: missing email".into()],
            failed_contacts: vec![],
        })
    );
}

#[tokio::test]
async fn a_success_status_that_reports_failure_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/3/contacts/5"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"succeeded": 0, "message": "Contact could not be deleted"})),
        )
        .mount(&server)
        .await;
    let err = client(&server).contacts().delete(5).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::OK));
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Data));
    assert!(
        err.to_string().contains("Contact could not be deleted"),
        "{err}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_with_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/contacts/1"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream exploded"))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server).contacts().get(1).await.unwrap_err();
    assert_eq!(err.verdict(), Verdict::Retry { after: None });
    let text = err.to_string();
    assert!(
        text.contains("3 attempts") && text.contains("non-JSON body: upstream exploded"),
        "{text}"
    );
}

#[tokio::test]
async fn an_unexpected_shape_names_the_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/3/contacts/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "contact": {"id": "not-a-number", "email": "a@b.test"}
        })))
        .mount(&server)
        .await;
    let err = client(&server).contacts().get(1).await.unwrap_err();
    let Error::Decode { operation, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*operation, "contacts.get");
    assert_eq!(source.path, "contact.id");
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Server));
}

#[tokio::test]
async fn unreachable_server_is_transient() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder(format!("http://127.0.0.1:{port}"))
        .credentials(ApiToken::new(TOKEN))
        .options(
            ClientOptions::new()
                .retry_policy(sync_core::ExponentialBackoff::default().max_attempts(1))
                .attempt_timeout(Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    let err = c.contacts().get(1).await.unwrap_err();
    assert!(matches!(err, Error::Http(_)), "{err:?}");
    assert!(err.verdict().is_retryable());
    assert_secret_free(err);
}

#[tokio::test]
async fn debug_output_never_shows_the_token() {
    let builder = Client::builder("https://acme.api-us1.com").credentials(ApiToken::new(TOKEN));
    assert!(!format!("{builder:?}").contains(TOKEN));
    let c = builder.build().unwrap();
    let debug = format!("{c:?}");
    assert!(
        !debug.contains(TOKEN) && debug.contains("[REDACTED]"),
        "{debug}"
    );
    assert!(!format!("{:?}", ac_client::ApiToken::new(TOKEN)).contains(TOKEN));

    // An error after an authenticated request that failed.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/3/contact/sync"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"message": "Forbidden"})))
        .mount(&server)
        .await;
    let err = client(&server)
        .contacts()
        .sync(&ContactInput::new("a@b.test"))
        .await
        .unwrap_err();
    assert_secret_free(err);
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received[0].headers["api-token"], TOKEN,
        "the token was sent"
    );
}
