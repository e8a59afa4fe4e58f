//! Where the vendors are: the sandbox started in this process (the default), or vendors already
//! running, described by an endpoints file (`--endpoints`).

use std::path::Path;

use sandbox::Seed;
use sandbox::suite::{Endpoints, Suite, SuiteOptions};

use crate::cli::ArgsError;

/// The vendors of this run. Holds the in-process sandbox, when there is one, until dropped.
#[derive(Debug)]
pub struct Vendors {
    /// Base URLs and credentials.
    pub endpoints: Endpoints,
    /// Whether the sandbox runs in this process: its ports change every run, so state is kept
    /// under the tenant `sandbox` rather than under each shop's address.
    pub in_process: bool,
    _suite: Option<Suite>,
}

/// The sandbox's shop data for `orders` orders.
///
/// Customers, products and subscriptions are fixed rather than proportional to `orders`, so
/// raising `--orders` between runs only appends orders (same people, same earlier orders).
pub fn shop_seed(orders: u64) -> Seed {
    Seed {
        orders: orders as usize,
        customers: 100,
        products: 12,
        subscriptions: 30,
        seed: 42,
    }
}

impl Vendors {
    /// Starts every fake on loopback, seeded deterministically: every run sees the same shops.
    pub async fn start_sandbox(orders: u64) -> std::io::Result<Self> {
        let suite = Suite::start(SuiteOptions::new(shop_seed(orders))).await?;
        Ok(Self {
            endpoints: suite.endpoints(),
            in_process: true,
            _suite: Some(suite),
        })
    }

    /// Reads an endpoints file (JSON, [`Endpoints`]).
    pub fn from_file(path: &Path) -> Result<Self, ArgsError> {
        let fail = |why: String| ArgsError::EndpointsFile {
            path: path.to_path_buf(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let endpoints =
            serde_json::from_str(&text).map_err(|e| fail(format!("not an endpoints file: {e}")))?;
        Ok(Self {
            endpoints,
            in_process: false,
            _suite: None,
        })
    }
}
