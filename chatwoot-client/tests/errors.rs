//! Chatwoot's error shapes, classification, token mix-ups and secret redaction.

mod common;

use std::time::Duration;

use chatwoot_client::{
    ApiKind, ApplicationClient, ApplicationToken, ClientOptions, Error, ErrorBody, PlatformClient,
    PlatformToken,
};
use common::*;
use serde_json::json;
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn platform_token_on_an_application_route_says_which_token_is_needed() {
    let server = MockServer::start().await;
    // What Chatwoot answers when a Platform App token calls the Application API.
    Mock::given(method("GET"))
        .and(path(app_path("contacts")))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"error": "Access to this endpoint is not authorized for bots"}),
            ),
        )
        .mount(&server)
        .await;

    // Someone pasted the platform token where the user token belongs.
    let client = ApplicationClient::builder(server.uri())
        .account_id(ACCOUNT)
        .credentials(ApplicationToken::new(PLATFORM_TOKEN))
        .options(
            ClientOptions::new()
                .retry_policy(sync_core::retry::NoRetry)
                .no_rate_limit(),
        )
        .build()
        .unwrap();
    let err = client.contacts().list(1).await.unwrap_err();

    let Error::Unauthorized { api, status, .. } = &err else {
        panic!("expected Unauthorized, got {err:?}")
    };
    assert_eq!((*api, *status), (ApiKind::Application, 401));
    let message = err.to_string();
    assert!(message.contains("contacts.list"), "{message}");
    assert!(message.contains("not authorized for bots"), "{message}");
    assert!(message.contains("Platform App"), "{message}");
    assert!(message.contains("user's access token"), "{message}");
    assert!(message.contains("PlatformClient"), "{message}");
    // A setup problem: the engine stops instead of dead-lettering records.
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    // The token itself is in neither Display nor Debug.
    assert!(!message.contains(PLATFORM_TOKEN));
    assert!(!format!("{err:?}").contains(PLATFORM_TOKEN));
}

#[tokio::test]
async fn user_token_on_a_platform_route_names_the_platform_app_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/platform/api/v1/accounts/8"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "Invalid access_token"})),
        )
        .mount(&server)
        .await;
    let client = PlatformClient::builder(server.uri())
        .credentials(PlatformToken::new(APP_TOKEN))
        .options(ClientOptions::new().retry_policy(sync_core::retry::NoRetry))
        .build()
        .unwrap();
    let err = client.accounts().get(8).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("Super Admin → Platform Apps"), "{message}");
    assert!(!message.contains(APP_TOKEN));
}

#[tokio::test]
async fn a_non_permissible_account_explains_platform_permissions() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/platform/api/v1/accounts/1"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "Non permissible resource"})),
        )
        .mount(&server)
        .await;
    let err = platform(&server).accounts().get(1).await.unwrap_err();
    assert!(err.to_string().contains("created or was granted"), "{err}");
}

#[tokio::test]
async fn error_shape_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/999")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": "Resource could not be found"})),
        )
        .mount(&server)
        .await;
    let err = app(&server).contacts().get(999).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.body(),
        Some(&ErrorBody::Error {
            error: "Resource could not be found".into()
        })
    );
    assert!(
        err.to_string()
            .contains("answered 404: Resource could not be found"),
        "{err}"
    );
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
}

#[tokio::test]
async fn error_shape_record_invalid() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(app_path("contacts")))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Email has already been taken",
            "attributes": ["email"]
        })))
        .mount(&server)
        .await;
    let err = app(&server)
        .contacts()
        .create(&chatwoot_client::contacts::ContactInput::new().email("ada@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.body().unwrap().fields(), ["email"]);
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Data));
}

/// Chatwoot's throttle answer exactly as rack-attack's default responder sends it: 429,
/// `text/plain`, `Retry later\n`, and no `Retry-After`.
fn rack_attack_429() -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("content-type", "text/plain")
        .set_body_string("Retry later\n")
}

#[tokio::test]
async fn chatwoots_429_has_no_retry_after_and_the_error_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/search")))
        .respond_with(rack_attack_429())
        .mount(&server)
        .await;
    let err = app(&server).contacts().search("ada", 1).await.unwrap_err();
    assert_eq!(err.body(), Some(&ErrorBody::Text("Retry later".into())));
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), None);
    assert_eq!(err.verdict(), Verdict::RateLimited { after: None });
    let text = err.to_string();
    assert!(text.contains("answered 429: Retry later"), "{text}");
    assert!(
        text.contains("sends no Retry-After") && text.contains("exponential backoff"),
        "{text}"
    );
}

#[tokio::test]
async fn a_retry_after_from_a_proxy_in_front_is_still_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/search")))
        .respond_with(rack_attack_429().insert_header("retry-after", "7"))
        .mount(&server)
        .await;
    let err = app(&server).contacts().search("ada", 1).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    // The note about the missing header only appears when it is missing.
    assert!(!err.to_string().contains("no Retry-After"), "{err}");
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_exponentially_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/42")))
        .respond_with(rack_attack_429())
        .up_to_n_times(3)
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path("contacts/42")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("contact_show.json")))
        .expect(1)
        .mount(&server)
        .await;
    let client = ApplicationClient::builder(server.uri())
        .account_id(ACCOUNT)
        .credentials(ApplicationToken::new(APP_TOKEN))
        .options(
            ClientOptions::new().retry_policy(
                ExponentialBackoff::default()
                    .initial(Duration::from_millis(40))
                    .jitter(Jitter::None)
                    .max_attempts(5),
            ),
        )
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    assert_eq!(client.contacts().get(42).await.unwrap().id, 42);
    // 40 + 80 + 160 ms: the policy's doubling steps, not an immediate hammering.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(280), "{waited:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn server_errors_retry_and_decode_errors_name_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("inboxes")))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(app_path("inboxes/3")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "three"})))
        .mount(&server)
        .await;
    let client = app(&server);
    let err = client.inboxes().list().await.unwrap_err();
    assert_eq!(err.verdict(), Verdict::Retry { after: None });
    assert_eq!(
        err.body(),
        Some(&ErrorBody::Text("<html>Bad Gateway</html>".into()))
    );

    let err = client.inboxes().get(3).await.unwrap_err();
    let Error::Decode { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(source.path, "id");
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Server));
}

#[tokio::test]
async fn transport_failures_never_show_the_token() {
    // Nothing listens on this port.
    let client = ApplicationClient::builder("http://127.0.0.1:9")
        .account_id(ACCOUNT)
        .credentials(ApplicationToken::new(APP_TOKEN))
        .options(
            ClientOptions::new()
                .retry_policy(sync_core::retry::NoRetry)
                .attempt_timeout(Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    let err = client.contacts().get(1).await.unwrap_err();
    assert!(matches!(err, Error::Http(_)), "{err:?}");
    assert!(err.verdict().is_retryable());
    assert!(!err.to_string().contains(APP_TOKEN));
    assert!(!format!("{err:?}").contains(APP_TOKEN));
}

#[test]
fn debug_of_clients_and_tokens_is_redacted() {
    let app = ApplicationClient::builder("https://chat.example.com")
        .account_id(3)
        .credentials(ApplicationToken::new(APP_TOKEN))
        .build()
        .unwrap();
    let platform = PlatformClient::builder("https://chat.example.com")
        .credentials(PlatformToken::new(PLATFORM_TOKEN))
        .build()
        .unwrap();
    for text in [
        format!("{app:?}"),
        format!("{platform:?}"),
        format!("{:?}", ApplicationToken::new(APP_TOKEN)),
        format!("{:?}", PlatformToken::new(PLATFORM_TOKEN)),
        format!(
            "{:?}",
            ApplicationClient::builder("https://x.test")
                .account_id(1)
                .credentials(ApplicationToken::new(APP_TOKEN))
        ),
        format!(
            "{:?}",
            chatwoot_client::webhook::WebhookVerifier::new(APP_TOKEN)
        ),
    ] {
        assert!(
            !text.contains(APP_TOKEN) && !text.contains(PLATFORM_TOKEN),
            "{text}"
        );
        assert!(text.contains("REDACTED"), "{text}");
    }
}

#[test]
fn bad_configuration_is_explained() {
    let err = ApplicationClient::builder("chat.example.com")
        .account_id(1)
        .credentials(ApplicationToken::new("t"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("base_url"), "{err}");
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
}
