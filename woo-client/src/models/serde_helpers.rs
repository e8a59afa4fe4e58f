//! How WooCommerce's loosely typed JSON maps onto exact Rust types.
//!
//! Every helper first reads a [`serde_json::Value`] and converts from there; amounts are read
//! exactly by [`sync_core::money::decimal_from_json`].

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The timestamp format of every WooCommerce date field: `gmdate('Y-m-d\TH:i:s')`, no offset.
pub(crate) const WC_DATE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// A decimal from a JSON string (`"29.35"`, `"-5.00"`) or number (`7.905138`), exactly; the rule
/// is sync-core's, shared by every client.
pub(crate) fn decimal_from_value(value: &Value) -> Result<Option<Decimal>, String> {
    sync_core::money::decimal_from_json(value).map_err(|e| e.to_string())
}

/// Money that is always present (`"total": "29.35"`); blank reads as zero.
pub(crate) mod money {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let value = Value::deserialize(d)?;
        decimal_from_value(&value)
            .map(Option::unwrap_or_default)
            .map_err(D::Error::custom)
    }

    pub(crate) fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}

/// Money that may be blank (`"sale_price": ""`); blank is written back as `""`, as WooCommerce does.
pub(crate) mod money_opt {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        let value = Value::deserialize(d)?;
        decimal_from_value(&value).map_err(D::Error::custom)
    }

    pub(crate) fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.collect_str(d),
            None => s.serialize_str(""),
        }
    }
}

/// Money WooCommerce sends as a JSON number (`line_items[].price`): read exactly, written as a number.
pub(crate) mod money_number {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let value = Value::deserialize(d)?;
        decimal_from_value(&value)
            .map(Option::unwrap_or_default)
            .map_err(D::Error::custom)
    }

    pub(crate) fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        let number = serde_json::Number::from_str(&v.normalize().to_string())
            .map_err(serde::ser::Error::custom)?;
        number.serialize(s)
    }
}

pub(crate) fn parse_gmt(text: &str) -> Result<DateTime<Utc>, String> {
    // WooCommerce writes no offset; tolerate a trailing `Z` or `+00:00` from other producers.
    let trimmed = text.trim();
    if let Ok(naive) = NaiveDateTime::parse_from_str(trimmed, WC_DATE_FORMAT) {
        return Ok(naive.and_utc());
    }
    DateTime::parse_from_rfc3339(trimmed)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("`{text}` is not a WooCommerce GMT timestamp (YYYY-MM-DDTHH:MM:SS)"))
}

fn gmt_from_value(value: Value) -> Result<Option<DateTime<Utc>>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => parse_gmt(&s).map(Some),
        other => Err(format!("expected a timestamp string, found {other}")),
    }
}

/// Format a UTC instant the way WooCommerce writes `*_gmt` fields.
pub(crate) fn format_gmt(t: &DateTime<Utc>) -> String {
    t.format(WC_DATE_FORMAT).to_string()
}

/// An optional `*_gmt` timestamp; `null` when absent (orders, products, customers).
pub(crate) mod gmt_opt {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        gmt_from_value(Value::deserialize(d)?).map_err(D::Error::custom)
    }

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.collect_str(&t.format(WC_DATE_FORMAT)),
            None => s.serialize_none(),
        }
    }
}

/// An optional `*_gmt` timestamp that WooCommerce Subscriptions writes as `""` when unset.
pub(crate) mod gmt_opt_blank {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        gmt_from_value(Value::deserialize(d)?).map_err(D::Error::custom)
    }

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.collect_str(&t.format(WC_DATE_FORMAT)),
            None => s.serialize_str(""),
        }
    }
}

/// A site-local wall time (`date_created`, no `_gmt`): the offset is unknown, so it stays naive.
pub(crate) mod local_opt {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDateTime>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => NaiveDateTime::parse_from_str(s.trim(), WC_DATE_FORMAT)
                .map(Some)
                .map_err(|_| D::Error::custom(format!("`{s}` is not a WooCommerce timestamp"))),
            other => Err(D::Error::custom(format!(
                "expected a timestamp string, found {other}"
            ))),
        }
    }

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<NaiveDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.collect_str(&t.format(WC_DATE_FORMAT)),
            None => s.serialize_none(),
        }
    }
}

fn integer_from_value(value: &Value) -> Result<Option<i64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("`{s}` is not an integer")),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{n} is not an integer")),
        other => Err(format!("expected an integer, found {other}")),
    }
}

/// An integer WooCommerce may send as a number or a numeric string (`product_id` is typed `mixed`).
pub(crate) mod lenient_u64 {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let value = Value::deserialize(d)?;
        let n = integer_from_value(&value).map_err(D::Error::custom)?;
        u64::try_from(n.unwrap_or(0)).map_err(|_| D::Error::custom("expected a non-negative id"))
    }

    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(*v)
    }
}

/// An optional integer sent as a number, a numeric string, `""` or `null` (`stock_quantity`).
pub(crate) mod lenient_i64_opt {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let value = Value::deserialize(d)?;
        integer_from_value(&value).map_err(D::Error::custom)
    }

    pub(crate) fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_i64(*n),
            None => s.serialize_none(),
        }
    }
}

/// An optional integer that WooCommerce Subscriptions sends as a string (`"billing_interval": "3"`):
/// read from either form, written back as the string it sends.
pub(crate) mod stringly_u32_opt {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        let value = Value::deserialize(d)?;
        match integer_from_value(&value).map_err(D::Error::custom)? {
            None => Ok(None),
            Some(n) => u32::try_from(n)
                .map(Some)
                .map_err(|_| D::Error::custom(format!("{n} is out of range"))),
        }
    }

    pub(crate) fn serialize<S: Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.collect_str(n),
            None => s.serialize_str(""),
        }
    }
}

/// A string field that may come as `null` (read as empty).
pub(crate) mod string_or_null {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn decimals_are_exact_from_strings_and_numbers() {
        let v: Value =
            serde_json::from_str(r#"["29.35", 7.905138, "-5.00", "", null, 3, "1e-2"]"#).unwrap();
        let parsed: Vec<_> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| decimal_from_value(x).unwrap())
            .collect();
        assert_eq!(
            parsed,
            vec![
                Some(dec!(29.35)),
                Some(dec!(7.905138)),
                Some(dec!(-5.00)),
                None,
                None,
                Some(dec!(3)),
                Some(dec!(0.01))
            ]
        );
        // Scale is kept, so "0.90" is written back as "0.90".
        assert_eq!(parsed[2].unwrap().to_string(), "-5.00");
        assert!(decimal_from_value(&Value::Bool(true)).is_err());
        assert!(decimal_from_value(&Value::String("12,50".into())).is_err());
    }

    #[test]
    fn gmt_dates_parse_as_utc() {
        let t = parse_gmt("2017-03-22T19:28:08").unwrap();
        assert_eq!(t.to_rfc3339(), "2017-03-22T19:28:08+00:00");
        assert_eq!(parse_gmt("2017-03-22T19:28:08Z").unwrap(), t);
        assert!(parse_gmt("22/03/2017").is_err());
        assert_eq!(format_gmt(&t), "2017-03-22T19:28:08");
    }
}
