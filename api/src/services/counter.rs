//! Patients registered on paper (at the counter, by post or by fax): an officer enters the form
//! with the same fields and rules as self-registration, checks the identity document on the
//! spot (so the patient is verified by that officer), and hands over a one-time claim code
//! with which the person attaches a passkey in the app.

use ehealth_contracts::{
    CounterRegistrationRequest, CounterRegistrationResponse, ErrorCode, FieldCode, PatientStatus,
    VerificationMethod,
};

use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::Officer;
use crate::services::checks::unique_as;
use crate::services::family::claim::{issue_office, office_code};
use crate::services::registration::counter_patient;
use crate::state::AppState;
use crate::store;

pub async fn register(
    state: &AppState,
    by: &Officer,
    req: CounterRegistrationRequest,
) -> ApiResult<CounterRegistrationResponse> {
    let reference = req.reference.trim().to_owned();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(ApiError::validation(vec![FieldError::new(
            "reference",
            FieldCode::InvalidFormat,
        )]));
    }
    let patient = counter_patient(state, &req.registration).await?;
    let (code, hash) = office_code(state);
    let (actor, now) = (by.actor(), state.now_ms());
    let method = VerificationMethod::InPerson.as_str();
    let detail = format!("{}:{reference}", req.channel.as_str());
    let verified_by = actor.clone();
    let (patient_id, expires_at) = state
        .db
        .transaction(move |c| {
            if store::patients::id_hash_taken(c, &patient.id_hash)? {
                return Err(ApiError::conflict(ErrorCode::AlreadyRegistered));
            }
            store::patients::insert(c, &patient)
                .map_err(|e| unique_as(e, ErrorCode::AlreadyRegistered))?;
            store::sync_scopes::create_scope(c, &patient.id, &patient.id, now)?;
            store::patients::mark_verified(c, &patient.id, method, &detail, &actor, now)?;
            let expires_at = issue_office(c, &patient.id, hash, now)?;
            Ok((patient.id, expires_at))
        })
        .await?;
    tracing::info!(%patient_id, channel = req.channel.as_str(), "patient registered by the office");
    Ok(CounterRegistrationResponse {
        patient_id: patient_id.to_string(),
        status: PatientStatus::Verified,
        verified_by,
        claim_code: code,
        claim_code_expires_at: rfc3339_ms(expires_at),
    })
}
