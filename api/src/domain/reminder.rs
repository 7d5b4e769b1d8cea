//! Reminder rules over a reminder's synced fields: the weekly schedule its `times`, `days` and
//! `time_zone` describe. The reminders table, the REST endpoints and the firing job all read a
//! reminder's schedule through here, so they agree on when it is due.

use ehealth_contracts::{FieldCode, Fields};
use serde_json::Value;

use super::schedule::Schedule;
use crate::error::FieldError;

/// A list of strings, as a reminder's `times` and `days` hold them.
pub fn strings(v: &Value, field: &str) -> Result<Vec<String>, FieldError> {
    v.as_array()
        .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| FieldError::new(field, FieldCode::InvalidType))
}

/// The schedule a row's fields describe, if they describe a valid one.
pub fn schedule(f: &Fields) -> Option<Schedule> {
    described(f.get("times")?, f.get("days")?, f.get("time_zone")?)
}

/// The schedule these `times`, `days` and `time_zone` values describe, if a valid one.
pub fn described(times: &Value, days: &Value, time_zone: &Value) -> Option<Schedule> {
    let times = strings(times, "times").ok()?;
    let days = strings(days, "days").ok()?;
    Schedule::parse(&times, &days, time_zone.as_str()?).ok()
}
