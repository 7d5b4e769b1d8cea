use actix_web::web;
use ehealth_contracts::{
    ListConflictsQuery, ListConflictsResponse, Problem, PullRequest, PullResponse, PushRequest,
    PushResponse, SyncConflict,
};

use super::PROBLEM;
use super::operation::{Operation, operations};
use super::responses::{NotSignedIn, NotYourPatient};
use crate::domain::ids::PatientId;
use crate::error::ApiResult;
use crate::extract::{ApiJson, PatientSession, SyncJson};
use crate::services::{conflicts, sync};
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    push_sync.sync_body_limit(), pull_sync.sync_body_limit(), list_sync_conflicts,
    resolve_sync_conflict,
};

/// Push a device's pending mutations. Each gets its own result; re-sent mutations get their
/// stored result and change nothing.
#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", operation_id = "push_sync",
    security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "Per-mutation results", body = PushResponse),
        (status = 400, description = "Malformed envelope or `invalid_seq`", body = Problem, content_type = PROBLEM),
        NotSignedIn,
        (status = 403, description = "`unknown_device`: not one of the caller's devices", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`seq_gap`: `expected_seq` says where to resume", body = Problem, content_type = PROBLEM),
        (status = 413, description = "`batch_too_large` or `payload_too_large`", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Envelope fields of the wrong type", body = Problem, content_type = PROBLEM),
        (status = 426, description = "`unsupported_protocol` / `unsupported_schema_version` with `supported`", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Storage unavailable; retry the same batch", body = Problem, content_type = PROBLEM),
    ))]
pub async fn push_sync(
    state: web::Data<AppState>,
    who: PatientSession,
    SyncJson(body): SyncJson<PushRequest>,
) -> ApiResult<web::Json<PushResponse>> {
    Ok(web::Json(sync::push::push(&state, &who, body).await?))
}

/// Pull every change above the cursor, in version order, a page at a time.
#[utoipa::path(post, path = "/v1/sync/pull", tag = "sync", operation_id = "pull_sync",
    security(("bearer" = [])),
    request_body = PullRequest,
    responses(
        (status = 200, description = "A page of changes and the cursor to save after applying it", body = PullResponse),
        (status = 400, description = "`invalid_cursor` (altered, or another user's) or malformed envelope", body = Problem, content_type = PROBLEM),
        NotSignedIn,
        (status = 403, description = "`unknown_device`", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Envelope fields of the wrong type", body = Problem, content_type = PROBLEM),
        (status = 426, description = "`unsupported_protocol` / `unsupported_schema_version` with `supported`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn pull_sync(
    state: web::Data<AppState>,
    who: PatientSession,
    ApiJson(body): ApiJson<PullRequest>,
) -> ApiResult<web::Json<PullResponse>> {
    Ok(web::Json(sync::pull::pull(&state, &who, body).await?))
}

/// Values that lost a sync conflict, oldest first (open ones unless `include_resolved`).
#[utoipa::path(get, path = "/v1/patients/{patient_id}/sync/conflicts", tag = "sync", operation_id = "list_sync_conflicts",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "The patient (yourself)"), ListConflictsQuery),
    responses(
        (status = 200, description = "Conflicts", body = ListConflictsResponse),
        (status = 400, description = "`invalid_cursor` or a malformed query", body = Problem, content_type = PROBLEM),
        NotSignedIn,
        NotYourPatient,
        (status = 422, description = "`limit` out of range", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_sync_conflicts(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
    query: web::Query<ListConflictsQuery>,
) -> ApiResult<web::Json<ListConflictsResponse>> {
    Ok(web::Json(
        conflicts::list(&state, &who, &path, query.into_inner()).await?,
    ))
}

/// Mark a conflict resolved (idempotent). To bring the lost value back, the app pushes it as an
/// ordinary edit.
#[utoipa::path(post, path = "/v1/patients/{patient_id}/sync/conflicts/{conflict_id}/resolve", tag = "sync",
    operation_id = "resolve_sync_conflict",
    security(("bearer" = [])),
    params(
        ("patient_id" = String, Path, description = "The patient (yourself)"),
        ("conflict_id" = String, Path, description = "The conflict"),
    ),
    responses(
        (status = 200, description = "The conflict, resolved", body = SyncConflict),
        NotSignedIn,
        (status = 404, description = "No such conflict of a patient you may act for", body = Problem, content_type = PROBLEM),
    ))]
pub async fn resolve_sync_conflict(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<(PatientId, String)>,
) -> ApiResult<web::Json<SyncConflict>> {
    let (patient_id, conflict_id) = path.into_inner();
    Ok(web::Json(
        conflicts::resolve(&state, &who, &patient_id, &conflict_id).await?,
    ))
}
