//! Reference apps for commerce-sync, and a local sandbox of the APIs they talk to, so that every
//! example runs on a fresh machine with no accounts.
//!
//! * `cargo run -p examples --bin demo`: orders from a sandbox shop into a sandbox CRM through
//!   the sync-core engine, with SQLite state; it syncs, resumes with nothing new, then picks up
//!   only new orders.
//! * `cargo run -p examples --bin audience-hash -- --help`: Meta Custom Audiences hashing.

pub mod sandbox;
