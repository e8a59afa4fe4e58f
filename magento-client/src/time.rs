//! Magento's timestamps: `"YYYY-MM-DD HH:MM:SS"` strings with no zone marker, always UTC.
//!
//! Magento's service layer stores and returns `created_at` / `updated_at` in UTC whatever the
//! store's configured timezone (the timezone only matters for display). Reading such a string
//! as local time shifts every watermark by the server's offset, so it is parsed here, once, as
//! UTC. Filter values must be sent in the same format, which [`format_magento_time`] produces.

use chrono::{DateTime, NaiveDateTime, Utc};

/// The wire format: `2017-08-21 22:22:19`.
pub const MAGENTO_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A timestamp that is not in Magento's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a Magento timestamp (expected UTC \"YYYY-MM-DD HH:MM:SS\")")]
pub struct TimeParseError {
    /// The text that failed.
    pub value: String,
}

/// Parse a Magento timestamp as UTC.
///
/// `"2017-08-21 22:22:19"` is the format Magento sends. An RFC 3339 string with an explicit
/// offset (some extensions send one) is accepted too and converted to UTC; a naive string is
/// never read as local time.
///
/// ```
/// use magento_client::time::parse_magento_time;
/// let t = parse_magento_time("2017-08-21 22:22:19").unwrap();
/// assert_eq!(t.to_rfc3339(), "2017-08-21T22:22:19+00:00");
/// ```
pub fn parse_magento_time(value: &str) -> Result<DateTime<Utc>, TimeParseError> {
    let trimmed = value.trim();
    if let Ok(naive) = NaiveDateTime::parse_from_str(trimmed, MAGENTO_TIME_FORMAT) {
        return Ok(naive.and_utc());
    }
    // Fractional seconds appear in some database exports.
    if let Ok(naive) = NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S%.f") {
        return Ok(naive.and_utc());
    }
    DateTime::parse_from_rfc3339(trimmed)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| TimeParseError {
            value: value.to_string(),
        })
}

/// Format an instant the way Magento expects it in filters (whole seconds, truncated).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use magento_client::time::format_magento_time;
/// let t = Utc.with_ymd_and_hms(2016, 7, 1, 0, 0, 0).unwrap();
/// assert_eq!(format_magento_time(t), "2016-07-01 00:00:00");
/// ```
pub fn format_magento_time(time: DateTime<Utc>) -> String {
    time.format(MAGENTO_TIME_FORMAT).to_string()
}

/// Serde helpers for a required Magento timestamp (`#[serde(with = "...")]`).
pub mod serde_time {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize as `"YYYY-MM-DD HH:MM:SS"`.
    pub fn serialize<S: Serializer>(time: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_magento_time(*time))
    }

    /// Deserialize from `"YYYY-MM-DD HH:MM:SS"` (UTC).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_magento_time(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde helpers for an optional Magento timestamp; absent, `null` and `""` are `None`.
pub mod serde_time_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize as `"YYYY-MM-DD HH:MM:SS"` or `null`.
    pub fn serialize<S: Serializer>(time: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match time {
            Some(t) => s.serialize_str(&super::format_magento_time(*t)),
            None => s.serialize_none(),
        }
    }

    /// Deserialize from `"YYYY-MM-DD HH:MM:SS"` (UTC), `null` or `""`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => super::parse_magento_time(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn naive_strings_are_utc_not_local() {
        let t = parse_magento_time("2017-08-21 22:22:19").unwrap();
        assert_eq!(t, Utc.with_ymd_and_hms(2017, 8, 21, 22, 22, 19).unwrap());
        assert_eq!(format_magento_time(t), "2017-08-21 22:22:19");
        let offset = parse_magento_time("2017-08-22T00:22:19+02:00").unwrap();
        assert_eq!(offset, t);
        assert!(parse_magento_time("21/08/2017").is_err());
    }
}
