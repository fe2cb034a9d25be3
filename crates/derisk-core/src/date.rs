//! Dates that may be known only to the year or month.
//!
//! Sources often say "March 2023" or "2001". A [`PartialDate`] keeps exactly
//! the precision the source gave, so derisk never invents a day.

use std::cmp::Ordering;
use std::fmt;

/// A calendar date known to the year, the month or the day.
///
/// Ordering compares the known parts first; a date known only to the month
/// sorts before every day of that month (`2019-10` < `2019-10-01`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartialDate {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

/// Why a string is not a valid [`PartialDate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError {
    /// The rejected text.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid date {:?} ({}): expected YYYY, YYYY-MM or YYYY-MM-DD",
            self.text, self.reason
        )
    }
}

impl std::error::Error for DateError {}

impl PartialDate {
    /// A date known to the year.
    pub fn year(year: u16) -> Result<Self, DateError> {
        Self::new(year, None, None)
    }

    /// Builds a date from its parts, checking month and day ranges
    /// (including leap years).
    pub fn new(year: u16, month: Option<u8>, day: Option<u8>) -> Result<Self, DateError> {
        let text = || match (month, day) {
            (Some(m), Some(d)) => format!("{year:04}-{m:02}-{d:02}"),
            (Some(m), None) => format!("{year:04}-{m:02}"),
            _ => format!("{year:04}"),
        };
        let err = |reason| DateError {
            text: text(),
            reason,
        };
        if !(1000..=9999).contains(&year) {
            return Err(err("year out of range 1000-9999"));
        }
        if day.is_some() && month.is_none() {
            return Err(err("a day needs a month"));
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(err("month out of range 01-12"));
            }
            if let Some(d) = day
                && (d == 0 || d > days_in_month(year, m))
            {
                return Err(err("no such day in that month"));
            }
        }
        Ok(Self { year, month, day })
    }

    /// The year.
    pub fn year_part(self) -> u16 {
        self.year
    }

    /// The month, if known.
    pub fn month_part(self) -> Option<u8> {
        self.month
    }

    /// The day, if known.
    pub fn day_part(self) -> Option<u8> {
        self.day
    }

    /// Whether the day is known.
    pub fn is_full(self) -> bool {
        self.day.is_some()
    }

    fn key(self) -> (u16, u8, u8) {
        (self.year, self.month.unwrap_or(0), self.day.unwrap_or(0))
    }
}

/// A moment as an RFC 3339 UTC timestamp to the second,
/// `2026-11-22T10:04:05Z`, from seconds since 1970-01-01 (the Unix epoch).
pub fn utc_timestamp(unix_seconds: u64) -> String {
    let (y, m, d) = civil_from_days((unix_seconds / 86_400) as i64);
    let s = unix_seconds % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

impl PartialDate {
    /// The day (UTC) of a moment given as seconds since the Unix epoch.
    pub fn from_unix_seconds(unix_seconds: u64) -> PartialDate {
        let (y, m, d) = civil_from_days((unix_seconds / 86_400) as i64);
        PartialDate {
            year: y as u16,
            month: Some(m as u8),
            day: Some(d as u8),
        }
    }
}

/// The proleptic Gregorian date of a count of days since 1970-01-01, after
/// Howard Hinnant's `civil_from_days` ("chrono-Compatible Low-Level Date
/// Algorithms", <https://howardhinnant.github.io/date_algorithms.html>).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::str::FromStr for PartialDate {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Self, DateError> {
        let err = |reason| DateError {
            text: text.to_owned(),
            reason,
        };
        let mut parts = text.split('-');
        let mut number = |width: usize, what: &'static str| -> Result<Option<u16>, DateError> {
            match parts.next() {
                None => Ok(None),
                Some(p) if p.len() == width && p.bytes().all(|b| b.is_ascii_digit()) => {
                    Ok(Some(p.parse().map_err(|_| err(what))?))
                }
                Some(_) => Err(err(what)),
            }
        };
        let year = number(4, "the year must have four digits")?.ok_or_else(|| err("empty"))?;
        let month = number(2, "the month must have two digits")?;
        let day = number(2, "the day must have two digits")?;
        if parts.next().is_some() {
            return Err(err("too many parts"));
        }
        Self::new(year, month.map(|m| m as u8), day.map(|d| d as u8)).map_err(|e| DateError {
            text: text.to_owned(),
            reason: e.reason,
        })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> PartialDate {
        text.parse().unwrap()
    }

    #[test]
    fn days_and_moments_from_the_clock() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
        assert_eq!(
            PartialDate::from_unix_seconds(1_795_305_600).to_string(),
            "2026-11-22"
        );
        assert_eq!(utc_timestamp(1_795_341_845), "2026-11-22T10:04:05Z");
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn round_trips_each_precision() {
        for text in ["2019", "2019-10", "2019-10-09", "2024-02-29"] {
            assert_eq!(d(text).to_string(), text);
        }
    }

    #[test]
    fn orders_coarse_before_fine() {
        assert!(d("2019") < d("2019-01"));
        assert!(d("2019-10") < d("2019-10-01"));
        assert!(d("2019-10-31") < d("2019-11"));
    }

    #[test]
    fn rejects_impossible_dates_with_a_reason() {
        let cases = [
            ("2023-02-29", "no such day in that month"),
            ("2019-13", "month out of range 01-12"),
            ("19-10-09", "the year must have four digits"),
            ("2019-1-09", "the month must have two digits"),
            ("2019-10-09-01", "too many parts"),
            ("", "the year must have four digits"),
            ("2019/10/09", "the year must have four digits"),
        ];
        for (text, reason) in cases {
            let err = text.parse::<PartialDate>().unwrap_err();
            assert_eq!(err.reason, reason, "{text}");
            assert_eq!(err.text, text);
        }
    }
}
