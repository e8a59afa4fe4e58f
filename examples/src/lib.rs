//! Small reference tools for commerce-sync that need no server:
//!
//! * `cargo run -p examples --bin audience-hash -- --help`: normalizes and hashes a customer CSV
//!   for a Meta Custom Audience upload (see `fb-audience`).
//!
//! The demo of the shop flows is its own crate, `examples/demo` (`cargo run -p demo`), and the
//! vendor sandbox is `examples/sandbox` (`commerce-sync-sandbox`).
