//! The account's rate budget: shared by every client of the account, paused by a 429 for all
//! of them, and never entered before the server's wait has passed. Real time, a few seconds.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ac_client::{ApiToken, Client};
use common::TOKEN;
use serde_json::json;
use sync_core::ExponentialBackoff;
use sync_core::http::ClientOptions;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Records when each request arrived and what it was answered.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<(Instant, u16)>>>);

impl Log {
    fn push(&self, status: u16) {
        self.0.lock().unwrap().push((Instant::now(), status));
    }
    fn entries(&self) -> Vec<(Instant, u16)> {
        self.0.lock().unwrap().clone()
    }
}

/// Answers the first `throttled` requests with `status` (and `Retry-After` if given), then 200.
struct Storm {
    log: Log,
    throttled: usize,
    status: u16,
    retry_after: Option<&'static str>,
}

impl Respond for Storm {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut log = self.log.0.lock().unwrap();
        let status = if log.len() < self.throttled {
            self.status
        } else {
            200
        };
        log.push((Instant::now(), status));
        match status {
            200 => ResponseTemplate::new(200).set_body_json(json!({
                "contact": {"id": "1", "email": "a@b.test"}
            })),
            s => {
                let mut t = ResponseTemplate::new(s).set_body_string("Too Many Requests");
                if let Some(after) = self.retry_after {
                    t = t.insert_header("Retry-After", after);
                }
                t
            }
        }
    }
}

/// Two separately built clients of one account, as two workers would have.
fn two_clients(server: &MockServer) -> (Client, Client) {
    let build = || {
        Client::builder(server.uri())
            .credentials(ApiToken::new(TOKEN))
            .options(
                ClientOptions::new().retry_policy(ExponentialBackoff::default().max_attempts(6)),
            )
            .build()
            .unwrap()
    };
    (build(), build())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_holds_back_every_client_of_the_account() {
    let server = MockServer::start().await;
    let log = Log::default();
    Mock::given(method("GET"))
        .respond_with(Storm {
            log: log.clone(),
            throttled: 3,
            status: 429,
            retry_after: Some("1"),
        })
        .mount(&server)
        .await;
    let (a, b) = two_clients(&server);
    assert_eq!(a.account_key(), b.account_key());
    assert!(Arc::ptr_eq(
        a.rate_limit().unwrap(),
        b.rate_limit().unwrap()
    ));

    let mut tasks = Vec::new();
    for i in 0..6 {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { c.contacts().get(1).await }));
    }
    for t in tasks {
        assert_eq!(
            t.await.unwrap().unwrap().contact.id,
            1,
            "every request succeeds in the end"
        );
    }

    let entries = log.entries();
    let throttles: Vec<Instant> = entries.iter().filter(|e| e.1 == 429).map(|e| e.0).collect();
    assert_eq!(throttles.len(), 3);
    assert_eq!(entries.len(), 9, "six requests plus three retries");
    // No request of either client arrived while a server wait was running.
    for &t429 in &throttles {
        for &(at, _) in entries.iter().filter(|e| e.0 > t429) {
            let gap = at.duration_since(t429);
            assert!(
                gap >= Duration::from_millis(998),
                "a request arrived {gap:?} after a 429 asking for 1 s"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_without_retry_after_waits_one_window() {
    let server = MockServer::start().await;
    let log = Log::default();
    Mock::given(method("GET"))
        .respond_with(Storm {
            log: log.clone(),
            throttled: 1,
            status: 503,
            retry_after: None,
        })
        .mount(&server)
        .await;
    let (a, _) = two_clients(&server);
    a.contacts().get(1).await.unwrap();
    let entries = log.entries();
    assert_eq!(entries.iter().map(|e| e.1).collect::<Vec<_>>(), [503, 200]);
    assert!(entries[1].0.duration_since(entries[0].0) >= Duration::from_millis(998));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_one_account_share_five_per_second_and_other_accounts_do_not_wait() {
    let server = MockServer::start().await;
    let log = Log::default();
    let per_account = Arc::new(Mutex::new(Vec::<(String, Instant)>::new()));
    let seen = per_account.clone();
    let l = log.clone();
    Mock::given(method("GET"))
        .respond_with(move |req: &Request| {
            l.push(200);
            let account = req.url.path().to_string();
            seen.lock().unwrap().push((account, Instant::now()));
            ResponseTemplate::new(200).set_body_json(json!({"contact": {"id": "1"}}))
        })
        .mount(&server)
        .await;
    let (a, b) = two_clients(&server);
    // A second account on the same host (an explicit key), e.g. another tenant behind a proxy.
    let other = Client::builder(server.uri())
        .credentials(ApiToken::new(TOKEN))
        .account_key("activecampaign:other-account")
        .build()
        .unwrap();

    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            c.contacts().get(1).await.map(|_| ())
        }));
    }
    for _ in 0..5 {
        let c = other.clone();
        tasks.push(tokio::spawn(async move {
            c.contacts().get(2).await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();

    let arrivals = per_account.lock().unwrap().clone();
    let shared: Vec<Instant> = arrivals
        .iter()
        .filter(|(p, _)| p.ends_with("/1"))
        .map(|(_, t)| *t)
        .collect();
    assert_eq!(shared.len(), 10);
    // Never six requests of the shared account inside one second.
    for w in shared.windows(6) {
        assert!(
            w[5].duration_since(w[0]) >= Duration::from_secs(1),
            "{:?}",
            w[5].duration_since(w[0])
        );
    }
    // The other account's five went out alongside, not after: 15 requests in about the time
    // the shared account's ten need on their own (9 × 206 ms ≈ 1.9 s).
    assert!(elapsed < Duration::from_millis(2600), "{elapsed:?}");
}

/// An answer that says the budget is used up (`RateLimit-Remaining: 0`) holds back the next
/// request of every client of the account until the reset, instead of drawing a 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remaining_zero_pauses_the_account_until_the_reset() {
    let server = MockServer::start().await;
    let log = Log::default();
    let l = log.clone();
    Mock::given(method("GET"))
        .respond_with(move |_: &Request| {
            l.push(200);
            let used_up = l.entries().len() == 1;
            ResponseTemplate::new(200)
                .insert_header("RateLimit-Limit", "5")
                .insert_header("RateLimit-Remaining", if used_up { "0" } else { "4" })
                .insert_header("RateLimit-Reset", "1")
                .set_body_json(json!({"contact": {"id": "1", "email": "a@b.test"}}))
        })
        .mount(&server)
        .await;
    let (a, b) = two_clients(&server);
    a.contacts().get(1).await.unwrap();
    b.contacts().get(1).await.unwrap();
    let entries = log.entries();
    assert_eq!(entries.len(), 2, "no 429 drawn, no retry");
    let gap = entries[1].0.duration_since(entries[0].0);
    assert!(
        gap >= Duration::from_millis(950),
        "next request after {gap:?}"
    );
}
