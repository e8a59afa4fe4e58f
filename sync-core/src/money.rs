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
