#![recursion_limit = "512"]
//! Stateful fakes of the vendors commerce-sync talks to, on loopback, for tests and demos:
//! [`woo`] (WooCommerce `wc/v3`), [`magento`] (Magento 2 REST), [`activecampaign`] (API v3),
//! [`meta`] (Graph custom audiences), [`chatwoot`] (Platform and Application APIs), [`ga4`]
//! (Measurement Protocol) and [`bigquery`] (`tabledata.insertAll`). Seed data comes from [`seed`];
//! [`suite`] starts the shop-flow fakes together and describes their endpoints.
//!
//! Each fake answers in its vendor's real shapes and with its quirks, stores what it is sent,
//! counts how many times each entity was written (so duplicates and losses can be counted),
//! logs every request, and takes fault knobs at start and at runtime. Every fake also serves an
//! inspection API under `/_sandbox/...`:
//!
//! | route | what |
//! | --- | --- |
//! | `GET /_sandbox/requests` | every request received (method, path, query, headers, body, time, status) |
//! | `GET /_sandbox/entities[/{kind}]` | every stored entity |
//! | `GET /_sandbox/writes` | how many times each entity was written through the API |
//! | `GET/PUT /_sandbox/faults` | the fault knobs ([`Faults`]) |
//! | `POST /_sandbox/seed` | reseed ([`Seed`]) |
//! | `POST /_sandbox/webhooks/fire` | fire WooCommerce webhooks (duplicates, bursts, out of order) |
//! | `GET /_sandbox/deliveries` | webhook deliveries sent (WooCommerce, Chatwoot) |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use sandbox::{Faults, Seed, woo::WooFake};
//!
//! let woo = WooFake::start(Seed::orders(100)).await?;
//! woo.set_faults(Faults::throttle_burst(3));
//! assert!(woo.base_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(woo.entities("orders").len(), 100);
//! assert!(woo.received().is_empty());
//! # Ok(()) }
//! ```

pub mod activecampaign;
pub mod bigquery;
pub mod chatwoot;
pub mod fake;
pub mod faults;
pub mod ga4;
pub mod inspect;
pub mod magento;
pub mod meta;
pub mod php;
pub mod seed;
pub mod server;
pub mod store;
pub mod suite;
pub mod woo;

pub use fake::Fake;
pub use faults::Faults;
pub use inspect::ReceivedRequest;
pub use seed::Seed;
