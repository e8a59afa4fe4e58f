//! Sandbox-style budget test: 5,000 contacts through the sink into a mock ActiveCampaign that
//! enforces the account's limits with 429s.
//!
//! The mock (one wiremock responder, loopback only) behaves like the documented API:
//! * **5 requests/second per account**: a request arriving when 5 were accepted in the trailing
//!   second gets `429` + `Retry-After: 1` (a sliding window, the strictest reading of the limit);
//! * **bulk importer**: at most 250 contacts and 400,000 bytes per request (else 400), at most
//!   100 multi-contact imports per trailing minute (else 429);
//! * imports are processed asynchronously: `/import/info` answers `status: false` for the first
//!   300 ms, `active` until 300 ms + 2 ms per contact have passed, then `completed` with the
//!   contacts it refused (here: every address containing `invalid`) in `failure`.
//!
//! **Method.** Every arrival is timestamped by the mock. *Requests per contact* = arrivals /
//! 5,000. *429s* = arrivals answered 429. *Budget use* = achieved rate / documented rate, with
//! the achieved rate = (arrivals − 1) / (last arrival − first arrival): the window runs from the
//! first request of the run to the last, so start-up and the wait for the last import are
//! inside it, nothing is trimmed. Bulk import makes the run short in requests (≈ 42 for 5,000
//! contacts), so the window is ≈ 8–9 s: that is 40 inter-arrival gaps at a 206 ms pacing. A
//! limiter that left 5 % of the budget unused would lose two requests' worth of time (0.4 s)
//! over it — far above the timer resolution — and one that burst would be caught by the mock's
//! zero-tolerance sliding window as a 429. Two scenarios run one after the other. The headline:
//! two workers (two client instances of one account, as two pipelines would have) write 2,500
//! contacts each. The second shows the latency-bound case: one worker writing batches of 1,000
//! one after the other, where each batch waits ~1 s for ActiveCampaign to process it before its
//! status can be read; it reports its budget use but only asserts no 429s and the request
//! count. Set `SANDBOX_GAPS=1` to print every inter-arrival gap.
//!
//! Run with `cargo test -p ac-client --test sandbox_budget -- --nocapture` to see the figures.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ac_client::fields::FieldKey;
use ac_client::sync::{ContactSink, MappedContact};
use ac_client::{ApiToken, Client};
use serde_json::{Value, json};
use sync_core::{Ack, Sink, SinkRecord};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CONTACTS: usize = 5_000;
const DOCUMENTED_RATE: f64 = 5.0;

#[derive(Debug, Clone, Copy)]
struct Arrival {
    at: Instant,
    status: u16,
    route: &'static str,
}

struct Batch {
    submitted: Instant,
    contacts: usize,
    failures: Vec<String>,
}

#[derive(Default)]
struct State {
    arrivals: Vec<Arrival>,
    accepted: VecDeque<Instant>,
    bulk: VecDeque<Instant>,
    batches: HashMap<String, Batch>,
}

#[derive(Clone, Default)]
struct Sandbox(Arc<Mutex<State>>);

fn throttled() -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_string("Too Many Requests")
}

impl Respond for Sandbox {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let now = Instant::now();
        while s
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            s.accepted.pop_front();
        }
        if s.accepted.len() >= 5 {
            s.arrivals.push(Arrival {
                at: now,
                status: 429,
                route: "throttled",
            });
            return throttled();
        }
        s.accepted.push_back(now);
        let route = (req.method.as_str(), req.url.path());
        let (status, body) = match route {
            ("GET", "/api/3/fields") => (
                200,
                json!({"fields": [
                    {"id": "7", "title": "Subscription status", "perstag": "SUB_STATUS", "type": "dropdown"},
                    {"id": "8", "title": "Next payment", "perstag": "NEXT_PAYMENT", "type": "date"}
                ], "meta": {"total": "2"}}),
            ),
            ("POST", "/api/3/import/bulk_import") => {
                while s
                    .bulk
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
                {
                    s.bulk.pop_front();
                }
                let parsed: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let contacts = parsed["contacts"].as_array().cloned().unwrap_or_default();
                if s.bulk.len() >= 100 {
                    s.arrivals.push(Arrival {
                        at: now,
                        status: 429,
                        route: "import",
                    });
                    return throttled();
                }
                if contacts.is_empty() || contacts.len() > 250 || req.body.len() >= 400_000 {
                    (
                        400,
                        json!({"success": 0, "message": "Request validation failed"}),
                    )
                } else {
                    s.bulk.push_back(now);
                    let id = format!("batch-{}", s.batches.len() + 1);
                    let failures = contacts
                        .iter()
                        .filter_map(|c| c["email"].as_str())
                        .filter(|e| e.contains("invalid"))
                        .map(str::to_string)
                        .collect();
                    s.batches.insert(
                        id.clone(),
                        Batch {
                            submitted: now,
                            contacts: contacts.len(),
                            failures,
                        },
                    );
                    (
                        200,
                        json!({"success": 1, "queued_contacts": contacts.len(), "batchId": id}),
                    )
                }
            }
            ("GET", "/api/3/import/info") => {
                let id = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "batchId")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                match s.batches.get(&id) {
                    None => (404, json!({"message": "No Result found for batch"})),
                    Some(b) => {
                        let age = now.duration_since(b.submitted);
                        let done = Duration::from_millis(300 + 2 * b.contacts as u64);
                        if age < Duration::from_millis(300) {
                            (200, json!({"status": false}))
                        } else if age < done {
                            (200, json!({"status": "active"}))
                        } else {
                            (
                                200,
                                json!({"status": "completed", "success": [], "failure": b.failures}),
                            )
                        }
                    }
                }
            }
            _ => (404, json!({"message": "not in this sandbox"})),
        };
        let route = match route.1 {
            "/api/3/fields" => "fields",
            "/api/3/import/bulk_import" => "import",
            "/api/3/import/info" => "info",
            _ => "other",
        };
        s.arrivals.push(Arrival {
            at: now,
            status,
            route,
        });
        ResponseTemplate::new(status).set_body_json(body)
    }
}

#[derive(Debug)]
struct Customer {
    id: usize,
    email: String,
    active: bool,
}

fn customers() -> Vec<Customer> {
    (0..CONTACTS)
        .map(|id| Customer {
            id,
            // 1 % of the addresses are refused by the (mock) importer.
            email: if id % 100 == 42 {
                format!("invalid-{id}@example.test")
            } else {
                format!("customer{id}@example.test")
            },
            active: id % 3 != 0,
        })
        .collect()
}

fn mapping(c: &Customer) -> Result<MappedContact, String> {
    Ok(MappedContact::new(&c.email)
        .first_name(format!("Customer {}", c.id))
        .field(
            FieldKey::perstag("SUB_STATUS"),
            if c.active { "active" } else { "cancelled" },
        )
        .field(FieldKey::perstag("NEXT_PAYMENT"), "2026-12-01")
        .tag(if c.active {
            "subscriber"
        } else {
            "former-subscriber"
        })
        .subscribe(1))
}

type Mapper = fn(&Customer) -> Result<MappedContact, String>;

fn sink(server: &MockServer) -> ContactSink<Customer, Mapper> {
    // A client as a user builds it: default quota, retry policy and sink options.
    let client = Client::builder(server.uri())
        .credentials(ApiToken::new("sandbox-token"))
        .build()
        .unwrap();
    ContactSink::new(client, mapping as Mapper)
}

async fn write_all(
    sink: &ContactSink<Customer, Mapper>,
    records: &[Customer],
    batch_size: usize,
) -> Vec<Ack> {
    let keys: Vec<String> = records
        .iter()
        .map(|c| format!("customer-{}", c.id))
        .collect();
    let mut acks = Vec::new();
    for (chunk, keys) in records.chunks(batch_size).zip(keys.chunks(batch_size)) {
        let batch: Vec<SinkRecord<'_, Customer>> = chunk
            .iter()
            .zip(keys)
            .map(|(data, key)| SinkRecord { key, data })
            .collect();
        acks.extend(sink.write(&batch).await.expect("no batch-level failure"));
    }
    acks
}

struct Figures {
    requests: usize,
    throttled: usize,
    window: Duration,
    budget_use: f64,
    max_in_one_second: usize,
}

fn figures(sandbox: &Sandbox) -> Figures {
    let arrivals = sandbox.0.lock().unwrap().arrivals.clone();
    let first = arrivals.first().unwrap().at;
    let last = arrivals.last().unwrap().at;
    let window = last.duration_since(first);
    if std::env::var("SANDBOX_GAPS").is_ok() {
        for w in arrivals.windows(2) {
            let g = w[1].at.duration_since(w[0].at);
            println!(
                "gap {:>4} ms at {:>5} ms {} {}",
                g.as_millis(),
                w[1].at.duration_since(first).as_millis(),
                w[1].status,
                w[1].route
            );
        }
    }
    let rate = (arrivals.len() - 1) as f64 / window.as_secs_f64();
    let max_in_one_second = (0..arrivals.len())
        .map(|i| {
            arrivals[i..]
                .iter()
                .take_while(|a| a.at.duration_since(arrivals[i].at) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap();
    Figures {
        requests: arrivals.len(),
        throttled: arrivals.iter().filter(|a| a.status == 429).count(),
        window,
        budget_use: rate / DOCUMENTED_RATE,
        max_in_one_second,
    }
}

fn report(label: &str, f: &Figures, wall: Duration) {
    println!(
        "[sandbox] {label}: {CONTACTS} contacts, {} requests ({:.4} per contact), {} × 429, \
         window {:.2} s, {:.2} req/s = {:.1} % of 5 req/s, max {} requests in any 1 s, wall {:.2} s",
        f.requests,
        f.requests as f64 / CONTACTS as f64,
        f.throttled,
        f.window.as_secs_f64(),
        f.budget_use * DOCUMENTED_RATE,
        f.budget_use * 100.0,
        f.max_in_one_second,
        wall.as_secs_f64(),
    );
}

fn check_acks(acks: &[Ack]) {
    assert_eq!(acks.len(), CONTACTS);
    let rejected = acks
        .iter()
        .enumerate()
        .filter(|(_, a)| matches!(a, Ack::Rejected { .. }))
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    assert_eq!(
        rejected.len(),
        CONTACTS / 100,
        "every refused address, and only those"
    );
    assert!(rejected.iter().all(|i| i % 100 == 42));
    assert_eq!(
        acks.iter().filter(|a| **a == Ack::Delivered).count(),
        CONTACTS - CONTACTS / 100
    );
}

/// Both scenarios in one test, one after the other, so they do not compete for the CPU (the
/// mock timestamps arrivals after reading each body; a loaded CPU delays that unevenly).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_5000_contacts_within_the_budget() {
    two_workers_with_2500_each().await;
    one_worker_with_batches_of_1000().await;
}

async fn sandbox() -> (MockServer, Sandbox) {
    let server = MockServer::start().await;
    let sandbox = Sandbox::default();
    Mock::given(any())
        .respond_with(sandbox.clone())
        .mount(&server)
        .await;
    (server, sandbox)
}

/// The headline: two workers of one account, one write of 2,500 contacts each.
async fn two_workers_with_2500_each() {
    let (server, sandbox) = sandbox().await;
    let records = customers();
    let (first, second) = records.split_at(CONTACTS / 2);
    let (a, b) = (sink(&server), sink(&server));
    assert!(Arc::ptr_eq(
        a.client().rate_limit().unwrap(),
        b.client().rate_limit().unwrap()
    ));

    let started = Instant::now();
    let (acks_a, acks_b) = tokio::join!(
        write_all(&a, first, first.len()),
        write_all(&b, second, second.len())
    );
    let wall = started.elapsed();
    let mut acks = acks_a;
    acks.extend(acks_b);
    check_acks(&acks);

    let f = figures(&sandbox);
    report("2 workers × 2,500 (one write each)", &f, wall);
    assert_eq!(f.throttled, 0, "the client never trips the limit");
    assert!(f.max_in_one_second <= 5);
    // 2 field lists + 20 imports + their status polls.
    assert!(f.requests <= 50, "{} requests", f.requests);
    assert!(
        f.budget_use >= 0.95,
        "budget use {:.1} % over {:?}",
        f.budget_use * 100.0,
        f.window
    );
    assert!(f.window >= Duration::from_secs(7), "window {:?}", f.window);
}

/// The latency-bound case: one worker, five sequential writes of 1,000. Each write waits about
/// a second for its imports to be processed before their status can be read, and nothing else
/// is queued meanwhile, so the budget is partly idle by design; it must still never trip.
async fn one_worker_with_batches_of_1000() {
    let (server, sandbox) = sandbox().await;
    let records = customers();
    let sink = sink(&server);
    let started = Instant::now();
    let acks = write_all(&sink, &records, 1_000).await;
    let wall = started.elapsed();
    check_acks(&acks);
    let f = figures(&sandbox);
    report("1 worker, 5 sequential writes of 1,000", &f, wall);
    assert_eq!(f.throttled, 0);
    assert!(f.requests <= 50, "{} requests", f.requests);
}
