//! Names, dates of birth, ages in Hong Kong time, phone numbers and e-mail addresses.

use chrono::{Datelike, NaiveDate};
use ehealth_contracts::FieldCode;

use crate::error::{ApiError, ApiResult, FieldError};

/// The date a person born on `dob` attains `years` of age. They attain it at 00:00 Hong Kong
/// time on that date. A 29 February birth has its anniversary on 1 March in common years (our
/// choice, DOMAIN.md "Time").
pub fn anniversary(dob: NaiveDate, years: u32) -> Option<NaiveDate> {
    let year = dob.year().checked_add(i32::try_from(years).ok()?)?;
    NaiveDate::from_ymd_opt(year, dob.month(), dob.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

/// Whether someone born on `dob` is at least `years` old on the Hong Kong date `today`.
pub fn has_attained(dob: NaiveDate, years: u32, today: NaiveDate) -> bool {
    anniversary(dob, years).is_some_and(|d| today >= d)
}

/// Age of self-registration and of being a substitute decision maker.
pub const ADULT_AGE: u32 = 16;

pub fn parse_date_of_birth(
    raw: &str,
    field: &str,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    let dob = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|_| raw.trim().len() == 10)
        .ok_or_else(|| FieldError::new(field, FieldCode::InvalidFormat))?;
    if dob > today {
        return Err(FieldError::new(field, FieldCode::InFuture));
    }
    if dob.year() < 1890 {
        return Err(FieldError::new(field, FieldCode::OutOfRange));
    }
    Ok(dob)
}

/// A date of birth as stored (checked when it was written): a row that does not hold one is a
/// server fault, not the caller's.
pub fn parse_dob(raw: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| ApiError::internal("stored date of birth is not a date"))
}

/// An English name part: Latin letters with spaces, hyphens, apostrophes and full stops.
pub fn english_name_part(raw: &str, field: &str, max: usize) -> Result<String, FieldError> {
    let v = collapse_spaces(raw);
    if v.is_empty() {
        return Err(FieldError::new(field, FieldCode::Required));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(field, FieldCode::TooLong));
    }
    let allowed = |c: char| c.is_ascii_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.' | ',');
    if !v.chars().all(allowed) || !v.chars().any(|c| c.is_ascii_alphabetic()) {
        return Err(FieldError::new(field, FieldCode::InvalidFormat));
    }
    Ok(v.to_uppercase())
}

/// A Chinese name: CJK ideographs (including extensions and compatibility forms), optionally
/// with the middle dot used in transliterated names.
pub fn chinese_name(raw: &str, field: &str) -> Result<Option<String>, FieldError> {
    let v: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > 20 {
        return Err(FieldError::new(field, FieldCode::TooLong));
    }
    let cjk = |c: char| {
        matches!(c as u32,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F | 0x3007)
            || c == '·'
            || c == '‧'
    };
    if !v.chars().all(cjk) {
        return Err(FieldError::new(field, FieldCode::InvalidFormat));
    }
    Ok(Some(v))
}

/// Normalises a phone number to E.164. Hong Kong numbers are 8 digits starting 2-9, with or
/// without `+852`; others must be written in E.164 (`+` and 8 to 15 digits).
pub fn phone(raw: &str, field: &str) -> Result<String, FieldError> {
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    if compact.is_empty() {
        return Err(FieldError::new(field, FieldCode::Required));
    }
    let bad = || FieldError::new(field, FieldCode::InvalidFormat);
    let digits_only = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let local = compact
        .strip_prefix("+852")
        .or_else(|| (compact.len() == 8).then_some(compact.as_str()));
    if let Some(local) = local {
        let ok = local.len() == 8 && digits_only(local) && local.as_bytes()[0] >= b'2';
        return if ok {
            Ok(format!("+852{local}"))
        } else {
            Err(bad())
        };
    }
    match compact.strip_prefix('+') {
        Some(rest)
            if digits_only(rest) && (8..=15).contains(&rest.len()) && !rest.starts_with('0') =>
        {
            Ok(compact)
        }
        _ => Err(bad()),
    }
}

/// A plausible e-mail address: one `@`, a local part, a dotted domain, no spaces, at most 254
/// characters. Deliverability is proven by use, not by syntax.
pub fn email(raw: &str, field: &str) -> Result<Option<String>, FieldError> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > 254 {
        return Err(FieldError::new(field, FieldCode::TooLong));
    }
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if ok {
        Ok(Some(v.to_owned()))
    } else {
        Err(FieldError::new(field, FieldCode::InvalidFormat))
    }
}

fn collapse_spaces(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_person_attains_an_age_on_the_anniversary() {
        assert!(!has_attained(d("2010-05-17"), 16, d("2026-05-16")));
        assert!(has_attained(d("2010-05-17"), 16, d("2026-05-17")));
    }

    #[test]
    fn a_leap_day_birth_has_its_anniversary_on_1_march_in_common_years() {
        assert_eq!(anniversary(d("2008-02-29"), 16), Some(d("2024-02-29")));
        assert_eq!(anniversary(d("2012-02-29"), 15), Some(d("2027-03-01")));
        assert!(!has_attained(d("2012-02-29"), 15, d("2027-02-28")));
        assert!(has_attained(d("2012-02-29"), 15, d("2027-03-01")));
    }

    #[test]
    fn phone_numbers_are_normalised_to_e164() {
        assert_eq!(phone("+852 9123 4567", "p"), Ok("+85291234567".to_owned()));
        assert_eq!(phone("9123-4567", "p"), Ok("+85291234567".to_owned()));
        assert_eq!(
            phone("+44 20 7946 0958", "p"),
            Ok("+442079460958".to_owned())
        );
        for bad in [
            "12345678",
            "+852 123",
            "91234567x",
            "+0123456789",
            "+1234567",
        ] {
            assert_eq!(
                phone(bad, "p"),
                Err(FieldError::new("p", FieldCode::InvalidFormat)),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(english_name_part("  chan ", "s", 40), Ok("CHAN".to_owned()));
        assert_eq!(
            english_name_part("Tai  Man", "g", 80),
            Ok("TAI MAN".to_owned())
        );
        assert!(english_name_part("陳", "s", 40).is_err());
        assert_eq!(chinese_name("陳大文", "c"), Ok(Some("陳大文".to_owned())));
        assert_eq!(chinese_name("", "c"), Ok(None));
        assert!(chinese_name("Chan", "c").is_err());
    }

    #[test]
    fn dates_of_birth_are_real_past_dates() {
        let today = d("2026-11-22");
        assert_eq!(
            parse_date_of_birth("1990-05-17", "b", today),
            Ok(d("1990-05-17"))
        );
        assert!(parse_date_of_birth("1990-02-30", "b", today).is_err());
        assert!(parse_date_of_birth("17/05/1990", "b", today).is_err());
        assert_eq!(
            parse_date_of_birth("2026-11-23", "b", today),
            Err(FieldError::new("b", FieldCode::InFuture))
        );
    }

    #[test]
    fn emails_are_plausible() {
        assert_eq!(
            email("tai.man@example.com", "e"),
            Ok(Some("tai.man@example.com".to_owned()))
        );
        assert_eq!(email("", "e"), Ok(None));
        for bad in ["tai", "a@b", "a@@b.com", "a b@c.com", "@x.com"] {
            assert!(email(bad, "e").is_err(), "{bad}");
        }
    }
}
