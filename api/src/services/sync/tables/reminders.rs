//! The `reminders` synced table: measurement reminders, edited on any of the family's devices
//! (or through the REST endpoints) and merged like the diaries. The server keeps each live,
//! enabled reminder's next occurrence in its zone (`next_due_at`).

use ehealth_contracts::{FieldCode, Fields};
use serde_json::{Value, json};

use super::fields::{one_of, required, str_field, text};
use super::storage::{stamps_json, stored, synced_storage};
use super::sync_table::{StoredRow, SyncTable};
use crate::domain::reminder::{schedule, strings};
use crate::domain::schedule::Schedule;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::DbConn;
use crate::store::reminders::{self, ReminderRow};

pub struct Reminders;

impl Reminders {
    /// A stored row as the protocol sees it.
    pub fn stored_row(&self, r: ReminderRow) -> ApiResult<StoredRow> {
        to_stored(r)
    }
}

const KINDS: &[&str] = &["bp", "glucose", "custom"];
const FIELDS: &[&str] = &["kind", "text", "times", "days", "time_zone", "enabled"];

impl SyncTable for Reminders {
    fn name(&self) -> &'static str {
        "reminders"
    }

    fn normalize(&self, set: &Fields) -> Result<Fields, Vec<FieldError>> {
        let mut out = Fields::new();
        let mut errors = Vec::new();
        for (k, v) in set {
            let checked = match k.as_str() {
                "kind" => one_of(v, k, KINDS, false),
                "text" => text(v, k, 200),
                "enabled" => v
                    .as_bool()
                    .map(Value::Bool)
                    .ok_or_else(|| FieldError::new(k.clone(), FieldCode::InvalidType)),
                // Checked one by one here; together (with the zone) in `check_live`.
                "times" | "days" => strings(v, k).map(|list| json!(list)),
                "time_zone" => match v.as_str().map(|z| z.parse::<chrono_tz::Tz>()) {
                    Some(Ok(_)) => Ok(v.clone()),
                    _ => Err(FieldError::new(k.clone(), FieldCode::InvalidValue)),
                },
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
            required(f, &["kind", "times", "days", "time_zone", "enabled"])
        } else {
            Vec::new()
        };
        if let (Some(t), Some(d), Some(z)) = (f.get("times"), f.get("days"), f.get("time_zone"))
            && let (Ok(t), Ok(d), Some(z)) = (strings(t, "times"), strings(d, "days"), z.as_str())
            && let Err(e) = Schedule::parse(&t, &d, z)
        {
            errors.extend(e);
        }
        if complete
            && f.get("kind").and_then(Value::as_str) == Some("custom")
            && f.get("text")
                .and_then(Value::as_str)
                .is_none_or(|t| t.trim().is_empty())
        {
            errors.push(FieldError::new("text", FieldCode::Required));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    synced_storage!(reminders, to_row, to_stored);
}

fn json_list(f: &Fields, k: &str) -> ApiResult<Option<String>> {
    f.get(k)
        .filter(|v| !v.is_null())
        .map(|v| serde_json::to_string(v).map_err(ApiError::internal))
        .transpose()
}

fn to_row(row: &StoredRow, device: &str, now: i64) -> ApiResult<ReminderRow> {
    let f = &row.state.fields;
    let enabled = f.get("enabled").and_then(Value::as_bool);
    let next_due_at = match schedule(f) {
        Some(s) if row.state.is_live() && enabled == Some(true) => {
            let now = chrono::DateTime::from_timestamp_millis(now)
                .ok_or_else(|| ApiError::internal("the clock is out of range"))?;
            s.next_after(now).map(|t| t.timestamp_millis())
        }
        _ => None,
    };
    Ok(ReminderRow {
        id: row.id.clone(),
        scope: row.scope.clone(),
        version: row.state.version,
        cl: row.state.cl,
        kind: str_field(f, "kind"),
        text: str_field(f, "text"),
        times: json_list(f, "times")?,
        days: json_list(f, "days")?,
        time_zone: str_field(f, "time_zone"),
        enabled,
        next_due_at,
        hlc: stamps_json(&row.state)?,
        updated_at: now,
        updated_by: device.to_owned(),
    })
}

fn to_stored(r: ReminderRow) -> ApiResult<StoredRow> {
    // A list column that does not hold JSON is an error, not a cleared field.
    let list = |s: Option<String>| {
        s.map(|s| serde_json::from_str::<Value>(&s).map_err(ApiError::internal))
            .transpose()
    };
    let columns = [
        ("kind", r.kind.map(Value::String)),
        ("text", r.text.map(Value::String)),
        ("times", list(r.times)?),
        ("days", list(r.days)?),
        ("time_zone", r.time_zone.map(Value::String)),
        ("enabled", r.enabled.map(Value::Bool)),
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
