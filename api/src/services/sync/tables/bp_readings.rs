//! The `bp_readings` synced table: the patient's blood-pressure diary.

use ehealth_contracts::{FieldCode, Fields};
use serde_json::{Value, json};

use super::fields::{instant, instant_ms, one_of, required, str_field, text};
use super::storage::{stamps_json, stored, synced_storage};
use super::sync_table::{StoredRow, SyncTable};
use crate::error::{ApiResult, FieldError};
use crate::store::DbConn;
use crate::store::bp_readings::{self, BpRow};

pub struct BpReadings;

const FIELDS: &[&str] = &[
    "systolic",
    "diastolic",
    "pulse",
    "measured_at",
    "arm",
    "note",
];

impl SyncTable for BpReadings {
    fn name(&self) -> &'static str {
        "bp_readings"
    }

    fn normalize(&self, set: &Fields) -> Result<Fields, Vec<FieldError>> {
        let mut out = Fields::new();
        let mut errors = Vec::new();
        for (k, v) in set {
            let checked = match k.as_str() {
                "systolic" => whole_number(v, k, 40, 300, false),
                "diastolic" => whole_number(v, k, 20, 200, false),
                "pulse" => whole_number(v, k, 20, 250, true),
                "measured_at" => instant(v, k),
                "arm" => one_of(v, k, &["left", "right"], true),
                "note" => text(v, k, 500),
                _ => Err(FieldError::new(k.clone(), FieldCode::UnknownField)),
            };
            match checked {
                Ok(v) => {
                    out.insert(k.clone(), v);
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn check_live(&self, f: &Fields, complete: bool) -> Result<(), Vec<FieldError>> {
        let mut errors = if complete {
            required(f, &["systolic", "diastolic", "measured_at"])
        } else {
            Vec::new()
        };
        if let (Some(s), Some(d)) = (
            f.get("systolic").and_then(Value::as_i64),
            f.get("diastolic").and_then(Value::as_i64),
        ) && s <= d
        {
            errors.push(FieldError::new("systolic", FieldCode::NotAboveDiastolic));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    synced_storage!(bp_readings, to_row, to_stored);
}

fn whole_number(
    v: &Value,
    field: &str,
    min: i64,
    max: i64,
    nullable: bool,
) -> Result<Value, FieldError> {
    if v.is_null() && nullable {
        return Ok(Value::Null);
    }
    match v.as_i64() {
        Some(n) if (min..=max).contains(&n) => Ok(json!(n)),
        Some(_) => Err(FieldError::new(field, FieldCode::OutOfRange)),
        None => Err(FieldError::new(field, FieldCode::InvalidType)),
    }
}

fn i32_field(f: &Fields, k: &str) -> Option<i32> {
    f.get(k)
        .and_then(Value::as_i64)
        .and_then(|v| i32::try_from(v).ok())
}

fn to_row(row: &StoredRow, device: &str, now: i64) -> ApiResult<BpRow> {
    let f = &row.state.fields;
    let measured_at = str_field(f, "measured_at");
    Ok(BpRow {
        id: row.id.clone(),
        scope: row.scope.clone(),
        version: row.state.version,
        cl: row.state.cl,
        systolic: i32_field(f, "systolic"),
        diastolic: i32_field(f, "diastolic"),
        pulse: i32_field(f, "pulse"),
        measured_at_ms: measured_at.as_deref().and_then(instant_ms),
        measured_at,
        arm: str_field(f, "arm"),
        note: str_field(f, "note"),
        hlc: stamps_json(&row.state)?,
        updated_at: now,
        updated_by: device.to_owned(),
    })
}

fn to_stored(r: BpRow) -> ApiResult<StoredRow> {
    let columns = [
        ("systolic", r.systolic.map(|v| json!(v))),
        ("diastolic", r.diastolic.map(|v| json!(v))),
        ("pulse", r.pulse.map(|v| json!(v))),
        ("measured_at", r.measured_at.map(Value::String)),
        ("arm", r.arm.map(Value::String)),
        ("note", r.note.map(Value::String)),
    ];
    stored(
        r.id,
        r.scope,
        r.version,
        r.cl,
        r.hlc.as_deref(),
        FIELDS,
        columns,
    )
}

#[cfg(test)]
mod tests {
    use super::super::fields::testing::{codes, set};
    use super::*;

    #[test]
    fn blood_pressure_limits_follow_the_domain() {
        assert_eq!(
            codes(BpReadings.normalize(&set(json!({"systolic": 900})))),
            vec![("systolic".into(), "out_of_range")]
        );
        assert_eq!(
            codes(BpReadings.normalize(&set(json!({"systolic": 120.5})))),
            vec![("systolic".into(), "invalid_type")]
        );
        assert_eq!(
            codes(BpReadings.normalize(&set(json!({"systolic": "NaN"})))),
            vec![("systolic".into(), "invalid_type")]
        );
        assert_eq!(
            codes(BpReadings.normalize(&set(json!({"colour": 1})))),
            vec![("colour".into(), "unknown_field")]
        );
        let live = set(
            json!({"systolic": 80, "diastolic": 80, "measured_at": "2026-01-01T08:00:00+08:00"}),
        );
        assert_eq!(
            BpReadings
                .check_live(&live, true)
                .err()
                .map(|e| e[0].code.as_str()),
            Some("not_above_diastolic")
        );
    }
}
