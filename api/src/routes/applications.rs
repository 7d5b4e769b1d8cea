//! A healthcare provider's application to join, as its applicant makes it: the account, the
//! five steps, submission, progress and technical assistance.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use ehealth_contracts::{
    ApplicantTokenResponse, ApplicationDocuments, ApplicationResponse, ApplicationReview,
    ApplicationSection, AssistanceMessage, AssistanceRequestResponse, CompleteEnrolmentRequest,
    ConfirmEmailRequest, CreateApplicantRequest, CreateApplicantResponse, DocumentBytes,
    LocationsSection, Problem, ProviderSection, UsersSection,
};

use super::family::read_limited;
use super::operation::{Operation, operations};
use super::responses::{InvalidFields, TooManyAttempts};
use super::{PROBLEM, created};
use crate::error::{ApiError, ApiResult};
use crate::extract::principal::client_address;
use crate::extract::{ApiJson, ApplicantSession};
use crate::services::family::documents::MAX_DOCUMENT_BYTES;
use crate::services::provider::{applicant, draft, sections};
use crate::state::AppState;

pub(super) const ROUTES: &[Operation] = operations! {
    create_applicant, complete_applicant, confirm_applicant_email, resend_applicant_email_code,
    create_application, get_application, put_application_provider, put_application_users,
    put_application_locations, put_application_document, list_application_documents,
    review_application, submit_application, withdraw_application, create_assistance_request,
};

/// Step 0: the HCP's authorised person creates an applicant account (then a passkey).
#[utoipa::path(post, path = "/v1/provider-applicants", tag = "provider-applications", operation_id = "create_applicant",
    request_body = CreateApplicantRequest,
    responses(
        (status = 201, description = "Create the passkey with these options", body = CreateApplicantResponse),
        InvalidFields,
        TooManyAttempts,
    ))]
pub async fn create_applicant(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<CreateApplicantRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &applicant::sign_up(&state, body, &client_address(&req)).await?,
    ))
}

/// Finish the passkey: the applicant is signed in and a confirmation code is emailed.
#[utoipa::path(post, path = "/v1/provider-applicants/{applicant_id}/complete", tag = "provider-applications",
    operation_id = "complete_applicant",
    params(("applicant_id" = String, Path, description = "From `create_applicant`")),
    request_body = CompleteEnrolmentRequest,
    responses(
        (status = 201, description = "Signed in (`principal: applicant`)", body = ApplicantTokenResponse),
        (status = 400, description = "The passkey response fails verification", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Unknown applicant", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`registration_already_completed` or `credential_already_registered`", body = Problem, content_type = PROBLEM),
        (status = 410, description = "`registration_expired`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn complete_applicant(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CompleteEnrolmentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&applicant::complete(&state, &path, body).await?))
}

/// Confirm the email address with the emailed code.
#[utoipa::path(post, path = "/v1/provider-applicants/me/email-confirmation", tag = "provider-applications",
    operation_id = "confirm_applicant_email",
    security(("applicant" = [])),
    request_body = ConfirmEmailRequest,
    responses(
        (status = 204, description = "Confirmed"),
        (status = 400, description = "`email_code_invalid`", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        InvalidFields,
        TooManyAttempts,
    ))]
pub async fn confirm_applicant_email(
    state: web::Data<AppState>,
    who: ApplicantSession,
    ApiJson(body): ApiJson<ConfirmEmailRequest>,
) -> ApiResult<HttpResponse> {
    applicant::confirm_email(&state, &who, body).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a new confirmation code (the previous one stops working).
#[utoipa::path(post, path = "/v1/provider-applicants/me/email-code", tag = "provider-applications",
    operation_id = "resend_applicant_email_code",
    security(("applicant" = [])),
    responses(
        (status = 202, description = "Sent (nothing is sent when the address is confirmed already)"),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        TooManyAttempts,
    ))]
pub async fn resend_applicant_email_code(
    state: web::Data<AppState>,
    who: ApplicantSession,
) -> ApiResult<HttpResponse> {
    applicant::resend_code(&state, &who).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Start an application (one open at a time; the email must be confirmed).
#[utoipa::path(post, path = "/v1/provider-applications", tag = "provider-applications", operation_id = "create_application",
    security(("applicant" = [])),
    responses(
        (status = 201, description = "A draft", body = ApplicationResponse),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        (status = 403, description = "`email_not_confirmed`", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`application_exists`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_application(
    state: web::Data<AppState>,
    who: ApplicantSession,
) -> ApiResult<HttpResponse> {
    Ok(created(&draft::create(&state, &who).await?))
}

/// The application's status and full history (every change, request and answer).
#[utoipa::path(get, path = "/v1/provider-applications/{application_id}", tag = "provider-applications",
    operation_id = "get_application",
    security(("applicant" = [])),
    params(("application_id" = String, Path, description = "Your application")),
    responses(
        (status = 200, description = "The application", body = ApplicationResponse),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not your application", body = Problem, content_type = PROBLEM),
    ))]
pub async fn get_application(
    state: web::Data<AppState>,
    who: ApplicantSession,
    path: web::Path<String>,
) -> ApiResult<web::Json<ApplicationResponse>> {
    Ok(web::Json(draft::get(&state, &who, &path).await?))
}

macro_rules! section_route {
    ($name:ident, $path:literal, $body:ty, $section:ident, $check:path, $summary:literal) => {
        #[doc = $summary]
        #[utoipa::path(put, path = $path, tag = "provider-applications", operation_id = stringify!($name),
            security(("applicant" = [])),
            params(("application_id" = String, Path, description = "Your application")),
            request_body = $body,
            responses(
                (status = 200, description = "Saved", body = ApplicationResponse),
                (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
                (status = 404, description = "Not your application", body = Problem, content_type = PROBLEM),
                (status = 409, description = "`application_not_editable`", body = Problem, content_type = PROBLEM),
                InvalidFields,
            ))]
        pub async fn $name(
            state: web::Data<AppState>,
            who: ApplicantSession,
            path: web::Path<String>,
            ApiJson(body): ApiJson<$body>,
        ) -> ApiResult<web::Json<ApplicationResponse>> {
            let checked = $check(body).map_err(ApiError::validation)?;
            let section = draft::section(ApplicationSection::$section, &checked)?;
            Ok(web::Json(draft::save(&state, &who, &path, section).await?))
        }
    };
}

section_route!(
    put_application_provider,
    "/v1/provider-applications/{application_id}/provider",
    ProviderSection,
    Provider,
    sections::provider,
    "Step 1: Provide healthcare provider information."
);
section_route!(
    put_application_users,
    "/v1/provider-applications/{application_id}/users",
    UsersSection,
    Users,
    sections::users,
    "Step 2: Provide user information."
);
section_route!(
    put_application_locations,
    "/v1/provider-applications/{application_id}/locations",
    LocationsSection,
    Locations,
    sections::locations,
    "Step 3: Provide healthcare service location information."
);

/// Step 4: Upload supporting document (PDF, JPEG or PNG, checked by content, at most 10 MB).
#[utoipa::path(put, path = "/v1/provider-applications/{application_id}/documents/{kind}", tag = "provider-applications",
    operation_id = "put_application_document",
    security(("applicant" = [])),
    params(("application_id" = String, Path, description = "Your application"),
        ("kind" = ehealth_contracts::SupportingDocument, Path, description = "Which document")),
    request_body(description = "The document", content((DocumentBytes = "application/pdf"), (DocumentBytes = "image/jpeg"), (DocumentBytes = "image/png"))),
    responses(
        (status = 200, description = "Stored; what is still missing", body = ApplicationDocuments),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not your application, or no such kind", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`application_not_editable`", body = Problem, content_type = PROBLEM),
        (status = 413, description = "`document_too_large`", body = Problem, content_type = PROBLEM),
        (status = 415, description = "`unsupported_document_type`, `document_type_mismatch` or `document_not_accepted`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn put_application_document(
    state: web::Data<AppState>,
    who: ApplicantSession,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> ApiResult<web::Json<ApplicationDocuments>> {
    let (id, kind) = path.into_inner();
    let declared = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = read_limited(&req, payload, MAX_DOCUMENT_BYTES).await?;
    Ok(web::Json(
        draft::put_document(&state, &who, &id, &kind, declared, bytes).await?,
    ))
}

/// Which documents the provider's type requires, which are uploaded, which are missing.
#[utoipa::path(get, path = "/v1/provider-applications/{application_id}/documents", tag = "provider-applications",
    operation_id = "list_application_documents",
    security(("applicant" = [])),
    params(("application_id" = String, Path, description = "Your application")),
    responses(
        (status = 200, description = "Documents", body = ApplicationDocuments),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not your application", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_application_documents(
    state: web::Data<AppState>,
    who: ApplicantSession,
    path: web::Path<String>,
) -> ApiResult<web::Json<ApplicationDocuments>> {
    Ok(web::Json(draft::list_documents(&state, &who, &path).await?))
}

/// Step 5: Review and submit — everything, and what is incomplete.
#[utoipa::path(get, path = "/v1/provider-applications/{application_id}/review", tag = "provider-applications",
    operation_id = "review_application",
    security(("applicant" = [])),
    params(("application_id" = String, Path, description = "Your application")),
    responses(
        (status = 200, description = "The review", body = ApplicationReview),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not your application", body = Problem, content_type = PROBLEM),
    ))]
pub async fn review_application(
    state: web::Data<AppState>,
    who: ApplicantSession,
    path: web::Path<String>,
) -> ApiResult<web::Json<ApplicationReview>> {
    Ok(web::Json(draft::review(&state, &who, &path).await?))
}

/// Submit (or resubmit after a supplement): a reference number and an acknowledgement email.
#[utoipa::path(post, path = "/v1/provider-applications/{application_id}/submit", tag = "provider-applications",
    operation_id = "submit_application",
    security(("applicant" = [])),
    params(("application_id" = String, Path, description = "Your application")),
    responses(
        (status = 200, description = "Submitted", body = ApplicationResponse),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not your application", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`application_not_editable` (already submitted or decided)", body = Problem, content_type = PROBLEM),
        (status = 422, description = "`application_incomplete` (the fields name the sections)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn submit_application(
    state: web::Data<AppState>,
    who: ApplicantSession,
    path: web::Path<String>,
) -> ApiResult<web::Json<ApplicationResponse>> {
    Ok(web::Json(draft::submit(&state, &who, &path).await?))
}

/// Withdraw the application before a decision.
#[utoipa::path(post, path = "/v1/provider-applications/{application_id}/withdraw", tag = "provider-applications",
    operation_id = "withdraw_application",
    security(("applicant" = [])),
    params(("application_id" = String, Path, description = "Your application")),
    responses(
        (status = 200, description = "Withdrawn", body = ApplicationResponse),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not your application", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`application_decided`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn withdraw_application(
    state: web::Data<AppState>,
    who: ApplicantSession,
    path: web::Path<String>,
) -> ApiResult<web::Json<ApplicationResponse>> {
    Ok(web::Json(draft::withdraw(&state, &who, &path).await?))
}

/// Ask for technical assistance (within 14 days of the acceptance email).
#[utoipa::path(post, path = "/v1/provider-applications/{application_id}/assistance-requests", tag = "provider-applications",
    operation_id = "create_assistance_request",
    security(("applicant" = [])),
    params(("application_id" = String, Path, description = "Your application")),
    request_body = AssistanceMessage,
    responses(
        (status = 201, description = "Asked", body = AssistanceRequestResponse),
        (status = 401, description = "Not signed in as an applicant", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not your application", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`assistance_window_closed`", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn create_assistance_request(
    state: web::Data<AppState>,
    who: ApplicantSession,
    path: web::Path<String>,
    ApiJson(body): ApiJson<AssistanceMessage>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &draft::ask_assistance(&state, &who, &path, body).await?,
    ))
}
