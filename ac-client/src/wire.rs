//! How ActiveCampaign writes values on the wire, and how we read them.
//!
//! API v3 sends ids and counts as JSON strings (`"id":"113"`, `"total":"6"`), sometimes as
//! numbers, and dates either with an offset (`2021-06-30T04:12:13-05:00`), as naive UTC
//! (`2021-06-30 04:12:13` in `*_utc_timestamp` fields) or as MySQL zero dates
//! (`0000-00-00 00:00:00`) meaning "none". These helpers read all of that into integers and
//! `DateTime<Utc>`, and write ids back as strings so a model round-trips in the vendor's form.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};
use std::fmt;

/// Parse an id or count the way ActiveCampaign sends it: `"113"`, `113`, or `"0113"`.
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<i64>().ok()
}

struct IntVisitor;

impl<'de> Visitor<'de> for IntVisitor {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string holding an integer")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom(format!("id {v} does not fit in i64")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(Some(v as i64))
        } else {
            Err(E::custom(format!("expected an integer id, got {v}")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        parse_int(v)
            .map(Some)
            .ok_or_else(|| E::custom(format!("expected an integer id, got {v:?}")))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(IntVisitor)
    }
}

/// A required id: `"113"` or `113`, written back as `"113"`.
pub(crate) mod id {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        d.deserialize_any(IntVisitor)?
            .ok_or_else(|| de::Error::custom("expected an id, got null or an empty string"))
    }

    pub(crate) fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}

/// An optional id: `null` and `""` are `None`.
pub(crate) mod opt_id {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_option(IntVisitor)
    }

    pub(crate) fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }
}

/// A list of ids as strings (`["123","124"]`).
pub(crate) mod id_list {
    use super::*;

    #[derive(Deserialize)]
    struct One(#[serde(with = "super::id")] i64);

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        let items: Option<Vec<One>> = Option::deserialize(d)?;
        Ok(items.unwrap_or_default().into_iter().map(|o| o.0).collect())
    }

    pub(crate) fn serialize<S: Serializer>(v: &[i64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|id| id.to_string()))
    }
}

/// A count (`"total":"6"`), zero when missing.
pub(crate) mod count {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let v = d.deserialize_option(IntVisitor)?.unwrap_or(0);
        u64::try_from(v).map_err(|_| de::Error::custom(format!("negative count {v}")))
    }

    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}

/// Parse an ActiveCampaign timestamp into UTC. Accepts RFC 3339 with an offset, and naive
/// `YYYY-MM-DD HH:MM:SS` which ActiveCampaign only uses for UTC fields (`*_utc_timestamp`).
/// MySQL zero dates and empty strings are `None`.
pub(crate) fn parse_time(text: &str) -> Result<Option<DateTime<Utc>>, String> {
    let t = text.trim();
    if t.is_empty() || t.starts_with("0000-00-00") {
        return Ok(None);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S") {
        return Ok(Some(naive.and_utc()));
    }
    Err(format!(
        "expected an RFC 3339 timestamp or `YYYY-MM-DD HH:MM:SS` (UTC), got {t:?}"
    ))
}

/// An optional timestamp (see [`parse_time`]); written back as RFC 3339 UTC.
pub(crate) mod opt_time {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        match raw {
            None => Ok(None),
            Some(s) => parse_time(&s).map_err(de::Error::custom),
        }
    }

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.collect_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Ids {
        #[serde(with = "id")]
        id: i64,
        #[serde(with = "opt_id", default)]
        org: Option<i64>,
        #[serde(with = "count", default)]
        total: u64,
        #[serde(with = "id_list", default)]
        list: Vec<i64>,
    }

    #[test]
    fn strings_and_numbers_become_integers() {
        let v: Ids =
            serde_json::from_str(r#"{"id":"113","org":null,"total":"6","list":["1",2]}"#).unwrap();
        assert_eq!(
            v,
            Ids {
                id: 113,
                org: None,
                total: 6,
                list: vec![1, 2]
            }
        );
        let v: Ids = serde_json::from_str(r#"{"id":7,"org":"","total":3}"#).unwrap();
        assert_eq!((v.id, v.org, v.total), (7, None, 3));
        // Written back in the vendor's form.
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"id":"7","org":null,"total":"3","list":[]}"#
        );
        let err = serde_json::from_str::<Ids>(r#"{"id":"abc"}"#).unwrap_err();
        assert!(err.to_string().contains("\"abc\""), "{err}");
    }

    #[test]
    fn times() {
        let t = parse_time("2021-06-30T04:12:13-05:00").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2021-06-30T09:12:13+00:00");
        let t = parse_time("2021-06-30 04:12:13").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2021-06-30T04:12:13+00:00");
        assert_eq!(parse_time("0000-00-00 00:00:00").unwrap(), None);
        assert_eq!(parse_time("0000-00-00").unwrap(), None);
        assert!(parse_time("30/06/2021").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_i64_survives_as_string(n in proptest::num::i64::ANY) {
            let json = format!(r#"{{"id":"{n}"}}"#);
            let v: Ids = serde_json::from_str(&json).unwrap();
            proptest::prop_assert_eq!(v.id, n);
        }
    }
}
