//! The one source of "now". Every time-dependent rule (ages, expiries, token lifetimes) reads
//! this clock, so tests can move time; the production binary only ever builds [`SystemClock`]
//! and no endpoint can change it.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Hong_Kong;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Today's civil date in Hong Kong.
    fn today_hk(&self) -> NaiveDate {
        self.now().with_timezone(&Hong_Kong).date_naive()
    }

    fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Formats stored epoch milliseconds as RFC 3339 UTC with millisecond precision.
pub fn rfc3339_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
