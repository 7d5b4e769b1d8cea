//! `POST /v1/hcp/patient-lookups`: a professional finds the patient at the counter by identity
//! document. Finding someone is itself an access: it goes into the patient's access log as a
//! `lookup` entry (who, which HCP, when), chained like a read, and the patient is told if they
//! asked to hear of reads.

use ehealth_contracts::{PatientLookupRequest, PatientLookupResponse};

use super::access_log::{Outcome, log_attempt, log_entry};
use crate::domain::identity::ValidIdentity;
use crate::error::{ApiError, ApiResult};
use crate::extract::StaffSession;
use crate::state::AppState;
use crate::store;

pub async fn lookup(
    state: &AppState,
    who: &StaffSession,
    req: PatientLookupRequest,
) -> ApiResult<PatientLookupResponse> {
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(ApiError::validation)?;
    super::limits::rate_limit(
        state,
        &format!("lookup:{}", who.staff_id),
        state.config.rate_limit_per_address,
        std::time::Duration::from_secs(60),
    )
    .await?;
    let hash = state.secrets.lookup_hash(&identity.uniqueness_key());
    let (staff, clock, secrets) = (who.clone(), state.clock.clone(), state.secrets.clone());
    let log_access = state.config.access_log_enabled;
    let patient_id = state
        .db
        .transaction(move |c| {
            crate::services::checks::registered_hcp(c, &staff.hcp_id)?;
            let patient =
                store::patients::find_by_id_hash(c, &hash)?.ok_or_else(ApiError::not_found)?;
            if !store::patients::lock(c, &patient.id)? {
                return Err(ApiError::not_found());
            }
            if log_access {
                let hcp = store::hcps::find_hcp(c, &staff.hcp_id)?
                    .ok_or_else(|| ApiError::internal("staff of a missing hcp"))?;
                let now = clock.now_ms();
                let entry = log_entry(&staff, &hcp, &patient.id, &[], "", Outcome::Lookup, now);
                log_attempt(c, &secrets, entry, patient.notify_on_access, now)?;
            }
            Ok(patient.id)
        })
        .await?;
    tracing::info!(staff_id = %who.staff_id, hcp_id = %who.hcp_id, %patient_id, "patient looked up");
    Ok(PatientLookupResponse {
        patient_id: patient_id.into(),
    })
}
