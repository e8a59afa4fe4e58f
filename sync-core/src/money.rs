//! Money as exact decimals, compared at the currency's minor unit.
//!
//! Shops send amounts as strings (`"29.35"`) or JSON numbers (`84.939999`). Both are read into
//! [`Decimal`] exactly, and two amounts are the same when they agree after rounding to the
//! currency's minor unit: €84.939999 and €84.94 are equal. A float comparison of the two is not,
//! and once turned paid orders into unpaid ones.
//!
//! JSON numbers are read without serde_json's `arbitrary_precision` feature (which would change
//! number handling for every crate in a user's build): serde_json parses them with its
//! `float_roundtrip` precision, and the shortest text that round-trips is parsed as a decimal.
//! That is exact for every literal of up to 15 significant digits, far beyond any amount.
//!
//! ```
//! use rust_decimal::Decimal;
//! use sync_core::money::{decimal_from_json, same_amount};
//!
//! let magento: Decimal = decimal_from_json(&serde_json::json!(84.939999)).unwrap().unwrap();
//! let woo: Decimal = decimal_from_json(&serde_json::json!("84.94")).unwrap().unwrap();
//! assert_eq!(magento.to_string(), "84.939999");
//! assert!(same_amount(magento, woo, "EUR"));
//! assert_ne!(magento, woo); // a plain comparison would call this order unpaid
//! ```

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// Digits after the decimal point for an ISO 4217 currency code (case-insensitive). An unknown
/// code gets 2, the most common.
///
/// ```
/// use sync_core::money::minor_units;
/// assert_eq!(minor_units("EUR"), 2);
/// assert_eq!(minor_units("jpy"), 0);
/// assert_eq!(minor_units("KWD"), 3);
/// ```
pub fn minor_units(currency: &str) -> u32 {
    let code = currency.trim();
    let is = |c: &str| code.eq_ignore_ascii_case(c);
    const ZERO: [&str; 17] = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
        "VUV", "XAF", "XOF", "XPF",
    ];
    const THREE: [&str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
    if ZERO.iter().any(|c| is(c)) {
        0
    } else if THREE.iter().any(|c| is(c)) {
        3
    } else if is("CLF") || is("UYW") {
        4
    } else {
        2
    }
}

/// `amount` rounded to `currency`'s minor unit, half away from zero (as shops round prices).
///
/// ```
/// use rust_decimal::Decimal;
/// use sync_core::money::round_to_minor_unit;
/// let a: Decimal = "84.939999".parse().unwrap();
/// assert_eq!(round_to_minor_unit(a, "EUR").to_string(), "84.94");
/// ```
pub fn round_to_minor_unit(amount: Decimal, currency: &str) -> Decimal {
    amount.round_dp_with_strategy(
        minor_units(currency),
        RoundingStrategy::MidpointAwayFromZero,
    )
}

/// Whether two amounts in `currency` are the same at its minor unit.
pub fn same_amount(a: Decimal, b: Decimal, currency: &str) -> bool {
    round_to_minor_unit(a, currency) == round_to_minor_unit(b, currency)
}

/// An exact amount in a currency: the one money type every crate uses.
///
/// The amount is kept as received (`84.939999` stays so); [`rounded`](Money::rounded) gives it
/// at the currency's minor unit, and [`same_amount`](Money::same_amount) compares there, so
/// €84.939999 and €84.94 are the same money. Serialized as `{"amount": "84.94", "currency":
/// "EUR"}` (the amount as a string: no float on the way).
///
/// ```
/// use rust_decimal::Decimal;
/// use sync_core::money::Money;
///
/// let magento = Money::new("84.939999".parse().unwrap(), "eur");
/// let woo = Money::new(Decimal::new(8494, 2), "EUR");
/// assert!(magento.same_amount(&woo));
/// assert_eq!(magento, woo); // equality is at the minor unit too
/// assert_eq!(magento.rounded().to_string(), "84.94 EUR");
/// assert_eq!(woo.minor_amount(), Some(8494));
/// ```
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(from = "MoneyFields")]
pub struct Money {
    /// The amount, exact (never a float).
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// ISO 4217 code, upper case (`EUR`).
    pub currency: String,
}

/// `Money` as read, before the currency is normalised.
#[derive(serde::Deserialize)]
struct MoneyFields {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: String,
}

impl From<MoneyFields> for Money {
    fn from(fields: MoneyFields) -> Money {
        Money::new(fields.amount, fields.currency)
    }
}

/// Equal when the currency is the same and the amounts agree at its minor unit (the rule of
/// [`same_amount`](Money::same_amount)): €84.939999 equals €84.94.
impl PartialEq for Money {
    fn eq(&self, other: &Money) -> bool {
        self.same_amount(other)
    }
}

impl Eq for Money {}

impl std::hash::Hash for Money {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.currency.hash(state);
        round_to_minor_unit(self.amount, &self.currency)
            .normalize()
            .hash(state);
    }
}

impl Money {
    /// `amount` in `currency` (trimmed and upper-cased), kept exact. Deserializing normalises
    /// the currency the same way.
    pub fn new(amount: Decimal, currency: impl AsRef<str>) -> Money {
        Money {
            amount,
            currency: currency.as_ref().trim().to_ascii_uppercase(),
        }
    }

    /// The same money rounded to the currency's minor unit (half away from zero) and shown with
    /// exactly that many digits (`84.94`, `1000` for JPY).
    pub fn rounded(&self) -> Money {
        let mut amount = round_to_minor_unit(self.amount, &self.currency);
        amount.rescale(minor_units(&self.currency));
        Money {
            amount,
            currency: self.currency.clone(),
        }
    }

    /// Whether both are the same currency and agree at its minor unit.
    pub fn same_amount(&self, other: &Money) -> bool {
        self.currency == other.currency && same_amount(self.amount, other.amount, &self.currency)
    }

    /// The rounded amount in minor units (cents): `84.94 EUR` → `8494`. `None` if it does not
    /// fit an `i64`.
    pub fn minor_amount(&self) -> Option<i64> {
        let rounded = self.rounded().amount;
        let scaled = rounded * Decimal::from(10i64.pow(minor_units(&self.currency)));
        i64::try_from(scaled.trunc()).ok()
    }

    /// The amount as a JSON number (`1300`, `84.94`), for APIs that take numbers.
    pub fn to_json_number(&self) -> Value {
        decimal_to_json_number(self.amount)
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// A JSON value that is not a decimal amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{found} is not a decimal amount{detail}")]
pub struct DecimalError {
    found: String,
    detail: String,
}

/// A decimal from a JSON string (`"29.35"`, `" -5.00 "`) or number (`7.905138`, `1e3`),
/// exactly. `null` and blank strings are `None`.
pub fn decimal_from_json(value: &Value) -> Result<Option<Decimal>, DecimalError> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().to_string(),
        // Integers print as integers; floats print in their shortest round-tripping form.
        Value::Number(n) => n.to_string(),
        other => {
            return Err(DecimalError {
                found: other.to_string(),
                detail: String::new(),
            });
        }
    };
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text)
    } else {
        Decimal::from_str_exact(&text).or_else(|_| Decimal::from_str(&text))
    };
    parsed.map(Some).map_err(|e| DecimalError {
        found: format!("`{text}`"),
        detail: format!(": {e}"),
    })
}

/// The JSON number for `amount`: an integer when it has no fraction, else the nearest `f64`
/// (written back by serde_json in its shortest form, so `84.939999` stays `84.939999`).
pub fn decimal_to_json_number(amount: Decimal) -> Value {
    use rust_decimal::prelude::ToPrimitive;
    if amount.fract().is_zero()
        && let Some(i) = amount.to_i64()
    {
        return Value::from(i);
    }
    amount
        .to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| Value::String(amount.to_string()), Value::Number)
}

/// Serde helpers for amounts sent as JSON numbers or strings: read exactly, written as numbers.
/// Use with `#[serde(with = "sync_core::money::serde_number")]`.
pub mod serde_number {
    use rust_decimal::Decimal;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Read a required amount.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        super::decimal_from_json(&value)
            .map_err(D::Error::custom)?
            .ok_or_else(|| D::Error::custom("expected an amount, found null"))
    }

    /// Write an amount as a JSON number.
    pub fn serialize<S: Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        super::decimal_to_json_number(*amount).serialize(s)
    }
}

/// [`serde_number`] for optional amounts (`null` and blank strings read as `None`).
/// Use with `#[serde(default, with = "sync_core::money::serde_number_option")]`.
pub mod serde_number_option {
    use rust_decimal::Decimal;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Read an optional amount.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        super::decimal_from_json(&value).map_err(D::Error::custom)
    }

    /// Write an optional amount as a JSON number or `null`.
    pub fn serialize<S: Serializer>(amount: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        amount.map(super::decimal_to_json_number).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn numbers_and_strings_read_exactly() {
        for (value, expected) in [
            (json!(84.939999), "84.939999"),
            (json!(7.905138), "7.905138"),
            (json!(0.1), "0.1"),
            (json!(165), "165"),
            (json!(-5), "-5"),
            (json!("29.35"), "29.35"),
            (json!(" -5.00 "), "-5.00"),
            (json!("1e3"), "1000"),
            (json!(123456789.12345), "123456789.12345"),
        ] {
            assert_eq!(
                decimal_from_json(&value).unwrap(),
                Some(d(expected)),
                "{value}"
            );
        }
        let from_text: Value = serde_json::from_str("[84.939999, 0.30000000000000004]").unwrap();
        assert_eq!(
            decimal_from_json(&from_text[0]).unwrap(),
            Some(d("84.939999"))
        );
        assert_eq!(
            decimal_from_json(&from_text[1]).unwrap(),
            Some(d("0.30000000000000004"))
        );
        assert_eq!(decimal_from_json(&json!(null)).unwrap(), None);
        assert_eq!(decimal_from_json(&json!("")).unwrap(), None);
        let err = decimal_from_json(&json!("12,50")).unwrap_err();
        assert!(
            err.to_string().contains("`12,50` is not a decimal amount"),
            "{err}"
        );
        assert!(decimal_from_json(&json!(true)).is_err());
    }

    #[test]
    fn comparison_at_the_minor_unit() {
        assert!(same_amount(d("84.939999"), d("84.94"), "EUR"));
        assert!(!same_amount(d("84.934999"), d("84.94"), "EUR"));
        assert!(same_amount(d("1500.4"), d("1500"), "JPY"));
        assert!(!same_amount(d("1.2344"), d("1.2349"), "KWD"));
        assert_eq!(round_to_minor_unit(d("-0.005"), "eur"), d("-0.01"));
        assert_eq!(minor_units("CLF"), 4);
    }

    #[test]
    fn numbers_write_back_unchanged() {
        for text in ["84.939999", "165", "0.1", "-12.5", "1000000"] {
            let value: Value = serde_json::from_str(text).unwrap();
            let amount = decimal_from_json(&value).unwrap().unwrap();
            assert_eq!(
                serde_json::to_string(&decimal_to_json_number(amount)).unwrap(),
                text
            );
        }
    }
}
