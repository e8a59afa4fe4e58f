//! WooCommerce orders, subscriptions and customers as sync-core's vendor-neutral
//! [`OrderSummary`] and [`CustomerSummary`], so a destination sink takes one shape whichever
//! shop the data came from.
//!
//! - Money is the exact [`Decimal`](rust_decimal::Decimal) WooCommerce sent, with the order's
//!   currency; dates are the `*_gmt` fields (UTC), never the site-local ones.
//! - `payment_method_id` is the gateway id (`mollie_wc_gateway_ideal`), not the title.
//! - `status` is WooCommerce's own string (`processing`, a plugin's `wc-shipped` without `wc-`).
//! - Line item names are as WooCommerce stores them (entities such as `&ndash;` included).
//! - `source` is [`SOURCE`]; a conversion does not know the site, so set `source` to
//!   `woocommerce:<host>` when one service reads several stores.
//!
//! ```
//! use sync_core::summary::OrderSummary;
//! use woo_client::models::Order;
//!
//! let order: Order = serde_json::from_str(r#"{"id": 727, "number": "727",
//!     "status": "processing", "currency": "EUR", "total": "29.35",
//!     "date_created_gmt": "2017-03-22T19:28:02", "payment_method": "mollie_wc_gateway_ideal",
//!     "payment_method_title": "iDEAL"}"#).unwrap();
//! let summary = OrderSummary::from(&order);
//! assert_eq!(summary.total.to_string(), "29.35 EUR");
//! assert_eq!(summary.payment_method_id.as_deref(), Some("mollie_wc_gateway_ideal"));
//! ```

use chrono::{DateTime, Utc};
use sync_core::money::Money;
use sync_core::summary::{CustomerSummary, OrderSummary};

use crate::models::{Address, Customer, LineItem, Order, Subscription};

/// The `source` every summary made here carries.
pub const SOURCE: &str = "woocommerce";

impl From<&Order> for OrderSummary {
    fn from(order: &Order) -> Self {
        OrderSummary {
            source: SOURCE.to_string(),
            id: order.id.to_string(),
            number: non_blank(&order.number),
            status: order.status.as_str().to_string(),
            email: billing_email(&order.billing),
            first_name: non_blank(&order.billing.first_name),
            last_name: non_blank(&order.billing.last_name),
            total: Money::new(order.total, order.currency.trim()),
            created_at: created_at(order.date_created_gmt, order.date_modified_gmt),
            paid_at: order.date_paid_gmt,
            modified_at: order.date_modified_gmt,
            line_items: line_item_names(&order.line_items),
            payment_method_id: non_blank(&order.payment_method),
        }
    }
}

/// A subscription as an order summary: `total` is the recurring total, `paid_at` the last
/// payment of the subscription's own record (`date_paid_gmt`), `status` the subscription's
/// (`active`, `on-hold`, …).
impl From<&Subscription> for OrderSummary {
    fn from(subscription: &Subscription) -> Self {
        OrderSummary {
            source: SOURCE.to_string(),
            id: subscription.id.to_string(),
            number: non_blank(&subscription.number),
            status: subscription.status.as_str().to_string(),
            email: billing_email(&subscription.billing),
            first_name: non_blank(&subscription.billing.first_name),
            last_name: non_blank(&subscription.billing.last_name),
            total: Money::new(subscription.total, subscription.currency.trim()),
            created_at: created_at(
                subscription.date_created_gmt,
                subscription.date_modified_gmt,
            ),
            paid_at: subscription.date_paid_gmt,
            modified_at: subscription.date_modified_gmt,
            line_items: line_item_names(&subscription.line_items),
            payment_method_id: non_blank(&subscription.payment_method),
        }
    }
}

/// A registered customer. `/wc/v3/customers` carries no order totals, so `orders_count` is 0
/// and `total_spent` is `None`: fold the customer's orders in for those. Names fall back to the
/// billing address when the account has none (guest checkouts that later registered).
impl From<&Customer> for CustomerSummary {
    fn from(customer: &Customer) -> Self {
        let email = non_blank(&customer.email)
            .or_else(|| billing_email(&customer.billing))
            .unwrap_or_default();
        CustomerSummary {
            source: SOURCE.to_string(),
            id: (customer.id != 0).then(|| customer.id.to_string()),
            email,
            first_name: non_blank(&customer.first_name)
                .or_else(|| non_blank(&customer.billing.first_name)),
            last_name: non_blank(&customer.last_name)
                .or_else(|| non_blank(&customer.billing.last_name)),
            orders_count: 0,
            total_spent: None,
            first_order_at: None,
            last_order_at: None,
            created_at: customer.date_created_gmt,
        }
    }
}

/// The customer who placed `order`, from its billing address, with that one order counted
/// (`orders_count` 1, `total_spent` the order total, first and last order at its creation).
///
/// `None` when the billing email is blank: such an order cannot become a contact. Guests
/// (`customer_id` 0) get `id: None`. Whether a cancelled or failed order should count is the
/// caller's choice: this counts whatever it is given.
pub fn customer_from_order(order: &Order) -> Option<CustomerSummary> {
    let email = billing_email(&order.billing)?;
    let placed = created_at(order.date_created_gmt, order.date_modified_gmt);
    Some(CustomerSummary {
        source: SOURCE.to_string(),
        id: (order.customer_id != 0).then(|| order.customer_id.to_string()),
        email,
        first_name: non_blank(&order.billing.first_name),
        last_name: non_blank(&order.billing.last_name),
        orders_count: 1,
        total_spent: Some(Money::new(order.total, order.currency.trim())),
        first_order_at: Some(placed),
        last_order_at: Some(placed),
        created_at: None,
    })
}

/// The billing email, trimmed; `None` when blank.
fn billing_email(billing: &Address) -> Option<String> {
    billing.email.as_deref().and_then(non_blank)
}

/// `date_created_gmt`; orders always carry it, but the summary needs a time, so a record
/// without one falls back to its last modification, then to the Unix epoch.
fn created_at(created: Option<DateTime<Utc>>, modified: Option<DateTime<Utc>>) -> DateTime<Utc> {
    created.or(modified).unwrap_or(DateTime::UNIX_EPOCH)
}

fn line_item_names(items: &[LineItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| non_blank(&item.name))
        .collect()
}

fn non_blank(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}
