//! A purchase → an ActiveCampaign contact: names, fields and tags.

use ac_client::fields::FieldKey;
use ac_client::sync::MappedContact;
use serde_json::Value;
use woo_client::PaymentMethod;

use super::{Purchase, contact_email};

/// The tag every shop customer gets.
pub const CUSTOMER_TAG: &str = "Klant";
/// The tag every subscriber gets.
pub const SUBSCRIBER_TAG: &str = "Abonnee";

/// The contact for one outbox payload. An order sets the order fields (exact total with its
/// currency: `84.94 EUR`, `1300 KRW`); a subscription sets its status and payment method and
/// tags iDEAL and Bancontact (Mollie) subscribers for payment-method campaigns.
pub fn contact(payload: &Value) -> Result<MappedContact, String> {
    let purchase = Purchase::from_payload(payload)?;
    let s = purchase.summary();
    let what = match &purchase {
        Purchase::Order(_) => format!("order {}", s.id),
        Purchase::Subscription(_) => format!("subscription {}", s.id),
    };
    let mut contact = MappedContact::new(contact_email(s.email.as_deref(), &what)?);
    if let Some(first) = &s.first_name {
        contact = contact.first_name(first.clone());
    }
    if let Some(last) = &s.last_name {
        contact = contact.last_name(last.clone());
    }
    let method = s
        .payment_method_id
        .as_deref()
        .map(PaymentMethod::from_gateway_id);
    if let Some(id) = &s.payment_method_id {
        contact = contact.field(FieldKey::perstag("PAYMENT_METHOD"), id.clone());
    }
    Ok(match purchase {
        Purchase::Order(ref o) => contact
            .field(FieldKey::perstag("ORDER_TOTAL"), o.total.to_string())
            .field(
                FieldKey::perstag("LAST_ORDER_DATE"),
                o.created_at.date_naive(),
            )
            .tag(CUSTOMER_TAG),
        Purchase::Subscription(ref sub) => {
            contact = contact
                .field(FieldKey::perstag("SUBSCRIPTION_STATUS"), sub.status.clone())
                .tag(SUBSCRIBER_TAG);
            match method {
                Some(m) if m.is_ideal() => contact.tag("iDEAL"),
                Some(m) if m.is_bancontact() => contact.tag("Bancontact"),
                _ => contact,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;
    use sync_core::money::Money;
    use sync_core::summary::OrderSummary;

    fn summary(email: Option<&str>, method: &str) -> OrderSummary {
        OrderSummary {
            source: "woocommerce".into(),
            id: "1301".into(),
            number: None,
            status: "active".into(),
            email: email.map(str::to_owned),
            first_name: Some("زهرا".into()),
            last_name: Some("رضایی".into()),
            total: Money::new(Decimal::new(8494, 2), "EUR"),
            created_at: Utc.with_ymd_and_hms(2026, 10, 1, 8, 0, 0).unwrap(),
            paid_at: None,
            modified_at: None,
            line_items: vec![],
            payment_method_id: Some(method.into()),
        }
    }

    #[test]
    fn bancontact_subscribers_are_tagged_by_payment_method() {
        let payload = serde_json::to_value(Purchase::Subscription(summary(
            Some("Moshtari2@Example.be"),
            "mollie_wc_gateway_bancontact",
        )))
        .unwrap();
        let c = contact(&payload).expect("contact");
        assert_eq!(c.email, "moshtari2@example.be");
        assert_eq!(c.first_name.as_deref(), Some("زهرا"));
        assert_eq!(
            c.tags,
            vec![SUBSCRIBER_TAG.to_owned(), "Bancontact".to_owned()]
        );
    }

    #[test]
    fn an_order_keeps_its_exact_total_and_a_missing_email_is_named() {
        let payload = serde_json::to_value(Purchase::Order(summary(
            Some("klant4@example.nl"),
            "mollie_wc_gateway_ideal",
        )))
        .unwrap();
        let c = contact(&payload).expect("contact");
        assert_eq!(c.tags, vec![CUSTOMER_TAG.to_owned()]);
        let total = c
            .fields
            .iter()
            .find(|(k, _)| *k == FieldKey::perstag("ORDER_TOTAL"))
            .map(|(_, v)| format!("{v:?}"))
            .expect("total field");
        assert!(total.contains("84.94 EUR"), "{total}");

        let payload = serde_json::to_value(Purchase::Order(summary(None, "bacs"))).unwrap();
        assert_eq!(
            contact(&payload).unwrap_err(),
            "order 1301 has no billing email"
        );
    }
}
