//! Money: exact decimals compared at the currency's minor unit.
//!
//! Magento sends amounts as JSON numbers (`165`, `84.939999`). They are decoded exactly into
//! [`Decimal`] (see [`sync_core::money`] for how, without serde_json's `arbitrary_precision`), and
//! compared only after rounding to the currency's minor unit: €84.939999 and €84.94 are the same amount; a float comparison of
//! the two is not equal, which once turned paid orders into "unpaid" ones.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The currency rules are sync-core's, shared by every crate: see [`sync_core::money`].
pub use sync_core::money::{minor_units, round_to_minor_unit};

/// An amount in a currency, rounded to the currency's minor unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: String,
}

impl Money {
    /// `amount` in `currency`, rounded to its minor unit. The currency code is upper-cased.
    pub fn new(amount: Decimal, currency: impl Into<String>) -> Money {
        let currency = currency.into().trim().to_ascii_uppercase();
        let mut amount = round_to_minor_unit(amount, &currency);
        amount.rescale(minor_units(&currency));
        Money { amount, currency }
    }

    /// The rounded amount (scale = the currency's minor units: `84.94`, `1000` for JPY).
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The ISO 4217 code.
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The amount in minor units (cents): `84.94 EUR` → `8494`. `None` if it does not fit.
    pub fn minor_amount(&self) -> Option<i64> {
        let scaled = self.amount * Decimal::from(10i64.pow(minor_units(&self.currency)));
        i64::try_from(scaled.trunc()).ok()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Serde helpers: a decimal from a JSON number (exact for every amount), written back as the
/// same number. Strings holding numbers are accepted too.
pub(crate) mod serde_decimal_opt {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        sync_core::money::serde_number_option::serialize(value, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        sync_core::money::serde_number_option::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn minor_unit_comparison() {
        assert_eq!(
            Money::new(d("84.939999"), "eur"),
            Money::new(d("84.94"), "EUR")
        );
        assert_ne!(
            Money::new(d("84.934999"), "EUR"),
            Money::new(d("84.94"), "EUR")
        );
        assert_eq!(Money::new(d("84.945"), "EUR").amount(), d("84.95"));
        assert_eq!(Money::new(d("-0.005"), "EUR").amount(), d("-0.01"));
        assert_eq!(Money::new(d("1500.4"), "JPY").amount(), d("1500"));
        assert_eq!(Money::new(d("1.2345"), "KWD").amount(), d("1.235"));
        assert_eq!(Money::new(d("165"), "USD").to_string(), "165.00 USD");
        assert_eq!(Money::new(d("84.939999"), "EUR").minor_amount(), Some(8494));
    }
}
