//! The order → customer mapping of the Magento importer this crate replaces.
//!
//! Each order yields the customer who placed it:
//!
//! * **name**: `customer_firstname` + `customer_lastname`; else the billing address's first and
//!   last name; else the part of the email before `@`; else `"Unknown Customer"`;
//! * **email**: `customer_email`, trimmed. An order without one cannot become a contact: it is
//!   reported as a [`SkippedOrder`] with its ids, counted and logged, never dropped silently.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::models::Order;
use crate::models::order::join_name;
use sync_core::money::Money;

/// The name used when an order carries no name at all.
pub const UNKNOWN_CUSTOMER: &str = "Unknown Customer";

/// A customer as seen on one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderCustomer {
    /// Email, trimmed (as entered; compare with [`OrderCustomer::email_key`]).
    pub email: String,
    /// Display name, by the rules in the module docs.
    pub name: String,
    /// First name (order, else billing).
    pub first_name: Option<String>,
    /// Last name (order, else billing).
    pub last_name: Option<String>,
    /// Billing phone.
    pub phone: Option<String>,
    /// Billing country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// Billing city.
    pub city: Option<String>,
    /// Magento customer id (absent for guests).
    pub customer_id: Option<u64>,
    /// Guest checkout.
    pub is_guest: bool,
    /// The store view the order was placed in.
    pub store_id: Option<u32>,
    /// The order's entity id.
    pub order_entity_id: u64,
    /// The order's increment id.
    pub order_increment_id: String,
    /// When the order was placed (UTC).
    pub order_created_at: DateTime<Utc>,
    /// The order's grand total, rounded to the currency's minor unit.
    pub order_total: Option<Money>,
    /// Whether the order is fully paid (compared at the minor unit).
    pub order_paid: bool,
}

impl OrderCustomer {
    /// The email lower-cased: the key to upsert contacts by.
    pub fn email_key(&self) -> String {
        self.email.to_lowercase()
    }
}

/// Why an order produced no customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SkipReason {
    /// `customer_email` is absent or blank.
    MissingEmail,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::MissingEmail => "the order has no customer_email",
        })
    }
}

/// An order that produced no customer, with the ids to find it in the Magento admin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SkippedOrder {
    /// The order's entity id.
    pub entity_id: u64,
    /// The order's increment id.
    pub increment_id: String,
    /// The store view.
    pub store_id: Option<u32>,
    /// Why it was skipped.
    pub reason: SkipReason,
}

impl fmt::Display for SkippedOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "order #{} (entity_id {}) skipped: {}",
            self.increment_id, self.entity_id, self.reason
        )
    }
}

/// The customer who placed `order`, or why there is none.
///
/// ```
/// use magento_client::{Order, customer::customer_from_order};
///
/// let order: Order = serde_json::from_str(r#"{
///     "entity_id": 9, "increment_id": "000000009", "customer_email": " Ada@Example.com ",
///     "billing_address": {"firstname": "Ada", "lastname": "Lovelace"},
///     "created_at": "2026-01-01 10:00:00", "updated_at": "2026-01-01 10:00:00"
/// }"#).unwrap();
/// let customer = customer_from_order(&order).unwrap();
/// assert_eq!(customer.name, "Ada Lovelace"); // no order-level name: the billing name
/// assert_eq!(customer.email_key(), "ada@example.com");
/// ```
pub fn customer_from_order(order: &Order) -> Result<OrderCustomer, SkippedOrder> {
    let email = order
        .customer_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| SkippedOrder {
            entity_id: order.entity_id,
            increment_id: order.increment_id.clone(),
            store_id: order.store_id,
            reason: SkipReason::MissingEmail,
        })?
        .to_string();

    let billing = order.billing_address.as_ref();
    let order_name = join_name(
        order.customer_firstname.as_deref(),
        order.customer_lastname.as_deref(),
    );
    let billing_name = billing.and_then(|b| b.full_name());
    let local_part = email
        .split('@')
        .next()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let name = order_name
        .clone()
        .or(billing_name)
        .or(local_part)
        .unwrap_or_else(|| UNKNOWN_CUSTOMER.to_string());

    let non_blank = |s: Option<&String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let (first_name, last_name) = if order_name.is_some() {
        (
            non_blank(order.customer_firstname.as_ref()),
            non_blank(order.customer_lastname.as_ref()),
        )
    } else {
        (
            non_blank(billing.and_then(|b| b.firstname.as_ref())),
            non_blank(billing.and_then(|b| b.lastname.as_ref())),
        )
    };

    Ok(OrderCustomer {
        email,
        name,
        first_name,
        last_name,
        phone: non_blank(billing.and_then(|b| b.telephone.as_ref())),
        country: non_blank(billing.and_then(|b| b.country_id.as_ref())),
        city: non_blank(billing.and_then(|b| b.city.as_ref())),
        customer_id: order.customer_id,
        is_guest: order.is_guest(),
        store_id: order.store_id,
        order_entity_id: order.entity_id,
        order_increment_id: order.increment_id.clone(),
        order_created_at: order.created_at,
        order_total: order.grand_total_money().map(|total| total.rounded()),
        order_paid: order.is_fully_paid(),
    })
}

/// Customers mapped from a set of orders, and the orders that produced none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomerMapping {
    /// One customer per order that had an email, in order.
    pub customers: Vec<OrderCustomer>,
    /// The orders skipped, with their ids and the reason.
    pub skipped: Vec<SkippedOrder>,
}

impl CustomerMapping {
    /// How many orders were skipped.
    pub fn skipped_count(&self) -> usize {
        self.skipped.len()
    }
}

/// Map every order; skipped ones are collected (and logged at `warn`), not dropped.
pub fn map_orders<'a>(orders: impl IntoIterator<Item = &'a Order>) -> CustomerMapping {
    let mut mapping = CustomerMapping::default();
    for order in orders {
        match customer_from_order(order) {
            Ok(customer) => mapping.customers.push(customer),
            Err(skipped) => {
                tracing::warn!(
                    entity_id = skipped.entity_id,
                    increment_id = %skipped.increment_id,
                    reason = %skipped.reason,
                    "order skipped by the customer mapping"
                );
                mapping.skipped.push(skipped);
            }
        }
    }
    mapping
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn order(patch: Value) -> Order {
        let mut raw: Value =
            serde_json::from_str(include_str!("../tests/fixtures/order.json")).unwrap();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                raw.as_object_mut().unwrap().remove(k);
            } else {
                raw[k] = v.clone();
            }
        }
        serde_json::from_value(raw).unwrap()
    }

    #[test]
    fn name_falls_back_in_the_importer_order() {
        let c = customer_from_order(&order(json!({}))).unwrap();
        assert_eq!(c.name, "Jane Doe");
        assert_eq!(c.phone.as_deref(), Some("512-555-1111"));
        assert_eq!(c.order_total.as_ref().unwrap().to_string(), "165.00 USD");
        assert!(!c.order_paid);

        let only_last = order(json!({"customer_firstname": null, "customer_lastname": " Doe "}));
        assert_eq!(customer_from_order(&only_last).unwrap().name, "Doe");

        let billing = order(
            json!({"customer_firstname": null, "customer_lastname": null,
            "billing_address": {"firstname": "Bill", "lastname": "Ing"}}),
        );
        let c = customer_from_order(&billing).unwrap();
        assert_eq!(c.name, "Bill Ing");
        assert_eq!(
            (c.first_name.as_deref(), c.last_name.as_deref()),
            (Some("Bill"), Some("Ing"))
        );

        let email_only = order(json!({"customer_firstname": "", "customer_lastname": null,
            "billing_address": {"firstname": " "}, "customer_email": "j.doe+shop@example.com"}));
        assert_eq!(customer_from_order(&email_only).unwrap().name, "j.doe+shop");

        let nothing = order(
            json!({"customer_firstname": null, "customer_lastname": null,
            "billing_address": null, "customer_email": "@example.com"}),
        );
        assert_eq!(
            customer_from_order(&nothing).unwrap().name,
            UNKNOWN_CUSTOMER
        );
    }

    #[test]
    fn orders_without_email_are_skipped_and_counted() {
        let orders = [
            order(json!({})),
            order(json!({"customer_email": null, "entity_id": 8, "increment_id": "000000008"})),
            order(json!({"customer_email": "  ", "entity_id": 9, "increment_id": "000000009"})),
        ];
        let mapping = map_orders(&orders);
        assert_eq!(mapping.customers.len(), 1);
        assert_eq!(mapping.skipped_count(), 2);
        assert_eq!(mapping.skipped[0].entity_id, 8);
        assert_eq!(mapping.skipped[1].increment_id, "000000009");
        assert_eq!(mapping.skipped[0].reason, SkipReason::MissingEmail);
        assert_eq!(
            mapping.skipped[1].to_string(),
            "order #000000009 (entity_id 9) skipped: the order has no customer_email"
        );
    }
}
