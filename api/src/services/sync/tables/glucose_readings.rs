//! The `glucose_readings` synced table: the patient's blood-glucose diary, kept in mmol/L.

use ehealth_contracts::{FieldCode, Fields};
use serde_json::{Value, json};

use super::fields::{instant, instant_ms, one_of, required, str_field, text};
use super::storage::{stamps_json, stored, synced_storage};
use super::sync_table::{StoredRow, SyncTable};
use crate::error::{ApiResult, FieldError};
use crate::store::DbConn;
use crate::store::glucose_readings::{self, GlucoseRow};

pub struct GlucoseReadings;

const FIELDS: &[&str] = &["mmol_l", "meal_context", "measured_at", "note"];
const MEAL_CONTEXTS: &[&str] = &["fasting", "before_meal", "after_meal", "bedtime", "random"];

impl SyncTable for GlucoseReadings {
    fn name(&self) -> &'static str {
        "glucose_readings"
    }

    /// Accepts `mmol_l`, or `value` with `unit` (`mmol/L` or `mg/dL`, 1 mmol/L = 18.0 mg/dL);
    /// stores mmol/L with one decimal.
    fn normalize(&self, set: &Fields) -> Result<Fields, Vec<FieldError>> {
        let mut out = Fields::new();
        let mut errors = Vec::new();
        let mut push = |k: &str, r: Result<Value, FieldError>| match r {
            Ok(v) => {
                out.insert(k.to_owned(), v);
            }
            Err(e) => errors.push(e),
        };
        for (k, v) in set {
            match k.as_str() {
                "mmol_l" => push(k, glucose(v, "mmol_l", 1.0)),
                "meal_context" => push(k, one_of(v, k, MEAL_CONTEXTS, false)),
                "measured_at" => push(k, instant(v, k)),
                "note" => push(k, text(v, k, 500)),
                "value" | "unit" => {}
                _ => push(k, Err(FieldError::new(k.clone(), FieldCode::UnknownField))),
            }
        }
        match (set.get("value"), set.get("unit").and_then(Value::as_str)) {
            (None, None) => {}
            (Some(v), Some("mmol/L")) => push("mmol_l", glucose(v, "value", 1.0)),
            (Some(v), Some("mg/dL")) => push("mmol_l", glucose(v, "value", 18.0)),
            (Some(_), None) => push("unit", Err(FieldError::new("unit", FieldCode::Required))),
            (None, Some(_)) => push("value", Err(FieldError::new("value", FieldCode::Required))),
            (Some(_), Some(_)) => push(
                "unit",
                Err(FieldError::new("unit", FieldCode::InvalidValue)),
            ),
        }
        if set.get("unit").is_some_and(|u| !u.is_string()) {
            errors.push(FieldError::new("unit", FieldCode::InvalidValue));
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn check_live(&self, f: &Fields, complete: bool) -> Result<(), Vec<FieldError>> {
        let errors = if complete {
            required(f, &["mmol_l", "meal_context", "measured_at"])
        } else {
            Vec::new()
        };
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    synced_storage!(glucose_readings, to_row, to_stored);
}

fn glucose(v: &Value, field: &str, divisor: f64) -> Result<Value, FieldError> {
    let n = v
        .as_f64()
        .filter(|n| n.is_finite())
        .ok_or_else(|| FieldError::new(field, FieldCode::InvalidType))?;
    let mmol = (n / divisor * 10.0).round() / 10.0;
    if (0.5..=50.0).contains(&mmol) {
        Ok(json!(mmol))
    } else {
        Err(FieldError::new(field, FieldCode::OutOfRange))
    }
}

fn to_row(row: &StoredRow, device: &str, now: i64) -> ApiResult<GlucoseRow> {
    let f = &row.state.fields;
    let measured_at = str_field(f, "measured_at");
    Ok(GlucoseRow {
        id: row.id.clone(),
        scope: row.scope.clone(),
        version: row.state.version,
        cl: row.state.cl,
        mmol_tenths: f
            .get("mmol_l")
            .and_then(Value::as_f64)
            .and_then(|v| i32::try_from((v * 10.0).round() as i64).ok()),
        meal_context: str_field(f, "meal_context"),
        measured_at_ms: measured_at.as_deref().and_then(instant_ms),
        measured_at,
        note: str_field(f, "note"),
        hlc: stamps_json(&row.state)?,
        updated_at: now,
        updated_by: device.to_owned(),
    })
}

fn to_stored(r: GlucoseRow) -> ApiResult<StoredRow> {
    let columns = [
        ("mmol_l", r.mmol_tenths.map(|t| json!(f64::from(t) / 10.0))),
        ("meal_context", r.meal_context.map(Value::String)),
        ("measured_at", r.measured_at.map(Value::String)),
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
    fn glucose_in_mg_per_decilitre_is_stored_in_mmol_per_litre() {
        let out = GlucoseReadings.normalize(&set(json!({"value": 126, "unit": "mg/dL"})));
        assert_eq!(
            out.ok().and_then(|f| f.get("mmol_l").cloned()),
            Some(json!(7.0))
        );
        let out = GlucoseReadings.normalize(&set(json!({"value": 5.55, "unit": "mmol/L"})));
        assert_eq!(
            out.ok().and_then(|f| f.get("mmol_l").cloned()),
            Some(json!(5.6))
        );
        assert_eq!(
            codes(GlucoseReadings.normalize(&set(json!({"value": 5, "unit": "g/L"})))),
            vec![("unit".into(), "invalid_value")]
        );
        assert_eq!(
            codes(GlucoseReadings.normalize(&set(json!({"mmol_l": 80.0})))),
            vec![("mmol_l".into(), "out_of_range")]
        );
    }
}
