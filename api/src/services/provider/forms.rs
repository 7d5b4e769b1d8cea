//! The forms a provider's user administrator files after acceptance (an additional service
//! location; amendments of user administrators, locations and the provider's particulars),
//! the office's decision, and applying an approved form in one transaction. A provider never
//! loses its last active user administrator or its last location.

use ehealth_contracts::{
    AmendmentRequest, ApplicationEvent, ErrorCode, FieldCode, HcpHistoryResponse, HcpRequestKind,
    HcpRequestList, HcpRequestResponse, HcpRequestStatus, LocationEntry, LocationsSection,
    StaffRole,
};

use super::sections;
use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Officer, StaffSession};
use crate::mail::templates::SetupCode;
use crate::services::hcp::{pending_staff, require_admin};
use crate::state::AppState;
use crate::store;
use crate::store::hcp_requests::{FORM_AMENDMENT, FORM_LOCATION, HcpRequest};

pub(super) fn bad(field: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, FieldCode::Required)])
}

/// A location entry checked as in the application's step 3.
fn checked_location(l: LocationEntry) -> ApiResult<LocationEntry> {
    let mut checked =
        sections::locations(LocationsSection { locations: vec![l] }).map_err(|e| {
            ApiError::validation(
                e.into_iter()
                    .map(|f| FieldError::new(f.field.replace("locations[0].", "location."), f.code))
                    .collect(),
            )
        })?;
    checked.locations.pop().ok_or_else(|| bad("location"))
}

/// Checks an amendment's fields for its kind.
fn checked_amendment(mut a: AmendmentRequest) -> ApiResult<AmendmentRequest> {
    match a.kind {
        HcpRequestKind::AddLocation => {
            return Err(ApiError::validation(vec![FieldError::new(
                "kind",
                FieldCode::InvalidValue,
            )]));
        }
        HcpRequestKind::AddUserAdmin | HcpRequestKind::ReplaceUserAdmin => {
            let admin = a.user_admin.take().ok_or_else(|| bad("user_admin"))?;
            let mut errors = Vec::new();
            let checked = sections::staff_entry(&mut errors, &admin, "user_admin");
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            a.user_admin = Some(checked);
            if a.kind == HcpRequestKind::ReplaceUserAdmin && a.replaces_staff_id.is_none() {
                return Err(bad("replaces_staff_id"));
            }
        }
        HcpRequestKind::AmendLocation => {
            a.location_id.as_ref().ok_or_else(|| bad("location_id"))?;
            a.location = Some(checked_location(
                a.location.take().ok_or_else(|| bad("location"))?,
            )?);
        }
        HcpRequestKind::RemoveLocation => {
            a.location_id.as_ref().ok_or_else(|| bad("location_id"))?;
        }
        HcpRequestKind::AmendProvider => {
            let p = a.provider.as_ref().ok_or_else(|| bad("provider"))?;
            let mut errors = Vec::new();
            for (field, value, max) in [
                ("provider.name_en", &p.name_en, 200),
                ("provider.name_zh", &p.name_zh, 100),
                ("provider.address_en", &p.address_en, 300),
                ("provider.address_zh", &p.address_zh, 200),
            ] {
                if let Some(v) = value {
                    crate::services::checks::text(&mut errors, v, field, max);
                }
            }
            if let Some(phone) = &p.phone
                && let Err(e) = crate::domain::person::phone(phone, "provider.phone")
            {
                errors.push(e);
            }
            if let Some(email) = &p.email
                && !matches!(
                    crate::domain::person::email(email, "provider.email"),
                    Ok(Some(_))
                )
            {
                errors.push(FieldError::new("provider.email", FieldCode::InvalidFormat));
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
        }
    }
    Ok(a)
}

/// Files a form for the user administrator's provider.
async fn file(
    state: &AppState,
    who: &StaffSession,
    form: &'static str,
    kind: HcpRequestKind,
    payload: serde_json::Value,
) -> ApiResult<HcpRequestResponse> {
    require_admin(who)?;
    let now = state.now_ms();
    let row = HcpRequest {
        id: uuid::Uuid::now_v7().to_string(),
        hcp_id: who.hcp_id.clone(),
        form: form.to_owned(),
        kind: kind.as_str().to_owned(),
        payload: payload.to_string(),
        status: HcpRequestStatus::Pending.as_str().to_owned(),
        filed_by: who.staff_id.clone(),
        filed_at: now,
        decided_by: None,
        decided_at: None,
        reason: None,
        result_id: None,
    };
    let stored = row.clone();
    state
        .db
        .transaction(move |c| Ok(store::hcp_requests::insert(c, &stored)?))
        .await?;
    response(&row)
}

pub async fn file_location(
    state: &AppState,
    who: &StaffSession,
    req: LocationEntry,
) -> ApiResult<HcpRequestResponse> {
    let location = checked_location(req)?;
    let payload = serde_json::to_value(&location).map_err(ApiError::internal)?;
    file(
        state,
        who,
        FORM_LOCATION,
        HcpRequestKind::AddLocation,
        payload,
    )
    .await
}

pub async fn file_amendment(
    state: &AppState,
    who: &StaffSession,
    req: AmendmentRequest,
) -> ApiResult<HcpRequestResponse> {
    let checked = checked_amendment(req)?;
    let payload = serde_json::to_value(&checked).map_err(ApiError::internal)?;
    file(state, who, FORM_AMENDMENT, checked.kind, payload).await
}

/// The user administrator's own provider's forms.
pub async fn own(state: &AppState, who: &StaffSession) -> ApiResult<HcpRequestList> {
    require_admin(who)?;
    let hcp = who.hcp_id.clone();
    let rows = state
        .db
        .run(move |c| Ok(store::hcp_requests::of_hcp(c, &hcp)?))
        .await?;
    Ok(HcpRequestList {
        requests: rows.iter().map(response).collect::<ApiResult<_>>()?,
    })
}

pub async fn history(state: &AppState, who: &StaffSession) -> ApiResult<HcpHistoryResponse> {
    require_admin(who)?;
    let hcp = who.hcp_id.clone();
    let rows = state
        .db
        .run(move |c| Ok(store::hcp_requests::events_of(c, &hcp)?))
        .await?;
    Ok(HcpHistoryResponse {
        events: rows
            .into_iter()
            .map(|e| ApplicationEvent {
                at: rfc3339_ms(e.at),
                actor: e.actor,
                kind: e.kind,
                detail: e.detail,
            })
            .collect(),
    })
}

pub async fn list(
    state: &AppState,
    form: &'static str,
    status: Option<HcpRequestStatus>,
) -> ApiResult<HcpRequestList> {
    let rows = state
        .db
        .run(move |c| {
            Ok(store::hcp_requests::list(
                c,
                form,
                status.map(|s| s.as_str()),
            )?)
        })
        .await?;
    Ok(HcpRequestList {
        requests: rows.iter().map(response).collect::<ApiResult<_>>()?,
    })
}

/// Approves (and applies) or rejects a pending form of `form`.
pub async fn decide(
    state: &AppState,
    by: &Officer,
    form: &'static str,
    id: &str,
    approve: bool,
    reason: Option<String>,
) -> ApiResult<HcpRequestResponse> {
    let reason = reason
        .map(|r| crate::services::provider::message(&r))
        .transpose()?;
    if !approve && reason.is_none() {
        return Err(bad("reason"));
    }
    let (id, actor, now) = (id.to_owned(), by.actor(), state.now_ms());
    // A new user administrator's account (and code) is made before the transaction, which
    // uses it only if the form asks for one.
    let new_admin_id = uuid::Uuid::now_v7().to_string();
    let read_id = id.clone();
    let filed = state
        .db
        .run(move |c| Ok(store::hcp_requests::lock_pending(c, &read_id, form)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let amendment: Option<AmendmentRequest> = serde_json::from_str(&filed.payload).ok();
    let admin = amendment
        .as_ref()
        .and_then(|a| a.user_admin.clone())
        .map(|u| {
            let (mut staff, code) = pending_staff(
                state,
                &filed.hcp_id,
                u.name_en.clone(),
                u.profession,
                u.registration_number.clone(),
                &[StaffRole::UserAdmin],
            );
            staff.id = new_admin_id.clone();
            (
                staff,
                SetupCode {
                    name: u.name_en,
                    code,
                },
            )
        });
    state
        .db
        .transaction(move |c| {
            let mut r =
                store::hcp_requests::lock_pending(c, &id, form)?.ok_or_else(ApiError::not_found)?;
            if r.status != HcpRequestStatus::Pending.as_str() {
                return Err(ApiError::conflict(ErrorCode::RequestDecided));
            }
            if approve {
                r.result_id = super::apply::apply(c, &r, admin, &actor, now)?;
            }
            r.status = if approve {
                HcpRequestStatus::Approved
            } else {
                HcpRequestStatus::Rejected
            }
            .as_str()
            .to_owned();
            r.decided_by = Some(actor.clone());
            r.decided_at = Some(now);
            r.reason = reason;
            store::hcp_requests::save(c, &r)?;
            response(&r)
        })
        .await
}

fn response(r: &HcpRequest) -> ApiResult<HcpRequestResponse> {
    Ok(HcpRequestResponse {
        request_id: r.id.clone(),
        hcp_id: r.hcp_id.clone(),
        kind: HcpRequestKind::parse(&r.kind)
            .ok_or_else(|| ApiError::internal("unknown form kind"))?,
        status: HcpRequestStatus::parse(&r.status)
            .ok_or_else(|| ApiError::internal("unknown form status"))?,
        form: serde_json::from_str(&r.payload).map_err(ApiError::internal)?,
        filed_by: r.filed_by.clone(),
        filed_at: rfc3339_ms(r.filed_at),
        decided_by: r.decided_by.clone(),
        decided_at: r.decided_at.map(rfc3339_ms),
        reason: r.reason.clone(),
        result_id: r.result_id.clone(),
    })
}
