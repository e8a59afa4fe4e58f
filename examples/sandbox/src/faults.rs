//! Fault knobs: error rate, throttling bursts, latency, dropped connections, malformed bodies,
//! and echoing the request (credentials included) in error bodies.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a fake should do wrong, settable at start and at runtime (`PUT /_sandbox/faults`).
///
/// Rates are fractions in `0.0..=1.0`, drawn from a seeded generator so a run is repeatable.
/// The `*_next` counters hit the next N API requests and count down.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Fraction of requests answered with `error_status` in the vendor's error shape.
    pub error_rate: f64,
    /// The status of injected errors (default 500 when 0).
    pub error_status: u16,
    /// The next N requests fail with `error_status`.
    pub error_next: u32,
    /// Fraction of requests throttled the vendor's way (429 + its headers, or its envelope).
    pub throttle_rate: f64,
    /// The next N requests are throttled: a 429 burst.
    pub throttle_next: u32,
    /// Added latency for every request, in milliseconds.
    pub latency_ms: u64,
    /// Fraction of requests whose connection is dropped without a complete answer.
    pub drop_rate: f64,
    /// The next N requests have their connection dropped.
    pub drop_next: u32,
    /// Fraction of successful answers whose body is cut in half (invalid JSON, status kept).
    pub malformed_rate: f64,
    /// Error bodies echo the request: method, full URL with query, every header (credentials
    /// included) and the body, inside the vendor's error message.
    pub echo_request: bool,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Throttles the next `n` requests.
    pub fn throttle_burst(n: u32) -> Self {
        Self {
            throttle_next: n,
            ..Self::default()
        }
    }

    /// Fails the next `n` requests with `status`.
    pub fn fail_next(n: u32, status: u16) -> Self {
        Self {
            error_next: n,
            error_status: status,
            ..Self::default()
        }
    }

    /// Drops the connection of the next `n` requests.
    pub fn drop_next(n: u32) -> Self {
        Self {
            drop_next: n,
            ..Self::default()
        }
    }

    /// Echo the request in error bodies.
    pub fn echo() -> Self {
        Self {
            echo_request: true,
            ..Self::default()
        }
    }
}

/// The fault decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally.
    None,
    /// Answer the vendor's throttle.
    Throttle,
    /// Answer an error with this status.
    Error(u16),
    /// Drop the connection.
    Drop,
    /// Answer normally but cut the body.
    Malformed,
}

impl Fault {
    /// A short name for the request log.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Fault::None => None,
            Fault::Throttle => Some("throttle"),
            Fault::Error(_) => Some("error"),
            Fault::Drop => Some("drop"),
            Fault::Malformed => Some("malformed"),
        }
    }
}

/// Faults plus the seeded generator that draws them.
#[derive(Debug)]
pub struct FaultState {
    inner: Mutex<(Faults, fastrand::Rng)>,
}

impl FaultState {
    /// Starts with `faults`, drawing from a generator seeded with `seed`.
    pub fn new(faults: Faults, seed: u64) -> Self {
        Self {
            inner: Mutex::new((faults, fastrand::Rng::with_seed(seed))),
        }
    }

    /// The current knobs.
    pub fn get(&self) -> Faults {
        self.inner.lock().expect("faults lock").0.clone()
    }

    /// Replaces the knobs.
    pub fn set(&self, faults: Faults) {
        self.inner.lock().expect("faults lock").0 = faults;
    }

    /// Decides the fault of the next request and the latency to add.
    pub fn decide(&self) -> (Fault, Duration, bool) {
        let mut guard = self.inner.lock().expect("faults lock");
        let (faults, rng) = &mut *guard;
        let latency = Duration::from_millis(faults.latency_ms);
        let status = if faults.error_status == 0 {
            500
        } else {
            faults.error_status
        };
        let fault = if faults.drop_next > 0 {
            faults.drop_next -= 1;
            Fault::Drop
        } else if faults.throttle_next > 0 {
            faults.throttle_next -= 1;
            Fault::Throttle
        } else if faults.error_next > 0 {
            faults.error_next -= 1;
            Fault::Error(status)
        } else if hit(rng, faults.drop_rate) {
            Fault::Drop
        } else if hit(rng, faults.throttle_rate) {
            Fault::Throttle
        } else if hit(rng, faults.error_rate) {
            Fault::Error(status)
        } else if hit(rng, faults.malformed_rate) {
            Fault::Malformed
        } else {
            Fault::None
        };
        (fault, latency, faults.echo_request)
    }
}

fn hit(rng: &mut fastrand::Rng, rate: f64) -> bool {
    rate > 0.0 && rng.f64() < rate
}
