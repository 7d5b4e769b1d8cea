//! Weekly reminder schedules: local times of day on chosen weekdays in an IANA time zone, and
//! the next instant one is due. Daylight-saving changes follow the zone's rules: a time that
//! occurs twice (clocks go back) fires once, at its first occurrence; a time that does not
//! exist that day (clocks go forward) is moved forward by the gap, as calendars do (01:30 on
//! the night the clocks jump from 01:00 to 02:00 fires at 02:30).

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use ehealth_contracts::FieldCode;

use crate::error::FieldError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    times: Vec<NaiveTime>,
    days: BTreeSet<u32>,
    tz: Tz,
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

impl Schedule {
    /// Validates `times` (`HH:MM`, 1 to 12 of them), `days` (`mon`..`sun`, at least one) and
    /// `time_zone` (IANA), reporting every invalid field.
    pub fn parse(
        times: &[String],
        days: &[String],
        time_zone: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut parsed_times = Vec::new();
        if times.is_empty() || times.len() > 12 {
            errors.push(FieldError::new("times", FieldCode::OutOfRange));
        }
        for (i, t) in times.iter().enumerate() {
            match NaiveTime::parse_from_str(t, "%H:%M") {
                Ok(v) if t.len() == 5 => parsed_times.push(v),
                _ => errors.push(FieldError::new(
                    format!("times[{i}]"),
                    FieldCode::InvalidFormat,
                )),
            }
        }
        let mut parsed_days = BTreeSet::new();
        if days.is_empty() {
            errors.push(FieldError::new("days", FieldCode::Required));
        }
        for (i, d) in days.iter().enumerate() {
            match DAYS.iter().find(|(n, _)| n == d) {
                Some((_, w)) => {
                    parsed_days.insert(w.num_days_from_monday());
                }
                None => errors.push(FieldError::new(
                    format!("days[{i}]"),
                    FieldCode::InvalidValue,
                )),
            }
        }
        let tz = time_zone.parse::<Tz>().map_err(|_| {
            errors.push(FieldError::new("time_zone", FieldCode::InvalidValue));
        });
        match tz {
            Ok(tz) if errors.is_empty() => {
                parsed_times.sort();
                parsed_times.dedup();
                Ok(Self {
                    times: parsed_times,
                    days: parsed_days,
                    tz,
                })
            }
            _ => Err(errors),
        }
    }

    /// The instant a local date and time happens in the zone (see the module note on gaps and
    /// repeats).
    fn instant(&self, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
        let local = date.and_time(time);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
            LocalResult::None => (1..=4).find_map(|h| {
                self.tz
                    .from_local_datetime(&(local + Duration::hours(h)))
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            }),
        }
    }

    /// The first occurrence strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after.with_timezone(&self.tz).date_naive() - Duration::days(1);
        (0..9)
            .filter_map(|d| start.checked_add_signed(Duration::days(d)))
            .filter(|date| self.days.contains(&date.weekday().num_days_from_monday()))
            .flat_map(|date| {
                self.times
                    .iter()
                    .filter_map(move |t| self.instant(date, *t))
            })
            .filter(|t| *t > after)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(times: &[&str], days: &[&str], tz: &str) -> Schedule {
        Schedule::parse(
            &times.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>(),
            &days.iter().map(|d| (*d).to_owned()).collect::<Vec<_>>(),
            tz,
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t)
            .unwrap_or_else(|e| panic!("{t}: {e}"))
            .with_timezone(&Utc)
    }

    const ALL: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    #[test]
    fn eight_oclock_in_hong_kong_is_midnight_utc() {
        let daily = s(&["08:00"], &ALL, "Asia/Hong_Kong");
        assert_eq!(
            daily.next_after(at("2026-11-22T03:00:00Z")),
            Some(at("2026-11-23T00:00:00Z"))
        );
        assert_eq!(
            daily.next_after(at("2026-11-22T23:59:59Z")),
            Some(at("2026-11-23T00:00:00Z"))
        );
        assert_eq!(
            daily.next_after(at("2026-11-23T00:00:00Z")),
            Some(at("2026-11-24T00:00:00Z"))
        );
    }

    #[test]
    fn weekdays_and_several_times() {
        // 22 November 2026 is a Sunday.
        let r = s(&["20:00", "08:00"], &["mon", "wed"], "Asia/Hong_Kong");
        assert_eq!(
            r.next_after(at("2026-11-22T04:00:00Z")),
            Some(at("2026-11-23T00:00:00Z"))
        );
        assert_eq!(
            r.next_after(at("2026-11-23T00:00:00Z")),
            Some(at("2026-11-23T12:00:00Z"))
        );
        assert_eq!(
            r.next_after(at("2026-11-23T12:00:00Z")),
            Some(at("2026-11-25T00:00:00Z"))
        );
    }

    #[test]
    fn london_follows_daylight_saving() {
        let daily = s(&["08:00"], &ALL, "Europe/London");
        // GMT before 28 March 2027, BST after.
        assert_eq!(
            daily.next_after(at("2027-03-27T09:00:00Z")),
            Some(at("2027-03-28T07:00:00Z"))
        );
        assert_eq!(
            daily.next_after(at("2027-03-26T09:00:00Z")),
            Some(at("2027-03-27T08:00:00Z"))
        );
        // 01:30 does not exist on 28 March 2027 (01:00 -> 02:00): it fires at 02:30 BST.
        let night = s(&["01:30"], &ALL, "Europe/London");
        assert_eq!(
            night.next_after(at("2027-03-27T12:00:00Z")),
            Some(at("2027-03-28T01:30:00Z"))
        );
        // 01:30 happens twice on 31 October 2027: once only, at the first.
        assert_eq!(
            night.next_after(at("2027-10-30T12:00:00Z")),
            Some(at("2027-10-31T00:30:00Z"))
        );
        assert_eq!(
            night.next_after(at("2027-10-31T00:30:00Z")),
            Some(at("2027-11-01T01:30:00Z"))
        );
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let e = Schedule::parse(
            &["8am".into(), "25:00".into()],
            &["mon".into(), "funday".into()],
            "Mars/Base",
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["times[0]", "times[1]", "days[1]", "time_zone"]);
        assert!(Schedule::parse(&[], &[], "Asia/Hong_Kong").is_err());
    }
}
