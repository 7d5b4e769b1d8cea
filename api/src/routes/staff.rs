//! One professional, several providers: enrolling under another provider with the passkey one
//! has, and switching the session between one's providers.

use actix_web::{HttpResponse, web};
use ehealth_contracts::{LinkEnrolmentRequest, Problem, StaffTokenResponse, SwitchHcpRequest};

use super::operation::{Operation, operations};
use super::responses::{InvalidFields, NotSignedInAsStaff};
use super::{PROBLEM, created};
use crate::error::ApiResult;
use crate::extract::{ApiJson, StaffSession};
use crate::services::hcp;
use crate::state::AppState;

pub(super) const ROUTES: &[Operation] = operations! { link_staff_enrolment, switch_staff_hcp };

/// Enrol a new provider's account with the passkey of your account at another provider (same
/// profession and registration number): sign in to a fresh challenge and send the new code.
#[utoipa::path(post, path = "/v1/staff/enrolments/link", tag = "hcp", operation_id = "link_staff_enrolment",
    request_body = LinkEnrolmentRequest,
    responses(
        (status = 201, description = "Enrolled and signed in for the new provider; `memberships` lists both", body = StaffTokenResponse),
        (status = 400, description = "`challenge_invalid`", body = Problem, content_type = PROBLEM),
        (status = 401, description = "The assertion fails verification (`unknown_credential`, ...)", body = Problem, content_type = PROBLEM),
        (status = 403, description = "`enrolment_code_invalid`, `not_same_professional` or `staff_deactivated`", body = Problem, content_type = PROBLEM),
        (status = 409, description = "`credential_already_registered`: you already have an account at that provider", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn link_staff_enrolment(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<LinkEnrolmentRequest>,
) -> ApiResult<HttpResponse> {
    Ok(created(&hcp::link_enrolment(&state, body).await?))
}

/// Act for another of your providers: new tokens for that account; this session ends.
#[utoipa::path(post, path = "/v1/staff/me/hcp", tag = "hcp", operation_id = "switch_staff_hcp",
    security(("staff" = [])),
    request_body = SwitchHcpRequest,
    responses(
        (status = 200, description = "Tokens for the other provider", body = StaffTokenResponse),
        NotSignedInAsStaff,
        (status = 404, description = "Not one of your providers", body = Problem, content_type = PROBLEM),
        InvalidFields,
    ))]
pub async fn switch_staff_hcp(
    state: web::Data<AppState>,
    who: StaffSession,
    ApiJson(body): ApiJson<SwitchHcpRequest>,
) -> ApiResult<web::Json<StaffTokenResponse>> {
    Ok(web::Json(hcp::switch_hcp(&state, &who, body).await?))
}
