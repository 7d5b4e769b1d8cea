use actix_web::web;
use ehealth_contracts::{Problem, PullRequest, PullResponse, PushRequest, PushResponse};

use super::PROBLEM;
use crate::error::ApiResult;
use crate::extract::{ApiJson, PatientSession};
use crate::services::sync;
use crate::state::AppState;

/// Push a device's pending mutations. Each gets its own result; re-sent mutations get their
/// stored result and change nothing.
#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", operation_id = "push_sync",
    security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "Per-mutation results", body = PushResponse),
        (status = 400, description = "Malformed envelope or `invalid_seq`", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM),
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
    ApiJson(body): ApiJson<PushRequest>,
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
        (status = 401, description = "Not signed in", body = Problem, content_type = PROBLEM),
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
