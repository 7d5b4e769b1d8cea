//! The registration office: identity verification.

use ehealth_contracts::{
    ErrorCode, FieldCode, PatientStatus, Verification, VerifyPatientRequest, VerifyPatientResponse,
};

use crate::clock::rfc3339_ms;
use crate::domain::ids::PatientId;
use crate::domain::officer::officer_name;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::store;

pub async fn verify(
    state: &AppState,
    patient_id: &PatientId,
    req: VerifyPatientRequest,
) -> ApiResult<VerifyPatientResponse> {
    let reference = req.reference.trim().to_owned();
    if reference.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "reference",
            FieldCode::Required,
        )]));
    }
    if reference.chars().count() > 100 || reference.chars().any(char::is_control) {
        return Err(ApiError::validation(vec![FieldError::new(
            "reference",
            FieldCode::InvalidFormat,
        )]));
    }
    let officer = officer_name(req.officer.as_deref())?;
    let now = state.now_ms();
    let id = patient_id.to_owned();
    let verified_by = officer.clone();
    let method = req.method;
    let stored_reference = reference.clone();
    state
        .db
        .transaction(move |c| {
            let patient = store::patients::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            match patient.status()? {
                PatientStatus::Verified => {
                    return Err(ApiError::conflict(ErrorCode::AlreadyVerified));
                }
                PatientStatus::Withdrawn => {
                    return Err(ApiError::conflict(ErrorCode::AccountWithdrawn));
                }
                PatientStatus::Unverified => {}
            }
            if !store::patients::mark_verified(
                c,
                &id,
                method.as_str(),
                &stored_reference,
                &verified_by,
                now,
            )? {
                return Err(ApiError::conflict(ErrorCode::AlreadyVerified));
            }
            Ok(())
        })
        .await?;
    tracing::info!(%patient_id, method = method.as_str(), "identity verified");
    Ok(VerifyPatientResponse {
        patient_id: patient_id.to_string(),
        status: PatientStatus::Verified,
        verification: Verification {
            method,
            verified_at: rfc3339_ms(now),
        },
        reference,
        verified_by: officer,
    })
}
