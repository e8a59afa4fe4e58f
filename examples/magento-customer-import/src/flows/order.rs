//! An order → what it brings to the customer table.

use chrono::{DateTime, Utc};
use magento_client::Order;
use magento_client::customer::customer_from_order;
use serde::Serialize;

use super::email::{EmailKey, EmailProblem};

/// A purchase: the customer side of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    /// The order's `entity_id`.
    pub order_id: u64,
    /// The order's customer-facing number.
    pub increment_id: String,
    /// When the order was placed (UTC).
    pub at: DateTime<Utc>,
    /// The product bought (the first line's name, else its SKU).
    pub product: Option<String>,
    /// The customer key.
    pub email_key: EmailKey,
    /// The email as on the order, trimmed.
    pub email: String,
    /// The name: from the order, else the billing address, else the email's local part
    /// (magento-client's importer rules).
    pub name: String,
    /// Whether `name` came from the order or billing address (not made from the email).
    pub named: bool,
    /// The Magento customer account, absent for guests.
    pub magento_customer_id: Option<u64>,
}

/// An order that cannot become a customer: recorded with its ids and listed in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderWithoutEmail {
    /// The order's `entity_id`.
    pub order_id: u64,
    /// The order's customer-facing number.
    pub increment_id: String,
    /// The store view.
    pub store_id: Option<u32>,
    /// Why: no email, or which text is not one.
    pub reason: String,
    /// When the order was placed.
    pub created_at: DateTime<Utc>,
}

/// What an order does to the customer table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderEffect {
    /// A purchase by the customer with this email.
    Purchase(Purchase),
    /// No usable email: record the order, create no customer.
    WithoutEmail(OrderWithoutEmail),
}

/// The effect of `order`.
pub fn order_effect(order: &Order) -> OrderEffect {
    let without = |problem: EmailProblem| {
        OrderEffect::WithoutEmail(OrderWithoutEmail {
            order_id: order.entity_id,
            increment_id: order.increment_id.clone(),
            store_id: order.store_id,
            reason: problem.to_string(),
            created_at: order.created_at,
        })
    };
    let (email_key, email) = match EmailKey::parse(order.customer_email.as_deref()) {
        Ok(parsed) => parsed,
        Err(problem) => return without(problem),
    };
    let customer = match customer_from_order(order) {
        Ok(customer) => customer,
        // Unreachable after the check above, but never a silent skip.
        Err(_) => return without(EmailProblem::Missing),
    };
    let product = order.top_level_items().find_map(|item| {
        item.name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .or_else(|| Some(item.sku.trim().to_string()).filter(|s| !s.is_empty()))
    });
    OrderEffect::Purchase(Purchase {
        order_id: order.entity_id,
        increment_id: order.increment_id.clone(),
        at: order.created_at,
        product,
        email_key,
        email,
        named: customer.first_name.is_some() || customer.last_name.is_some(),
        name: customer.name,
        magento_customer_id: order.customer_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn order(patch: Value) -> Order {
        let mut raw = json!({
            "entity_id": 41, "increment_id": "000000041", "store_id": 2,
            "customer_email": " Sanne.Jansen@Example.NL ", "customer_id": 7,
            "customer_firstname": "Sanne", "customer_lastname": "Jansen",
            "created_at": "2026-10-02 09:15:00", "updated_at": "2026-10-02 10:00:00",
            "items": [
                {"item_id": 1, "sku": "TSHIRT", "name": "T-shirt", "product_type": "configurable"},
                {"item_id": 2, "parent_item_id": 1, "sku": "TSHIRT-M", "name": "T-shirt M"},
                {"item_id": 3, "sku": "MUG", "name": "Mug"}
            ]
        });
        for (k, v) in patch.as_object().unwrap() {
            raw[k] = v.clone();
        }
        serde_json::from_value(raw).unwrap()
    }

    #[test]
    fn an_order_is_a_purchase_with_name_date_and_product() {
        let OrderEffect::Purchase(p) = order_effect(&order(json!({}))) else {
            panic!("expected a purchase")
        };
        assert_eq!(p.email_key.as_str(), "sanne.jansen@example.nl");
        assert_eq!(p.email, "Sanne.Jansen@Example.NL");
        assert_eq!((p.name.as_str(), p.named), ("Sanne Jansen", true));
        assert_eq!(p.product.as_deref(), Some("T-shirt"));
        assert_eq!(p.at.to_rfc3339(), "2026-10-02T09:15:00+00:00");
        assert_eq!((p.order_id, p.magento_customer_id), (41, Some(7)));
    }

    #[test]
    fn without_a_name_the_email_names_the_customer() {
        let nameless = order(
            json!({"customer_firstname": null, "customer_lastname": null,
            "items": [{"item_id": 1, "sku": "MUG"}]}),
        );
        let OrderEffect::Purchase(p) = order_effect(&nameless) else {
            panic!("expected a purchase")
        };
        assert_eq!((p.name.as_str(), p.named), ("Sanne.Jansen", false));
        assert_eq!(p.product.as_deref(), Some("MUG"));
    }

    #[test]
    fn orders_without_a_usable_email_keep_their_ids() {
        let missing = order_effect(&order(json!({"customer_email": null})));
        assert_eq!(
            missing,
            OrderEffect::WithoutEmail(OrderWithoutEmail {
                order_id: 41,
                increment_id: "000000041".into(),
                store_id: Some(2),
                reason: "the order has no customer_email".into(),
                created_at: order(json!({})).created_at,
            })
        );
        let OrderEffect::WithoutEmail(bad) =
            order_effect(&order(json!({"customer_email": "sanne at example.nl"})))
        else {
            panic!("expected no customer")
        };
        assert_eq!(
            bad.reason,
            "customer_email \"sanne at example.nl\" is not an email address"
        );
    }
}
