//! The multi-key schema: which column holds which kind of identifier.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One column of a Custom Audience multi-key schema, named as Meta names it (`EMAIL`, `FN`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SchemaKey {
    /// `EMAIL`: an email address.
    Email,
    /// `PHONE`: a phone number; uploaded as digits with the country code.
    Phone,
    /// `FN`: first name.
    FirstName,
    /// `LN`: last name.
    LastName,
    /// `FI`: first initial.
    FirstInitial,
    /// `CT`: city.
    City,
    /// `ST`: state or province.
    State,
    /// `ZIP`: postal code.
    Zip,
    /// `COUNTRY`: ISO 3166-1 alpha-2 country code.
    Country,
    /// `GEN`: gender, `m` or `f`.
    Gender,
    /// `DOBY`: year of birth.
    BirthYear,
    /// `DOBM`: month of birth.
    BirthMonth,
    /// `DOBD`: day of birth.
    BirthDay,
    /// `MADID`: mobile advertiser id (IDFA / GAID); never hashed.
    MobileAdvertiserId,
    /// `EXTERN_ID`: your own id for the person; never hashed.
    ExternId,
    /// `LOOKALIKE_VALUE`: the customer's value, for value-based audiences; never hashed.
    LookalikeValue,
}

impl SchemaKey {
    /// Every key, in Meta's usual order.
    pub const ALL: [SchemaKey; 16] = [
        SchemaKey::ExternId,
        SchemaKey::Email,
        SchemaKey::Phone,
        SchemaKey::Gender,
        SchemaKey::BirthYear,
        SchemaKey::BirthMonth,
        SchemaKey::BirthDay,
        SchemaKey::LastName,
        SchemaKey::FirstName,
        SchemaKey::FirstInitial,
        SchemaKey::City,
        SchemaKey::State,
        SchemaKey::Zip,
        SchemaKey::MobileAdvertiserId,
        SchemaKey::Country,
        SchemaKey::LookalikeValue,
    ];

    /// Meta's name for the key (`"EMAIL"`, `"FN"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaKey::Email => "EMAIL",
            SchemaKey::Phone => "PHONE",
            SchemaKey::FirstName => "FN",
            SchemaKey::LastName => "LN",
            SchemaKey::FirstInitial => "FI",
            SchemaKey::City => "CT",
            SchemaKey::State => "ST",
            SchemaKey::Zip => "ZIP",
            SchemaKey::Country => "COUNTRY",
            SchemaKey::Gender => "GEN",
            SchemaKey::BirthYear => "DOBY",
            SchemaKey::BirthMonth => "DOBM",
            SchemaKey::BirthDay => "DOBD",
            SchemaKey::MobileAdvertiserId => "MADID",
            SchemaKey::ExternId => "EXTERN_ID",
            SchemaKey::LookalikeValue => "LOOKALIKE_VALUE",
        }
    }

    /// `true` for the keys uploaded as SHA-256; `false` for `MADID`, `EXTERN_ID` and
    /// `LOOKALIKE_VALUE`, which Meta wants as plain text.
    pub fn is_hashed(self) -> bool {
        !matches!(
            self,
            SchemaKey::MobileAdvertiserId | SchemaKey::ExternId | SchemaKey::LookalikeValue
        )
    }

    /// `true` for keys that can identify a person on their own or with others. `COUNTRY`, `GEN`
    /// and `LOOKALIKE_VALUE` only refine a match, so a row with nothing else is not uploaded.
    pub fn is_identifying(self) -> bool {
        !matches!(
            self,
            SchemaKey::Country | SchemaKey::Gender | SchemaKey::LookalikeValue
        )
    }
}

impl fmt::Display for SchemaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A column name that is not a schema key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a Custom Audience schema key (expected one of EXTERN_ID, EMAIL, PHONE, GEN, DOBY, DOBM, DOBD, LN, FN, FI, CT, ST, ZIP, MADID, COUNTRY, LOOKALIKE_VALUE)"
)]
pub struct UnknownKey(pub String);

impl FromStr for SchemaKey {
    type Err = UnknownKey;

    /// Meta's key names, case-insensitive and trimmed. `*_SHA256` single-key names (for
    /// example `EMAIL_SHA256`) are accepted for the matching key.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let name = upper.strip_suffix("_SHA256").unwrap_or(&upper);
        SchemaKey::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .or(match name {
                "MOBILE_ADVERTISER_ID" => Some(SchemaKey::MobileAdvertiserId),
                _ => None,
            })
            .ok_or_else(|| UnknownKey(s.to_string()))
    }
}

impl Serialize for SchemaKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SchemaKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a list of keys is not a usable schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// No keys at all.
    #[error("the schema has no keys: name at least one identifier column (EMAIL, PHONE, …)")]
    Empty,
    /// A key appears twice.
    #[error("schema key {0} appears more than once")]
    Duplicate(SchemaKey),
    /// Only keys that cannot identify anyone (COUNTRY, GEN, LOOKALIKE_VALUE).
    #[error(
        "the schema has no identifying key: COUNTRY, GEN and LOOKALIKE_VALUE only refine a match; add EMAIL, PHONE, EXTERN_ID or another identifier"
    )]
    NoIdentifier,
    /// A column name is not a key.
    #[error(transparent)]
    UnknownKey(#[from] UnknownKey),
}

/// The ordered keys of a multi-key upload; row values come in the same order.
///
/// ```
/// use fb_audience::{Schema, SchemaKey};
///
/// let schema: Schema = "EMAIL, PHONE, FN, LN, CT, COUNTRY".parse()?;
/// assert_eq!(schema.keys()[1], SchemaKey::Phone);
/// assert_eq!(schema.position(SchemaKey::Country), Some(5));
/// # Ok::<(), fb_audience::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    keys: Vec<SchemaKey>,
}

impl Schema {
    /// A schema from keys: not empty, no duplicates, at least one identifying key.
    pub fn new(keys: impl IntoIterator<Item = SchemaKey>) -> Result<Schema, SchemaError> {
        let keys: Vec<SchemaKey> = keys.into_iter().collect();
        if keys.is_empty() {
            return Err(SchemaError::Empty);
        }
        for (i, k) in keys.iter().enumerate() {
            if keys[..i].contains(k) {
                return Err(SchemaError::Duplicate(*k));
            }
        }
        if !keys.iter().any(|k| k.is_identifying()) {
            return Err(SchemaError::NoIdentifier);
        }
        Ok(Schema { keys })
    }

    /// The keys, in column order.
    pub fn keys(&self) -> &[SchemaKey] {
        &self.keys
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always `false`: a schema has at least one key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The column of `key`, if the schema has it.
    pub fn position(&self, key: SchemaKey) -> Option<usize> {
        self.keys.iter().position(|k| *k == key)
    }

    /// `true` for a value-based schema (it has `LOOKALIKE_VALUE`).
    pub fn is_value_based(&self) -> bool {
        self.position(SchemaKey::LookalikeValue).is_some()
    }
}

impl FromStr for Schema {
    type Err = SchemaError;

    /// Comma-separated key names, e.g. `"EMAIL,PHONE,FN"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let keys = s
            .split(',')
            .map(|k| k.parse::<SchemaKey>())
            .collect::<Result<Vec<_>, _>>()?;
        Schema::new(keys)
    }
}

impl Serialize for Schema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.keys.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in SchemaKey::ALL {
            assert_eq!(k.as_str().parse::<SchemaKey>().unwrap(), k);
            assert_eq!(k.as_str().to_lowercase().parse::<SchemaKey>().unwrap(), k);
        }
        assert_eq!(
            "EMAIL_SHA256".parse::<SchemaKey>().unwrap(),
            SchemaKey::Email
        );
        assert!("DOB".parse::<SchemaKey>().is_err());
    }

    #[test]
    fn schema_rules() {
        assert_eq!(Schema::new([]), Err(SchemaError::Empty));
        assert_eq!(
            "EMAIL,email".parse::<Schema>(),
            Err(SchemaError::Duplicate(SchemaKey::Email))
        );
        assert_eq!(
            "COUNTRY,GEN".parse::<Schema>(),
            Err(SchemaError::NoIdentifier)
        );
        let s: Schema = "EMAIL,LOOKALIKE_VALUE".parse().unwrap();
        assert!(s.is_value_based());
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"["EMAIL","LOOKALIKE_VALUE"]"#
        );
    }
}
