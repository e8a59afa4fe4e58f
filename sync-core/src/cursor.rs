//! [`Cursor`]: the ordered position a watermark stores.

use std::fmt::Debug;

use chrono::{DateTime, SecondsFormat, Utc};

/// A stored cursor that could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored cursor {value:?} is not a valid {expected}")]
pub struct CursorError {
    /// The stored text.
    pub value: String,
    /// What it should have been.
    pub expected: &'static str,
}

/// An ordered position in a source: an id, a modification time, or anything else totally ordered.
///
/// Time-like cursors implement [`Cursor::as_time`] and [`Cursor::from_time`] so that the engine
/// can apply a lookback window and cap an unsorted source's watermark at run start minus clock skew.
pub trait Cursor: Ord + Clone + Send + Sync + Debug + 'static {
    /// The text stored in a watermark store.
    fn encode(&self) -> String;
    /// Read back what [`Cursor::encode`] wrote.
    fn decode(stored: &str) -> Result<Self, CursorError>;
    /// The instant this cursor stands for, if it is time-like.
    fn as_time(&self) -> Option<DateTime<Utc>> {
        None
    }
    /// The cursor for an instant, if this cursor type is time-like.
    fn from_time(_time: DateTime<Utc>) -> Option<Self> {
        None
    }
}

macro_rules! integer_cursor {
    ($($t:ty),*) => {$(
        impl Cursor for $t {
            fn encode(&self) -> String {
                self.to_string()
            }
            fn decode(stored: &str) -> Result<Self, CursorError> {
                stored.parse().map_err(|_| CursorError {
                    value: stored.to_string(),
                    expected: stringify!($t),
                })
            }
        }
    )*};
}
integer_cursor!(i64, u64, u32, i32);

impl Cursor for String {
    fn encode(&self) -> String {
        self.clone()
    }
    fn decode(stored: &str) -> Result<Self, CursorError> {
        Ok(stored.to_string())
    }
}

impl Cursor for DateTime<Utc> {
    fn encode(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
    fn decode(stored: &str) -> Result<Self, CursorError> {
        DateTime::parse_from_rfc3339(stored)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| CursorError {
                value: stored.to_string(),
                expected: "RFC 3339 UTC timestamp",
            })
    }
    fn as_time(&self) -> Option<DateTime<Utc>> {
        Some(*self)
    }
    fn from_time(time: DateTime<Utc>) -> Option<Self> {
        Some(time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn round_trips() {
        let t = Utc.with_ymd_and_hms(2026, 11, 22, 7, 30, 0).unwrap()
            + chrono::Duration::milliseconds(125);
        assert_eq!(DateTime::<Utc>::decode(&t.encode()).unwrap(), t);
        assert_eq!(u64::decode(&42u64.encode()).unwrap(), 42);
        assert!(u64::decode("x").is_err());
        assert!(DateTime::<Utc>::decode("2026-11-22 07:30:00").is_err());
    }
}
