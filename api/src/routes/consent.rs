use actix_web::{HttpResponse, web};
use ehealth_contracts::{
    AccessKeyResponse, AccessLogResponse, ConsentRequestResponse, ConsentResponse,
    CreateConsentRequest, ListConsentRequestsResponse, ListConsentsResponse, ListRecordsResponse,
    Problem, VerifyAccessLogQuery, VerifyAccessLogResponse, WithdrawResponse,
};

use super::operation::{Operation, operations};
use super::responses::{NotSignedIn, NotVerifiedOrWithdrawn, NotYourPatient};
use super::{PROBLEM, created};
use crate::domain::ids::PatientId;
use crate::error::ApiResult;
use crate::extract::{ApiJson, PatientSession};
use crate::services::consent::{access_key, grant, requests};
use crate::services::{access_log, account, records};
use crate::state::AppState;

type PatientPath = web::Path<PatientId>;
type ConsentPath = web::Path<(PatientId, String)>;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    create_consent, list_consents, revoke_consent, renew_consent, create_access_key,
    list_records, list_access_log, verify_access_log, withdraw_patient, list_consent_requests,
    approve_consent_request, decline_consent_request,
};

/// Give a registered HCP sharing consent, also before the visit (pre-grant). Consents are
/// indefinite (valid until revoked): `type: one_year` is 422 `one_year_consent_discontinued`.
/// A legacy one-year consent to that HCP that is still valid becomes indefinite (the HCP's
/// feed says `renewed`).
#[utoipa::path(post, path = "/v1/patients/{patient_id}/consents", tag = "consent", operation_id = "create_consent",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    request_body = CreateConsentRequest,
    responses(
        (status = 201, description = "Consent active (or the one already active)", body = ConsentResponse),
        NotSignedIn,
        (status = 403, description = "`patient_not_verified`, `account_withdrawn` or `sdm_authority_ended`", body = Problem, content_type = PROBLEM),
        NotYourPatient,
        (status = 422, description = "Unknown `hcp_id`, invalid fields, or `one_year_consent_discontinued`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_consent(
    state: web::Data<AppState>,
    who: PatientSession,
    path: PatientPath,
    ApiJson(body): ApiJson<CreateConsentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&grant::create(&state, &who, &path, body).await?))
}

/// Every consent given, newest first (one-year consents past their day read `expired`).
#[utoipa::path(get, path = "/v1/patients/{patient_id}/consents", tag = "consent", operation_id = "list_consents",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 200, description = "Consents", body = ListConsentsResponse),
        NotSignedIn,
        NotYourPatient,
    ))]
pub async fn list_consents(
    state: web::Data<AppState>,
    who: PatientSession,
    path: PatientPath,
) -> ApiResult<web::Json<ListConsentsResponse>> {
    Ok(web::Json(grant::list(&state, &who, &path).await?))
}

/// Revoke a consent: the HCP's next read is refused.
#[utoipa::path(delete, path = "/v1/patients/{patient_id}/consents/{consent_id}", tag = "consent", operation_id = "revoke_consent",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant"), ("consent_id" = String, Path, description = "The consent")),
    responses(
        (status = 200, description = "Revoked", body = ConsentResponse),
        NotSignedIn,
        (status = 404, description = "Not a consent you may revoke", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`consent_not_active`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn revoke_consent(
    state: web::Data<AppState>,
    who: PatientSession,
    path: ConsentPath,
) -> ApiResult<web::Json<ConsentResponse>> {
    let (patient, id) = path.into_inner();
    Ok(web::Json(grant::revoke(&state, &who, &patient, &id).await?))
}

/// Renew a legacy one-year consent: since 2025 it becomes indefinite (valid until revoked).
#[utoipa::path(post, path = "/v1/patients/{patient_id}/consents/{consent_id}/renew", tag = "consent", operation_id = "renew_consent",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant"), ("consent_id" = String, Path, description = "The consent")),
    responses(
        (status = 200, description = "Renewed", body = ConsentResponse),
        NotSignedIn,
        (status = 404, description = "Not a consent you may renew", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`consent_not_renewable` (indefinite) or `consent_not_active`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn renew_consent(
    state: web::Data<AppState>,
    who: PatientSession,
    path: ConsentPath,
) -> ApiResult<web::Json<ConsentResponse>> {
    let (patient, id) = path.into_inner();
    Ok(web::Json(grant::renew(&state, &who, &patient, &id).await?))
}

/// A new 8-digit access key, shown once; the previous one stops working at once.
#[utoipa::path(post, path = "/v1/patients/{patient_id}/access-key", tag = "consent", operation_id = "create_access_key",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 201, description = "The key", body = AccessKeyResponse),
        NotSignedIn,
        NotVerifiedOrWithdrawn,
        NotYourPatient,
    ))]
pub async fn create_access_key(
    state: web::Data<AppState>,
    who: PatientSession,
    path: PatientPath,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &access_key::new_access_key(&state, &who, &path).await?,
    ))
}

/// The records in your eHR, newest first.
#[utoipa::path(get, path = "/v1/patients/{patient_id}/records", tag = "consent", operation_id = "list_records",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 200, description = "Records", body = ListRecordsResponse),
        NotSignedIn,
        NotYourPatient,
    ))]
pub async fn list_records(
    state: web::Data<AppState>,
    who: PatientSession,
    path: PatientPath,
) -> ApiResult<web::Json<ListRecordsResponse>> {
    Ok(web::Json(
        records::list_for_patient(&state, &who, &path).await?,
    ))
}

/// Every read of your record, allowed or refused, newest first.
#[utoipa::path(get, path = "/v1/patients/{patient_id}/access-log", tag = "consent", operation_id = "list_access_log",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 200, description = "The log", body = AccessLogResponse),
        NotSignedIn,
        NotYourPatient,
    ))]
pub async fn list_access_log(
    state: web::Data<AppState>,
    who: PatientSession,
    path: PatientPath,
) -> ApiResult<web::Json<AccessLogResponse>> {
    Ok(web::Json(access_log::list(&state, &who, &path).await?))
}

/// Check the access log's hash chain (keyed with a secret the database does not hold), and,
/// given a checkpoint the device synced earlier, that its entry is still there unchanged.
#[utoipa::path(get, path = "/v1/patients/{patient_id}/access-log/verify", tag = "consent", operation_id = "verify_access_log",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant"), VerifyAccessLogQuery),
    responses(
        (status = 200, description = "`intact`, or the first broken entry", body = VerifyAccessLogResponse),
        NotSignedIn,
        NotYourPatient,
        (status = 422, description = "A checkpoint needs both `seq` and `hash`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn verify_access_log(
    state: web::Data<AppState>,
    who: PatientSession,
    path: PatientPath,
    query: web::Query<VerifyAccessLogQuery>,
) -> ApiResult<web::Json<VerifyAccessLogResponse>> {
    Ok(web::Json(
        access_log::verify(&state, &who, &path, query.into_inner()).await?,
    ))
}

/// Withdraw from the system: every consent ends, reads are refused, the account closes;
/// records are kept.
#[utoipa::path(post, path = "/v1/patients/{patient_id}/withdraw", tag = "consent", operation_id = "withdraw_patient",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 200, description = "Withdrawn", body = WithdrawResponse),
        NotSignedIn,
        NotYourPatient,
        (status = 409, description = "`account_withdrawn`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn withdraw_patient(
    state: web::Data<AppState>,
    who: PatientSession,
    path: PatientPath,
) -> ApiResult<web::Json<WithdrawResponse>> {
    Ok(web::Json(
        account::withdraw::withdraw(&state, &who, &path).await?,
    ))
}

type RequestPath = web::Path<(PatientId, String)>;

/// Consent requests from HCPs, newest first.
#[utoipa::path(get, path = "/v1/patients/{patient_id}/consent-requests", tag = "consent", operation_id = "list_consent_requests",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant")),
    responses(
        (status = 200, description = "Requests", body = ListConsentRequestsResponse),
        NotSignedIn,
        NotYourPatient,
    ))]
pub async fn list_consent_requests(
    state: web::Data<AppState>,
    who: PatientSession,
    path: PatientPath,
) -> ApiResult<web::Json<ListConsentRequestsResponse>> {
    Ok(web::Json(
        requests::list_requests(&state, &who, &path).await?,
    ))
}

/// Approve an HCP's request: its HCP gets an indefinite consent.
#[utoipa::path(post, path = "/v1/patients/{patient_id}/consent-requests/{request_id}/approve", tag = "consent", operation_id = "approve_consent_request",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant"), ("request_id" = String, Path, description = "The request")),
    responses(
        (status = 200, description = "Approved; `consent_id` is the consent", body = ConsentRequestResponse),
        NotSignedIn,
        NotVerifiedOrWithdrawn,
        (status = 404, description = "Not a request you may decide", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`consent_request_decided`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn approve_consent_request(
    state: web::Data<AppState>,
    who: PatientSession,
    path: RequestPath,
) -> ApiResult<web::Json<ConsentRequestResponse>> {
    let (patient, id) = path.into_inner();
    Ok(web::Json(
        requests::decide(&state, &who, &patient, &id, true).await?,
    ))
}

/// Decline an HCP's request.
#[utoipa::path(post, path = "/v1/patients/{patient_id}/consent-requests/{request_id}/decline", tag = "consent", operation_id = "decline_consent_request",
    security(("bearer" = [])),
    params(("patient_id" = String, Path, description = "Yourself or your dependant"), ("request_id" = String, Path, description = "The request")),
    responses(
        (status = 200, description = "Declined", body = ConsentRequestResponse),
        NotSignedIn,
        (status = 404, description = "Not a request you may decide", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`consent_request_decided`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn decline_consent_request(
    state: web::Data<AppState>,
    who: PatientSession,
    path: RequestPath,
) -> ApiResult<web::Json<ConsentRequestResponse>> {
    let (patient, id) = path.into_inner();
    Ok(web::Json(
        requests::decide(&state, &who, &patient, &id, false).await?,
    ))
}
