//! The forms a provider files after acceptance, and the office's decisions on them.

use actix_web::{HttpResponse, web};
use ehealth_contracts::{
    AmendmentRequest, HcpHistoryResponse, HcpRequestList, HcpRequestListQuery, HcpRequestResponse,
    LocationEntry, Problem, RejectApplicationRequest,
};

use super::operation::{Operation, operations};
use super::responses::{InvalidFields, NotOfficer, NotSignedInAsStaff, WrongOfficerRole};
use super::{PROBLEM, created};
use crate::error::ApiResult;
use crate::extract::office::ProviderReview;
use crate::extract::{ApiJson, OfficerIn, StaffSession};
use crate::services::provider::forms;
use crate::state::AppState;
use crate::store::hcp_requests::{FORM_AMENDMENT, FORM_LOCATION};

pub(super) const ROUTES: &[Operation] = operations! {
    create_location_request, create_amendment_request, list_hcp_requests, get_hcp_history,
    list_location_requests, approve_location_request, reject_location_request,
    list_amendment_requests, approve_amendment_request, reject_amendment_request,
};

/// The Additional Healthcare Service Location form (user administrator).
#[utoipa::path(post, path = "/v1/hcp/location-requests", tag = "hcp", operation_id = "create_location_request",
    security(("staff" = [])),
    request_body = LocationEntry,
    responses(
        (status = 201, description = "Filed; the office decides", body = HcpRequestResponse),
        NotSignedInAsStaff,
        (status = 403, description = "`user_admin_required`", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn create_location_request(
    state: web::Data<AppState>,
    who: StaffSession,
    ApiJson(body): ApiJson<LocationEntry>,
) -> ApiResult<HttpResponse> {
    Ok(created(&forms::file_location(&state, &who, body).await?))
}

/// The HCP/HSL Amendment Form (user administrator).
#[utoipa::path(post, path = "/v1/hcp/amendment-requests", tag = "hcp", operation_id = "create_amendment_request",
    security(("staff" = [])),
    request_body = AmendmentRequest,
    responses(
        (status = 201, description = "Filed; the office decides", body = HcpRequestResponse),
        NotSignedInAsStaff,
        (status = 403, description = "`user_admin_required`", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn create_amendment_request(
    state: web::Data<AppState>,
    who: StaffSession,
    ApiJson(body): ApiJson<AmendmentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&forms::file_amendment(&state, &who, body).await?))
}

/// Your provider's forms and their decisions (user administrator).
#[utoipa::path(get, path = "/v1/hcp/requests", tag = "hcp", operation_id = "list_hcp_requests",
    security(("staff" = [])),
    responses(
        (status = 200, description = "Forms, oldest first", body = HcpRequestList),
        NotSignedInAsStaff,
        (status = 403, description = "`user_admin_required`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn list_hcp_requests(
    state: web::Data<AppState>,
    who: StaffSession,
) -> ApiResult<web::Json<HcpRequestList>> {
    Ok(web::Json(forms::own(&state, &who).await?))
}

/// Your provider's history: every approved change (user administrator).
#[utoipa::path(get, path = "/v1/hcp/history", tag = "hcp", operation_id = "get_hcp_history",
    security(("staff" = [])),
    responses(
        (status = 200, description = "Events, oldest first", body = HcpHistoryResponse),
        NotSignedInAsStaff,
        (status = 403, description = "`user_admin_required`", body = Problem, content_type = PROBLEM),
    ))]
pub async fn get_hcp_history(
    state: web::Data<AppState>,
    who: StaffSession,
) -> ApiResult<web::Json<HcpHistoryResponse>> {
    Ok(web::Json(forms::history(&state, &who).await?))
}

macro_rules! office_routes {
    ($form:expr, $list:ident, $approve:ident, $reject:ident, $base:literal, $what:literal) => {
        #[doc = concat!("The office lists ", $what, " (`provider_review`).")]
        #[utoipa::path(get, path = $base, tag = "officer", operation_id = stringify!($list),
            security(("officer" = [])),
            params(HcpRequestListQuery),
            responses(
                (status = 200, description = "Forms, oldest first", body = HcpRequestList),
                NotOfficer,
                WrongOfficerRole,
                (status = 400, description = "An unknown `status`", body = Problem, content_type = PROBLEM),
            ))]
        pub async fn $list(
            state: web::Data<AppState>,
            _officer: OfficerIn<ProviderReview>,
            query: web::Query<HcpRequestListQuery>,
        ) -> ApiResult<web::Json<HcpRequestList>> {
            Ok(web::Json(forms::list(&state, $form, query.status).await?))
        }

        #[doc = concat!("Approve one of the ", $what, ": applied at once, in one transaction.")]
        #[utoipa::path(post, path = concat!($base, "/{request_id}/approve"), tag = "officer", operation_id = stringify!($approve),
            security(("officer" = [])),
            params(("request_id" = String, Path, description = "The form")),
            responses(
                (status = 200, description = "Approved and applied", body = HcpRequestResponse),
                NotOfficer,
                WrongOfficerRole,
                (status = 404, description = "Unknown form", body = Problem, content_type = PROBLEM),
                (status = 409, description = "`request_decided`, `last_location`", body = Problem, content_type = PROBLEM),
                (status = 422, description = "The form names a location or staff member the provider no longer has", body = Problem, content_type = PROBLEM),
            ))]
        pub async fn $approve(
            state: web::Data<AppState>,
            officer: OfficerIn<ProviderReview>,
            path: web::Path<String>,
        ) -> ApiResult<web::Json<HcpRequestResponse>> {
            Ok(web::Json(forms::decide(&state, &officer, $form, &path, true, None).await?))
        }

        #[doc = concat!("Reject one of the ", $what, ", with a reason.")]
        #[utoipa::path(post, path = concat!($base, "/{request_id}/reject"), tag = "officer", operation_id = stringify!($reject),
            security(("officer" = [])),
            params(("request_id" = String, Path, description = "The form")),
            request_body = RejectApplicationRequest,
            responses(
                (status = 200, description = "Rejected", body = HcpRequestResponse),
                NotOfficer,
                WrongOfficerRole,
                (status = 404, description = "Unknown form", body = Problem, content_type = PROBLEM),
                (status = 409, description = "`request_decided`", body = Problem, content_type = PROBLEM),
                InvalidFields,
            ))]
        pub async fn $reject(
            state: web::Data<AppState>,
            officer: OfficerIn<ProviderReview>,
            path: web::Path<String>,
            ApiJson(body): ApiJson<RejectApplicationRequest>,
        ) -> ApiResult<web::Json<HcpRequestResponse>> {
            Ok(web::Json(forms::decide(&state, &officer, $form, &path, false, Some(body.reason)).await?))
        }
    };
}

office_routes!(
    FORM_LOCATION,
    list_location_requests,
    approve_location_request,
    reject_location_request,
    "/v1/officer/location-requests",
    "additional-location forms"
);
office_routes!(
    FORM_AMENDMENT,
    list_amendment_requests,
    approve_amendment_request,
    reject_amendment_request,
    "/v1/officer/amendment-requests",
    "amendment forms"
);
