//! Normalization and hashing of customer data, key by key and row by row.
//!
//! The rules are Meta's published ones (see the crate docs for the table and for where they
//! differ from Meta's own SDKs). A value that cannot be normalized is never hashed: its cell is
//! left empty and a [`RejectReason`] says why.

mod birth;
pub(crate) mod country;
mod country_data;
mod email;
mod gender;
mod ids;
pub(crate) mod phone;
mod text;
mod zip;

use std::fmt;

use chrono::Datelike;

pub use birth::{BirthDate, DateOrder};
pub use country::{CountryCode, UnknownCountry};
pub use phone::PhoneError;

use crate::hash::{is_sha256_hex, push_sha256_hex};
use crate::schema::{Schema, SchemaKey};

/// Why a value was left out of the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectReason {
    /// Empty or only whitespace.
    Empty,
    /// The row has fewer values than the schema has keys.
    MissingColumn,
    /// Not an email address.
    InvalidEmail,
    /// The phone number could not be normalized.
    Phone(PhoneError),
    /// A name, city or state with no letters in it.
    NoLetters,
    /// Not a country code or a country name we know.
    UnknownCountry,
    /// A US state that is neither a two-letter code nor a state name.
    UnknownState,
    /// Not a postal code (for the US: not a five-digit ZIP or ZIP+4).
    InvalidZip,
    /// A gender other than the forms of male and female.
    UnknownGender,
    /// A year of birth that is not four digits between 1900 and this year.
    InvalidYear,
    /// A month that is not 1–12 or a month name.
    InvalidMonth,
    /// A day that is not 1–31.
    InvalidDay,
    /// The year, month and day together name no real date (30 February).
    NoSuchDate,
    /// Not an IDFA / GAID (a UUID), or the all-zero id of a device that limits tracking.
    InvalidMadid,
    /// Not a non-negative number.
    InvalidValue,
}

impl RejectReason {
    /// A stable snake_case code for logs and reports.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::Empty => "empty",
            RejectReason::MissingColumn => "missing_column",
            RejectReason::InvalidEmail => "invalid_email",
            RejectReason::Phone(p) => p.as_str(),
            RejectReason::NoLetters => "no_letters",
            RejectReason::UnknownCountry => "unknown_country",
            RejectReason::UnknownState => "unknown_state",
            RejectReason::InvalidZip => "invalid_zip",
            RejectReason::UnknownGender => "unknown_gender",
            RejectReason::InvalidYear => "invalid_year",
            RejectReason::InvalidMonth => "invalid_month",
            RejectReason::InvalidDay => "invalid_day",
            RejectReason::NoSuchDate => "no_such_date",
            RejectReason::InvalidMadid => "invalid_madid",
            RejectReason::InvalidValue => "invalid_value",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::Empty => f.write_str("empty"),
            RejectReason::MissingColumn => f.write_str("the row has no value for this column"),
            RejectReason::InvalidEmail => f.write_str("not an email address"),
            RejectReason::Phone(p) => p.fmt(f),
            RejectReason::NoLetters => f.write_str("no letters left after normalization"),
            RejectReason::UnknownCountry => {
                f.write_str("not an ISO 3166-1 country code or a known country name")
            }
            RejectReason::UnknownState => {
                f.write_str("not a US state code or name (use the two-letter code, e.g. CA)")
            }
            RejectReason::InvalidZip => f.write_str("not a postal code (US: 5-digit ZIP or ZIP+4)"),
            RejectReason::UnknownGender => f.write_str("gender must be a form of male or female"),
            RejectReason::InvalidYear => {
                f.write_str("year of birth must be four digits between 1900 and this year")
            }
            RejectReason::InvalidMonth => f.write_str("month must be 1-12 or a month name"),
            RejectReason::InvalidDay => f.write_str("day must be 1-31"),
            RejectReason::NoSuchDate => f.write_str("year, month and day name no real date"),
            RejectReason::InvalidMadid => {
                f.write_str("not a mobile advertiser id (IDFA/GAID UUID, not all zeros)")
            }
            RejectReason::InvalidValue => f.write_str("not a non-negative number"),
        }
    }
}

impl std::error::Error for RejectReason {}

impl From<PhoneError> for RejectReason {
    fn from(e: PhoneError) -> Self {
        RejectReason::Phone(e)
    }
}

/// One value's normalized form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Normalized {
    /// The text Meta hashes (or, for MADID, EXTERN_ID and LOOKALIKE_VALUE, uploads as is).
    Value(String),
    /// The input already was a SHA-256 hex digest; it is uploaded unchanged (lowercased).
    AlreadyHashed(String),
}

impl Normalized {
    /// The normalized text or the digest.
    pub fn as_str(&self) -> &str {
        match self {
            Normalized::Value(s) | Normalized::AlreadyHashed(s) => s,
        }
    }
}

/// A value left out of a row, with its column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRejection {
    /// Zero-based column in the schema.
    pub column: usize,
    /// The column's key.
    pub key: SchemaKey,
    /// Why.
    pub reason: RejectReason,
}

impl fmt::Display for FieldRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.reason)
    }
}

/// A row ready for upload: one cell per schema key (empty where the value was rejected) and
/// the reasons for every rejected value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashedRow {
    cells: Vec<String>,
    rejections: Vec<FieldRejection>,
    usable: bool,
    scratch: String,
}

impl HashedRow {
    /// The cells in schema order: SHA-256 hex for hashed keys, plain text for MADID, EXTERN_ID
    /// and LOOKALIKE_VALUE, `""` where a value was rejected.
    pub fn cells(&self) -> &[String] {
        &self.cells
    }

    /// The cells, owned.
    pub fn into_cells(self) -> Vec<String> {
        self.cells
    }

    /// Every value left out, with the reason. Empty input counts (reason [`RejectReason::Empty`]).
    pub fn rejections(&self) -> &[FieldRejection] {
        &self.rejections
    }

    /// `false` when nothing identifying survived (only COUNTRY, GEN or LOOKALIKE_VALUE, or
    /// nothing at all), or a value-based row has no usable value: such a row is not uploaded.
    pub fn is_usable(&self) -> bool {
        self.usable
    }
}

/// Normalizes and hashes values by Meta's published rules.
///
/// ```
/// use fb_audience::{CountryCode, Normalizer, SchemaKey};
///
/// let n = Normalizer::builder().default_country(CountryCode::US).build();
/// assert_eq!(n.normalize(SchemaKey::Phone, "(650)555-1212")?.as_str(), "16505551212");
/// assert_eq!(n.normalize(SchemaKey::FirstName, "Valéry")?.as_str(), "valéry");
/// assert_eq!(n.normalize(SchemaKey::Country, "United States")?.as_str(), "us");
/// assert_eq!(
///     n.hash(SchemaKey::Email, " Mary@Example.com ")?,
///     "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
/// );
/// # Ok::<(), fb_audience::RejectReason>(())
/// ```
#[derive(Debug, Clone)]
pub struct Normalizer {
    default_country: Option<CountryCode>,
    max_birth_year: i32,
    strict_phones: bool,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer::builder().build()
    }
}

/// Builds a [`Normalizer`].
#[derive(Debug, Clone)]
pub struct NormalizerBuilder {
    default_country: Option<CountryCode>,
    max_birth_year: Option<i32>,
    strict_phones: bool,
}

impl NormalizerBuilder {
    /// The country for national-format phone numbers, ZIP and state rules when a row has no
    /// usable COUNTRY. Without it such phone numbers are rejected
    /// ([`PhoneError::NoCountry`]).
    pub fn default_country(mut self, country: CountryCode) -> Self {
        self.default_country = Some(country);
        self
    }

    /// The latest accepted year of birth (default: the current year). Set it for reproducible
    /// results in tests.
    pub fn max_birth_year(mut self, year: i32) -> Self {
        self.max_birth_year = Some(year);
        self
    }

    /// Also reject phone numbers that match no number type of their country (libphonenumber's
    /// `isValidNumber`). Off by default: Meta's rule does not ask for it, and the metadata lags
    /// behind newly assigned ranges.
    pub fn strict_phone_validation(mut self, strict: bool) -> Self {
        self.strict_phones = strict;
        self
    }

    /// The normalizer.
    pub fn build(self) -> Normalizer {
        Normalizer {
            default_country: self.default_country,
            max_birth_year: self
                .max_birth_year
                .unwrap_or_else(|| chrono::Utc::now().year()),
            strict_phones: self.strict_phones,
        }
    }
}

impl Normalizer {
    /// A builder with no default country, the current year as latest birth year, and lenient
    /// phone validation.
    pub fn builder() -> NormalizerBuilder {
        NormalizerBuilder {
            default_country: None,
            max_birth_year: None,
            strict_phones: false,
        }
    }

    /// The configured default country.
    pub fn default_country(&self) -> Option<CountryCode> {
        self.default_country
    }

    /// Normalizes one value (with the default country as context).
    pub fn normalize(&self, key: SchemaKey, value: &str) -> Result<Normalized, RejectReason> {
        self.normalize_in(key, value, self.default_country)
    }

    /// Normalizes one value for a record of `country` (phone, ZIP and state rules depend on it).
    pub fn normalize_in(
        &self,
        key: SchemaKey,
        value: &str,
        country: Option<CountryCode>,
    ) -> Result<Normalized, RejectReason> {
        let mut out = String::new();
        match self.normalize_into(key, value, country, &mut out)? {
            true => Ok(Normalized::AlreadyHashed(out)),
            false => Ok(Normalized::Value(out)),
        }
    }

    /// What goes into the upload for one value: the SHA-256 hex of the normalized value, or the
    /// plain value for MADID, EXTERN_ID and LOOKALIKE_VALUE, or an already-hashed input as is.
    pub fn hash(&self, key: SchemaKey, value: &str) -> Result<String, RejectReason> {
        let mut scratch = String::new();
        let mut out = String::new();
        self.upload_cell(key, value, self.default_country, &mut scratch, &mut out)?;
        Ok(out)
    }

    /// Normalizes and hashes a row whose values follow `schema`.
    ///
    /// ```
    /// use fb_audience::{CountryCode, Normalizer, RejectReason, Schema, SchemaKey};
    ///
    /// let n = Normalizer::builder().default_country(CountryCode::US).build();
    /// let schema: Schema = "EMAIL,PHONE,FN,COUNTRY".parse().unwrap();
    /// let row = n.hash_row(&schema, &["not-an-email", "020 7183 8750", "Zoë", "United Kingdom"]);
    /// assert!(row.is_usable());
    /// assert_eq!(row.cells()[0], ""); // never sha256("")
    /// assert_eq!(row.rejections()[0].reason, RejectReason::InvalidEmail);
    /// assert_eq!(row.cells()[1], fb_audience::sha256_hex("442071838750")); // the row's country
    /// ```
    pub fn hash_row<S: AsRef<str>>(&self, schema: &Schema, row: &[S]) -> HashedRow {
        let mut out = HashedRow::default();
        self.hash_row_into(schema, row, &mut out);
        out
    }

    /// [`hash_row`](Self::hash_row) into a reused row, so a long stream allocates nothing per
    /// row once the buffers have grown.
    pub fn hash_row_into<S: AsRef<str>>(&self, schema: &Schema, row: &[S], out: &mut HashedRow) {
        let keys = schema.keys();
        out.cells.resize_with(keys.len(), String::new);
        out.cells.truncate(keys.len());
        for c in &mut out.cells {
            c.clear();
        }
        out.rejections.clear();
        let mut scratch = std::mem::take(&mut out.scratch);

        // The row's own country decides phone, ZIP and state rules.
        let country_col = schema.position(SchemaKey::Country);
        let row_country = country_col
            .and_then(|col| row.get(col))
            .and_then(|value| CountryCode::lookup(value.as_ref()));
        let country = row_country.or(self.default_country);

        for (col, key) in keys.iter().enumerate() {
            let Some(value) = row.get(col) else {
                out.rejections.push(FieldRejection {
                    column: col,
                    key: *key,
                    reason: RejectReason::MissingColumn,
                });
                continue;
            };
            if Some(col) == country_col
                && let Some(code) = row_country
            {
                // Looked up once above; its digest is cached per code.
                out.cells[col].push_str(code.digest());
                continue;
            }
            if let Err(reason) = self.upload_cell(
                *key,
                value.as_ref(),
                country,
                &mut scratch,
                &mut out.cells[col],
            ) {
                out.cells[col].clear();
                out.rejections.push(FieldRejection {
                    column: col,
                    key: *key,
                    reason,
                });
            }
        }
        check_birth_date(schema, row, self, out);
        out.scratch = scratch;

        let identified = keys
            .iter()
            .zip(&out.cells)
            .any(|(k, c)| k.is_identifying() && !c.is_empty());
        let valued = schema
            .position(SchemaKey::LookalikeValue)
            .is_none_or(|col| !out.cells[col].is_empty());
        out.usable = identified && valued;
    }

    /// Writes one upload cell into `cell` (cleared by the caller).
    fn upload_cell(
        &self,
        key: SchemaKey,
        value: &str,
        country: Option<CountryCode>,
        scratch: &mut String,
        cell: &mut String,
    ) -> Result<(), RejectReason> {
        scratch.clear();
        let already_hashed = self.normalize_into(key, value, country, scratch)?;
        if key.is_hashed() && !already_hashed {
            push_sha256_hex(scratch.as_bytes(), cell);
        } else {
            cell.push_str(scratch);
        }
        Ok(())
    }

    /// Appends the normalized value to `out`; `Ok(true)` when it was an already-hashed input.
    fn normalize_into(
        &self,
        key: SchemaKey,
        value: &str,
        country: Option<CountryCode>,
        out: &mut String,
    ) -> Result<bool, RejectReason> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(RejectReason::Empty);
        }
        if key.is_hashed() && is_sha256_hex(trimmed) {
            out.extend(trimmed.bytes().map(|b| b.to_ascii_lowercase() as char));
            return Ok(true);
        }
        let ok = match key {
            SchemaKey::Email => email::normalize_email(value, out)
                .then_some(())
                .ok_or(RejectReason::InvalidEmail),
            SchemaKey::Phone => {
                phone::normalize_phone(value, country, self.strict_phones, out).map_err(Into::into)
            }
            SchemaKey::FirstName | SchemaKey::LastName | SchemaKey::City => {
                text::letters_lower(value, out)
                    .then_some(())
                    .ok_or(RejectReason::NoLetters)
            }
            SchemaKey::FirstInitial => text::first_initial(value, out)
                .then_some(())
                .ok_or(RejectReason::NoLetters),
            SchemaKey::State => self.state(value, country, out),
            SchemaKey::Zip => zip::normalize_zip(value, country, out)
                .then_some(())
                .ok_or(RejectReason::InvalidZip),
            SchemaKey::Country => {
                let code = CountryCode::lookup(value).ok_or(RejectReason::UnknownCountry)?;
                out.push_str(code.as_str());
                Ok(())
            }
            SchemaKey::Gender => {
                let g = gender::normalize_gender(value).ok_or(RejectReason::UnknownGender)?;
                out.push(g);
                Ok(())
            }
            SchemaKey::BirthYear => birth::normalize_year(value, self.max_birth_year, out)
                .then_some(())
                .ok_or(RejectReason::InvalidYear),
            SchemaKey::BirthMonth => {
                let m = birth::parse_month(value).ok_or(RejectReason::InvalidMonth)?;
                out.push_str(&format!("{m:02}"));
                Ok(())
            }
            SchemaKey::BirthDay => {
                let d = birth::parse_day(value).ok_or(RejectReason::InvalidDay)?;
                out.push_str(&format!("{d:02}"));
                Ok(())
            }
            SchemaKey::MobileAdvertiserId => ids::normalize_madid(value, out)
                .then_some(())
                .ok_or(RejectReason::InvalidMadid),
            // "Use the exact format": the id as given, not even trimmed.
            SchemaKey::ExternId => {
                out.push_str(value);
                Ok(())
            }
            SchemaKey::LookalikeValue => ids::normalize_value(value, out)
                .then_some(())
                .ok_or(RejectReason::InvalidValue),
        };
        ok.map(|()| false)
    }

    /// ST: the two-letter code for US states (by code or name); elsewhere the letters rule.
    fn state(
        &self,
        value: &str,
        country: Option<CountryCode>,
        out: &mut String,
    ) -> Result<(), RejectReason> {
        let us_or_unknown = country.is_none_or(|c| c == CountryCode::US);
        if us_or_unknown && let Some(code) = country::us_state_code(value) {
            out.push(code[0] as char);
            out.push(code[1] as char);
            return Ok(());
        }
        if country == Some(CountryCode::US) {
            return Err(RejectReason::UnknownState);
        }
        text::letters_lower(value, out)
            .then_some(())
            .ok_or(RejectReason::NoLetters)
    }
}

/// With DOBM and DOBD (and DOBY when present) all accepted, the day must exist in that month
/// (29 February only in leap years, or in any year when DOBY is absent).
fn check_birth_date<S: AsRef<str>>(
    schema: &Schema,
    row: &[S],
    normalizer: &Normalizer,
    out: &mut HashedRow,
) {
    let (Some(m_col), Some(d_col)) = (
        schema.position(SchemaKey::BirthMonth),
        schema.position(SchemaKey::BirthDay),
    ) else {
        return;
    };
    if out.cells[m_col].is_empty() || out.cells[d_col].is_empty() {
        return;
    }
    let value = |col: usize, key| {
        row.get(col)
            .and_then(|v| normalizer.normalize_in(key, v.as_ref(), None).ok())
            .map(|n| n.as_str().to_string())
    };
    let year = schema
        .position(SchemaKey::BirthYear)
        .filter(|c| !out.cells[*c].is_empty())
        .and_then(|c| value(c, SchemaKey::BirthYear))
        .unwrap_or_else(|| "2000".into());
    let (Some(month), Some(day)) = (
        value(m_col, SchemaKey::BirthMonth),
        value(d_col, SchemaKey::BirthDay),
    ) else {
        return;
    };
    if !birth::date_exists(&year, &month, &day) {
        out.cells[d_col].clear();
        out.rejections.push(FieldRejection {
            column: d_col,
            key: SchemaKey::BirthDay,
            reason: RejectReason::NoSuchDate,
        });
    }
}
