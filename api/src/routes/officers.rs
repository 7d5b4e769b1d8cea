//! The registration office's own accounts: officers created by a supervisor, their passkey
//! enrolment and deactivation.

use actix_web::{HttpResponse, web};
use ehealth_contracts::{
    CompleteEnrolmentRequest, CounterRegistrationRequest, CounterRegistrationResponse,
    CreateOfficerRequest, CreateOfficerResponse, OfficerList, OfficerResponse,
    OfficerTokenResponse, Problem, StartEnrolmentRequest, StartEnrolmentResponse,
};

use super::operation::{Operation, operations};
use super::responses::{InvalidFields, NotOfficer, WrongOfficerRole};
use super::{PROBLEM, created};
use crate::error::ApiResult;
use crate::extract::office::{Registration, Supervisor};
use crate::extract::{ApiJson, OfficerIn};
use crate::services::{counter, officers};
use crate::state::AppState;

pub(super) const ROUTES: &[Operation] = operations! {
    create_officer, list_officers, deactivate_officer, start_officer_enrolment,
    complete_officer_enrolment, create_counter_registration,
};

/// An officer (`registration`) enters a paper registration (at the counter, by post or by
/// fax), checks the identity document on the spot, and gives the person the claim code.
#[utoipa::path(post, path = "/v1/officer/patient-registrations", tag = "officer",
    operation_id = "create_counter_registration",
    security(("officer" = [])),
    request_body = CounterRegistrationRequest,
    responses(
        (status = 201, description = "Registered and verified; the claim code attaches a passkey in the app", body = CounterRegistrationResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 409, description = "`already_registered`", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields, or `requires_substitute_decision_maker` (under 16)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_counter_registration(
    state: web::Data<AppState>,
    officer: OfficerIn<Registration>,
    ApiJson(body): ApiJson<CounterRegistrationRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&counter::register(&state, &officer, body).await?))
}

/// A supervisor creates an officer account; the officer enrols a passkey with the code.
#[utoipa::path(post, path = "/v1/officer/officers", tag = "officer", operation_id = "create_officer",
    security(("officer" = [])),
    request_body = CreateOfficerRequest,
    responses(
        (status = 201, description = "Created; give the enrolment code to the officer", body = CreateOfficerResponse),
        NotOfficer,
        WrongOfficerRole,
        InvalidFields,
    ))]
pub async fn create_officer(
    state: web::Data<AppState>,
    officer: OfficerIn<Supervisor>,
    ApiJson(body): ApiJson<CreateOfficerRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&officers::create(&state, &officer, body).await?))
}

/// A supervisor lists the office's officers, with who created and deactivated each.
#[utoipa::path(get, path = "/v1/officer/officers", tag = "officer", operation_id = "list_officers",
    security(("officer" = [])),
    responses(
        (status = 200, description = "Officers, oldest first", body = OfficerList),
        NotOfficer,
        WrongOfficerRole,
    ))]
pub async fn list_officers(
    state: web::Data<AppState>,
    officer: OfficerIn<Supervisor>,
) -> ApiResult<web::Json<OfficerList>> {
    Ok(web::Json(officers::list(&state, &officer).await?))
}

/// A supervisor deactivates an officer; their sessions end at once.
#[utoipa::path(post, path = "/v1/officer/officers/{officer_id}/deactivate", tag = "officer",
    operation_id = "deactivate_officer",
    security(("officer" = [])),
    params(("officer_id" = String, Path, description = "The officer")),
    responses(
        (status = 200, description = "Deactivated (also when it already was)", body = OfficerResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown officer", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`last_supervisor`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn deactivate_officer(
    state: web::Data<AppState>,
    officer: OfficerIn<Supervisor>,
    path: web::Path<String>,
) -> ApiResult<web::Json<OfficerResponse>> {
    Ok(web::Json(
        officers::deactivate(&state, &officer, &path).await?,
    ))
}

/// An officer starts enrolling a passkey with their one-time code.
#[utoipa::path(post, path = "/v1/officer/enrolments", tag = "officer", operation_id = "start_officer_enrolment",
    request_body = StartEnrolmentRequest,
    responses(
        (status = 201, description = "Create the passkey with these options", body = StartEnrolmentResponse),
        (status = 403, description = "`enrolment_code_invalid` (unknown, used or expired)", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn start_officer_enrolment(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<StartEnrolmentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&officers::start_enrolment(&state, body).await?))
}

/// Finish the enrolment: the passkey is stored, the code spent, and an officer session opens.
#[utoipa::path(post, path = "/v1/officer/enrolments/{enrolment_id}/complete", tag = "officer",
    operation_id = "complete_officer_enrolment",
    params(("enrolment_id" = String, Path, description = "From `start_officer_enrolment`")),
    request_body = CompleteEnrolmentRequest,
    responses(
        (status = 201, description = "Enrolled and signed in (`principal: officer`)", body = OfficerTokenResponse),
        (status = 400, description = "The passkey response fails verification", body = Problem, content_type = PROBLEM),
        (status = 403, description = "`enrolment_code_invalid`", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Unknown enrolment", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`registration_already_completed` or `credential_already_registered`", body = Problem, content_type = PROBLEM),
        (status = 410, description = "`registration_expired`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn complete_officer_enrolment(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CompleteEnrolmentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &officers::complete_enrolment(&state, &path, body).await?,
    ))
}
