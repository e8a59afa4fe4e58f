//! Pure functions, no I/O: an order → what it means for the customer table.
//!
//! * [`email`]: the one email rule ([`EmailKey`]): the table's unique key and the duplicate
//!   check are the same value, so they cannot disagree (the importer we replace checked
//!   `(website, email, purchase date)` against a unique key on `(website, email)`, and a
//!   returning customer's second order failed on insert).
//! * [`order`]: an order → a [`Purchase`] or an [`OrderWithoutEmail`].
//! * [`customer`]: an existing customer row + a purchase → the row to write.

pub mod customer;
pub mod email;
pub mod order;

pub use customer::{CustomerEffect, CustomerRow, PurchasePoint, apply_purchase};
pub use email::EmailKey;
pub use order::{OrderEffect, OrderWithoutEmail, Purchase, order_effect};
