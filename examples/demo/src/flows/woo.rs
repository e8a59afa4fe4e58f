//! WooCommerce orders and Subscriptions → outbox entries, one per destination.
//!
//! Each record is read once and put into the outbox as a [`Purchase`] for every destination
//! that wants it; each destination's sink maps it its own way.

use chrono::{DateTime, Utc};
use sync_core::store::{NewOutboxEntry, OutboxLimits};
use sync_core::summary::OrderSummary;
use woo_client::models::{Order, Subscription};

use super::{Purchase, ac_contacts, meta_audience};

/// Attempts and age per outbox entry: a few tries, and a day (a demo run is short; the
/// shop-plugin default of a week is for services).
fn limits() -> OutboxLimits {
    OutboxLimits::new(5, Some(std::time::Duration::from_secs(24 * 60 * 60)))
}

/// `<kind>:<id>@<modified>`: the same version read twice is queued once, a later change again.
fn dedupe_key(kind: &str, id: u64, modified: Option<DateTime<Utc>>) -> String {
    format!("{kind}:{id}@{}", modified.map_or(0, |t| t.timestamp()))
}

fn entry(
    destination: sync_core::StreamKey,
    key: &str,
    purchase: &Purchase,
) -> Result<NewOutboxEntry, String> {
    let payload = serde_json::to_value(purchase).map_err(|e| e.to_string())?;
    Ok(NewOutboxEntry::new(destination, key, payload).limits(limits()))
}

/// An order goes to ActiveCampaign (the buyer as a customer) and to the Meta audience.
pub fn order_entries(order: &Order) -> Result<Vec<NewOutboxEntry>, String> {
    let key = dedupe_key(
        "order",
        order.id,
        order.date_modified_gmt.or(order.date_created_gmt),
    );
    let purchase = Purchase::Order(OrderSummary::from(order));
    Ok(vec![
        entry(ac_contacts(), &key, &purchase)?,
        entry(meta_audience(), &key, &purchase)?,
    ])
}

/// A subscription goes to ActiveCampaign (status and payment method on the contact).
pub fn subscription_entries(subscription: &Subscription) -> Result<Vec<NewOutboxEntry>, String> {
    let key = dedupe_key(
        "subscription",
        subscription.id,
        subscription
            .date_modified_gmt
            .or(subscription.date_created_gmt),
    );
    let purchase = Purchase::Subscription(OrderSummary::from(subscription));
    Ok(vec![entry(ac_contacts(), &key, &purchase)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_goes_to_both_destinations_under_one_versioned_key() {
        let order: Order = serde_json::from_value(serde_json::json!({
            "id": 727, "status": "processing", "currency": "KRW", "total": "1300",
            "date_modified_gmt": "2026-10-01T09:00:00",
            "billing": {"first_name": "민준", "last_name": "김", "email": "gogaek3@example.kr"}
        }))
        .expect("order");
        let entries = order_entries(&order).expect("entries");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].destination, ac_contacts());
        assert_eq!(entries[1].destination, meta_audience());
        assert_eq!(entries[0].dedupe_key, "order:727@1790845200");
        assert_eq!(entries[0].dedupe_key, entries[1].dedupe_key);
        let purchase = Purchase::from_payload(&entries[0].payload).expect("purchase");
        assert_eq!(purchase.summary().total.to_string(), "1300 KRW");
    }

    #[test]
    fn a_subscription_goes_to_activecampaign_only() {
        let subscription: Subscription = serde_json::from_value(serde_json::json!({
            "id": 1301, "status": "active", "currency": "EUR", "total": "19.99",
            "payment_method": "mollie_wc_gateway_ideal",
            "billing": {"email": "klant4@example.nl"}
        }))
        .expect("subscription");
        let entries = subscription_entries(&subscription).expect("entries");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].dedupe_key, "subscription:1301@0");
        assert!(matches!(
            Purchase::from_payload(&entries[0].payload),
            Ok(Purchase::Subscription(_))
        ));
    }
}
