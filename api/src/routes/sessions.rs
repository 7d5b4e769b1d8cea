use actix_web::{HttpRequest, HttpResponse, web};
use ehealth_contracts::{
    CreateChallengeRequest, CreateChallengeResponse, CreateSessionRequest, Problem,
    RefreshSessionRequest, SessionTokens,
};

use super::operation::{Operation, operations};
use super::responses::{InvalidFields, MalformedJson, NotSignedIn, TooManyAttempts};
use super::{PROBLEM, created};
use crate::error::ApiResult;
use crate::extract::principal::client_address;
use crate::extract::{AnySession, ApiJson, ApiJsonOrEmpty};
use crate::services::sessions;
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    create_challenge, create_session, refresh_session, delete_session,
};

/// Start a username-less passkey sign-in.
#[utoipa::path(post, path = "/v1/sessions/challenge", tag = "sessions", operation_id = "create_challenge",
    request_body = Option<CreateChallengeRequest>,
    responses(
        (status = 201, description = "A single-use challenge (the body may be `{}` or empty)", body = CreateChallengeResponse),
        MalformedJson,
        (status = 415, description = "Not JSON", body = Problem, content_type = PROBLEM),
        TooManyAttempts,
    ))]
pub async fn create_challenge(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJsonOrEmpty(_): ApiJsonOrEmpty<CreateChallengeRequest>,
) -> ApiResult<HttpResponse> {
    let challenge = sessions::challenge(&state, &client_address(&req)).await?;
    Ok(created(&challenge))
}

/// Finish sign-in with the passkey assertion.
#[utoipa::path(post, path = "/v1/sessions", tag = "sessions", operation_id = "create_session",
    request_body = CreateSessionRequest,
    responses(
        (status = 201, description = "Signed in: a patient's tokens, a staff member's (`principal: staff`) or an officer's (`principal: officer`)", body = SessionTokens),
        (status = 400, description = "`challenge_invalid` (unknown, used or expired) or malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "`unknown_credential`, `origin_mismatch`, `rp_id_mismatch`, `challenge_mismatch`, `user_verification_required`, `counter_regression`, `invalid_credential`", body = Problem, content_type = PROBLEM),
        (status = 403, description = "`account_withdrawn`, `staff_deactivated` or `account_deactivated`", body = Problem, content_type = PROBLEM),
        InvalidFields,
        TooManyAttempts,
    ))]
pub async fn create_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<CreateSessionRequest>,
) -> ApiResult<HttpResponse> {
    let tokens = sessions::sign_in(&state, body, &client_address(&req)).await?;
    Ok(created(&tokens))
}

/// Rotate the token pair. Presenting a refresh token a second time ends the session.
#[utoipa::path(post, path = "/v1/sessions/refresh", tag = "sessions", operation_id = "refresh_session",
    request_body = RefreshSessionRequest,
    responses(
        (status = 200, description = "New tokens (of the same kind of principal); the old pair is dead", body = SessionTokens),
        (status = 401, description = "`invalid_token` or `refresh_token_reused` (the session is now revoked)", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn refresh_session(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<RefreshSessionRequest>,
) -> ApiResult<web::Json<SessionTokens>> {
    Ok(web::Json(sessions::refresh(&state, body).await?))
}

/// Sign out: the current session's tokens stop working at once.
#[utoipa::path(delete, path = "/v1/sessions/current", tag = "sessions", operation_id = "delete_session",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        NotSignedIn,
    ))]
pub async fn delete_session(
    state: web::Data<AppState>,
    who: AnySession,
) -> ApiResult<HttpResponse> {
    match who {
        AnySession::Patient(patient) => sessions::sign_out(&state, &patient).await?,
        AnySession::Staff(staff) => sessions::staff_sign_out(&state, &staff).await?,
        AnySession::Account(session_id) => sessions::account_sign_out(&state, &session_id).await?,
    }
    Ok(HttpResponse::NoContent().finish())
}
