//! What an event means for each destination: pure functions, no I/O.

use ac_client::sync::MappedContact;
use fb_audience::AudienceChange;
use sha2::{Digest, Sha256};
use sync_core::runtime::RunnerReport;
use sync_core::store::{InboxDelivery, NewOutboxEntry};
use sync_core::summary::OrderSummary;
use sync_core::{PermanentKind, StageError, StreamKey, Verdict};
use woo_client::webhook_receive::{Payload, parse_delivery};

/// The outbox destination for `system`.
pub fn destination(system: &str) -> StreamKey {
    StreamKey::new("woocommerce", system, "shop")
}

/// A stored WooCommerce delivery → one outbox entry per destination. An order becomes its
/// summary; other topics (products, the creation ping) cause nothing. The dedupe key carries
/// a digest of the summary, so a redelivery of the same state is enqueued once and any other
/// state again (two states within one second included, which a timestamp would merge).
pub fn for_delivery(
    delivery: &InboxDelivery,
    targets: &[StreamKey],
) -> Result<Vec<NewOutboxEntry>, StageError> {
    let event = parse_delivery(delivery)
        .map_err(|e| StageError::new(Verdict::Permanent(PermanentKind::Data), e))?;
    let Payload::Order(order) = &event.payload else {
        return Ok(Vec::new());
    };
    let summary = OrderSummary::from(order.as_ref());
    let payload = serde_json::to_value(&summary)
        .map_err(|e| StageError::new(Verdict::Permanent(PermanentKind::Data), e))?;
    let digest = Sha256::digest(payload.to_string().as_bytes());
    let version = hex::encode(&digest[..8]);
    Ok(targets
        .iter()
        .map(|to| {
            let key = format!("order-{}@{version}", summary.id);
            NewOutboxEntry::new(to.clone(), key, payload.clone())
        })
        .collect())
}

/// An order → the buyer as an ActiveCampaign contact, tagged as a customer.
pub fn ac_contact(order: &OrderSummary) -> Result<MappedContact, String> {
    let email = order
        .email
        .clone()
        .ok_or_else(|| format!("order {} has no billing email", order.id))?;
    let mut contact = MappedContact::new(email).tag("customer");
    if let Some(first) = &order.first_name {
        contact = contact.first_name(first.clone());
    }
    if let Some(last) = &order.last_name {
        contact = contact.last_name(last.clone());
    }
    Ok(contact)
}

/// An order → the buyer added to the audience (fb-audience normalizes and hashes). An order
/// without an email identifies no one: it does not concern the audience (the CRM destination
/// dead-letters it with the reason).
pub fn audience_change(order: &OrderSummary) -> AudienceChange {
    if order.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
        return AudienceChange::Ignore;
    }
    AudienceChange::Add(vec![
        order.email.clone().unwrap_or_default(),
        order.first_name.clone().unwrap_or_default(),
        order.last_name.clone().unwrap_or_default(),
    ])
}

/// Whether anything ended in dead letters (the process then exits 1, so that supervisors and
/// CI notice).
pub fn dead_lettered(report: &RunnerReport) -> bool {
    report.inbox.dead_lettered + report.outbox.dead_lettered > 0
}

/// The run's totals, for the line printed at exit.
pub fn summary(report: &RunnerReport) -> serde_json::Value {
    serde_json::json!({
        "webhooks_processed": report.inbox.processed,
        "webhooks_dead_lettered": report.inbox.dead_lettered,
        "deliveries": report.outbox.delivered,
        "deliveries_dead_lettered": report.outbox.dead_lettered,
        "polls": report.polls,
        "failed_polls": report.failed_polls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order_delivery(body: &str) -> InboxDelivery {
        let headers = serde_json::json!({
            "x-wc-webhook-topic": "order.updated",
            "x-wc-webhook-resource": "order",
            "x-wc-webhook-event": "updated",
            "x-wc-webhook-delivery-id": "41",
            "x-wc-webhook-id": "3",
        });
        InboxDelivery {
            source: "woocommerce".into(),
            dedupe_key: "d-41".into(),
            headers,
            body: body.as_bytes().to_vec(),
            received_at: chrono::Utc::now(),
            attempts: 1,
            last_error: None,
            replay_of: None,
            lease: sync_core::store::Lease::new(1, 1, chrono::Utc::now()),
        }
    }

    #[test]
    fn an_order_becomes_one_entry_per_destination_keyed_by_its_version() {
        let body = include_str!("../../../woo-client/tests/fixtures/order.json");
        let targets = [destination("activecampaign"), destination("meta")];
        let entries = for_delivery(&order_delivery(body), &targets).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries[0].dedupe_key.starts_with("order-727@"));
        let summary: OrderSummary = serde_json::from_value(entries[0].payload.clone()).unwrap();
        assert_eq!(summary.email.as_deref(), Some("john.doe@example.com"));
        assert_eq!(summary.total.to_string(), "29.35 USD");
    }

    #[test]
    fn an_order_without_email_is_refused_by_the_crm_mapping_with_the_order_named() {
        let mut order: OrderSummary = serde_json::from_value(serde_json::json!({
            "source": "woocommerce:shop", "id": "9", "number": null, "status": "processing",
            "email": null, "first_name": null, "last_name": null,
            "total": {"amount": "1.00", "currency": "EUR"},
            "created_at": "2026-01-01T00:00:00Z", "paid_at": null, "modified_at": null,
            "line_items": [], "payment_method_id": null
        }))
        .unwrap();
        assert_eq!(
            ac_contact(&order).unwrap_err(),
            "order 9 has no billing email"
        );
        order.email = Some("a@b.test".into());
        assert_eq!(ac_contact(&order).unwrap().email, "a@b.test");
    }
}
