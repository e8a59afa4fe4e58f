//! The shop flows as pure functions: a source record in, what each destination gets out.
//! No I/O here, so each mapping is unit-tested on its own.
//!
//! | flow | source | destination |
//! | --- | --- | --- |
//! | [`woo`] | WooCommerce orders and Subscriptions | outbox entries for [`activecampaign`] and [`meta`] |
//! | [`activecampaign`] | a purchase from the outbox | a contact with fields and tags |
//! | [`meta`] | a purchase from the outbox | a hashed audience member |
//! | [`magento_customers`] | Magento orders | order summaries for Chatwoot's contact sink (order ledger per customer) |

use serde::{Deserialize, Serialize};
use sync_core::StreamKey;
use sync_core::summary::OrderSummary;

pub mod activecampaign;
pub mod magento_customers;
pub mod meta;
pub mod woo;

/// What travels through the outbox: a shop purchase in sync-core's vendor-neutral shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "summary", rename_all = "snake_case")]
pub enum Purchase {
    /// A one-off order.
    Order(OrderSummary),
    /// A subscription (status, recurring total, gateway).
    Subscription(OrderSummary),
}

impl Purchase {
    /// The summary, whichever kind.
    pub fn summary(&self) -> &OrderSummary {
        match self {
            Purchase::Order(s) | Purchase::Subscription(s) => s,
        }
    }

    /// Reads a purchase back from an outbox payload.
    pub fn from_payload(payload: &serde_json::Value) -> Result<Self, String> {
        serde_json::from_value(payload.clone()).map_err(|e| format!("not a purchase: {e}"))
    }
}

/// The outbox destination of ActiveCampaign contacts.
pub fn ac_contacts() -> StreamKey {
    StreamKey::new("demo", "activecampaign.contacts", "sandbox")
}

/// The outbox destination of the Meta custom audience.
pub fn meta_audience() -> StreamKey {
    StreamKey::new("demo", "meta.audience", "sandbox")
}

/// An email as contact systems key it (trimmed, lower-cased), or why there is none.
///
/// Only emptiness is decided here; whether an address is valid is the destination client's
/// call (ActiveCampaign's sink and Meta's normalizer reject malformed ones with a reason).
pub fn contact_email(email: Option<&str>, what: &str) -> Result<String, String> {
    match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Ok(e.to_lowercase()),
        None => Err(format!("{what} has no billing email")),
    }
}

#[cfg(test)]
mod tests {
    use super::contact_email;

    #[test]
    fn untidy_emails_are_tidied_and_missing_ones_named() {
        assert_eq!(
            contact_email(Some(" Klant7@EXAMPLE.NL "), "order 7").as_deref(),
            Ok("klant7@example.nl")
        );
        assert_eq!(
            contact_email(Some("  "), "order 8"),
            Err("order 8 has no billing email".to_owned())
        );
        assert!(contact_email(None, "x").is_err());
    }
}
