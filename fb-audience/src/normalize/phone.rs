//! PHONE: digits only, with the country code, no leading zeros.
//!
//! Numbers go through libphonenumber's parsing rules with the metadata of the [`phonenumber`]
//! crate (a Rust port of Google's libphonenumber), along one of two paths:
//!
//! * The **fast path** ([`parse_digits`]) takes the common shapes — ASCII digits with spaces,
//!   dashes, dots, slashes, brackets, optionally after `+` or `00`, and an optional trailing
//!   extension — and runs libphonenumber's steps (international prefix, country calling code,
//!   national prefix and carrier code, length checks) directly on the digits, with the
//!   metadata's regular expressions compiled once. That costs a few hundred nanoseconds.
//! * The **full parse** ([`phonenumber::parse`]) handles everything else (vanity letters,
//!   `tel:` URIs, other punctuation). It costs microseconds, and its regex cache is a single
//!   mutex-guarded LRU of 100 patterns, so it neither scales across threads nor stays warm.
//!
//! **Agreement.** On every input the fast path accepts, it gives the full parse's digits
//! whenever the full parse yields a number its own validator calls valid; the property tests
//! at the bottom of this file check that over many regions and shapes. Where the two differ,
//! the `phonenumber` port is the one that departs from libphonenumber, and its answer is an
//! invalid number; the fast path follows libphonenumber (Java), which these tests also pin:
//!
//! * the port strips the region's calling code from any national number that starts with it
//!   (the Indian mobile `91234 56789` becomes `+91 234 56789`); libphonenumber strips it only
//!   when the rest is a better national number;
//! * it strips a national prefix even when that leaves an impossible number, and strips it a
//!   second time (`8 (812) 123-45-67` in St Petersburg loses both eights, `+7 800 …` loses its
//!   8); libphonenumber keeps the prefix when stripping would break a valid number;
//! * for `+CC…` with a default region it applies the default region's prefix rules instead of
//!   those of the number's country (`+44 (0)20…` keeps its `0` with a US default).

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use phonenumber::Metadata;
use phonenumber::metadata::DATABASE;
use regex::{Regex, RegexBuilder};

use super::country::CountryCode;

/// Why a phone number could not be normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhoneError {
    /// A national-format number and no country: the record has no usable COUNTRY and no
    /// default country is configured.
    NoCountry,
    /// The text is not a phone number (no digits, letters where digits belong, …).
    NotANumber,
    /// The number starts with `+` or `00` but no country calling code follows.
    InvalidCountryCode,
    /// Too few or too many digits for a phone number (7 to 15 with the country code).
    Length,
    /// No phone number of that country has this shape (libphonenumber's general pattern for
    /// the country does not match): `(123) 456-7890` in the US, all zeros, …
    Impossible,
    /// The number has a possible shape but no number type of its country matches it (only when
    /// strict validation is on).
    Unassigned,
}

impl PhoneError {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneError::NoCountry => "phone_no_country",
            PhoneError::NotANumber => "phone_not_a_number",
            PhoneError::InvalidCountryCode => "phone_invalid_country_code",
            PhoneError::Length => "phone_length",
            PhoneError::Impossible => "phone_impossible",
            PhoneError::Unassigned => "phone_unassigned",
        }
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PhoneError::NoCountry => {
                "national-format phone number without a country: write it with +country code, fill COUNTRY, or configure a default country"
            }
            PhoneError::NotANumber => "not a phone number",
            PhoneError::InvalidCountryCode => "no valid country calling code after + or 00",
            PhoneError::Length => {
                "wrong number of digits for a phone number (7 to 15 with the country code)"
            }
            PhoneError::Impossible => "no phone number of its country has this shape",
            PhoneError::Unassigned => "no number of this shape is assigned in its country",
        })
    }
}

impl std::error::Error for PhoneError {}

/// Shortest and longest accepted results, country code included (E.164 allows 15 digits).
const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;
/// libphonenumber's bounds on a national significant number.
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;

/// Normalizes one phone number into `out` (digits only). `region` is the record's country or
/// the configured default. `strict` also requires a number type of its country to match.
pub(crate) fn normalize_phone(
    input: &str,
    region: Option<CountryCode>,
    strict: bool,
    out: &mut String,
) -> Result<(), PhoneError> {
    let trimmed = input.trim();
    // Full-width digits, plus signs and odd spaces become ASCII first.
    let owned;
    let s = if trimmed.is_ascii() {
        trimmed
    } else {
        use unicode_normalization::UnicodeNormalization;
        owned = trimmed.nfkc().collect::<String>();
        owned.as_str()
    };
    let digits = match digit_shape(s) {
        Some((plus, digits)) => parse_digits(digits.as_str(), plus, region)?,
        None => full_parse(s, region)?,
    };
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
        return Err(PhoneError::Length);
    }
    match check_number(&digits, strict) {
        Check::Impossible => return Err(PhoneError::Impossible),
        Check::Possible if strict => return Err(PhoneError::Unassigned),
        _ => {}
    }
    out.push_str(&digits);
    Ok(())
}

/// A small stack buffer of ASCII digits.
struct Digits {
    buf: [u8; 24],
    len: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

/// Separators the fast path accepts. None of them can start an extension, a second number or a
/// vanity word, so dropping them loses nothing.
fn is_separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'-' | b'.' | b'(' | b')' | b'/' | b'[' | b']'
    )
}

/// `Some((has_plus, digits))` for the fast path's shapes: optional `+`, then digits and
/// separators only, at most one trailing extension (`ext. 12`, `x12`, `#12`), at most 24 digits.
fn digit_shape(s: &str) -> Option<(bool, Digits)> {
    let (plus, body) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let body = strip_extension(body);
    let mut d = Digits {
        buf: [0; 24],
        len: 0,
    };
    for &b in body.as_bytes() {
        if b.is_ascii_digit() {
            if d.len == d.buf.len() {
                return None;
            }
            d.buf[d.len] = b;
            d.len += 1;
        } else if !is_separator(b) {
            return None;
        }
    }
    (d.len >= 3).then_some((plus, d))
}

/// Removes one trailing extension: `ext 12`, `ext. 12`, `extension 12`, `x12`, `#12`,
/// `;ext=12`. Meta matches on the number itself.
fn strip_extension(s: &str) -> &str {
    let b = s.as_bytes();
    let mut end = b.len();
    while end > 0 && b[end - 1] == b'#' {
        end -= 1;
    }
    let digits_end = end;
    while end > 0 && b[end - 1].is_ascii_digit() {
        end -= 1;
    }
    if end == digits_end || digits_end - end > 7 {
        return s;
    }
    let head = s[..end].trim_end_matches([' ', '\t', ':', '.']);
    // Only a letter, `#` or `=` can end an extension marker.
    if !head
        .as_bytes()
        .last()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'#' || *c == b'=')
    {
        return s;
    }
    let lower = head.to_ascii_lowercase();
    for marker in [";ext=", "extension", "ext", "x", "#"] {
        if let Some(rest) = lower.strip_suffix(marker) {
            let cut = rest.trim_end_matches([' ', '\t', ',', ';']);
            // The marker must follow the number itself.
            if cut.ends_with(|c: char| c.is_ascii_digit() || c == ')') {
                return &s[..cut.len()];
            }
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Metadata rules, compiled once per region / calling code with our own (uncached) regexes.

/// Compiles a metadata pattern with the options libphonenumber's metadata is written for
/// (whitespace in the pattern is layout, not content).
fn compile(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .ignore_whitespace(true)
        .build()
        .ok()
}

enum Idd {
    None,
    Literal(String),
    Pattern(Regex),
}

impl Idd {
    /// End of an international-prefix match at the start of `digits`.
    fn match_end(&self, digits: &str) -> Option<usize> {
        match self {
            Idd::None => None,
            Idd::Literal(l) => digits.starts_with(l.as_str()).then_some(l.len()),
            Idd::Pattern(re) => re.find(digits).map(|m| m.end()),
        }
    }
}

/// A national prefix for parsing.
enum Prefix {
    /// A plain prefix (`0`, `1`, `8`).
    Literal(String),
    /// A pattern anchored at the start, possibly with carrier-code groups.
    Pattern(Regex),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

/// One region's parsing metadata in a form that runs without the crate's regex cache.
struct RegionRules {
    cc: u16,
    cc_str: String,
    /// National prefix for parsing (or the national prefix itself), anchored at the start.
    prefix_for_parsing: Option<Prefix>,
    /// The transform rule in `regex` replacement syntax (`${1}`).
    transform: Option<String>,
    idd: Idd,
    /// The general descriptor anchored at both ends.
    general: Option<Regex>,
    /// Possible lengths of a national number (union over number types), sorted.
    lengths: Vec<u16>,
    /// Lengths that are only possible for local dialling.
    local_lengths: Vec<u16>,
}

impl RegionRules {
    fn from_metadata(meta: &Metadata) -> RegionRules {
        let transform = meta.national_prefix_transform_rule().map(dollar_braces);
        let prefix_for_parsing = match (meta.national_prefix_for_parsing(), meta.national_prefix())
        {
            (Some(re), _) => compile(&format!("^(?:{})", re.as_str())).map(Prefix::Pattern),
            // A plain prefix without a transform is a string comparison, not a regex.
            (None, Some(p)) if !p.is_empty() && transform.is_none() => {
                Some(Prefix::Literal(p.to_string()))
            }
            (None, Some(p)) if !p.is_empty() => {
                compile(&format!("^{}", regex::escape(p))).map(Prefix::Pattern)
            }
            _ => None,
        };
        let idd = match meta.international_prefix() {
            None => Idd::None,
            Some(re) => {
                let p: String = re.as_str().split_whitespace().collect();
                if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                    Idd::Literal(p)
                } else {
                    compile(&format!("^(?:{})", re.as_str())).map_or(Idd::None, Idd::Pattern)
                }
            }
        };
        let d = meta.descriptors();
        let mut lengths = Vec::new();
        let mut local_lengths = Vec::new();
        for desc in type_descriptors(meta) {
            lengths.extend_from_slice(desc.possible_length());
            local_lengths.extend_from_slice(desc.possible_local_length());
        }
        lengths.sort_unstable();
        lengths.dedup();
        // A length that some type dials in full is not "local only" (libphonenumber's
        // metadata builder drops it from the general descriptor's local-only list).
        local_lengths.retain(|l| !lengths.contains(l));
        local_lengths.sort_unstable();
        local_lengths.dedup();
        RegionRules {
            cc: meta.country_code(),
            cc_str: meta.country_code().to_string(),
            prefix_for_parsing,
            transform,
            idd,
            general: compile(&format!("^(?:{})$", d.general().national_number().as_str())),
            lengths,
            local_lengths,
        }
    }

    /// libphonenumber's `matchNationalNumber` against the general descriptor (a full match).
    fn is_general_match(&self, number: &str) -> bool {
        self.general.as_ref().is_some_and(|re| re.is_match(number))
    }

    /// libphonenumber's `testNumberLength` for an unknown number type.
    fn test_length(&self, len: usize) -> Length {
        let (Some(&min), Some(&max)) = (self.lengths.first(), self.lengths.last()) else {
            return Length::Invalid;
        };
        let len16 = len.min(u16::MAX as usize) as u16;
        if self.local_lengths.contains(&len16) {
            Length::LocalOnly
        } else if len16 == min {
            Length::Possible
        } else if len16 < min {
            Length::TooShort
        } else if len16 > max {
            Length::TooLong
        } else if self.lengths.contains(&len16) {
            Length::Possible
        } else {
            Length::Invalid
        }
    }

    /// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`: strip the national prefix
    /// (and carrier code), or apply the transform rule, unless that would turn a number that
    /// matches the general descriptor into one that does not.
    fn strip_national_prefix<'a>(&self, number: &'a str) -> Cow<'a, str> {
        if number.is_empty() {
            return Cow::Borrowed(number);
        }
        let end = match &self.prefix_for_parsing {
            None => return Cow::Borrowed(number),
            Some(Prefix::Literal(p)) => {
                if !number.starts_with(p.as_str()) {
                    return Cow::Borrowed(number);
                }
                p.len()
            }
            Some(Prefix::Pattern(re)) if self.transform.is_some() => {
                let Some(caps) = re.captures(number) else {
                    return Cow::Borrowed(number);
                };
                let end = caps.get(0).map_or(0, |m| m.end());
                // The transform applies when the last group took part in the match.
                if let (Some(rule), Some(_)) = (&self.transform, caps.get(caps.len() - 1)) {
                    let transformed = re.replace(number, rule.as_str());
                    if self.is_general_match(number) && !self.is_general_match(&transformed) {
                        return Cow::Borrowed(number);
                    }
                    return Cow::Owned(transformed.into_owned());
                }
                end
            }
            Some(Prefix::Pattern(re)) => match re.find(number) {
                Some(m) => m.end(),
                None => return Cow::Borrowed(number),
            },
        };
        let rest = &number[end..];
        // Keep the prefix when stripping would break a number that was valid with it.
        if self.is_general_match(number) && !self.is_general_match(rest) {
            return Cow::Borrowed(number);
        }
        Cow::Borrowed(rest)
    }

    /// The last steps of libphonenumber's parse: strip the national prefix when the result has
    /// a usable length, then check the bounds of a national significant number.
    fn finish(&self, national: &str) -> Result<String, PhoneError> {
        if national.len() < MIN_NSN {
            return Err(PhoneError::Length);
        }
        let stripped = self.strip_national_prefix(national);
        let national = match self.test_length(stripped.len()) {
            Length::TooShort | Length::LocalOnly => Cow::Borrowed(national),
            _ => stripped,
        };
        if !(MIN_NSN..=MAX_NSN).contains(&national.len()) {
            return Err(PhoneError::Length);
        }
        let mut out = String::with_capacity(self.cc_str.len() + national.len());
        out.push_str(&self.cc_str);
        out.push_str(&national);
        Ok(out)
    }
}

fn type_descriptors(meta: &Metadata) -> impl Iterator<Item = &phonenumber::metadata::Descriptor> {
    let d = meta.descriptors();
    [
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
}

/// libphonenumber writes group references as `$1`; the `regex` crate needs `${1}` when a digit
/// or letter follows.
fn dollar_braces(rule: &str) -> String {
    let mut out = String::with_capacity(rule.len() + 4);
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push_str("${");
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                out.push(d);
                chars.next();
            }
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

fn region_rules(code: CountryCode) -> Option<&'static RegionRules> {
    static RULES: [OnceLock<Option<RegionRules>>; 676] = [const { OnceLock::new() }; 676];
    RULES[code.index()]
        .get_or_init(|| {
            let meta = DATABASE.by_id(code.to_uppercase().as_str())?;
            Some(RegionRules::from_metadata(meta))
        })
        .as_ref()
}

/// The rules of a calling code's main region (libphonenumber's `getRegionCodeForCountryCode`),
/// or of the non-geographic entity that owns it.
fn calling_code_rules(cc: u16) -> Option<&'static RegionRules> {
    static RULES: [OnceLock<Option<RegionRules>>; 1000] = [const { OnceLock::new() }; 1000];
    RULES
        .get(cc as usize)?
        .get_or_init(|| {
            let regions = DATABASE.region(&cc)?;
            let main = regions.first()?;
            let meta = match DATABASE.by_id(*main) {
                Some(m) if *main != "001" => m,
                _ => DATABASE.by_code(&cc)?.into_iter().next()?,
            };
            Some(RegionRules::from_metadata(meta))
        })
        .as_ref()
}

// ---------------------------------------------------------------------------------------------
// The fast path.

/// libphonenumber's parse for a number already reduced to ASCII digits (`plus` when it was
/// written with a leading `+`). Returns the E.164 digits.
pub(crate) fn parse_digits(
    digits: &str,
    plus: bool,
    region: Option<CountryCode>,
) -> Result<String, PhoneError> {
    let rules = region.and_then(region_rules);
    let international = if plus {
        Some(digits)
    } else if let Some(rest) = digits.strip_prefix("00") {
        // "00" is the ITU-recommended international prefix; in a customer file it always means
        // an international number, whatever the default region dials.
        Some(rest)
    } else {
        rules.and_then(|r| {
            r.idd
                .match_end(digits)
                .filter(|end| !digits[*end..].starts_with('0'))
                .map(|end| &digits[end..])
        })
    };
    if let Some(rest) = international {
        // Meta: "remove any leading zeros" (a calling code never starts with 0).
        let e = rest.trim_start_matches('0');
        if e.len() <= MIN_NSN {
            return Err(PhoneError::Length);
        }
        let (meta, national) = (1..=3)
            .filter(|len| *len < e.len())
            .find_map(|len| {
                let cc: u16 = e[..len].parse().ok()?;
                calling_code_rules(cc).map(|r| (r, &e[len..]))
            })
            .ok_or(PhoneError::InvalidCountryCode)?;
        return meta.finish(national);
    }
    let rules = rules.ok_or(PhoneError::NoCountry)?;
    if let Some(potential) = digits.strip_prefix(rules.cc_str.as_str()) {
        // A national number that starts with the region's own calling code: libphonenumber
        // takes the code off only when the rest is the better national number.
        let stripped = rules.strip_national_prefix(potential);
        if (!rules.is_general_match(digits) && rules.is_general_match(&stripped))
            || rules.test_length(digits.len()) == Length::TooLong
        {
            let main = calling_code_rules(rules.cc).unwrap_or(rules);
            return main.finish(&stripped);
        }
    }
    rules.finish(digits)
}

// ---------------------------------------------------------------------------------------------
// The full parse.

/// The `phonenumber` crate's parser, for the shapes the fast path does not take.
fn full_parse(s: &str, region: Option<CountryCode>) -> Result<String, PhoneError> {
    use std::str::FromStr;
    let id = match region {
        Some(code) => Some(
            phonenumber::country::Id::from_str(&code.to_uppercase())
                .map_err(|_| PhoneError::NoCountry)?,
        ),
        None => None,
    };
    let parsed = phonenumber::parse(id, s).map_err(|e| match e {
        phonenumber::ParseError::InvalidCountryCode if id.is_none() && !s.starts_with('+') => {
            PhoneError::NoCountry
        }
        phonenumber::ParseError::InvalidCountryCode => PhoneError::InvalidCountryCode,
        phonenumber::ParseError::TooShortNsn
        | phonenumber::ParseError::TooShortAfterIdd
        | phonenumber::ParseError::TooLong => PhoneError::Length,
        _ => PhoneError::NotANumber,
    })?;
    Ok(format!("{}{}", parsed.code().value(), parsed.national()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// No region of the calling code has a general pattern that matches.
    Impossible,
    /// Some region's general pattern matches, but no number type does.
    Possible,
    /// Some region (picked by its leading digits when it has them) has a number type whose
    /// pattern and length match: libphonenumber's `isValidNumber`.
    Valid,
}

/// Checks E.164 digits against the metadata of every region that shares the calling code;
/// the number types are only consulted for `types` (strict validation).
fn check_number(e164: &str, types: bool) -> Check {
    struct TypeRule {
        pattern: Regex,
        lengths: Vec<u16>,
    }
    struct RegionCheck {
        general: Option<Regex>,
        leading: Option<Regex>,
        types: OnceLock<Vec<TypeRule>>,
        meta: &'static Metadata,
    }
    static CHECKS: [OnceLock<Vec<RegionCheck>>; 1000] = [const { OnceLock::new() }; 1000];
    let mut best = Check::Impossible;
    for len in (1..=3).filter(|len| *len < e164.len()) {
        let Ok(cc) = e164[..len].parse::<u16>() else {
            continue;
        };
        let national = &e164[len..];
        let regions = CHECKS[cc as usize].get_or_init(|| {
            DATABASE
                .by_code(&cc)
                .unwrap_or_default()
                .into_iter()
                .map(|m| RegionCheck {
                    general: compile(&format!(
                        "^(?:{})$",
                        m.descriptors().general().national_number().as_str()
                    )),
                    leading: m
                        .leading_digits()
                        .and_then(|re| compile(&format!("^(?:{})", re.as_str()))),
                    types: OnceLock::new(),
                    meta: m,
                })
                .collect()
        });
        if regions.is_empty() {
            continue;
        }
        let n = national.len() as u16;
        for r in regions {
            if !r.general.as_ref().is_some_and(|g| g.is_match(national)) {
                continue;
            }
            best = Check::Possible;
            if !types {
                return best;
            }
            let types = r.types.get_or_init(|| {
                type_descriptors(r.meta)
                    .filter_map(|d| {
                        Some(TypeRule {
                            pattern: compile(&format!("^(?:{})$", d.national_number().as_str()))?,
                            lengths: d.possible_length().to_vec(),
                        })
                    })
                    .collect()
            });
            let leading_ok = r.leading.as_ref().is_none_or(|re| re.is_match(national));
            if leading_ok
                && types.iter().any(|t| {
                    (t.lengths.is_empty() || t.lengths.contains(&n)) && t.pattern.is_match(national)
                })
            {
                return Check::Valid;
            }
        }
        // Calling codes are prefix-free: once one matched, longer ones cannot.
        break;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cc(s: &str) -> Option<CountryCode> {
        CountryCode::from_alpha2(s)
    }

    fn norm(s: &str, region: &str) -> Result<String, PhoneError> {
        let mut out = String::new();
        normalize_phone(s, cc(region), false, &mut out).map(|_| out)
    }

    /// The `phonenumber` crate's own answer, and whether its validator accepts it. Numbers
    /// written internationally are given to it without a region, so it uses the rules of the
    /// number's own country (with a region it applies the region's rules to `+CC…` too).
    fn library(s: &str, region: &str) -> Option<(String, bool)> {
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let idd_end = cc(region)
            .and_then(region_rules)
            .and_then(|rules| rules.idd.match_end(&digits))
            .filter(|end| !digits[*end..].starts_with('0'));
        let international = if s.starts_with('+') {
            Some(digits.as_str())
        } else if let Some(rest) = digits.strip_prefix("00") {
            Some(rest)
        } else {
            idd_end.map(|end| &digits[end..])
        };
        let p = match international {
            Some(rest) => {
                phonenumber::parse(None, format!("+{}", rest.trim_start_matches('0'))).ok()?
            }
            None => {
                let id = cc(region)
                    .and_then(|c| c.to_uppercase().parse::<phonenumber::country::Id>().ok());
                phonenumber::parse(id, s).ok()?
            }
        };
        Some((
            format!("{}{}", p.code().value(), p.national()),
            p.is_valid(),
        ))
    }

    #[test]
    fn published_examples() {
        assert_eq!(norm("(650)555-1212", "us").unwrap(), "16505551212");
        assert_eq!(norm("+1 (650) 555-1212", "us").unwrap(), "16505551212");
        // PHP SDK test vector (its other US examples, 123-456-7890 and 777 747 (3515), are not
        // possible US numbers and are rejected here).
        assert_eq!(norm("(415) 555-0100", "us").unwrap(), "14155550100");
        assert_eq!(norm("+442071838750", "us").unwrap(), "442071838750");
    }

    #[test]
    fn leading_zeros_and_trunk_prefixes() {
        // The SDKs keep the 00: "00442071838750". Meta's rule drops leading zeros.
        assert_eq!(norm("0044 20 7183 8750", "us").unwrap(), "442071838750");
        assert_eq!(norm("+44 (0)20 7183 8750", "us").unwrap(), "442071838750");
        assert_eq!(norm("020 7183 8750", "gb").unwrap(), "442071838750");
        assert_eq!(norm("030 1234567", "de").unwrap(), "49301234567");
        assert_eq!(norm("06 12 34 56 78", "fr").unwrap(), "33612345678");
        assert_eq!(norm("011 44 20 7183 8750", "us").unwrap(), "442071838750");
        assert_eq!(norm("010-1234-5678", "kr").unwrap(), "821012345678");
        assert_eq!(norm("03-1234-5678", "jp").unwrap(), "81312345678");
        assert_eq!(norm("(11) 98765-4321", "br").unwrap(), "5511987654321");
        assert_eq!(norm("0 11 98765-4321", "br").unwrap(), "5511987654321");
        // Italian numbers keep their leading zero after the country code.
        assert_eq!(norm("06 1234 5678", "it").unwrap(), "390612345678");
    }

    #[test]
    fn where_the_port_departs_from_libphonenumber() {
        // St Petersburg (area code 812) in national format: trunk 8, then 812.
        assert_eq!(norm("8 (812) 123-45-67", "ru").unwrap(), "78121234567");
        assert_eq!(norm("+7 812 123 45 67", "us").unwrap(), "78121234567");
        assert_eq!(norm("8 800 123 45 67", "ru").unwrap(), "78001234567");
        let p = phonenumber::parse(Some(phonenumber::country::RU), "8 800 123 45 67").unwrap();
        assert_eq!(
            (p.national().to_string().as_str(), p.is_valid()),
            ("001234567", false)
        );
        // An Indian mobile that starts with 91 is not "+91 then 8 digits"...
        assert_eq!(norm("91234 56789", "in").unwrap(), "919123456789");
        assert!(!library("9123456789", "in").unwrap().1);
        // ...but 91 followed by a ten-digit mobile is.
        assert_eq!(norm("919123456789", "in").unwrap(), "919123456789");
        // Italian mobile 393…
        assert_eq!(norm("393 123 4567", "it").unwrap(), "393931234567");
        assert_eq!(norm("1-650-555-1212", "us").unwrap(), "16505551212");
        assert_eq!(norm("16505551212", "us").unwrap(), "16505551212");
    }

    #[test]
    fn extensions_and_other_shapes() {
        assert_eq!(norm("(650) 555-1212 ext. 42", "us").unwrap(), "16505551212");
        assert_eq!(norm("650-555-1212 x42", "us").unwrap(), "16505551212");
        assert_eq!(norm("650 555 1212#12", "us").unwrap(), "16505551212");
        // Vanity numbers and tel: URIs go to the full parse.
        assert_eq!(norm("1-800-FLOWERS", "us").unwrap(), "18003569377");
        assert_eq!(norm("tel:+1-650-555-1212", "de").unwrap(), "16505551212");
        assert_eq!(
            norm("＋１ ６５０ ５５５ １２１２", "us").unwrap(),
            "16505551212"
        );
    }

    #[test]
    fn rejections() {
        assert_eq!(
            norm("(650)555-1212", "").unwrap_err(),
            PhoneError::NoCountry
        );
        assert_eq!(norm("hello", "us").unwrap_err(), PhoneError::NotANumber);
        assert_eq!(norm("12", "us").unwrap_err(), PhoneError::Length);
        assert_eq!(
            norm("(123) 456-7890", "us").unwrap_err(),
            PhoneError::Impossible
        );
        assert_eq!(
            norm("+55 0000000000", "us").unwrap_err(),
            PhoneError::Impossible
        );
        assert_eq!(norm("555 12", "us").unwrap_err(), PhoneError::Length);
        assert_eq!(norm("+0000000000", "us").unwrap_err(), PhoneError::Length);
        assert_eq!(
            norm("+999 1234 5678", "us").unwrap_err(),
            PhoneError::InvalidCountryCode
        );
    }

    #[test]
    fn strict_validation() {
        let mut out = String::new();
        assert!(normalize_phone("(650) 253-0000", cc("us"), true, &mut out).is_ok());
        assert_eq!(
            normalize_phone("(201) 011-1111", cc("us"), true, &mut String::new()),
            Err(PhoneError::Unassigned)
        );
        assert!(normalize_phone("8 (812) 123-45-67", cc("ru"), true, &mut String::new()).is_ok());
    }

    const REGIONS: &[&str] = &[
        "us", "ca", "gb", "de", "fr", "in", "it", "br", "kr", "jp", "au", "mx", "es", "nl", "pl",
        "ru", "cn", "ar", "se", "ch", "at", "be", "ie", "nz", "za", "ng", "ph", "id", "tr", "sa",
        "ae", "eg", "pt", "fi", "no", "dk", "gr", "il", "sg", "hk", "tw", "th", "vn", "my", "co",
        "cl", "pe", "pr", "jm", "gg", "im", "kz", "by", "hu", "ua",
    ];

    fn separator() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "", "", " ", "-", ".", "(", ")", "/", " - ", ") "])
    }

    /// Phone-like strings: an optional `+`/`00`/trunk/calling-code start, digit groups and
    /// separators.
    fn phone_like() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec![
                "", "", "", "+", "00", "0", "1", "+1", "+44", "+49", "+91", "91", "44", "+7", "8",
                "011", "0044", "(0)", "+39 3", "39", "+55 0",
            ]),
            prop::collection::vec(("[0-9]{1,4}", separator()), 1..6),
        )
            .prop_map(|(start, groups)| {
                let mut s = start.to_string();
                for (g, sep) in groups {
                    s.push_str(&g);
                    s.push_str(sep);
                }
                s.trim().to_string()
            })
    }

    /// The fast path's answer for a string it accepts.
    fn fast(s: &str, region: &str) -> Option<Result<String, PhoneError>> {
        let (plus, d) = digit_shape(s)?;
        Some(parse_digits(d.as_str(), plus, cc(region)))
    }

    /// The agreement the fast path promises: the full parse's valid number, or — only where
    /// the full parse departs from libphonenumber (a second national-prefix strip, another
    /// region's prefix rules) — a result that is not a valid number at all.
    fn agree(
        fast: &Result<String, PhoneError>,
        lib: &str,
        s: &str,
        r: &str,
    ) -> Result<(), TestCaseError> {
        match fast {
            Ok(f) if f == lib => Ok(()),
            Ok(f) => {
                prop_assert_ne!(
                    check_number(f, true),
                    Check::Valid,
                    "input {:?} region {}: fast {} full {}",
                    s,
                    r,
                    f,
                    lib
                );
                Ok(())
            }
            Err(e) => Err(TestCaseError::fail(format!(
                "input {s:?} region {r}: fast path rejected ({e}) a valid number {lib}"
            ))),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        /// Whenever the full parse yields a valid number, the fast path yields the same digits.
        #[test]
        fn fast_agrees_with_full_parse(s in phone_like(), r in prop::sample::select(REGIONS)) {
            if let (Some(fast), Some((lib, true))) = (fast(&s, r), library(&s, r)) {
                agree(&fast, &lib, &s, r)?;
            }
        }

        /// Real-shaped national numbers (the region's own example numbers, reformatted).
        #[test]
        fn fast_agrees_on_example_numbers(
            r in prop::sample::select(REGIONS),
            kind in 0usize..3,
            trunk in prop::bool::ANY,
            sep in separator(),
            split in 1usize..5,
        ) {
            let meta = DATABASE.by_id(r.to_uppercase().as_str()).unwrap();
            let d = meta.descriptors();
            let desc = [d.fixed_line(), d.mobile(), d.toll_free()][kind];
            let Some(example) = desc.and_then(|d| d.example()) else { return Ok(()) };
            let mut s = String::new();
            if trunk && let Some(p) = meta.national_prefix() {
                s.push_str(p);
                s.push_str(sep);
            }
            let split = split.min(example.len() - 1);
            s.push_str(&example[..split]);
            s.push_str(sep);
            s.push_str(&example[split..]);
            let s = s.trim().to_string();
            let fast = fast(&s, r).expect("digit-shaped");
            if let Some((lib, true)) = library(&s, r) {
                agree(&fast, &lib, &s, r)?;
            }
            // Written internationally, the example must come out the same way.
            let intl = format!("+{}{}", meta.country_code(), example);
            prop_assert_eq!(
                parse_digits(&intl[1..], true, cc(r)),
                Ok(format!("{}{}", meta.country_code(), example))
            );
        }

        /// Normalizing the output again changes nothing.
        #[test]
        fn idempotent(s in phone_like(), r in prop::sample::select(REGIONS)) {
            if let Ok(once) = norm(&s, r) {
                prop_assert_eq!(norm(&format!("+{once}"), r), Ok(once));
            }
        }
    }

    #[test]
    fn fast_path_is_used_for_common_shapes() {
        for s in [
            "(650) 555-1212",
            "+1 650 555 1212",
            "020 7183 8750",
            "0044 20 7183 8750",
            "650-555-1212 ext. 3",
        ] {
            assert!(digit_shape(s).is_some(), "{s}");
        }
        for s in ["1-800-FLOWERS", "tel:+16505551212", "650*555*1212"] {
            assert!(digit_shape(s).is_none(), "{s}");
        }
    }
}
