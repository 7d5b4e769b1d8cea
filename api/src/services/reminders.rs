//! Reminders over REST: the same synced rows the apps edit offline, written by the server as
//! one more participant in the merge (so a REST edit and a device's edit converge like any two
//! devices').

use ehealth_contracts::{
    CreateReminderRequest, Fields, ListRemindersResponse, ReminderKind, ReminderResponse,
    UpdateReminderRequest,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::family::{Acting, act_for};
use super::sync::server_write;
use super::sync::tables::{Reminders, StoredRow};
use crate::clock::rfc3339_ms;
use crate::domain::ids::PatientId;
use crate::domain::reminder::strings;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store;

/// A live reminder as the REST endpoints answer it. Every field but `text` is required of a
/// live reminder, so one that is missing (or of the wrong type) is an error, not a default.
fn wire(patient: &str, row: &StoredRow, next_due_at: Option<i64>) -> ApiResult<ReminderResponse> {
    let f = &row.state.fields;
    let missing = |what: &str| ApiError::internal(format!("reminder without valid {what}"));
    let list = |k: &str| -> ApiResult<Vec<String>> {
        f.get(k)
            .and_then(|v| strings(v, k).ok())
            .ok_or_else(|| missing(k))
    };
    Ok(ReminderResponse {
        reminder_id: row.id.clone(),
        patient_id: patient.to_owned(),
        kind: f
            .get("kind")
            .and_then(Value::as_str)
            .and_then(ReminderKind::parse)
            .ok_or_else(|| ApiError::internal("reminder without a kind"))?,
        text: f.get("text").and_then(Value::as_str).map(str::to_owned),
        times: list("times")?,
        days: list("days")?,
        time_zone: f
            .get("time_zone")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("time_zone"))?
            .to_owned(),
        enabled: f
            .get("enabled")
            .and_then(Value::as_bool)
            .ok_or_else(|| missing("enabled"))?,
        next_due_at: next_due_at.map(rfc3339_ms),
    })
}

/// The fields a request sets (always a JSON object, so this cannot fail but is not hidden).
fn fields(v: Value) -> ApiResult<Fields> {
    serde_json::from_value(v).map_err(ApiError::internal)
}

/// Writes through the merge and answers the row as stored (with its next occurrence).
async fn write(
    state: &AppState,
    acting: Acting,
    id: String,
    create: bool,
    set: Option<Fields>,
) -> ApiResult<Option<ReminderResponse>> {
    let hlc = state.server_hlc();
    let now = state.now_ms();
    let written = id.clone();
    let answer = state
        .db
        .transaction(move |c| {
            let patient = &acting.patient_id;
            let row = server_write(c, &Reminders, patient, &id, create, set.as_ref(), &hlc, now)?;
            acting.record(c, now)?;
            if !row.state.is_live() {
                return Ok(None);
            }
            let next = store::reminders::find_many(c, std::slice::from_ref(&id))?
                .first()
                .and_then(|r| r.next_due_at);
            Ok(Some(wire(patient, &row, next)?))
        })
        .await?;
    state.due_queue.requeue(&state.db, vec![written]).await;
    Ok(answer)
}

pub async fn create(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    req: CreateReminderRequest,
) -> ApiResult<ReminderResponse> {
    let acting = act_for(state, who, patient_id, "create_reminder").await?;
    let mut set = json!({"kind": req.kind.as_str(), "times": req.times, "days": req.days,
        "time_zone": req.time_zone, "enabled": req.enabled});
    if let Some(t) = req.text {
        set["text"] = json!(t);
    }
    write(
        state,
        acting,
        Uuid::now_v7().to_string(),
        true,
        Some(fields(set)?),
    )
    .await?
    .ok_or_else(|| ApiError::internal("created reminder is not live"))
}

pub async fn update(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    reminder_id: &str,
    req: UpdateReminderRequest,
) -> ApiResult<ReminderResponse> {
    let acting = act_for(state, who, patient_id, "update_reminder").await?;
    let mut set = serde_json::Map::new();
    if let Some(k) = req.kind {
        set.insert("kind".into(), json!(k.as_str()));
    }
    if let Some(t) = req.text {
        set.insert("text".into(), json!(t));
    }
    if let Some(t) = req.times {
        set.insert("times".into(), json!(t));
    }
    if let Some(d) = req.days {
        set.insert("days".into(), json!(d));
    }
    if let Some(z) = req.time_zone {
        set.insert("time_zone".into(), json!(z));
    }
    if let Some(e) = req.enabled {
        set.insert("enabled".into(), json!(e));
    }
    write(
        state,
        acting,
        reminder_id.to_owned(),
        false,
        Some(fields(Value::Object(set))?),
    )
    .await?
    .ok_or_else(ApiError::not_found)
}

pub async fn delete(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    reminder_id: &str,
) -> ApiResult<()> {
    let acting = act_for(state, who, patient_id, "delete_reminder").await?;
    write(state, acting, reminder_id.to_owned(), false, None).await?;
    Ok(())
}

pub async fn list(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<ListRemindersResponse> {
    let acting = act_for(state, who, patient_id, "list_reminders").await?;
    let patient = acting.patient_id.clone();
    let rows = acting
        .read(state, move |c, _| {
            Ok(store::reminders::live_of(c, &patient)?)
        })
        .await?;
    let mut reminders = Vec::new();
    for r in rows {
        let next = r.next_due_at;
        let stored = Reminders.stored_row(r)?;
        reminders.push(wire(patient_id, &stored, next)?);
    }
    Ok(ListRemindersResponse { reminders })
}
