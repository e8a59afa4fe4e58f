//! DOBY, DOBM, DOBD: validated year, month and day of birth, and [`BirthDate`] for files that
//! keep the date of birth in one column.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// Appends the four-digit year when it lies in `1900..=max_year`.
pub(crate) fn normalize_year(input: &str, max_year: i32, out: &mut String) -> bool {
    let t = input.trim();
    if t.len() != 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match t.parse::<i32>() {
        Ok(y) if (1900..=max_year).contains(&y) => {
            out.push_str(t);
            true
        }
        _ => false,
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The month number from `2`, `02` or an English month name or abbreviation.
pub(crate) fn parse_month(input: &str) -> Option<u32> {
    let t = input.trim().trim_end_matches('.');
    if let Some(n) = two_digits(t) {
        return (1..=12).contains(&n).then_some(n);
    }
    let lower = t.to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .zip(full)
        .position(|(abbr, name)| {
            lower == *abbr || lower == name || lower == "sept" && *abbr == "sep"
        })
        .map(|i| i as u32 + 1)
}

/// The day number from `7` or `07`, in `1..=31`.
pub(crate) fn parse_day(input: &str) -> Option<u32> {
    two_digits(input.trim()).filter(|d| (1..=31).contains(d))
}

fn two_digits(t: &str) -> Option<u32> {
    if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The order of day, month and year in a single-column date written with separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DateOrder {
    /// `2/16/1997` (United States).
    #[default]
    MonthDayYear,
    /// `16/2/1997` (most of the world).
    DayMonthYear,
    /// `1997-02-16` (ISO 8601; always accepted whatever the order).
    YearMonthDay,
}

/// A date of birth split into Meta's DOBY, DOBM and DOBD.
///
/// ```
/// use fb_audience::{BirthDate, DateOrder};
///
/// let d = BirthDate::parse("2/16/1997", DateOrder::MonthDayYear, 2026).unwrap();
/// assert_eq!(d.to_string(), "19970216");
/// assert_eq!((d.year(), d.month(), d.day()), ("1997".into(), "02".into(), "16".into()));
/// assert!(BirthDate::parse("2/30/1997", DateOrder::MonthDayYear, 2026).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    /// Parses `m/d/yyyy`, `d.m.yyyy`, `yyyy-mm-dd`, `yyyymmdd` and similar, in `order` when the
    /// date is not in year-first form. The year must lie in `1900..=max_year` and the date must
    /// exist (no 30 February).
    pub fn parse(input: &str, order: DateOrder, max_year: i32) -> Option<BirthDate> {
        let t = input.trim();
        let t = t.split(['T', ' ']).next().unwrap_or(t);
        let parts: Vec<&str> = t.split(['/', '-', '.']).filter(|p| !p.is_empty()).collect();
        let (y, m, d) = match parts.as_slice() {
            [one] if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => {
                (&one[..4], &one[4..6], &one[6..])
            }
            [a, b, c] if a.len() == 4 => (*a, *b, *c),
            [a, b, c] => match order {
                DateOrder::DayMonthYear => (*c, *b, *a),
                DateOrder::MonthDayYear | DateOrder::YearMonthDay => (*c, *a, *b),
            },
            _ => return None,
        };
        if y.len() != 4 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        if !(1900..=max_year).contains(&year) {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year, parse_month(m)?, parse_day(d)?)?;
        Some(BirthDate(date))
    }

    /// DOBY, `YYYY`.
    pub fn year(&self) -> String {
        format!("{:04}", self.0.year())
    }
    /// DOBM, `MM`.
    pub fn month(&self) -> String {
        format!("{:02}", self.0.month())
    }
    /// DOBD, `DD`.
    pub fn day(&self) -> String {
        format!("{:02}", self.0.day())
    }
}

impl fmt::Display for BirthDate {
    /// `YYYYMMDD`, the form of the Conversions API `db` parameter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y%m%d"))
    }
}

/// `true` when the three parts name a real day.
pub(crate) fn date_exists(year: &str, month: &str, day: &str) -> bool {
    match (
        year.parse::<i32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) {
        (Ok(y), Ok(m), Ok(d)) => NaiveDate::from_ymd_opt(y, m, d).is_some(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let mut s = String::new();
        assert!(normalize_year("1997", 2026, &mut s));
        assert!(!normalize_year("1899", 2026, &mut s));
        assert!(!normalize_year("2027", 2026, &mut s));
        assert!(!normalize_year("97", 2026, &mut s));
        assert!(!normalize_year("19999", 2026, &mut s));
        assert_eq!(parse_month("2"), Some(2));
        assert_eq!(parse_month("Feb"), Some(2));
        assert_eq!(parse_month("september"), Some(9));
        assert_eq!(parse_month("13"), None);
        assert_eq!(parse_month("0"), None);
        assert_eq!(parse_day("7"), Some(7));
        assert_eq!(parse_day("31"), Some(31));
        for bad in ["32", "444", "0", "0a", "-1"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn whole_dates() {
        let p = |s, o| BirthDate::parse(s, o, 2026).map(|d| d.to_string());
        assert_eq!(
            p("2/16/1997", DateOrder::MonthDayYear).as_deref(),
            Some("19970216")
        );
        assert_eq!(
            p("16.02.1997", DateOrder::DayMonthYear).as_deref(),
            Some("19970216")
        );
        assert_eq!(
            p("1997-02-16", DateOrder::DayMonthYear).as_deref(),
            Some("19970216")
        );
        assert_eq!(
            p("19970216", DateOrder::MonthDayYear).as_deref(),
            Some("19970216")
        );
        assert_eq!(
            p("1997-02-16T00:00:00Z", DateOrder::MonthDayYear).as_deref(),
            Some("19970216")
        );
        assert_eq!(p("2/29/1997", DateOrder::MonthDayYear), None);
        assert_eq!(
            p("2/29/1996", DateOrder::MonthDayYear).as_deref(),
            Some("19960229")
        );
        assert_eq!(p("1/1/1850", DateOrder::MonthDayYear), None);
        assert!(!date_exists("1997", "02", "30"));
        assert!(date_exists("1997", "02", "28"));
    }
}
