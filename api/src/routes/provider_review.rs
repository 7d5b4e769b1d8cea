//! The registration office reviews providers' applications (`provider_review`) and answers
//! technical-assistance requests.

use actix_web::{HttpResponse, web};
use ehealth_contracts::{
    ApplicationList, ApplicationListQuery, ApplicationResponse, AssistanceMessage,
    AssistanceRequestList, AssistanceRequestResponse, Problem, RejectApplicationRequest,
    RequestSupplementRequest,
};

use super::PROBLEM;
use super::operation::{Operation, operations};
use super::responses::{InvalidFields, NotOfficer, WrongOfficerRole};
use crate::error::ApiResult;
use crate::extract::office::ProviderReview;
use crate::extract::{ApiJson, OfficerIn};
use crate::services::provider::review;
use crate::state::AppState;

pub(super) const ROUTES: &[Operation] = operations! {
    list_provider_applications, get_provider_application, get_application_document,
    request_application_supplement, accept_application, reject_application,
    list_assistance_requests, answer_assistance_request,
};

/// Applications submitted to the office (drafts are the applicant's own), oldest first.
#[utoipa::path(get, path = "/v1/officer/provider-applications", tag = "officer",
    operation_id = "list_provider_applications",
    security(("officer" = [])),
    params(ApplicationListQuery),
    responses(
        (status = 200, description = "Applications", body = ApplicationList),
        NotOfficer,
        WrongOfficerRole,
        (status = 400, description = "An unknown `status`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_provider_applications(
    state: web::Data<AppState>,
    _officer: OfficerIn<ProviderReview>,
    query: web::Query<ApplicationListQuery>,
) -> ApiResult<web::Json<ApplicationList>> {
    Ok(web::Json(review::list(&state, query.status).await?))
}

/// One application with its full history.
#[utoipa::path(get, path = "/v1/officer/provider-applications/{application_id}", tag = "officer",
    operation_id = "get_provider_application",
    security(("officer" = [])),
    params(("application_id" = String, Path, description = "The application")),
    responses(
        (status = 200, description = "The application", body = ApplicationResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown application (or a draft)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn get_provider_application(
    state: web::Data<AppState>,
    _officer: OfficerIn<ProviderReview>,
    path: web::Path<String>,
) -> ApiResult<web::Json<ApplicationResponse>> {
    Ok(web::Json(review::get(&state, &path).await?))
}

/// Download a supporting document (never rendered in the office's browser session).
#[utoipa::path(get, path = "/v1/officer/provider-applications/{application_id}/documents/{kind}", tag = "officer",
    operation_id = "get_application_document",
    security(("officer" = [])),
    params(("application_id" = String, Path, description = "The application"),
        ("kind" = ehealth_contracts::SupportingDocument, Path, description = "Which document")),
    responses(
        (status = 200, description = "The document; `ETag` is its SHA-256", content_type = "application/octet-stream"),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "No such application or document", body = Problem, content_type = PROBLEM),
    ))]
pub async fn get_application_document(
    state: web::Data<AppState>,
    _officer: OfficerIn<ProviderReview>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, kind) = path.into_inner();
    let (content_type, bytes, sha256) = review::document(&state, &id, &kind).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("ETag", format!("\"{sha256}\"")))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Disposition", "attachment"))
        .body(bytes))
}

/// Ask the applicant to supplement named sections (emailed); they edit those and resubmit.
#[utoipa::path(post, path = "/v1/officer/provider-applications/{application_id}/request-supplement", tag = "officer",
    operation_id = "request_application_supplement",
    security(("officer" = [])),
    params(("application_id" = String, Path, description = "The application")),
    request_body = RequestSupplementRequest,
    responses(
        (status = 200, description = "`supplement_requested`", body = ApplicationResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown application", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`application_decided` (not waiting for the office)", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn request_application_supplement(
    state: web::Data<AppState>,
    officer: OfficerIn<ProviderReview>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<RequestSupplementRequest>,
) -> ApiResult<web::Json<ApplicationResponse>> {
    Ok(web::Json(
        review::request_supplement(&state, &officer, &path, body).await?,
    ))
}

/// Accept: the provider, its locations and staff accounts are created (`accepted`; registered
/// at 00:00 Hong Kong time 14 days on), and the acceptance and set-up emails go out.
#[utoipa::path(post, path = "/v1/officer/provider-applications/{application_id}/accept", tag = "officer",
    operation_id = "accept_application",
    security(("officer" = [])),
    params(("application_id" = String, Path, description = "The application")),
    responses(
        (status = 200, description = "Accepted", body = ApplicationResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown application", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`application_decided` (not waiting for the office), or `conflict` (step 2 changed meanwhile: try again)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn accept_application(
    state: web::Data<AppState>,
    officer: OfficerIn<ProviderReview>,
    path: web::Path<String>,
) -> ApiResult<web::Json<ApplicationResponse>> {
    Ok(web::Json(review::accept(&state, &officer, &path).await?))
}

/// Reject, with the reason the applicant is emailed.
#[utoipa::path(post, path = "/v1/officer/provider-applications/{application_id}/reject", tag = "officer",
    operation_id = "reject_application",
    security(("officer" = [])),
    params(("application_id" = String, Path, description = "The application")),
    request_body = RejectApplicationRequest,
    responses(
        (status = 200, description = "Rejected", body = ApplicationResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown application", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`application_decided`", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn reject_application(
    state: web::Data<AppState>,
    officer: OfficerIn<ProviderReview>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<RejectApplicationRequest>,
) -> ApiResult<web::Json<ApplicationResponse>> {
    Ok(web::Json(
        review::reject(&state, &officer, &path, body).await?,
    ))
}

/// Technical-assistance requests, unanswered first.
#[utoipa::path(get, path = "/v1/officer/assistance-requests", tag = "officer",
    operation_id = "list_assistance_requests",
    security(("officer" = [])),
    responses(
        (status = 200, description = "Requests", body = AssistanceRequestList),
        NotOfficer,
        WrongOfficerRole,
    ))]
pub async fn list_assistance_requests(
    state: web::Data<AppState>,
    _officer: OfficerIn<ProviderReview>,
) -> ApiResult<web::Json<AssistanceRequestList>> {
    Ok(web::Json(review::assistance_requests(&state).await?))
}

/// Answer a request (emailed to the applicant); once.
#[utoipa::path(post, path = "/v1/officer/assistance-requests/{request_id}/answer", tag = "officer",
    operation_id = "answer_assistance_request",
    security(("officer" = [])),
    params(("request_id" = String, Path, description = "The request")),
    request_body = AssistanceMessage,
    responses(
        (status = 200, description = "Answered", body = AssistanceRequestResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown request", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`conflict`: answered already", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn answer_assistance_request(
    state: web::Data<AppState>,
    officer: OfficerIn<ProviderReview>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<AssistanceMessage>,
) -> ApiResult<web::Json<AssistanceRequestResponse>> {
    Ok(web::Json(
        review::answer_assistance(&state, &officer, &path, body).await?,
    ))
}
