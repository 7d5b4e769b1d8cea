use actix_web::{HttpRequest, HttpResponse, web};
use ehealth_contracts::{
    CardReadResponse, CompleteEnrolmentRequest, ConsentByAccessKeyRequest, ConsentEventsQuery,
    ConsentEventsResponse, ConsentRequestResponse, ConsentResponse, CreateConsentRequestRequest,
    CreateStaffRequest, CreateStaffResponse, DepositRecordRequest, ListHcpsQuery, ListHcpsResponse,
    PatientLookupRequest, PatientLookupResponse, Problem, RecordReadRequest, RecordReadResponse,
    RecordResponse, SmartCardConsentRequest, StaffResponse, StaffTokenResponse,
    StartEnrolmentRequest, StartEnrolmentResponse, SystemTokenRequest, SystemTokenResponse,
};

use super::operation::{Operation, operations};
use super::responses::{
    InvalidCursor, InvalidFields, NotSignedInAsStaff, NotVerifiedOrWithdrawn, TooManyAttempts,
};
use super::{PROBLEM, created};
use crate::domain::ids::PatientId;
use crate::error::ApiResult;
use crate::extract::principal::{HcpPrincipal, client_address};
use crate::extract::{ApiJson, HcpSystemSession, StaffSession};
use crate::services::consent::{access_key, feed, requests, smart_card};
use crate::services::{hcp, lookup, records, systems};
use crate::state::AppState;

/// This area's operations: `routes::configure` registers them, `openapi` documents them.
pub(super) const ROUTES: &[Operation] = operations! {
    list_hcps, create_staff, list_staff, deactivate_staff, start_staff_enrolment,
    complete_staff_enrolment, consent_by_access_key, list_consent_events, deposit_record,
    create_system_token, start_card_read, consent_by_smart_card, create_consent_request, lookup_patient,
    read_records, put_staff_push_token,
};

/// The public register of healthcare providers, no sign-in: by name (English or Chinese),
/// district and profession; paged.
#[utoipa::path(get, path = "/v1/hcps", tag = "hcp", operation_id = "list_hcps",
    params(ListHcpsQuery),
    responses(
        (status = 200, description = "Providers", body = ListHcpsResponse),
        InvalidCursor,
        (status = 422, description = "Unknown district or profession, or `limit` out of range", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_hcps(
    state: web::Data<AppState>,
    query: web::Query<ListHcpsQuery>,
) -> ApiResult<web::Json<ListHcpsResponse>> {
    Ok(web::Json(hcp::search(&state, query.into_inner()).await?))
}

/// A user administrator creates a staff account of their own HCP.
#[utoipa::path(post, path = "/v1/hcp/staff", tag = "hcp", operation_id = "create_staff",
    security(("staff" = [])),
    request_body = CreateStaffRequest,
    responses(
        (status = 201, description = "Created; give the enrolment code to the person", body = CreateStaffResponse),
        NotSignedInAsStaff,
        (status = 403, description = "`user_admin_required`", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (the 13 professions)", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_staff(
    state: web::Data<AppState>,
    who: StaffSession,
    ApiJson(body): ApiJson<CreateStaffRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&hcp::admin_create_staff(&state, &who, body).await?))
}

/// A user administrator lists their HCP's staff.
#[utoipa::path(get, path = "/v1/hcp/staff", tag = "hcp", operation_id = "list_staff",
    security(("staff" = [])),
    responses(
        (status = 200, description = "Staff", body = [StaffResponse]),
        NotSignedInAsStaff,
        (status = 403, description = "`user_admin_required`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_staff(
    state: web::Data<AppState>,
    who: StaffSession,
) -> ApiResult<web::Json<Vec<StaffResponse>>> {
    Ok(web::Json(hcp::list_staff(&state, &who).await?))
}

/// A user administrator deactivates a staff member of their HCP; their sessions end at once.
#[utoipa::path(post, path = "/v1/hcp/staff/{staff_id}/deactivate", tag = "hcp", operation_id = "deactivate_staff",
    security(("staff" = [])),
    params(("staff_id" = String, Path, description = "A staff member of your HCP")),
    responses(
        (status = 200, description = "Deactivated", body = StaffResponse),
        NotSignedInAsStaff,
        (status = 403, description = "`user_admin_required`", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Not staff of your HCP", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`staff_deactivated`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn deactivate_staff(
    state: web::Data<AppState>,
    who: StaffSession,
    path: web::Path<String>,
) -> ApiResult<web::Json<StaffResponse>> {
    Ok(web::Json(hcp::deactivate_staff(&state, &who, &path).await?))
}

/// A staff member starts enrolling a passkey with their one-time code.
#[utoipa::path(post, path = "/v1/staff/enrolments", tag = "hcp", operation_id = "start_staff_enrolment",
    request_body = StartEnrolmentRequest,
    responses(
        (status = 201, description = "Create the passkey with these options", body = StartEnrolmentResponse),
        (status = 403, description = "`enrolment_code_invalid` (unknown, used or expired)", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn start_staff_enrolment(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<StartEnrolmentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&hcp::start_enrolment(&state, body).await?))
}

/// Finish the enrolment: the passkey is stored, the code spent, and a staff session opens.
#[utoipa::path(post, path = "/v1/staff/enrolments/{enrolment_id}/complete", tag = "hcp",
    operation_id = "complete_staff_enrolment",
    params(("enrolment_id" = String, Path, description = "From `start_staff_enrolment`")),
    request_body = CompleteEnrolmentRequest,
    responses(
        (status = 201, description = "Enrolled and signed in", body = StaffTokenResponse),
        (status = 400, description = "The passkey response fails verification", body = Problem, content_type = PROBLEM),
        (status = 403, description = "`enrolment_code_invalid`", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Unknown enrolment", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`registration_already_completed` or `credential_already_registered`", body = Problem, content_type = PROBLEM),
        (status = 410, description = "`registration_expired`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn complete_staff_enrolment(
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CompleteEnrolmentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &hcp::complete_enrolment(&state, &path, body).await?,
    ))
}

/// At the counter: the patient's identity document and access key give your HCP an indefinite
/// consent (or return the one already active). Every fifth wrong key locks the key for 15
/// minutes; the twentieth since the last right one destroys it (the patient makes a new one).
#[utoipa::path(post, path = "/v1/hcp/consents/by-access-key", tag = "hcp", operation_id = "consent_by_access_key",
    security(("staff" = [])),
    request_body = ConsentByAccessKeyRequest,
    responses(
        (status = 201, description = "Consent active", body = ConsentResponse),
        NotSignedInAsStaff,
        (status = 403, description = "`access_key_invalid`, `access_key_locked`, `patient_not_verified` or `account_withdrawn`", body = Problem, content_type = PROBLEM),
        InvalidFields,
        TooManyAttempts,
    ))]
pub async fn consent_by_access_key(
    state: web::Data<AppState>,
    who: StaffSession,
    ApiJson(body): ApiJson<ConsentByAccessKeyRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &access_key::by_access_key(&state, &who, body).await?,
    ))
}

/// Your HCP's consent feed: every grant, renewal, revocation and expiry, gap-free, from a cursor.
#[utoipa::path(get, path = "/v1/hcp/consent-events", tag = "hcp", operation_id = "list_consent_events",
    security(("staff" = [])),
    params(ConsentEventsQuery),
    responses(
        (status = 200, description = "Events after the cursor, oldest first", body = ConsentEventsResponse),
        InvalidCursor,
        NotSignedInAsStaff,
        (status = 422, description = "`limit` out of range", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_consent_events(
    state: web::Data<AppState>,
    who: StaffSession,
    query: web::Query<ConsentEventsQuery>,
) -> ApiResult<web::Json<ConsentEventsResponse>> {
    Ok(web::Json(
        feed::feed(&state, &who, query.into_inner()).await?,
    ))
}

/// Deposit a record into a patient's eHR (joining consent: any participating HCP).
#[utoipa::path(post, path = "/v1/hcp/patients/{patient_id}/records", tag = "hcp", operation_id = "deposit_record",
    security(("staff" = []), ("system" = [])),
    params(("patient_id" = String, Path, description = "The patient")),
    request_body = DepositRecordRequest,
    responses(
        (status = 201, description = "Deposited", body = RecordResponse),
        (status = 401, description = "Not signed in as staff or an HCP system", body = Problem, content_type = PROBLEM),
        (status = 403, description = "`account_withdrawn`", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Unknown patient", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn deposit_record(
    state: web::Data<AppState>,
    who: HcpPrincipal,
    path: web::Path<PatientId>,
    ApiJson(body): ApiJson<DepositRecordRequest>,
) -> ApiResult<HttpResponse> {
    let who = match who {
        HcpPrincipal::Staff(s) => records::Depositor {
            hcp_id: s.hcp_id,
            by: format!("staff:{}", s.staff_id),
        },
        HcpPrincipal::System(s) => records::Depositor {
            hcp_id: s.hcp_id,
            by: format!("system:{}", s.system_id),
        },
    };
    Ok(created(&records::deposit(&state, &who, &path, body).await?))
}

/// Client-credentials grant for HCP systems: a bearer token (`syt_...`) valid one hour.
#[utoipa::path(post, path = "/v1/hcp/system-tokens", tag = "hcp", operation_id = "create_system_token",
    request_body = SystemTokenRequest,
    responses(
        (status = 201, description = "A token", body = SystemTokenResponse),
        (status = 400, description = "`unsupported_grant_type`", body = Problem, content_type = PROBLEM),
        (status = 401, description = "`invalid_client`", body = Problem, content_type = PROBLEM),
        InvalidFields,
        TooManyAttempts,
    ))]
pub async fn create_system_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<SystemTokenRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &systems::token(&state, body, &client_address(&req)).await?,
    ))
}

/// From an HCP system, when the patient inserts their smart identity card: a read id, usable
/// once within `expires_in` seconds to report the card. Ask for it when the card is inserted,
/// never before: a read cannot be reported again, so a replayed report gives no consent.
#[utoipa::path(post, path = "/v1/hcp/card-reads", tag = "hcp", operation_id = "start_card_read",
    security(("system" = [])),
    responses(
        (status = 201, description = "Read started", body = CardReadResponse),
        (status = 401, description = "Not an HCP system", body = Problem, content_type = PROBLEM),
        (status = 429, description = "Too many reads by this system", body = Problem, content_type = PROBLEM),
    ))]
pub async fn start_card_read(
    state: web::Data<AppState>,
    who: HcpSystemSession,
) -> ApiResult<HttpResponse> {
    Ok(created(&smart_card::start_card_read(&state, &who).await?))
}

/// From an HCP system: the patient's smart identity card was read at its reader (reported with
/// the read's id, once); the HCP gets an indefinite consent (or the one already active).
#[utoipa::path(post, path = "/v1/hcp/consents/by-smart-card", tag = "hcp", operation_id = "consent_by_smart_card",
    security(("system" = [])),
    request_body = SmartCardConsentRequest,
    responses(
        (status = 201, description = "Consent active", body = ConsentResponse),
        (status = 401, description = "Not an HCP system", body = Problem, content_type = PROBLEM),
        NotVerifiedOrWithdrawn,
        (status = 404, description = "The card's holder is not registered", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`card_read_used` (reported before) or `card_read_expired` (more than 120 seconds after it started)", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Not an HKID, `card_read_at` not within the last 5 minutes, or `card_read_id` not a read this system started", body = Problem, content_type = PROBLEM),
    ))]
pub async fn consent_by_smart_card(
    state: web::Data<AppState>,
    who: HcpSystemSession,
    ApiJson(body): ApiJson<SmartCardConsentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(
        &smart_card::by_smart_card(&state, &who, body).await?,
    ))
}

/// Ask a patient for sharing consent; they (or their SDMs) approve or decline in the app. At
/// most one request of the HCP to the patient is open: asking again answers the open one (200)
/// and notifies nobody again. Each staff member's requests are rate-limited.
#[utoipa::path(post, path = "/v1/hcp/consent-requests", tag = "hcp", operation_id = "create_consent_request",
    security(("staff" = [])),
    request_body = CreateConsentRequestRequest,
    responses(
        (status = 201, description = "Requested; the patient and their SDMs are notified", body = ConsentRequestResponse),
        (status = 200, description = "The HCP's request to this patient that is still open", body = ConsentRequestResponse),
        (status = 429, description = "Too many requests by this staff member", body = Problem, content_type = PROBLEM),
        NotSignedInAsStaff,
        NotVerifiedOrWithdrawn,
        (status = 404, description = "Unknown patient", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`consent_already_active`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn create_consent_request(
    state: web::Data<AppState>,
    who: StaffSession,
    ApiJson(body): ApiJson<CreateConsentRequestRequest>,
) -> ApiResult<HttpResponse> {
    let (request, new) = requests::request(&state, &who, body).await?;
    Ok(if new {
        created(&request)
    } else {
        HttpResponse::Ok().json(request)
    })
}

/// Find the patient at the counter by identity document.
#[utoipa::path(post, path = "/v1/hcp/patient-lookups", tag = "hcp", operation_id = "lookup_patient",
    security(("staff" = [])),
    request_body = PatientLookupRequest,
    responses(
        (status = 200, description = "The patient", body = PatientLookupResponse),
        NotSignedInAsStaff,
        (status = 404, description = "Not registered", body = Problem, content_type = PROBLEM),
        InvalidFields,
        (status = 429, description = "Too many lookups", body = Problem, content_type = PROBLEM),
    ))]
pub async fn lookup_patient(
    state: web::Data<AppState>,
    who: StaffSession,
    ApiJson(body): ApiJson<PatientLookupRequest>,
) -> ApiResult<web::Json<PatientLookupResponse>> {
    Ok(web::Json(lookup::lookup(&state, &who, body).await?))
}

/// Read a patient's record. Allowed only when the patient is verified and not withdrawn, your
/// HCP is public or holds a valid consent, your profession may read every category asked for,
/// and you state the patient is under your care and why. Every attempt is in the access log.
#[utoipa::path(post, path = "/v1/hcp/patients/{patient_id}/record-reads", tag = "hcp", operation_id = "read_records",
    security(("staff" = [])),
    params(("patient_id" = String, Path, description = "The patient")),
    request_body = RecordReadRequest,
    responses(
        (status = 200, description = "The records", body = RecordReadResponse),
        NotSignedInAsStaff,
        (status = 403, description = "Which condition failed: `patient_not_verified`, `patient_withdrawn`, `no_sharing_consent`, `category_not_permitted`, `care_relationship_required`, `purpose_required`", body = Problem, content_type = PROBLEM),
        (status = 404, description = "Unknown patient", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn read_records(
    state: web::Data<AppState>,
    who: StaffSession,
    path: web::Path<PatientId>,
    ApiJson(body): ApiJson<RecordReadRequest>,
) -> ApiResult<web::Json<RecordReadResponse>> {
    Ok(web::Json(records::read(&state, &who, &path, body).await?))
}

/// A staff app registers its FCM token (and the language of its notifications) for this
/// session; the HCP's consent events (`hcp_consent_event`) then reach it as pushes.
#[utoipa::path(put, path = "/v1/staff/me/push-token", tag = "hcp", operation_id = "put_staff_push_token",
    security(("staff" = [])),
    request_body = ehealth_contracts::PutPushTokenRequest,
    responses(
        (status = 200, description = "Stored", body = ehealth_contracts::StaffPushTokenResponse),
        NotSignedInAsStaff,
        InvalidFields,
    ))]
pub async fn put_staff_push_token(
    state: web::Data<AppState>,
    who: StaffSession,
    ApiJson(body): ApiJson<ehealth_contracts::PutPushTokenRequest>,
) -> ApiResult<web::Json<ehealth_contracts::StaffPushTokenResponse>> {
    Ok(web::Json(
        hcp::put_staff_push_token(&state, &who, body).await?,
    ))
}
