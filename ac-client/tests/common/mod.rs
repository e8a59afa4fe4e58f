//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use ac_client::{ApiToken, Client};
use sync_core::ExponentialBackoff;
use sync_core::http::{ClientOptions, RateQuota};
use wiremock::MockServer;

pub const TOKEN: &str = "test-token-7f3a9c";

/// A client for the mock with a fast retry policy and a budget large enough that functional
/// tests are not paced (rate limiting has its own tests).
pub fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .credentials(ApiToken::new(TOKEN))
        .options(
            ClientOptions::new()
                .rate_quota(RateQuota::per_second(1000))
                .retry_policy(
                    ExponentialBackoff::default()
                        .initial(Duration::from_millis(5))
                        .max_attempts(3),
                ),
        )
        .build()
        .expect("client builds")
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

/// The JSON body of a received request.
pub fn body_json(req: &wiremock::Request) -> serde_json::Value {
    serde_json::from_slice(&req.body).expect("request body is JSON")
}
