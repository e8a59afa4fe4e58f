//! Magento orders and customers as sync-core's vendor-neutral [`OrderSummary`] and
//! [`CustomerSummary`], so a destination sink takes one shape whichever shop the data came from.
//!
//! - `total` is `grand_total` in the order currency, the exact [`Decimal`] Magento sent (not
//!   rounded: compare with [`sync_core::money::same_amount`]); times are UTC.
//! - `status` is the merchant's `status` label (`pending`), else the workflow `state`.
//! - `payment_method_id` is the payment method code (`banktransfer`, `checkmo`).
//! - `line_items` are the top-level items: a configurable product's child line is left out, so
//!   each product appears once, as the customer saw it.
//! - `paid_at` is always `None`: an order carries no payment time (its invoices do).
//! - `source` is [`SOURCE`]; a conversion does not know the installation, so set `source` to
//!   `magento:<store>` when one service reads several.
//!
//! ```
//! use magento_client::Order;
//! use sync_core::summary::OrderSummary;
//!
//! let order: Order = serde_json::from_str(r#"{
//!     "entity_id": 3, "increment_id": "000000003", "status": "pending",
//!     "order_currency_code": "EUR", "grand_total": 84.939999,
//!     "created_at": "2017-08-21 22:22:19", "updated_at": "2017-08-21 22:22:20"
//! }"#).unwrap();
//! let summary = OrderSummary::from(&order);
//! assert_eq!(summary.total.to_string(), "84.939999 EUR");
//! assert_eq!(summary.number.as_deref(), Some("000000003"));
//! ```

use rust_decimal::Decimal;
use sync_core::money::Money;
use sync_core::summary::{CustomerSummary, OrderSummary};

use crate::customer::{SkippedOrder, UNKNOWN_CUSTOMER, customer_from_order};
use crate::models::{Customer, Order};

/// The `source` every summary made here carries.
pub const SOURCE: &str = "magento";

/// Names are the billing address's (the summary's fields are billing names), else the order's
/// `customer_firstname`/`customer_lastname`; the email is `customer_email`, else the billing
/// address's. An order without `grand_total` or currency (never seen from Magento itself) gets a
/// zero total in an empty currency rather than a made-up one.
impl From<&Order> for OrderSummary {
    fn from(order: &Order) -> Self {
        let billing = order.billing_address.as_ref();
        OrderSummary {
            source: SOURCE.to_string(),
            id: order.entity_id.to_string(),
            number: non_blank(Some(&order.increment_id)),
            status: non_blank(order.status.as_deref())
                .or_else(|| order.state.as_ref().map(|s| s.as_str().to_string()))
                .unwrap_or_default(),
            email: non_blank(order.customer_email.as_deref())
                .or_else(|| non_blank(billing.and_then(|b| b.email.as_deref()))),
            first_name: non_blank(billing.and_then(|b| b.firstname.as_deref()))
                .or_else(|| non_blank(order.customer_firstname.as_deref())),
            last_name: non_blank(billing.and_then(|b| b.lastname.as_deref()))
                .or_else(|| non_blank(order.customer_lastname.as_deref())),
            total: Money::new(
                order.grand_total.unwrap_or(Decimal::ZERO),
                order.currency().unwrap_or_default().trim(),
            ),
            created_at: order.created_at,
            paid_at: None,
            modified_at: Some(order.updated_at),
            line_items: order
                .top_level_items()
                .filter_map(|item| non_blank(item.name.as_deref()))
                .collect(),
            payment_method_id: non_blank(order.payment.as_ref().map(|p| p.method.as_str())),
        }
    }
}

/// A customer account. An account carries no order totals, so `orders_count` is 0 and
/// `total_spent` is `None`: fold the customer's orders in for those.
impl From<&Customer> for CustomerSummary {
    fn from(customer: &Customer) -> Self {
        CustomerSummary {
            source: SOURCE.to_string(),
            id: Some(customer.id.to_string()),
            email: customer.email.trim().to_string(),
            first_name: non_blank(customer.firstname.as_deref()),
            last_name: non_blank(customer.lastname.as_deref()),
            orders_count: 0,
            total_spent: None,
            first_order_at: None,
            last_order_at: None,
            created_at: customer.created_at,
        }
    }
}

/// The customer who placed `order`, by this crate's order → customer rule
/// ([`customer_from_order`]), with that one order counted (`orders_count` 1, `total_spent` its
/// exact `grand_total`, first and last order at its creation).
///
/// Names are the order's `customer_firstname`/`customer_lastname`, else the billing address's.
/// With neither, the rule's display name (the email's local part) becomes `first_name`, because
/// the summary has no separate display name and a contact needs one; "Unknown Customer" is not
/// written. An order without `customer_email` is the [`SkippedOrder`] the rule reports.
pub fn customer_summary_from_order(order: &Order) -> Result<CustomerSummary, SkippedOrder> {
    let customer = customer_from_order(order)?;
    let no_name = customer.first_name.is_none() && customer.last_name.is_none();
    let first_name = if no_name && customer.name != UNKNOWN_CUSTOMER {
        Some(customer.name)
    } else {
        customer.first_name
    };
    let total_spent = match (order.grand_total, order.currency()) {
        (Some(total), Some(currency)) => Some(Money::new(total, currency.trim())),
        _ => None,
    };
    Ok(CustomerSummary {
        source: SOURCE.to_string(),
        id: customer.customer_id.map(|id| id.to_string()),
        email: customer.email,
        first_name,
        last_name: customer.last_name,
        orders_count: 1,
        total_spent,
        first_order_at: Some(order.created_at),
        last_order_at: Some(order.created_at),
        created_at: None,
    })
}

fn non_blank(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}
