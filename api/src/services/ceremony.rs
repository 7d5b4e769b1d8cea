//! Passkey ceremonies in progress, kept as registration rows until they complete: self
//! registration, a further passkey, a claim and staff enrolment all finish through here.

use actix_web::http::StatusCode;
use ehealth_contracts::ErrorCode;
use webauthn_rs::prelude::PasskeyRegistration;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{self, registrations::Registration};

/// Loads a ceremony in progress of `kind` (and, for passkeys, of `owner`), refusing expired
/// and completed ones.
pub(crate) async fn open_ceremony(
    state: &AppState,
    id: &str,
    kind: &'static str,
    owner: Option<&str>,
) -> ApiResult<(Registration, PasskeyRegistration)> {
    let id = id.to_owned();
    let reg = state
        .db
        .run(move |c| Ok(store::registrations::find(c, &id)?))
        .await?
        .filter(|r| r.kind == kind && r.patient_id.as_deref() == owner)
        .ok_or_else(ApiError::not_found)?;
    if reg.completed_at.is_some() {
        return Err(ApiError::conflict(ErrorCode::RegistrationAlreadyCompleted));
    }
    if reg.expires_at <= state.now_ms() {
        return Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::RegistrationExpired,
        ));
    }
    let ceremony = serde_json::from_str(&reg.ceremony).map_err(ApiError::internal)?;
    Ok((reg, ceremony))
}

/// The stored hash of a one-time code for `purpose`: codes are compared by letters and digits
/// only, case-insensitively, so `ab12-cd34` and `AB12CD34` are the same code.
pub(crate) fn one_time_code_hash(state: &AppState, purpose: &str, code: &str) -> String {
    let normalised: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    state
        .secrets
        .lookup_hash(&format!("{purpose}:{normalised}"))
}
