use actix_web::{HttpRequest, HttpResponse, web};
use ehealth_contracts::{
    CompleteRegistrationRequest, CreateRegistrationRequest, CreateRegistrationResponse, Problem,
    TokenResponse,
};

use super::operation::{Operation, operations};
use super::responses::{InvalidFields, MalformedJson, TooManyAttempts};
use super::{PROBLEM, created};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::extract::principal::client_address;
use crate::services::registration;
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    create_registration, complete_registration,
};

/// Start self-registration (16 or over): validates the person and returns passkey creation options.
#[utoipa::path(post, path = "/v1/registrations", tag = "registration", operation_id = "create_registration",
    request_body = CreateRegistrationRequest,
    responses(
        (status = 201, description = "Registration started; create the passkey with these options", body = CreateRegistrationResponse),
        MalformedJson,
        (status = 409, description = "`already_registered`: the identity document is registered", body = Problem, content_type = PROBLEM),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM),
        (status = 415, description = "Not JSON", body = Problem, content_type = PROBLEM),
        (status = 422, description = "`validation_failed` with the fields, or `requires_substitute_decision_maker` (under 16)", body = Problem, content_type = PROBLEM),
        TooManyAttempts,
    ))]
pub async fn create_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<CreateRegistrationRequest>,
) -> ApiResult<HttpResponse> {
    let started = registration::start(&state, body, &client_address(&req)).await?;
    Ok(created(&started))
}

/// Finish self-registration with the platform's passkey: creates the patient (unverified), the
/// passkey, the device and a session.
#[utoipa::path(post, path = "/v1/registrations/{registration_id}/complete", tag = "registration",
    operation_id = "complete_registration",
    params(("registration_id" = String, Path, description = "From `create_registration`")),
    request_body = CompleteRegistrationRequest,
    responses(
        (status = 201, description = "Registered and signed in", body = TokenResponse),
        (status = 400, description = "Malformed JSON or a passkey response that fails verification (`origin_mismatch`, `rp_id_mismatch`, `challenge_mismatch`, `user_verification_required`, `invalid_credential`)", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Unknown registration", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`registration_already_completed`, `already_registered` or `credential_already_registered`", body = Problem, content_type = PROBLEM),
        (status = 410, description = "`registration_expired`", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn complete_registration(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CompleteRegistrationRequest>,
) -> ApiResult<HttpResponse> {
    let tokens = registration::complete(&state, &path, body).await?;
    Ok(created(&tokens))
}
