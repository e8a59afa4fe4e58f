//! Vendor-neutral order and customer summaries: the one shape destination sinks (CRM fields,
//! chat contact attributes, audiences) take, whichever shop system the data came from.
//!
//! Shop clients convert their own models into these (`From<&woo_client::models::Order>`,
//! `From<&magento_client::…::Order>`), so a sink is written once. Money is
//! [`Money`]: an exact decimal with its ISO 4217 currency (compare with
//! [`Money::same_amount`]), times are UTC, and nothing here is a float.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use rust_decimal::Decimal;
//! use sync_core::money::Money;
//! use sync_core::summary::OrderSummary;
//!
//! let order = OrderSummary {
//!     source: "woocommerce:shop.example.com".into(),
//!     id: "727".into(),
//!     number: Some("727".into()),
//!     status: "processing".into(),
//!     email: Some("jan@example.com".into()),
//!     first_name: Some("Jan".into()),
//!     last_name: Some("de Vries".into()),
//!     total: Money::new(Decimal::new(2935, 2), "EUR"),
//!     created_at: Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap(),
//!     paid_at: None,
//!     modified_at: None,
//!     line_items: vec!["Koffiebonen 1 kg".into()],
//!     payment_method_id: Some("mollie_wc_gateway_ideal".into()),
//! };
//! assert_eq!(order.total.to_string(), "29.35 EUR");
//! ```

use chrono::{DateTime, Utc};

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// One order, as any destination needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    /// Where it came from (`woocommerce:shop.example.com`, `magento:store-1`).
    pub source: String,
    /// The shop's id for the order.
    pub id: String,
    /// The number shown to the customer (Magento's `increment_id`), when it differs.
    pub number: Option<String>,
    /// The shop's status, as the shop names it (`processing`, `complete`).
    pub status: String,
    /// The billing email.
    pub email: Option<String>,
    /// The billing first name.
    pub first_name: Option<String>,
    /// The billing last name.
    pub last_name: Option<String>,
    /// The grand total, tax included.
    pub total: Money,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// When it was paid, if it was.
    pub paid_at: Option<DateTime<Utc>>,
    /// When it was last modified.
    pub modified_at: Option<DateTime<Utc>>,
    /// The names of its line items, in order.
    pub line_items: Vec<String>,
    /// The payment gateway's id (`mollie_wc_gateway_ideal`), not its display title.
    pub payment_method_id: Option<String>,
}

/// One customer, with totals over their orders, as any destination needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    /// Where it came from.
    pub source: String,
    /// The shop's id for the customer (`None` for a guest known by email only).
    pub id: Option<String>,
    /// The email.
    pub email: String,
    /// The first name.
    pub first_name: Option<String>,
    /// The last name.
    pub last_name: Option<String>,
    /// Orders counted in the totals.
    pub orders_count: u64,
    /// The sum of those orders' totals (one currency; mixed currencies are not summed).
    pub total_spent: Option<Money>,
    /// When the first counted order was placed.
    pub first_order_at: Option<DateTime<Utc>>,
    /// When the last counted order was placed.
    pub last_order_at: Option<DateTime<Utc>>,
    /// When the customer account was created, if there is one.
    pub created_at: Option<DateTime<Utc>>,
}
