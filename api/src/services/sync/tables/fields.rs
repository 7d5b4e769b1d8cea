//! Field checks and readers shared by the tables devices write.

use chrono::DateTime;
use ehealth_contracts::{FieldCode, Fields};
use serde_json::Value;

use crate::error::FieldError;

pub(super) fn required(f: &Fields, names: &[&str]) -> Vec<FieldError> {
    names
        .iter()
        .filter(|n| f.get(**n).is_none_or(Value::is_null))
        .map(|n| FieldError::new(*n, FieldCode::Required))
        .collect()
}

pub(super) fn instant(v: &Value, field: &str) -> Result<Value, FieldError> {
    match v.as_str() {
        Some(s) if instant_ms(s).is_some() => Ok(Value::String(s.to_owned())),
        _ => Err(FieldError::new(field, FieldCode::InvalidFormat)),
    }
}

pub(crate) fn instant_ms(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
        .filter(|ms| *ms > -2_208_988_800_000) // after 1900
}

pub(super) fn one_of(
    v: &Value,
    field: &str,
    allowed: &[&str],
    nullable: bool,
) -> Result<Value, FieldError> {
    match v {
        Value::Null if nullable => Ok(Value::Null),
        Value::String(s) if allowed.contains(&s.as_str()) => Ok(v.clone()),
        _ => Err(FieldError::new(field, FieldCode::InvalidValue)),
    }
}

pub(super) fn text(v: &Value, field: &str, max: usize) -> Result<Value, FieldError> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::String(s) if s.chars().count() <= max => Ok(v.clone()),
        Value::String(_) => Err(FieldError::new(field, FieldCode::TooLong)),
        _ => Err(FieldError::new(field, FieldCode::InvalidType)),
    }
}

pub(super) fn str_field(f: &Fields, k: &str) -> Option<String> {
    f.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// Shorthands for the tables' unit tests.
#[cfg(test)]
pub(super) mod testing {
    use ehealth_contracts::Fields;
    use serde_json::Value;

    use crate::error::FieldError;

    pub fn set(v: Value) -> Fields {
        serde_json::from_value(v).unwrap_or_default()
    }

    pub fn codes(r: Result<Fields, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.code.as_str()))
            .collect()
    }
}
