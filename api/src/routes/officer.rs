use actix_web::web;
use ehealth_contracts::{Problem, VerifyPatientRequest, VerifyPatientResponse};

use super::PROBLEM;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Officer};
use crate::services::officer;
use crate::state::AppState;

/// Registration office: record that a patient's identity was checked; they become `verified`.
#[utoipa::path(post, path = "/v1/officer/registrations/{patient_id}/verify", tag = "officer",
    operation_id = "verify_registration",
    security(("officer" = [])),
    params(("patient_id" = String, Path, description = "The patient")),
    request_body = VerifyPatientRequest,
    responses(
        (status = 200, description = "Verified", body = VerifyPatientResponse),
        (status = 401, description = "Missing or wrong officer credential", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Unknown patient, or `officer_api_disabled`", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`already_verified` or `account_withdrawn`", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
    ))]
pub async fn verify_registration(
    state: web::Data<AppState>,
    _officer: Officer,
    path: web::Path<String>,
    ApiJson(body): ApiJson<VerifyPatientRequest>,
) -> ApiResult<web::Json<VerifyPatientResponse>> {
    Ok(web::Json(officer::verify(&state, &path, body).await?))
}
