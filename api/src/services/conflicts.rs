//! Sync conflicts: values that lost, kept so the family can see them and mark them resolved.
//! Choosing the lost value again is an ordinary sync edit by the app.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ehealth_contracts::{
    ErrorCode, FieldCode, ListConflictsQuery, ListConflictsResponse, SyncConflict,
};

use super::family::act_for;
use crate::clock::rfc3339_ms;
use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::{self, sync_conflicts::ConflictRow};

pub async fn list(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    q: ListConflictsQuery,
) -> ApiResult<ListConflictsResponse> {
    let acting = act_for(state, who, patient_id, "list_sync_conflicts").await?;
    let scope = acting.patient_id.clone();
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new(
            "limit",
            FieldCode::OutOfRange,
        )]));
    }
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let include_resolved = q.include_resolved.unwrap_or(false);
    let mut rows = acting
        .read(state, move |c, _| {
            let after = after.as_ref().map(|(at, id)| (*at, id.as_str()));
            Ok(store::sync_conflicts::list_conflicts(
                c,
                &scope,
                include_resolved,
                after,
                limit + 1,
            )?)
        })
        .await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| URL_SAFE_NO_PAD.encode(format!("{}:{}", r.created_at, r.id)))
        })
        .flatten();
    Ok(ListConflictsResponse {
        conflicts: rows.into_iter().map(to_wire).collect(),
        next_cursor,
    })
}

pub async fn resolve(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    conflict_id: &str,
) -> ApiResult<SyncConflict> {
    let acting = act_for(state, who, patient_id, "resolve_sync_conflict").await?;
    let now = state.now_ms();
    let id = conflict_id.to_owned();
    state
        .db
        .transaction(move |c| {
            let resolved =
                store::sync_conflicts::resolve_conflict(c, &acting.patient_id, &id, now)?
                    .ok_or_else(ApiError::not_found)?;
            acting.record(c, now)?;
            Ok(to_wire(resolved))
        })
        .await
}

fn decode_cursor(raw: &str) -> ApiResult<(i64, String)> {
    let bad = || ApiError::bad_request(ErrorCode::InvalidCursor);
    let text = URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    let (at, id) = text.split_once(':').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, id.to_owned()))
}

fn to_wire(r: ConflictRow) -> SyncConflict {
    let value =
        |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::String(s.to_owned()));
    SyncConflict {
        losing_value: value(&r.losing_value),
        winning_value: value(&r.winning_value),
        conflict_id: r.id,
        table: r.table_name,
        row_id: r.row_id,
        field: r.field,
        losing_hlc: r.losing_hlc,
        winning_hlc: r.winning_hlc,
        device_id: r.device_id,
        created_at: rfc3339_ms(r.created_at),
        resolved_at: r.resolved_at.map(rfc3339_ms),
    }
}
