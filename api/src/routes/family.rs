use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use ehealth_contracts::{
    ClaimAccountRequest, ClaimCodeResponse, CreateDependantRequest, CreateDependantResponse,
    CreateRegistrationResponse, DocumentBytes, ErrorCode, ListDependantsResponse,
    ListSdmActionsResponse, PatientResponse, Problem, SdmDocumentResponse, SdmLinkResponse,
};
use futures_util::StreamExt;

use super::operation::{Operation, operations};
use super::responses::{
    InvalidFields, MalformedJson, NotSignedIn, NotYourPatient, TooManyAttempts,
};
use super::{PROBLEM, created};
use crate::domain::ids::{LinkId, PatientId};
use crate::error::{ApiError, ApiResult};
use crate::extract::principal::client_address;
use crate::extract::{ApiJson, PatientSession};
use crate::services::family::documents::MAX_DOCUMENT_BYTES;
use crate::services::family::{claim, dependants, documents};
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    create_dependant, list_dependants, get_patient, end_sdm_link, put_sdm_document,
    approve_sdm_join, decline_sdm_join, list_sdm_actions, create_claim_code, claim_account,
};

/// Register a dependant (a child under 16, or a person of 16 or over who cannot consent), or
/// join as a further SDM of one already registered by proving their identity document and date
/// of birth. Registering a child, a parent, family member or person living with them is
/// `active` at once; other relationships, and every link on the `incapable` basis, are
/// `pending_review` until the registration office approves a document. A join never grants at
/// once: it is `pending_approval` (any SDM with authority approves or declines it, within 14
/// days) when the dependant is verified and has such an SDM, `pending_review` otherwise.
#[utoipa::path(post, path = "/v1/dependants", tag = "family", operation_id = "create_dependant",
    security(("bearer" = [])),
    request_body = CreateDependantRequest,
    responses(
        (status = 201, description = "Link created", body = CreateDependantResponse),
        MalformedJson,
        NotSignedIn,
        (status = 403, description = "`sdm_not_verified` or `sdm_not_eligible` (under 16)", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`identity_proof_mismatch` (registered with another date of birth) or `sdm_link_exists`", body = Problem, content_type = PROBLEM),
        (status = 422, description = "`validation_failed` (a relationship that cannot act on this basis is `not_eligible`), `incapable_of_consent_required` or `cannot_be_own_sdm`", body = Problem, content_type = PROBLEM),
        (status = 429, description = "Too many attempts for this identity document", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_dependant(
    state: web::Data<AppState>,
    who: PatientSession,
    ApiJson(body): ApiJson<CreateDependantRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&dependants::create(&state, &who, body).await?))
}

/// The caller's dependants, one entry per link (pending, active, rejected or ended), with
/// whether the link grants authority now.
#[utoipa::path(get, path = "/v1/dependants", tag = "family", operation_id = "list_dependants",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Dependants", body = ListDependantsResponse),
        NotSignedIn,
    ))]
pub async fn list_dependants(
    state: web::Data<AppState>,
    who: PatientSession,
) -> ApiResult<web::Json<ListDependantsResponse>> {
    Ok(web::Json(dependants::list(&state, &who).await?))
}

/// A patient the caller may act for (themselves, or as an active SDM), with their SDMs.
#[utoipa::path(get, path = "/v1/patients/{patient_id}", tag = "family", operation_id = "get_patient",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 200, description = "The patient", body = PatientResponse),
        NotSignedIn,
        (status = 403, description = "`sdm_authority_ended`: the child has turned 16", body = Problem, content_type = PROBLEM),
        NotYourPatient,
    ))]
pub async fn get_patient(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
) -> ApiResult<web::Json<PatientResponse>> {
    Ok(web::Json(
        dependants::get_patient(&state, &who, &path).await?,
    ))
}

/// End a link: step down from your own, or remove an SDM of lower priority (same basis).
#[utoipa::path(delete, path = "/v1/sdm-links/{link_id}", tag = "family", operation_id = "end_sdm_link",
    security(("bearer" = [])),
    params(("link_id" = String, Path, description = "The link")),
    responses(
        (status = 204, description = "Ended"),
        NotSignedIn,
        (status = 403, description = "`sdm_priority_insufficient`", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not a link you may end", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`sdm_link_closed`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn end_sdm_link(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<LinkId>,
) -> ApiResult<HttpResponse> {
    dependants::end_link(&state, &who, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Approve a join to your dependant that waits for an SDM (`pending_approval`): the link becomes
/// `active` and the person who asked is told.
#[utoipa::path(post, path = "/v1/sdm-links/{link_id}/approve", tag = "family",
    operation_id = "approve_sdm_join",
    security(("bearer" = [])),
    params(("link_id" = String, Path, description = "A join waiting for your approval")),
    responses(
        (status = 200, description = "Approved", body = SdmLinkResponse),
        NotSignedIn,
        (status = 404, description = "Not a join you may decide (only an SDM with authority over the dependant may)", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`sdm_link_not_pending`: decided, ended or expired", body = Problem, content_type = PROBLEM),
    ))]
pub async fn approve_sdm_join(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<LinkId>,
) -> ApiResult<web::Json<SdmLinkResponse>> {
    Ok(web::Json(
        dependants::decide(&state, &who, &path, true).await?,
    ))
}

/// Decline a join to your dependant that waits for an SDM: the link is `rejected` and the
/// person who asked is told.
#[utoipa::path(post, path = "/v1/sdm-links/{link_id}/decline", tag = "family",
    operation_id = "decline_sdm_join",
    security(("bearer" = [])),
    params(("link_id" = String, Path, description = "A join waiting for your approval")),
    responses(
        (status = 200, description = "Declined", body = SdmLinkResponse),
        NotSignedIn,
        (status = 404, description = "Not a join you may decide", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`sdm_link_not_pending`: decided, ended or expired", body = Problem, content_type = PROBLEM),
    ))]
pub async fn decline_sdm_join(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<LinkId>,
) -> ApiResult<web::Json<SdmLinkResponse>> {
    Ok(web::Json(
        dependants::decide(&state, &who, &path, false).await?,
    ))
}

/// Who acted for the patient as an SDM, through which link, what and when (newest first, at
/// most 500). For the patient's SDMs with authority, and for the patient themselves.
#[utoipa::path(get, path = "/v1/patients/{patient_id}/sdm-actions", tag = "family",
    operation_id = "list_sdm_actions",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 200, description = "Actions", body = ListSdmActionsResponse),
        NotSignedIn,
        (status = 403, description = "`sdm_authority_ended`: the child has turned 16", body = Problem, content_type = PROBLEM),
        NotYourPatient,
    ))]
pub async fn list_sdm_actions(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
) -> ApiResult<web::Json<ListSdmActionsResponse>> {
    Ok(web::Json(
        dependants::list_actions(&state, &who, &path).await?,
    ))
}

/// Upload (or replace) the supporting document of your pending link: the raw bytes of a PDF,
/// JPEG or PNG (checked by content), at most 10 MB.
#[utoipa::path(put, path = "/v1/sdm-links/{link_id}/document", tag = "family",
    operation_id = "put_sdm_document",
    security(("bearer" = [])),
    params(("link_id" = String, Path, description = "Your pending link")),
    request_body(description = "The document", content((DocumentBytes = "application/pdf"), (DocumentBytes = "image/jpeg"), (DocumentBytes = "image/png"))),
    responses(
        (status = 200, description = "Stored", body = SdmDocumentResponse),
        NotSignedIn,
        (status = 404, description = "Not your link", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`sdm_link_not_pending`", body = Problem, content_type = PROBLEM),
        (status = 413, description = "`document_too_large`", body = Problem, content_type = PROBLEM),
        (status = 415, description = "`unsupported_document_type`, `document_type_mismatch`, or `document_not_accepted` (a PDF with scripts, actions or embedded files; an image that does not decode)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn put_sdm_document(
    state: web::Data<AppState>,
    who: PatientSession,
    req: HttpRequest,
    path: web::Path<LinkId>,
    payload: web::Payload,
) -> ApiResult<web::Json<SdmDocumentResponse>> {
    let declared = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = read_limited(&req, payload, MAX_DOCUMENT_BYTES).await?;
    Ok(web::Json(
        documents::upload(&state, &who, &path, declared, bytes).await?,
    ))
}

/// Reads a raw body of at most `limit` bytes, refusing early on a larger `Content-Length`.
pub(super) async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> ApiResult<Vec<u8>> {
    let too_large = || ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::DocumentTooLarge);
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request(ErrorCode::BadRequest))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// As an SDM, get a one-time code with which the dependant claims their account; only in the
/// 30 days before their 16th birthday. A new code replaces the previous one.
#[utoipa::path(post, path = "/v1/patients/{patient_id}/claim-code", tag = "family",
    operation_id = "create_claim_code",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Your dependant")),
    responses(
        (status = 201, description = "The code, shown once", body = ClaimCodeResponse),
        NotSignedIn,
        (status = 403, description = "`sdm_authority_ended`", body = Problem, content_type = PROBLEM),
        NotYourPatient,
        (status = 409, description = "`claim_code_not_available` (outside the 30 days) or `already_claimed`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_claim_code(
    state: web::Data<AppState>,
    who: PatientSession,
    path: web::Path<PatientId>,
) -> ApiResult<HttpResponse> {
    Ok(created(&claim::sdm_code(&state, &who, &path).await?))
}

/// From the 16th birthday: claim the account your SDM kept with your identity document, date of
/// birth and claim code; finish with `complete_registration` and your new passkey. Your record,
/// diaries and consents stay as they are.
#[utoipa::path(post, path = "/v1/registrations/claim", tag = "registration",
    operation_id = "claim_account",
    request_body = ClaimAccountRequest,
    responses(
        (status = 201, description = "Claim started; create the passkey with these options, then complete the registration", body = CreateRegistrationResponse),
        MalformedJson,
        (status = 403, description = "`claim_invalid` (document, date of birth or code wrong) or `claim_too_early`", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`already_claimed`", body = Problem, content_type = PROBLEM),
        InvalidFields,
        TooManyAttempts,
    ))]
pub async fn claim_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<ClaimAccountRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &claim::start(&state, body, &client_address(&req)).await?,
    ))
}
