//! wiremock tests of the shared HTTP executor: retries by verdict, server waits, idempotency,
//! rate limits and secret-free errors.
#![cfg(feature = "http")]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use sync_core::http::{HttpError, HttpExecutor, RateLimit, RateQuota, RequestMeta};
use sync_core::retry::{ExponentialBackoff, Jitter};
use sync_core::{Classify, PermanentKind, Verdict};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

fn quick() -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::from_millis(5))
        .jitter(Jitter::None)
        .max_attempts(4)
}

fn exec() -> HttpExecutor {
    HttpExecutor::builder("test")
        .retry_policy(quick())
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Answers from a list of responses in order, repeating the last.
struct Sequence {
    responses: Vec<ResponseTemplate>,
    calls: Arc<AtomicU32>,
}

impl Respond for Sequence {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) as usize;
        self.responses[n.min(self.responses.len() - 1)].clone()
    }
}

async fn sequence(server: &MockServer, responses: Vec<ResponseTemplate>) -> Arc<AtomicU32> {
    let calls = Arc::new(AtomicU32::new(0));
    Mock::given(path("/r"))
        .respond_with(Sequence {
            responses,
            calls: calls.clone(),
        })
        .mount(server)
        .await;
    calls
}

async fn get(
    exec: &HttpExecutor,
    server: &MockServer,
) -> Result<sync_core::http::HttpResponse, HttpError> {
    let url = format!("{}/r", server.uri());
    exec.send(RequestMeta::idempotent("r.get"), |http| {
        http.get(&url).build()
    })
    .await
}

#[tokio::test]
async fn retry_after_seconds_is_waited_out() {
    let server = MockServer::start().await;
    let calls = sequence(
        &server,
        vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            ResponseTemplate::new(200).set_body_string("ok"),
        ],
    )
    .await;
    let started = Instant::now();
    let response = get(&exec(), &server).await.unwrap();
    assert_eq!(response.text(), "ok");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_http_date_is_waited_out() {
    let server = MockServer::start().await;
    // Two seconds ahead; HTTP-dates have whole seconds, so at least one second must pass.
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let calls = sequence(
        &server,
        vec![
            ResponseTemplate::new(429).insert_header("Retry-After", at.as_str()),
            ResponseTemplate::new(200),
        ],
    )
    .await;
    let started = Instant::now();
    get(&exec(), &server).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn too_early_and_unavailable_are_retried() {
    let server = MockServer::start().await;
    let calls = sequence(
        &server,
        vec![
            ResponseTemplate::new(425),
            ResponseTemplate::new(503),
            ResponseTemplate::new(408),
            ResponseTemplate::new(200),
        ],
    )
    .await;
    get(&exec(), &server).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for (status, kind) in [
        (400, PermanentKind::Data),
        (404, PermanentKind::Config),
        (422, PermanentKind::Data),
        (401, PermanentKind::Config),
    ] {
        let server = MockServer::start().await;
        let calls = sequence(
            &server,
            vec![ResponseTemplate::new(status).set_body_string(r#"{"code":"nope"}"#)],
        )
        .await;
        let err = get(&exec(), &server).await.unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{status} was retried");
        assert_eq!(err.verdict(), Verdict::Permanent(kind), "{status}");
        let response = err.response().expect("status error keeps the response");
        assert_eq!(response.status.as_u16(), status);
        assert!(err.to_string().contains("nope"), "{err}");
    }
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit() {
    let server = MockServer::start().await;
    let calls = sequence(&server, vec![ResponseTemplate::new(502)]).await;
    let err = get(&exec(), &server).await.unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(err.request().unwrap().attempts, 4);
    assert!(err.verdict().is_retryable());
}

#[tokio::test]
async fn post_without_idempotency_key_is_not_retried_after_a_timeout() {
    let server = MockServer::start().await;
    let calls = sequence(
        &server,
        vec![ResponseTemplate::new(200).set_delay(Duration::from_millis(600))],
    )
    .await;
    let exec = HttpExecutor::builder("test")
        .retry_policy(quick())
        .attempt_timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let url = format!("{}/r", server.uri());

    let err = exec
        .send(RequestMeta::non_idempotent("orders.create"), |http| {
            http.post(&url).body("{}").build()
        })
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.request().unwrap().attempts, 1);
    // Let the slow responses finish before counting what the server saw.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // The same POST carrying an idempotency key is retried.
    calls.store(0, Ordering::SeqCst);
    let err = exec
        .send(RequestMeta::idempotent("orders.create"), |http| {
            http.post(&url)
                .header("Idempotency-Key", "k-1")
                .body("{}")
                .build()
        })
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(err.request().unwrap().attempts, 4);
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_posts() {
    // Bind and drop a listener: nothing accepts on that port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let exec = exec();
    let url = format!("http://127.0.0.1:{port}/r");
    let err = exec
        .send(RequestMeta::non_idempotent("orders.create"), |http| {
            http.post(&url).build()
        })
        .await
        .unwrap_err();
    assert_eq!(err.request().unwrap().attempts, 4, "{err}");
}

#[tokio::test]
async fn rate_limit_holds_the_configured_rate() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let limit = RateLimit::new(RateQuota::per_second(20));
    let exec = HttpExecutor::builder("test")
        .rate_limit(limit)
        .build()
        .unwrap();
    let url = format!("{}/x", server.uri());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..21 {
        let exec = exec.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            exec.send(RequestMeta::idempotent("x"), |http| http.get(&url).build())
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // 21 requests at 20/s with burst 1: the last starts no sooner than 1 s after the first.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[tokio::test]
async fn a_429_pauses_every_client_sharing_the_limit() {
    let server = MockServer::start().await;
    let calls = sequence(
        &server,
        vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            ResponseTemplate::new(200),
        ],
    )
    .await;
    let limit = RateLimit::shared("test:pause-account", RateQuota::per_second(100));
    let a = HttpExecutor::builder("a")
        .rate_limit(limit.clone())
        .retry_policy(quick())
        .build()
        .unwrap();
    let b = HttpExecutor::builder("b")
        .rate_limit(RateLimit::shared(
            "test:pause-account",
            RateQuota::per_second(100),
        ))
        .build()
        .unwrap();
    let started = Instant::now();
    get(&a, &server).await.unwrap();
    // b shares the paused budget: its request waited for the same second... and a's retry too.
    get(&b, &server).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert!(started.elapsed() >= Duration::from_secs(1));

    // While paused, a second client's request is held back too.
    let server = MockServer::start().await;
    let calls = sequence(&server, vec![ResponseTemplate::new(200)]).await;
    limit.pause_for(Duration::from_millis(500));
    let started = Instant::now();
    get(&b, &server).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn errors_never_show_the_secret() {
    let secret = SecretString::from("cs_live_super_secret_value");
    let server = MockServer::start().await;
    Mock::given(path("/orders"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"code":"woocommerce_rest_cannot_view"}"#),
        )
        .mount(&server)
        .await;
    let exec = exec();
    let url = format!("{}/orders", server.uri());
    let err = exec
        .send(RequestMeta::idempotent("orders.list"), |http| {
            http.get(&url)
                .query(&[("consumer_secret", secret.expose_secret()), ("page", "1")])
                .header(
                    "Authorization",
                    format!("Bearer {}", secret.expose_secret()),
                )
                .build()
        })
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(secret.expose_secret()), "{shown}");
    assert!(shown.contains("consumer_secret=[REDACTED]"), "{shown}");
    assert!(!format!("{exec:?}").contains(secret.expose_secret()));

    // Transport errors carry no URL either.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/orders");
    let err = HttpExecutor::builder("t")
        .retry_policy(ExponentialBackoff::default().max_attempts(1))
        .build()
        .unwrap()
        .send(RequestMeta::idempotent("orders.list"), |http| {
            http.get(&url)
                .query(&[("consumer_key", secret.expose_secret())])
                .build()
        })
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(secret.expose_secret()), "{shown}");
}

#[tokio::test]
async fn redirects_are_not_followed_and_name_the_target_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(301).insert_header(
            "Location",
            "https://shop.test/r?consumer_key=ck_live_123&consumer_secret=cs_live_456",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = get(&exec(), &server).await.unwrap_err();
    assert_eq!(err.verdict(), Verdict::Permanent(PermanentKind::Config));
    let shown = err.to_string();
    assert!(
        shown.contains("redirected to https://shop.test/r?consumer_key=[REDACTED]"),
        "{shown}"
    );
    assert!(
        !shown.contains("ck_live_123") && !shown.contains("cs_live_456"),
        "{shown}"
    );
}

#[tokio::test]
async fn non_idempotent_posts_are_resent_only_when_the_server_did_not_act() {
    let post = |exec: HttpExecutor, url: String| async move {
        exec.send(RequestMeta::non_idempotent("messages.create"), |http| {
            http.post(&url).body("{}").build()
        })
        .await
    };
    // 503 and 429 say "not processed": resent.
    let server = MockServer::start().await;
    let calls = sequence(
        &server,
        vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(429),
            ResponseTemplate::new(201),
        ],
    )
    .await;
    post(exec(), format!("{}/r", server.uri())).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    // 500, 502 and 504 may follow a processed request: not resent, but still classified as
    // retryable so a later run (with an idempotent sink) can decide.
    for status in [500, 502, 504] {
        let server = MockServer::start().await;
        let calls = sequence(
            &server,
            vec![ResponseTemplate::new(status), ResponseTemplate::new(201)],
        )
        .await;
        let err = post(exec(), format!("{}/r", server.uri()))
            .await
            .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{status} was resent");
        assert!(err.verdict().is_retryable(), "{status}");
    }
}

/// Like a vendor whose throttling arrives as a 400 with a code in the body.
#[derive(Debug)]
struct BodyThrottle;

impl sync_core::http::ResponseClassifier for BodyThrottle {
    fn classify(
        &self,
        response: &sync_core::http::HttpResponse,
        wait: Option<Duration>,
    ) -> Verdict {
        if response.status.as_u16() == 400 && response.text().contains("\"code\":17") {
            return Verdict::RateLimited { after: wait };
        }
        Verdict::from_status(response.status.as_u16(), wait)
    }
}

#[tokio::test]
async fn a_vendor_throttle_in_the_body_resends_even_a_post() {
    let server = MockServer::start().await;
    let calls = sequence(
        &server,
        vec![
            ResponseTemplate::new(400).set_body_string(r#"{"error":{"code":17}}"#),
            ResponseTemplate::new(200),
        ],
    )
    .await;
    let exec = HttpExecutor::builder("test")
        .retry_policy(quick())
        .classifier(BodyThrottle)
        .build()
        .unwrap();
    let url = format!("{}/r", server.uri());
    exec.send(RequestMeta::non_idempotent("users.add"), |http| {
        http.post(&url).body("{}").build()
    })
    .await
    .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn error_messages_redact_credentials_echoed_in_the_body() {
    let server = MockServer::start().await;
    let calls = sequence(
        &server,
        vec![ResponseTemplate::new(422).set_body_string(
            r#"{"message":"invalid","channel":{"imap_password":"hunter2","access_token":"tok-9"}}"#,
        )],
    )
    .await;
    let err = get(&exec(), &server).await.unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let shown = format!("{err} {:?}", err.response().unwrap());
    assert!(
        !shown.contains("hunter2") && !shown.contains("tok-9"),
        "{shown}"
    );
    assert!(shown.contains("\"message\":\"invalid\""), "{shown}");
}
