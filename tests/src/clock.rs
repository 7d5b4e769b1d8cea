//! A clock the tests set and move. Only the test harness builds one; the server binary always
//! uses the system clock and no endpoint can change time.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use ehealth_api::Clock;

#[derive(Debug)]
pub struct ManualClock {
    ms: AtomicI64,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self {
            ms: AtomicI64::new(Utc::now().timestamp_millis()),
        }
    }
}

impl ManualClock {
    pub fn set(&self, at: DateTime<Utc>) {
        self.ms.store(at.timestamp_millis(), Ordering::SeqCst);
    }

    /// Sets the clock from an RFC 3339 instant, e.g. `2026-11-22T15:59:59Z`.
    pub fn set_rfc3339(&self, at: &str) {
        let parsed =
            DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("bad instant {at}: {e}"));
        self.set(parsed.with_timezone(&Utc));
    }

    pub fn advance(&self, by: Duration) {
        self.ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.ms.load(Ordering::SeqCst)).unwrap_or_default()
    }
}
