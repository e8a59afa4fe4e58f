//! Magento orders → Chatwoot contacts: each order, as sync-core's vendor-neutral
//! [`OrderSummary`] (`From<&Order>` in magento-client), is merged by chatwoot-client's contact
//! sink into the customer's order ledger, so an agent sees their count, total and last order.

use magento_client::Order;
use sync_core::summary::OrderSummary;

use super::contact_email;

/// The order as a summary for Chatwoot, or why it cannot reach a contact (no email: the
/// reason names the order's entity and increment ids).
pub fn order_summary(order: &Order) -> Result<OrderSummary, String> {
    let mut summary = OrderSummary::from(order);
    let what = format!(
        "order {} (increment id {})",
        summary.id,
        summary.number.as_deref().unwrap_or("?")
    );
    summary.email = Some(contact_email(summary.email.as_deref(), &what)?);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(email: &str) -> Order {
        serde_json::from_value(serde_json::json!({
            "entity_id": 8, "increment_id": "000000008", "status": "processing",
            "order_currency_code": "EUR", "grand_total": 84.94, "customer_email": email,
            "customer_firstname": "Jürgen", "customer_lastname": "Müller",
            "created_at": "2026-10-01 13:00:00", "updated_at": "2026-10-01 14:00:00"
        }))
        .expect("order")
    }

    #[test]
    fn the_summary_keeps_exact_money_and_a_tidy_email() {
        let summary = order_summary(&order(" Kunde8@Beispiel.de ")).expect("summary");
        assert_eq!(summary.email.as_deref(), Some("kunde8@beispiel.de"));
        assert_eq!(summary.first_name.as_deref(), Some("Jürgen"));
        assert_eq!(summary.total.to_string(), "84.94 EUR");
        assert_eq!(summary.number.as_deref(), Some("000000008"));
    }

    #[test]
    fn an_order_without_email_names_its_increment_id() {
        assert_eq!(
            order_summary(&order("")).unwrap_err(),
            "order 8 (increment id 000000008) has no billing email"
        );
    }
}
