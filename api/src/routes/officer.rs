use actix_web::{HttpResponse, web};
use ehealth_contracts::{
    ClaimCodeResponse, CreateHcpRequest, CreateHcpSystemRequest, CreateStaffRequest,
    CreateStaffResponse, DocumentBytes, HcpResponse, HcpSystemCredentials, ListSdmLinksResponse,
    Problem, ReleaseIdentityRequest, ReleaseIdentityResponse, ReviewSdmLinkRequest,
    SdmLinkResponse, VerifyPatientRequest, VerifyPatientResponse,
};

use super::operation::{Operation, operations};
use super::responses::{InvalidFields, NotOfficer, WrongOfficerRole};
use super::{PROBLEM, created};
use crate::domain::ids::{LinkId, PatientId};
use crate::error::ApiResult;
use crate::extract::office::{ProviderReview, Registration};
use crate::extract::{ApiJson, ApiJsonOrEmpty, OfficerIn};
use crate::services::family::{claim, documents};
use crate::services::{hcp, officer, systems};
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    verify_registration, release_identity, list_pending_sdm_links, get_sdm_document, approve_sdm_link,
    reject_sdm_link, issue_claim_code, end_sdm_link_by_office, create_hcp,
    create_hcp_staff_by_office, create_hcp_system, revoke_hcp_system,
};

/// Registration office: record that a patient's identity was checked; they become `verified`.
#[utoipa::path(post, path = "/v1/officer/registrations/{patient_id}/verify", tag = "officer",
    operation_id = "verify_registration",
    security(("officer" = [])),
    params(("patient_id" = String, Path, description = "The patient")),
    request_body = VerifyPatientRequest,
    responses(
        (status = 200, description = "Verified", body = VerifyPatientResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown patient", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`already_verified` or `account_withdrawn`", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn verify_registration(
    state: web::Data<AppState>,
    officer: OfficerIn<Registration>,
    path: web::Path<PatientId>,
    ApiJson(body): ApiJson<VerifyPatientRequest>,
) -> ApiResult<web::Json<VerifyPatientResponse>> {
    Ok(web::Json(
        officer::verify(&state, &officer.actor(), &path, body).await?,
    ))
}

/// Registration office: a record it never verified, that nobody holds as their own account,
/// gives up its identity document (its open SDM links end, their holders are told, and it is
/// withdrawn), so the person the document names can register themselves. For an identity
/// registered wrongly, e.g. an adult's card registered as a "child".
#[utoipa::path(post, path = "/v1/officer/registrations/{patient_id}/release", tag = "officer",
    operation_id = "release_identity",
    security(("officer" = [])),
    params(("patient_id" = String, Path, description = "The record that holds the identity")),
    request_body = ReleaseIdentityRequest,
    responses(
        (status = 200, description = "Released", body = ReleaseIdentityResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown patient", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`already_verified`, `account_withdrawn` or `identity_has_account`", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn release_identity(
    state: web::Data<AppState>,
    officer: OfficerIn<Registration>,
    path: web::Path<PatientId>,
    ApiJson(body): ApiJson<ReleaseIdentityRequest>,
) -> ApiResult<web::Json<ReleaseIdentityResponse>> {
    Ok(web::Json(
        officer::release_identity(&state, &officer.actor(), &path, body).await?,
    ))
}

/// Registration office: links waiting for a decision (`pending_review`, and the joins waiting
/// for an SDM's approval, which the office may also decide), oldest first (at most 200).
#[utoipa::path(get, path = "/v1/officer/sdm-links", tag = "officer",
    operation_id = "list_pending_sdm_links",
    security(("officer" = [])),
    responses(
        (status = 200, description = "Pending links", body = ListSdmLinksResponse),
        NotOfficer,
        WrongOfficerRole,
    ))]
pub async fn list_pending_sdm_links(
    state: web::Data<AppState>,
    _officer: OfficerIn<Registration>,
) -> ApiResult<web::Json<ListSdmLinksResponse>> {
    Ok(web::Json(documents::pending(&state).await?))
}

/// Registration office: the supporting document of a link, as uploaded, as an attachment (never
/// shown inline); its `ETag` is the SHA-256 to approve it by.
#[utoipa::path(get, path = "/v1/officer/sdm-links/{link_id}/document", tag = "officer",
    operation_id = "get_sdm_document",
    security(("officer" = [])),
    params(("link_id" = String, Path, description = "The link")),
    responses(
        (status = 200, description = "The document", content((DocumentBytes = "application/pdf"), (DocumentBytes = "image/jpeg"), (DocumentBytes = "image/png"))),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "No document", body = Problem, content_type = PROBLEM),
    ))]
pub async fn get_sdm_document(
    state: web::Data<AppState>,
    _officer: OfficerIn<Registration>,
    path: web::Path<LinkId>,
) -> ApiResult<HttpResponse> {
    let (content_type, bytes, sha256) = documents::document(&state, &path).await?;
    let extension = match content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // The hash of exactly these bytes: send it back as `document_sha256` to approve them.
        .insert_header(("ETag", format!("\"{sha256}\"")))
        .insert_header(("Cache-Control", "no-store"))
        // Downloaded, never rendered in the office's browser session.
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"sdm-document-{}.{extension}\"",
                path.as_str()
            ),
        ))
        .body(bytes))
}

/// Registration office: approve a pending link whose document has been checked; it becomes
/// `active` and the SDM, the person and their other SDMs are notified. Give the document's
/// `sha256` as examined: a document replaced since is refused with `document_changed`.
#[utoipa::path(post, path = "/v1/officer/sdm-links/{link_id}/approve", tag = "officer",
    operation_id = "approve_sdm_link",
    security(("officer" = [])),
    params(("link_id" = String, Path, description = "The link")),
    request_body(content = ReviewSdmLinkRequest, description = "Optional reason and officer"),
    responses(
        (status = 200, description = "Approved", body = SdmLinkResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown link", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`sdm_link_not_pending`, `document_missing` or `document_changed`", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn approve_sdm_link(
    state: web::Data<AppState>,
    officer: OfficerIn<Registration>,
    path: web::Path<LinkId>,
    ApiJsonOrEmpty(body): ApiJsonOrEmpty<ReviewSdmLinkRequest>,
) -> ApiResult<web::Json<SdmLinkResponse>> {
    Ok(web::Json(
        documents::review(&state, &officer.actor(), &path, true, body).await?,
    ))
}

/// Registration office: reject a pending link with a reason the SDM is shown.
#[utoipa::path(post, path = "/v1/officer/sdm-links/{link_id}/reject", tag = "officer",
    operation_id = "reject_sdm_link",
    security(("officer" = [])),
    params(("link_id" = String, Path, description = "The link")),
    request_body = ReviewSdmLinkRequest,
    responses(
        (status = 200, description = "Rejected", body = SdmLinkResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown link", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`sdm_link_not_pending`", body = Problem, content_type = PROBLEM),
        (status = 422, description = "`reason` missing or invalid", body = Problem, content_type = PROBLEM),
    ))]
pub async fn reject_sdm_link(
    state: web::Data<AppState>,
    officer: OfficerIn<Registration>,
    path: web::Path<LinkId>,
    ApiJson(body): ApiJson<ReviewSdmLinkRequest>,
) -> ApiResult<web::Json<SdmLinkResponse>> {
    Ok(web::Json(
        documents::review(&state, &officer.actor(), &path, false, body).await?,
    ))
}

/// Registration office: issue a claim code for a young person from their 16th birthday on
/// (after an identity check at the counter). A new code replaces the previous one.
#[utoipa::path(post, path = "/v1/officer/patients/{patient_id}/claim-code", tag = "officer",
    operation_id = "issue_claim_code",
    security(("officer" = [])),
    params(("patient_id" = String, Path, description = "The young person")),
    responses(
        (status = 201, description = "The code, shown once", body = ClaimCodeResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown patient", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`claim_code_not_available` (before the 16th birthday) or `already_claimed`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn issue_claim_code(
    state: web::Data<AppState>,
    _officer: OfficerIn<Registration>,
    path: web::Path<PatientId>,
) -> ApiResult<HttpResponse> {
    Ok(super::created(&claim::officer_code(&state, &path).await?))
}

/// Registration office: end a link (pending or active) with a reason, e.g. to settle a dispute
/// between SDMs of equal priority; the SDM, the person and their other SDMs are told.
#[utoipa::path(post, path = "/v1/officer/sdm-links/{link_id}/end", tag = "officer",
    operation_id = "end_sdm_link_by_office",
    security(("officer" = [])),
    params(("link_id" = String, Path, description = "The link")),
    request_body = ReviewSdmLinkRequest,
    responses(
        (status = 200, description = "Ended (`ended_by_office`)", body = SdmLinkResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown link", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`sdm_link_closed`", body = Problem, content_type = PROBLEM),
        (status = 422, description = "`reason` missing or invalid", body = Problem, content_type = PROBLEM),
    ))]
pub async fn end_sdm_link_by_office(
    state: web::Data<AppState>,
    officer: OfficerIn<Registration>,
    path: web::Path<LinkId>,
    ApiJson(body): ApiJson<ReviewSdmLinkRequest>,
) -> ApiResult<web::Json<SdmLinkResponse>> {
    Ok(web::Json(
        documents::end_by_office(&state, &officer.actor(), &path, body).await?,
    ))
}

/// Registration office: register a healthcare provider with its service locations.
#[utoipa::path(post, path = "/v1/officer/hcps", tag = "officer", operation_id = "create_hcp",
    security(("officer" = [])),
    request_body = CreateHcpRequest,
    responses(
        (status = 201, description = "Registered", body = HcpResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 422, description = "Invalid fields (districts: the 18 districts)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_hcp(
    state: web::Data<AppState>,
    officer: OfficerIn<ProviderReview>,
    ApiJson(body): ApiJson<CreateHcpRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &hcp::create_hcp(&state, &officer.actor(), body).await?,
    ))
}

/// Registration office: create a staff account (e.g. the HCP's first user administrator).
#[utoipa::path(post, path = "/v1/officer/hcps/{hcp_id}/staff", tag = "officer",
    operation_id = "create_hcp_staff_by_office",
    security(("officer" = [])),
    params(("hcp_id" = String, Path, description = "The HCP")),
    request_body = CreateStaffRequest,
    responses(
        (status = 201, description = "Created; give the enrolment code to the person", body = CreateStaffResponse),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown HCP", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (the 13 professions)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_hcp_staff_by_office(
    state: web::Data<AppState>,
    officer: OfficerIn<ProviderReview>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CreateStaffRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &hcp::create_staff(&state, &officer.actor(), &path, body).await?,
    ))
}

/// Registration office: register a server-to-server client of an HCP (client credentials).
#[utoipa::path(post, path = "/v1/officer/hcps/{hcp_id}/systems", tag = "officer", operation_id = "create_hcp_system",
    security(("officer" = [])),
    params(("hcp_id" = String, Path, description = "The HCP")),
    request_body = CreateHcpSystemRequest,
    responses(
        (status = 201, description = "The credentials, shown once", body = HcpSystemCredentials),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown HCP", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn create_hcp_system(
    state: web::Data<AppState>,
    officer: OfficerIn<ProviderReview>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CreateHcpSystemRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &systems::create(&state, &officer.actor(), &path, body).await?,
    ))
}

/// Registration office: revoke an HCP system; its tokens stop working at once.
#[utoipa::path(post, path = "/v1/officer/hcps/{hcp_id}/systems/{client_id}/revoke", tag = "officer", operation_id = "revoke_hcp_system",
    security(("officer" = [])),
    params(("hcp_id" = String, Path, description = "The HCP"), ("client_id" = String, Path, description = "The system")),
    responses(
        (status = 204, description = "Revoked"),
        NotOfficer,
        WrongOfficerRole,
        (status = 404, description = "Unknown system", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`system_revoked`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn revoke_hcp_system(
    state: web::Data<AppState>,
    officer: OfficerIn<ProviderReview>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (hcp, id) = path.into_inner();
    systems::revoke(&state, &officer.actor(), &hcp, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
