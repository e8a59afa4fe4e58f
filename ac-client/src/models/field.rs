//! Custom fields (`/fields`) and their values on contacts (`/fieldValues`).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A custom contact field definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The field id (sent as a string by the API).
    #[serde(with = "crate::wire::id")]
    pub id: i64,
    /// The field's title as shown in the ActiveCampaign UI.
    #[serde(default)]
    pub title: String,
    /// The personalization tag, e.g. `SUBSCRIPTION_STATUS` (used as `%SUBSCRIPTION_STATUS%` in
    /// messages).
    #[serde(default)]
    pub perstag: String,
    /// The field type: `text`, `textarea`, `date`, `datetime`, `dropdown`, `listbox`, `radio`,
    /// `checkbox` or `hidden`.
    #[serde(rename = "type", default)]
    pub field_type: String,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Field {
    /// Whether this field is the one a personalization tag names. Case-insensitive; surrounding
    /// `%` signs are ignored, so `%SUB_STATUS%` and `sub_status` both match `SUB_STATUS`.
    pub fn matches_perstag(&self, tag: &str) -> bool {
        let want = tag.trim().trim_matches('%');
        !want.is_empty() && self.perstag.trim_matches('%').eq_ignore_ascii_case(want)
    }

    /// Whether this field's title is `title` (case-insensitive, surrounding spaces ignored).
    pub fn matches_title(&self, title: &str) -> bool {
        let want = title.trim();
        !want.is_empty() && self.title.trim().eq_ignore_ascii_case(want)
    }
}

/// A value for a custom field, in the text form ActiveCampaign expects for the field's type.
///
/// ```
/// use ac_client::FieldValue;
/// use chrono::{NaiveDate, TimeZone, Utc};
///
/// assert_eq!(FieldValue::date(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).as_str(), "2026-12-01");
/// assert_eq!(
///     FieldValue::datetime(Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap()).as_str(),
///     "2026-12-01T09:30:00+00:00"
/// );
/// assert_eq!(FieldValue::options(["gold", "monthly"]).as_str(), "||gold||monthly||");
/// assert_eq!(FieldValue::text("active").as_str(), "active");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldValue(String);

impl FieldValue {
    /// Free text (text, textarea, hidden, dropdown and radio fields).
    pub fn text(value: impl Into<String>) -> Self {
        FieldValue(value.into())
    }

    /// A date field: `YYYY-MM-DD`.
    pub fn date(value: NaiveDate) -> Self {
        FieldValue(value.format("%Y-%m-%d").to_string())
    }

    /// A datetime field: ISO 8601 with an explicit offset (`+00:00`).
    pub fn datetime(value: DateTime<Utc>) -> Self {
        FieldValue(value.to_rfc3339_opts(SecondsFormat::Secs, false))
    }

    /// A number, written exactly (no float rounding).
    pub fn decimal(value: Decimal) -> Self {
        FieldValue(value.normalize().to_string())
    }

    /// A multi-value field (listbox, checkbox): `||a||b||`. An empty set clears the field.
    pub fn options<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let parts: Vec<String> = values.into_iter().map(|s| s.as_ref().to_string()).collect();
        if parts.is_empty() {
            FieldValue(String::new())
        } else {
            FieldValue(format!("||{}||", parts.join("||")))
        }
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::text(s)
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue(s)
    }
}

impl From<NaiveDate> for FieldValue {
    fn from(d: NaiveDate) -> Self {
        FieldValue::date(d)
    }
}

impl From<DateTime<Utc>> for FieldValue {
    fn from(t: DateTime<Utc>) -> Self {
        FieldValue::datetime(t)
    }
}

impl From<Decimal> for FieldValue {
    fn from(d: Decimal) -> Self {
        FieldValue::decimal(d)
    }
}

impl std::fmt::Display for FieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `{field, value}` pair inside a contact create, sync or update body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldValueInput {
    /// The field id (written as a string, as the API documents it).
    #[serde(with = "crate::wire::id")]
    pub field: i64,
    /// The value.
    pub value: FieldValue,
}

/// A field value stored on a contact, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldValueRecord {
    /// The field value's own id (used to update it in place), when the API gives one.
    #[serde(with = "crate::wire::opt_id", default)]
    pub id: Option<i64>,
    /// The contact id.
    #[serde(with = "crate::wire::opt_id", default)]
    pub contact: Option<i64>,
    /// The field id.
    #[serde(with = "crate::wire::id")]
    pub field: i64,
    /// The stored value.
    #[serde(default)]
    pub value: Option<String>,
    /// Fields this crate does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_test::dec;

    mod rust_decimal_test {
        macro_rules! dec {
            ($s:literal) => {
                <rust_decimal::Decimal as std::str::FromStr>::from_str($s).unwrap()
            };
        }
        pub(crate) use dec;
    }

    #[test]
    fn values_and_matching() {
        assert_eq!(FieldValue::decimal(dec!("84.940")).as_str(), "84.94");
        assert_eq!(FieldValue::options(Vec::<&str>::new()).as_str(), "");
        let f: Field = serde_json::from_str(
            r#"{"id":"7","title":"Subscription status","perstag":"SUB_STATUS","type":"text","ordernum":"3"}"#,
        )
        .unwrap();
        assert!(f.matches_perstag("%sub_status%"));
        assert!(f.matches_title(" subscription STATUS "));
        assert!(!f.matches_perstag(""));
        assert_eq!(f.extra["ordernum"], "3");
    }
}
