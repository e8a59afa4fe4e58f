//! Shared test helpers: fixtures and clients pointed at a wiremock server.
#![allow(dead_code)]

use std::time::Duration;

use sync_core::ExponentialBackoff;
use sync_core::retry::Jitter;
use woo_client::{Client, ClientBuilder, ClientOptions, Credentials, SignatureMethod};

pub const CK: &str = "ck_0123456789abcdef0123456789abcdef01234567";
pub const CS: &str = "cs_fedcba9876543210fedcba9876543210fedcba98";

/// A fixture's bytes, as copied from the vendor docs (see tests/fixtures/SOURCES.md).
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Quick retries so 429/503 tests take milliseconds.
pub fn fast_retries() -> ExponentialBackoff {
    ExponentialBackoff::default()
        .initial(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
        .jitter(Jitter::None)
        .max_attempts(4)
}

/// Quick retries, no client-side pacing, a short attempt timeout.
pub fn test_options() -> ClientOptions {
    ClientOptions::new()
        .retry_policy(fast_retries())
        .no_rate_limit()
        .attempt_timeout(Duration::from_secs(5))
}

fn base(uri: &str) -> ClientBuilder {
    Client::builder(uri)
        .credentials(Credentials::new(CK, CS))
        .options(test_options())
}

/// Basic auth against the loopback mock (plain HTTP allowed only because it is loopback).
pub fn basic_client(uri: &str) -> Client {
    base(uri).build().unwrap()
}

/// OAuth 1.0a against the mock, the mode WooCommerce accepts over plain HTTP.
pub fn oauth_client(uri: &str, method: SignatureMethod) -> Client {
    base(uri).oauth1(method).build().unwrap()
}

/// Every request the mock received, in order.
pub async fn received(server: &wiremock::MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

pub fn query_of(request: &wiremock::Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn query_value(request: &wiremock::Request, name: &str) -> Option<String> {
    query_of(request)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
