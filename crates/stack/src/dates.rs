//! Dates as scenario files write them (`"2025-01-01"`), with one message for
//! every date field when one is written wrong: what form a date takes and,
//! for a date of the right form that does not exist, which part is out of
//! range. (chrono's own texts, "input contains invalid characters" and
//! "input is out of range", say neither.)

use chrono::NaiveDate;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Why `s` is not a date, in words for a scenario's author: the expected
/// form `YYYY-MM-DD` with an example, or the part (month, day) that is out
/// of range. Call it only for a string the date parser refused.
pub fn date_error(s: &str) -> String {
    const FORM: &str = "expected a date written YYYY-MM-DD (e.g. \"2025-01-01\")";
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    if let [y, m, d] = parts.as_slice()
        && digits(y, 4)
        && (digits(m, 2) || digits(m, 1))
        && (digits(d, 2) || digits(d, 1))
    {
        let (year, month, day): (i32, u32, u32) = (
            y.parse().unwrap_or(0),
            m.parse().unwrap_or(0),
            d.parse().unwrap_or(0),
        );
        if !(1..=12).contains(&month) {
            return format!("`{s}` is not a date: month {month} is out of range (01–12); {FORM}");
        }
        let last_day = (28..=31)
            .rev()
            .find(|&d| NaiveDate::from_ymd_opt(year, month, d).is_some())
            .unwrap_or(31);
        if day == 0 || day > last_day {
            return format!(
                "`{s}` is not a date: day {day} is out of range ({year}-{month:02} has days 01–{last_day}); {FORM}"
            );
        }
    }
    format!("`{s}` is not a date: {FORM}")
}

/// Parses a date written exactly `YYYY-MM-DD` (a 4-digit year, 2-digit
/// month and day), with [`date_error`]'s message otherwise. chrono's own
/// parser also takes a sign and other widths (`-001-01-01`, `2025-1-1`),
/// which the outputs would write back in a form their readers refuse.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let b = s.as_bytes();
    let form = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !form {
        return Err(date_error(s));
    }
    s.parse::<NaiveDate>().map_err(|_| date_error(s))
}

struct DateVisitor;

impl Visitor<'_> for DateVisitor {
    type Value = NaiveDate;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a date written YYYY-MM-DD in quotes (e.g. \"2025-01-01\")")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NaiveDate, E> {
        parse_date(v).map_err(E::custom)
    }
}

/// `deserialize_with` for a date field: accepts what [`parse_date`]
/// accepts, refuses the rest with [`date_error`]'s message.
pub fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    d.deserialize_str(DateVisitor)
}

/// A date read with [`de_date`] (for `Option<…>` fields).
struct Date(NaiveDate);

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_date(d).map(Date)
    }
}

/// `deserialize_with` for an optional date field (with `#[serde(default)]`).
pub fn de_opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Ok(<Option<Date> as serde::Deserialize>::deserialize(d)?.map(|x| x.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_form_and_the_part() {
        let e = date_error("01/01/2025");
        assert!(e.contains("YYYY-MM-DD") && e.contains("\"2025-01-01\""), "{e}");
        let e = date_error("2025-13-01");
        assert!(e.contains("month 13 is out of range"), "{e}");
        let e = date_error("2025-02-30");
        assert!(
            e.contains("day 30 is out of range (2025-02 has days 01–28)"),
            "{e}"
        );
        let e = date_error("2024-02-30");
        assert!(e.contains("01–29"), "{e}");
        assert_eq!(
            parse_date("2025-01-01"),
            Ok(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap())
        );
        assert_eq!(
            parse_date("0000-01-01"),
            Ok(NaiveDate::from_ymd_opt(0, 1, 1).unwrap())
        );
        // Signed years and other widths, which chrono takes, are refused:
        // the outputs would write them in a form `explain` refuses (s17 audit #8).
        for bad in [
            "-001-01-01",
            "-0001-01-01",
            "+2025-01-01",
            "12025-01-01",
            "2025-1-01",
            "2025-01-1",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert!(e.contains("YYYY-MM-DD"), "{bad}: {e}");
        }
    }
}
