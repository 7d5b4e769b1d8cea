use actix_web::web;
use ehealth_contracts::{BpDiaryResponse, DiaryQuery, GlucoseDiaryResponse, Problem};

use super::PROBLEM;
use super::operation::{Operation, operations};
use super::responses::{InvalidCursor, NotSignedIn};
use crate::domain::ids::PatientId;
use crate::error::ApiResult;
use crate::extract::PatientSession;
use crate::services::diary;
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    list_bp_readings, list_glucose_readings,
};

/// Blood-pressure readings in a range, newest first, with per-period summaries.
#[utoipa::path(get, path = "/v1/patients/{patient_id}/diary/bp", tag = "diary", operation_id = "list_bp_readings",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "The patient (yourself)"), DiaryQuery),
    responses(
        (status = 200, description = "Readings and summary", body = BpDiaryResponse),
        InvalidCursor,
        NotSignedIn,
        (status = 404, description = "Not a patient you may read", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid `from`, `to`, `limit` or `period`, or `invalid_range`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_bp_readings(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
    query: web::Query<DiaryQuery>,
) -> ApiResult<web::Json<BpDiaryResponse>> {
    Ok(web::Json(
        diary::blood_pressure(&state, &who, &path, query.into_inner()).await?,
    ))
}

/// Blood-sugar readings (mmol/L) in a range, newest first, with per-period summaries.
#[utoipa::path(get, path = "/v1/patients/{patient_id}/diary/glucose", tag = "diary", operation_id = "list_glucose_readings",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "The patient (yourself)"), DiaryQuery),
    responses(
        (status = 200, description = "Readings and summary", body = GlucoseDiaryResponse),
        InvalidCursor,
        NotSignedIn,
        (status = 404, description = "Not a patient you may read", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid `from`, `to`, `limit` or `period`, or `invalid_range`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_glucose_readings(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
    query: web::Query<DiaryQuery>,
) -> ApiResult<web::Json<GlucoseDiaryResponse>> {
    Ok(web::Json(
        diary::glucose(&state, &who, &path, query.into_inner()).await?,
    ))
}
