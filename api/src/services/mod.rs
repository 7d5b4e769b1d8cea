//! Domain services: the business rules. Handlers call one function here; these call the store.

pub mod account;
pub mod conflicts;
pub mod diary;
pub mod officer;
pub mod registration;
pub mod sessions;
pub mod sync;

use std::time::Duration;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Counts an attempt against a limit, answering 429 with `Retry-After` past it.
pub(crate) async fn rate_limit(
    state: &AppState,
    key: &str,
    limit: u32,
    window: Duration,
) -> ApiResult<()> {
    match state
        .ephemeral
        .hit(key, limit, window, state.now_ms())
        .await?
    {
        Ok(()) => Ok(()),
        Err(retry_after) => {
            tracing::info!(bucket = key.split(':').next().unwrap_or(""), "rate limited");
            Err(ApiError::rate_limited(retry_after))
        }
    }
}

pub(crate) fn expires_at_ms(now: i64, ttl: Duration) -> i64 {
    now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4))
}

/// The scope (patient) the caller may act on under `/v1/patients/{patient_id}/...`: for now only
/// their own (the family issue adds substitute decision makers). Anyone else gets 404, which
/// reveals nothing about whether the patient exists.
pub(crate) fn patient_scope(
    who: &crate::extract::PatientSession,
    patient_id: &str,
) -> ApiResult<String> {
    if who.patient_id == patient_id {
        Ok(patient_id.to_owned())
    } else {
        Err(ApiError::not_found())
    }
}
