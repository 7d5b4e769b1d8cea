//! The synced tables. Adding one is: a migration, a store model file, and an implementation of
//! [`SyncTable`] listed in [`TABLES`]; push, pull, conflicts and paging need no change.

use chrono::DateTime;
use diesel::QueryResult;
use ehealth_contracts::FieldCode;
use ehealth_contracts::Fields;
use ehealth_sync::{Hlc, RowState};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::DbConn;
use crate::store::bp_readings::{self, BpRow};
use crate::store::glucose_readings::{self, GlucoseRow};

/// A synced row as the protocol sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRow {
    pub id: String,
    pub scope: String,
    pub state: RowState,
}

pub trait SyncTable: Sync {
    fn name(&self) -> &'static str;

    /// Read-only tables (records, consents, access log) sync down only.
    fn writable(&self) -> bool {
        true
    }

    /// Validates the fields a mutation sets, converting units; unknown fields are refused.
    fn normalize(&self, set: &Fields) -> Result<Fields, Vec<FieldError>>;

    /// Checks `fields`: the whole row of a new life (`complete`: required fields present), or the
    /// fields one edit sets (cross-field rules among them).
    fn check_live(&self, fields: &Fields, complete: bool) -> Result<(), Vec<FieldError>>;

    /// The rows with these ids (one query).
    fn load_many(&self, c: &mut DbConn, ids: &[String]) -> ApiResult<Vec<StoredRow>>;

    /// Inserts or replaces rows (one statement).
    fn save_many(
        &self,
        c: &mut DbConn,
        rows: &[StoredRow],
        device: &str,
        now: i64,
    ) -> ApiResult<()>;

    /// Rows of `scope` changed after `version`, in version order.
    fn changes(
        &self,
        c: &mut DbConn,
        scope: &str,
        after: i64,
        limit: i64,
    ) -> ApiResult<Vec<StoredRow>>;

    /// Deletes tombstones older than `before_ms`; returns (scope, version) of each.
    fn purge_tombstones(&self, c: &mut DbConn, before_ms: i64) -> QueryResult<Vec<(String, i64)>>;

    /// The scopes that hold tombstones older than `before_ms` (locked before purging).
    fn tombstone_scopes(&self, _c: &mut DbConn, _before_ms: i64) -> QueryResult<Vec<String>> {
        Ok(Vec::new())
    }
}

/// The storage half of a synced table's [`SyncTable`] impl, the same for every table: its
/// store module's queries (`synced_table_queries!`) and the table's two conversions,
/// `to_row(&StoredRow, device, now) -> ApiResult<Row>` and `to_stored(Row) -> ApiResult<StoredRow>`.
macro_rules! synced_storage {
    ($module:ident, $to_row:path, $to_stored:path) => {
        fn load_many(&self, c: &mut DbConn, ids: &[String]) -> ApiResult<Vec<StoredRow>> {
            $module::find_many(c, ids)?
                .into_iter()
                .map($to_stored)
                .collect()
        }

        fn save_many(
            &self,
            c: &mut DbConn,
            rows: &[StoredRow],
            device: &str,
            now: i64,
        ) -> ApiResult<()> {
            let rows = rows
                .iter()
                .map(|r| $to_row(r, device, now))
                .collect::<ApiResult<Vec<_>>>()?;
            Ok($module::upsert_many(c, &rows)?)
        }

        fn changes(
            &self,
            c: &mut DbConn,
            scope: &str,
            after: i64,
            limit: i64,
        ) -> ApiResult<Vec<StoredRow>> {
            $module::changed_since(c, scope, after, limit)?
                .into_iter()
                .map($to_stored)
                .collect()
        }

        fn purge_tombstones(
            &self,
            c: &mut DbConn,
            before_ms: i64,
        ) -> QueryResult<Vec<(String, i64)>> {
            $module::purge_tombstones(c, before_ms)
        }

        fn tombstone_scopes(&self, c: &mut DbConn, before_ms: i64) -> QueryResult<Vec<String>> {
            $module::tombstone_scopes(c, before_ms)
        }
    };
}
pub(super) use synced_storage;

pub static TABLES: &[&dyn SyncTable] = &[
    &BpReadings,
    &GlucoseReadings,
    &super::reminders::Reminders,
    &super::readonly::Consents,
    &super::readonly::Records,
    &super::readonly::AccessLog,
];

pub fn table(name: &str) -> Option<&'static dyn SyncTable> {
    TABLES.iter().copied().find(|t| t.name() == name)
}

pub struct BpReadings;
pub struct GlucoseReadings;

const BP_FIELDS: &[&str] = &[
    "systolic",
    "diastolic",
    "pulse",
    "measured_at",
    "arm",
    "note",
];
const GLUCOSE_FIELDS: &[&str] = &["mmol_l", "meal_context", "measured_at", "note"];
const MEAL_CONTEXTS: &[&str] = &["fasting", "before_meal", "after_meal", "bedtime", "random"];

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

    synced_storage!(bp_readings, bp_row, bp_to_stored);
}

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

    synced_storage!(glucose_readings, glucose_row, glucose_to_stored);
}

fn bp_row(row: &StoredRow, device: &str, now: i64) -> ApiResult<BpRow> {
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

fn bp_to_stored(r: BpRow) -> ApiResult<StoredRow> {
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
        BP_FIELDS,
        columns,
    )
}

fn glucose_row(row: &StoredRow, device: &str, now: i64) -> ApiResult<GlucoseRow> {
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

fn glucose_to_stored(r: GlucoseRow) -> ApiResult<StoredRow> {
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
        GLUCOSE_FIELDS,
        columns,
    )
}

/// Builds the protocol row from columns: every stamped field is present (null when cleared).
pub(super) fn stored<const N: usize>(
    id: String,
    scope: String,
    version: i64,
    cl: i64,
    hlc: Option<&str>,
    known: &[&str],
    columns: [(&str, Option<Value>); N],
) -> ApiResult<StoredRow> {
    let stamps: std::collections::BTreeMap<String, Hlc> = match hlc {
        None => Default::default(),
        Some(json) => serde_json::from_str::<std::collections::BTreeMap<String, String>>(json)
            .map_err(ApiError::internal)?
            .into_iter()
            .filter(|(k, _)| known.contains(&k.as_str()))
            .filter_map(|(k, v)| v.parse::<Hlc>().ok().map(|h| (k, h)))
            .collect(),
    };
    let fields = columns
        .into_iter()
        .filter(|(k, _)| stamps.contains_key(*k))
        .map(|(k, v)| (k.to_owned(), v.unwrap_or(Value::Null)))
        .collect();
    Ok(StoredRow {
        id,
        scope,
        state: RowState {
            cl,
            fields,
            stamps,
            version,
        },
    })
}

pub(super) fn stamps_json(state: &RowState) -> ApiResult<Option<String>> {
    if !state.is_live() {
        return Ok(None);
    }
    let map: std::collections::BTreeMap<&String, String> = state
        .stamps
        .iter()
        .map(|(k, h)| (k, h.to_string()))
        .collect();
    serde_json::to_string(&map)
        .map(Some)
        .map_err(ApiError::internal)
}

pub(super) fn required(f: &Fields, names: &[&str]) -> Vec<FieldError> {
    names
        .iter()
        .filter(|n| f.get(**n).is_none_or(Value::is_null))
        .map(|n| FieldError::new(*n, FieldCode::Required))
        .collect()
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

fn instant(v: &Value, field: &str) -> Result<Value, FieldError> {
    match v.as_str() {
        Some(s) if instant_ms(s).is_some() => Ok(Value::String(s.to_owned())),
        _ => Err(FieldError::new(field, FieldCode::InvalidFormat)),
    }
}

fn instant_ms(s: &str) -> Option<i64> {
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

fn i32_field(f: &Fields, k: &str) -> Option<i32> {
    f.get(k)
        .and_then(Value::as_i64)
        .and_then(|v| i32::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: Value) -> Fields {
        serde_json::from_value(v).unwrap_or_default()
    }

    fn codes(r: Result<Fields, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.code.as_str()))
            .collect()
    }

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
