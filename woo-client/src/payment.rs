//! Payment-method helpers: which gateway took (or renews) a payment.
//!
//! WooCommerce stores the gateway id in `payment_method`. Mollie's plugin names its gateways
//! `mollie_wc_gateway_<mollie method>`, and older installs still carry the Bancontact gateway under
//! its former name `mollie_wc_gateway_mistercash`; both read as [`PaymentMethod::Bancontact`].
//!
//! ```
//! use woo_client::PaymentMethod;
//!
//! assert_eq!(PaymentMethod::from_gateway_id("mollie_wc_gateway_ideal"), PaymentMethod::Ideal);
//! assert_eq!(PaymentMethod::from_gateway_id("mollie_wc_gateway_mistercash"), PaymentMethod::Bancontact);
//! assert_eq!(PaymentMethod::from_gateway_id("mollie_wc_gateway_bancontact").mollie_method(), Some("bancontact"));
//! assert!(PaymentMethod::from_gateway_id("bacs").mollie_method().is_none());
//! ```

use std::fmt;

/// The prefix Mollie's WooCommerce plugin puts before its method ids.
pub const MOLLIE_GATEWAY_PREFIX: &str = "mollie_wc_gateway_";

/// A payment method, classified from a WooCommerce gateway id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentMethod {
    /// iDEAL through Mollie (`mollie_wc_gateway_ideal`).
    Ideal,
    /// Bancontact through Mollie (`mollie_wc_gateway_bancontact`, or the legacy
    /// `mollie_wc_gateway_mistercash`).
    Bancontact,
    /// SEPA Direct Debit through Mollie (`mollie_wc_gateway_directdebit`).
    SepaDirectDebit,
    /// Cards through Mollie (`mollie_wc_gateway_creditcard`).
    CreditCard,
    /// Another Mollie method; holds the Mollie method id (`paypal`, `kbc`…).
    OtherMollie(String),
    /// No payment method (free orders, admin-created orders).
    None,
    /// Any other gateway; holds its id (`bacs`, `stripe`, `paypal`…).
    Other(String),
}

impl PaymentMethod {
    /// Classify a gateway id as stored in an order's or subscription's `payment_method`.
    pub fn from_gateway_id(id: &str) -> PaymentMethod {
        let id = id.trim();
        if id.is_empty() {
            return PaymentMethod::None;
        }
        match id.strip_prefix(MOLLIE_GATEWAY_PREFIX) {
            Some("ideal") => PaymentMethod::Ideal,
            Some("bancontact" | "mistercash") => PaymentMethod::Bancontact,
            Some("directdebit") => PaymentMethod::SepaDirectDebit,
            Some("creditcard") => PaymentMethod::CreditCard,
            Some(other) => PaymentMethod::OtherMollie(other.to_string()),
            None => PaymentMethod::Other(id.to_string()),
        }
    }

    /// `true` for iDEAL.
    pub fn is_ideal(&self) -> bool {
        matches!(self, PaymentMethod::Ideal)
    }

    /// `true` for Bancontact, under either gateway id.
    pub fn is_bancontact(&self) -> bool {
        matches!(self, PaymentMethod::Bancontact)
    }

    /// `true` for any Mollie gateway.
    pub fn is_mollie(&self) -> bool {
        self.mollie_method().is_some()
    }

    /// The current Mollie method id (`ideal`, `bancontact`, `directdebit`, …), with the legacy
    /// `mistercash` mapped to `bancontact`; `None` for non-Mollie gateways.
    pub fn mollie_method(&self) -> Option<&str> {
        match self {
            PaymentMethod::Ideal => Some("ideal"),
            PaymentMethod::Bancontact => Some("bancontact"),
            PaymentMethod::SepaDirectDebit => Some("directdebit"),
            PaymentMethod::CreditCard => Some("creditcard"),
            PaymentMethod::OtherMollie(m) => Some(m),
            PaymentMethod::None | PaymentMethod::Other(_) => None,
        }
    }

    /// The canonical gateway id to write back (`mollie_wc_gateway_bancontact` for Bancontact).
    pub fn gateway_id(&self) -> String {
        match self {
            PaymentMethod::None => String::new(),
            PaymentMethod::Other(id) => id.clone(),
            mollie => format!(
                "{MOLLIE_GATEWAY_PREFIX}{}",
                mollie.mollie_method().unwrap_or_default()
            ),
        }
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaymentMethod::Ideal => f.write_str("iDEAL"),
            PaymentMethod::Bancontact => f.write_str("Bancontact"),
            PaymentMethod::SepaDirectDebit => f.write_str("SEPA Direct Debit"),
            PaymentMethod::CreditCard => f.write_str("credit card"),
            PaymentMethod::OtherMollie(m) => write!(f, "Mollie {m}"),
            PaymentMethod::None => f.write_str("none"),
            PaymentMethod::Other(id) => f.write_str(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_mollie_ids() {
        let cases = [
            ("mollie_wc_gateway_ideal", PaymentMethod::Ideal),
            ("mollie_wc_gateway_bancontact", PaymentMethod::Bancontact),
            ("mollie_wc_gateway_mistercash", PaymentMethod::Bancontact),
            (
                "mollie_wc_gateway_directdebit",
                PaymentMethod::SepaDirectDebit,
            ),
            ("mollie_wc_gateway_creditcard", PaymentMethod::CreditCard),
            (
                "mollie_wc_gateway_kbc",
                PaymentMethod::OtherMollie("kbc".into()),
            ),
            ("stripe", PaymentMethod::Other("stripe".into())),
            ("", PaymentMethod::None),
        ];
        for (id, want) in cases {
            assert_eq!(PaymentMethod::from_gateway_id(id), want, "{id}");
        }
        // The legacy id is written back under its current name.
        assert_eq!(
            PaymentMethod::from_gateway_id("mollie_wc_gateway_mistercash").gateway_id(),
            "mollie_wc_gateway_bancontact"
        );
        assert_eq!(PaymentMethod::from_gateway_id("bacs").gateway_id(), "bacs");
        assert!(PaymentMethod::Ideal.is_ideal() && PaymentMethod::Ideal.is_mollie());
        assert!(!PaymentMethod::Other("bacs".into()).is_mollie());
    }
}
