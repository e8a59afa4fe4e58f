//! Deserializers for fields Chatwoot sends in more than one representation.
//!
//! The same field can arrive as an integer in one payload and a string in another (ids in the
//! old webhook docs, `message_type` 0 vs `"incoming"`, `created_at` as a unix integer inside
//! `conversation.messages[]` but as an ISO string on a message event). Every helper here reads
//! through [`serde_json::Value`] first, which also keeps them correct when they run inside a
//! flattened or buffered context.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;

/// An id from an integer or a numeric string.
pub(crate) fn value_to_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A required id (integer or numeric string).
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let value = Value::deserialize(d)?;
    value_to_u64(&value).ok_or_else(|| {
        D::Error::custom(format!(
            "expected an id (integer or numeric string), found {value}"
        ))
    })
}

/// An optional id: `null`, missing or `""` is `None`.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let value = Value::deserialize(d)?;
    match &value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        other => value_to_u64(other).map(Some).ok_or_else(|| {
            D::Error::custom(format!(
                "expected an id (integer or numeric string), found {value}"
            ))
        }),
    }
}

/// An optional string that may arrive as a number or boolean (`source_id`, `phone_number`).
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(D::Error::custom(format!(
            "expected a string, found {other}"
        ))),
    }
}

/// An optional boolean that may arrive as `"true"`, `1` or `null`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::Number(n) => Ok(Some(n.as_f64().is_some_and(|f| f != 0.0))),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "t" | "yes" => Ok(Some(true)),
            "false" | "0" | "f" | "no" | "" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!("expected a boolean, found {s:?}"))),
        },
        other => Err(D::Error::custom(format!(
            "expected a boolean, found {other}"
        ))),
    }
}

/// Any value that may arrive as `null`: `null` and missing read as the type's default (an
/// empty map or list).
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// Read an instant from any of Chatwoot's representations:
/// unix seconds (integer, float or numeric string), RFC 3339 (`2024-05-01T10:00:00.000Z`),
/// or Ruby's `Time#to_s` in UTC (`2020-03-03 13:05:57 UTC`) or with an offset
/// (`2020-03-03 13:05:57 +0000`). A time without a zone is refused rather than guessed.
pub(crate) fn parse_time(value: &Value) -> Result<Option<DateTime<Utc>>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => {
            if let Some(secs) = n.as_i64() {
                return Utc
                    .timestamp_opt(secs, 0)
                    .single()
                    .map(Some)
                    .ok_or_else(|| format!("unix time {secs} is out of range"));
            }
            let f = n
                .as_f64()
                .ok_or_else(|| format!("unix time {n} is not a number"))?;
            let millis = (f * 1000.0).round() as i64;
            Utc.timestamp_millis_opt(millis)
                .single()
                .map(Some)
                .ok_or_else(|| format!("unix time {f} is out of range"))
        }
        Value::String(s) => parse_time_str(s.trim()),
        other => Err(format!("expected a time, found {other}")),
    }
}

fn parse_time_str(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let number: Value = serde_json::from_str(s).map_err(|_| format!("bad unix time {s:?}"))?;
        return parse_time(&number);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Some(naive) = s.strip_suffix(" UTC")
        && let Ok(t) = NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S%.f")
    {
        return Ok(Some(Utc.from_utc_datetime(&t)));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f %z") {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    Err(format!(
        "{s:?} is not a time Chatwoot sends (unix seconds, RFC 3339, or `YYYY-MM-DD HH:MM:SS UTC`)"
    ))
}

fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let value = Value::deserialize(d)?;
    parse_time(&value).map_err(D::Error::custom)
}

/// An optional instant read leniently and written back as unix seconds (the API's own form for
/// `created_at`, `last_activity_at`, `timestamp`…).
pub(crate) mod unix_opt {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        opt_time(d)
    }

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_i64(t.timestamp()),
            None => s.serialize_none(),
        }
    }
}

/// An optional instant read leniently and written back as RFC 3339 UTC (the form message
/// events and attribute definitions use).
pub(crate) mod rfc3339_opt {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        opt_time(d)
    }

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => s.serialize_none(),
        }
    }
}

/// Defines an enum that reads from a string name or an integer code, keeps unknown values in
/// `Other`, and writes the string name.
macro_rules! lenient_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate does not know yet, kept as Chatwoot sent it.
            Other(String),
        }

        impl $name {
            /// The name Chatwoot uses in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(s) => s,
                }
            }

            /// The integer Chatwoot stores, when known.
            pub fn code(&self) -> Option<u8> {
                match self {
                    $( $name::$variant => Some($code), )*
                    $name::Other(_) => None,
                }
            }

            /// Read a name or integer code.
            pub fn from_value(value: &serde_json::Value) -> Option<Self> {
                match value {
                    serde_json::Value::String(s) => Some(Self::from_name(s)),
                    serde_json::Value::Number(_) => {
                        let code = $crate::models::lenient::value_to_u64(value)?;
                        Some(match code {
                            $( $code => $name::$variant, )*
                            other => $name::Other(other.to_string()),
                        })
                    }
                    _ => None,
                }
            }

            /// Read a name (unknown names become `Other`).
            pub fn from_name(name: &str) -> Self {
                match name {
                    $( $text => $name::$variant, )*
                    other => match other.parse::<u8>() {
                        $( Ok($code) => $name::$variant, )*
                        _ => $name::Other(other.to_string()),
                    },
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(d)?;
                Self::from_value(&value).ok_or_else(|| {
                    <D::Error as serde::de::Error>::custom(format!(
                        concat!("expected a ", stringify!($name), " name or code, found {}"),
                        value
                    ))
                })
            }
        }
    };
}

pub(crate) use lenient_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_in_every_form() {
        let want = Utc.with_ymd_and_hms(2020, 3, 3, 13, 5, 57).unwrap();
        for v in [
            json!(1583240757),
            json!("1583240757"),
            json!("2020-03-03T13:05:57Z"),
            json!("2020-03-03T13:05:57.000Z"),
            json!("2020-03-03 13:05:57 UTC"),
            json!("2020-03-03 14:05:57 +0100"),
        ] {
            assert_eq!(parse_time(&v).unwrap(), Some(want), "{v}");
        }
        assert_eq!(parse_time(&json!(null)).unwrap(), None);
        assert_eq!(parse_time(&json!("")).unwrap(), None);
        // A naive time is refused, never read as local time.
        assert!(parse_time(&json!("2020-03-03 13:05:57")).is_err());
        assert_eq!(
            parse_time(&json!(1583240757.5))
                .unwrap()
                .unwrap()
                .timestamp_millis(),
            1583240757500
        );
    }

    #[test]
    fn ids_from_numbers_and_strings() {
        assert_eq!(value_to_u64(&json!(7)), Some(7));
        assert_eq!(value_to_u64(&json!("7")), Some(7));
        assert_eq!(value_to_u64(&json!(" 7 ")), Some(7));
        assert_eq!(value_to_u64(&json!("x")), None);
        assert_eq!(value_to_u64(&json!(-1)), None);
    }
}
