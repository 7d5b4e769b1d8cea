//! Staff accounts of a healthcare provider: created by the registration office or the HCP's
//! user administrator, listed and deactivated by the latter; a staff app's push token.

use ehealth_contracts::{
    CreateStaffRequest, CreateStaffResponse, ErrorCode, Profession, StaffResponse, StaffRole,
};
use uuid::Uuid;

use super::enrolment::{ENROLMENT_TTL_MS, code_hash, enrolment_code};
use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::StaffSession;
use crate::services::checks::checked_push_token;
use crate::services::checks::text;
use crate::state::AppState;
use crate::store;
use crate::store::hcps;
use crate::store::staff::{STAFF_PENDING, Staff};

/// A staff account of `hcp_id` waiting for its passkey, and its one-time enrolment code.
pub fn pending_staff(
    state: &AppState,
    hcp_id: &str,
    english_name: String,
    profession: Profession,
    registration_number: String,
    roles: &[StaffRole],
) -> (Staff, String) {
    let code = enrolment_code();
    let now = state.now_ms();
    let mut roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    let staff = Staff {
        id: Uuid::now_v7().to_string(),
        hcp_id: hcp_id.to_owned(),
        english_name,
        profession: profession.as_str().to_owned(),
        registration_number,
        roles: roles.join(","),
        status: STAFF_PENDING.to_owned(),
        enrolment_code_hash: Some(code_hash(state, &code)),
        enrolment_expires_at: Some(now + ENROLMENT_TTL_MS),
        created_at: now,
        deactivated_at: None,
        login_staff_id: None,
    };
    (staff, code)
}

/// Creates a staff account of `hcp_id` waiting for its passkey. `roles` only from the office.
pub async fn create_staff(
    state: &AppState,
    by: &str,
    hcp_id: &str,
    req: CreateStaffRequest,
) -> ApiResult<CreateStaffResponse> {
    let mut errors = Vec::new();
    let name = text(&mut errors, &req.english_name, "english_name", 100);
    let number = text(
        &mut errors,
        &req.registration_number,
        "registration_number",
        30,
    );
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (staff, code) = pending_staff(state, hcp_id, name, req.profession, number, &req.roles);
    let (row, by) = (staff.clone(), by.to_owned());
    state
        .db
        .transaction(move |c| {
            hcps::find_hcp(c, &row.hcp_id)?.ok_or_else(ApiError::not_found)?;
            store::staff::insert_staff(c, &row)?;
            let detail = Some(row.id.clone());
            let at = row.created_at;
            Ok(store::hcp_requests::add_event(
                c,
                &row.hcp_id,
                &by,
                "staff_created",
                detail,
                at,
            )?)
        })
        .await?;
    tracing::info!(staff_id = %staff.id, hcp_id = %staff.hcp_id, "staff account created");
    Ok(CreateStaffResponse {
        staff_id: staff.id,
        enrolment_code: code,
        enrolment_expires_at: rfc3339_ms(staff.enrolment_expires_at.unwrap_or(staff.created_at)),
    })
}

/// A user administrator creates staff of their own HCP (no roles).
pub async fn admin_create_staff(
    state: &AppState,
    who: &StaffSession,
    mut req: CreateStaffRequest,
) -> ApiResult<CreateStaffResponse> {
    require_admin(who)?;
    req.roles.clear();
    create_staff(state, &who.staff_id, &who.hcp_id, req).await
}

pub fn require_admin(who: &StaffSession) -> ApiResult<()> {
    if who.roles.iter().any(|r| r == StaffRole::UserAdmin.as_str()) {
        Ok(())
    } else {
        Err(ApiError::forbidden(ErrorCode::UserAdminRequired))
    }
}

pub fn staff_response(s: Staff) -> ApiResult<StaffResponse> {
    Ok(StaffResponse {
        profession: Profession::parse(&s.profession)
            .ok_or_else(|| ApiError::internal("staff row has an unknown profession"))?,
        roles: s
            .roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| {
                StaffRole::parse(r)
                    .ok_or_else(|| ApiError::internal("staff row has an unknown role"))
            })
            .collect::<ApiResult<_>>()?,
        staff_id: s.id,
        hcp_id: s.hcp_id,
        english_name: s.english_name,
        registration_number: s.registration_number,
        status: s.status,
    })
}

pub async fn list_staff(state: &AppState, who: &StaffSession) -> ApiResult<Vec<StaffResponse>> {
    require_admin(who)?;
    let hcp = who.hcp_id.clone();
    state
        .db
        .run(move |c| Ok(store::staff::list_staff(c, &hcp)?))
        .await?
        .into_iter()
        .map(staff_response)
        .collect()
}

/// Deactivates a staff member of the administrator's own HCP; their sessions end at once.
pub async fn deactivate_staff(
    state: &AppState,
    who: &StaffSession,
    staff_id: &str,
) -> ApiResult<StaffResponse> {
    require_admin(who)?;
    let hcp = who.hcp_id.clone();
    let id = staff_id.to_owned();
    let now = state.now_ms();
    let staff = state
        .db
        .transaction(move |c| {
            let s = store::staff::find_staff(c, &id)?
                .filter(|s| s.hcp_id == hcp)
                .ok_or_else(ApiError::not_found)?;
            let admins = store::staff::active_admins(c, &s.hcp_id)?;
            if admins.iter().any(|a| a.id == s.id) && admins.len() <= 1 {
                return Err(ApiError::conflict(ErrorCode::LastUserAdmin));
            }
            if !store::staff::deactivate_staff(c, &s.id, now)? {
                return Err(ApiError::conflict(ErrorCode::StaffDeactivated));
            }
            store::staff::find_staff(c, &s.id)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    tracing::info!(%staff_id, "staff deactivated");
    staff_response(staff)
}

/// A staff app registers its push token for this session: the HCP's consent events reach it
/// while the session lasts and the staff member is active.
pub async fn put_staff_push_token(
    state: &AppState,
    who: &StaffSession,
    req: ehealth_contracts::PutPushTokenRequest,
) -> ApiResult<ehealth_contracts::StaffPushTokenResponse> {
    let token = checked_push_token(&req.token)?;
    let now = state.now_ms();
    let row = store::push::PushToken {
        device_id: store::push::staff_device(&who.session_id),
        token,
        platform: req.platform.as_str().to_owned(),
        locale: req.locale.as_str().to_owned(),
        updated_at: now,
    };
    let session = who.session_id.clone();
    state
        .db
        .transaction(move |c| Ok(store::push::put_staff_token(c, &session, &row)?))
        .await?;
    Ok(ehealth_contracts::StaffPushTokenResponse {
        session_id: who.session_id.clone(),
        platform: req.platform,
        locale: req.locale,
        updated_at: rfc3339_ms(now),
    })
}
