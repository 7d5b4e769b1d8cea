//! The office's side (`provider_review`): the queue of applications, supplement requests,
//! acceptance (which creates the provider, its locations and staff accounts and sends the two
//! emails) and rejection, and answers to technical-assistance requests.

use chrono::Days;
use ehealth_contracts::{
    ApplicationList, ApplicationResponse, ApplicationStatus, AssistanceMessage,
    AssistanceRequestList, AssistanceRequestResponse, ErrorCode, FieldCode, LocationsSection,
    ProviderSection, RejectApplicationRequest, RequestSupplementRequest, StaffRole, UsersSection,
};

use super::apply::location_row;
use super::view::{self, status};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::Officer;
use crate::mail::templates::{Item, SetupCode};
use crate::mail::{self, Mail};
use crate::services::hcp::pending_staff;
use crate::state::AppState;
use crate::store::applications::Application;
use crate::store::hcps::{HCP_ACCEPTED, Hcp, Location};
use crate::store::{self, DbConn};

/// Days from acceptance to a successful registration.
pub const REGISTRATION_DAYS: u64 = 14;

pub async fn list(
    state: &AppState,
    status: Option<ApplicationStatus>,
) -> ApiResult<ApplicationList> {
    let now = state.now_ms();
    state
        .db
        .run(move |c| {
            let rows = store::applications::list(c, status.map(|s| s.as_str()))?;
            let applications = rows
                .iter()
                .map(|a| view::response(c, a, now))
                .collect::<ApiResult<Vec<_>>>()?;
            Ok(ApplicationList { applications })
        })
        .await
}

/// An application that was submitted at least once, locked.
fn submitted(c: &mut DbConn, id: &str) -> ApiResult<Application> {
    store::applications::lock(c, id)?
        .filter(|a| a.submitted_at.is_some())
        .ok_or_else(ApiError::not_found)
}

pub async fn get(state: &AppState, id: &str) -> ApiResult<ApplicationResponse> {
    let (id, now) = (id.to_owned(), state.now_ms());
    state
        .db
        .transaction(move |c| {
            let a = submitted(c, &id)?;
            view::response(c, &a, now)
        })
        .await
}

/// The bytes of a supporting document: (content type, bytes, sha256).
pub async fn document(
    state: &AppState,
    id: &str,
    kind: &str,
) -> ApiResult<(String, Vec<u8>, String)> {
    let (id, kind) = (id.to_owned(), kind.to_owned());
    state
        .db
        .transaction(move |c| {
            submitted(c, &id)?;
            let d =
                store::applications::document(c, &id, &kind)?.ok_or_else(ApiError::not_found)?;
            Ok((d.content_type, d.content, d.sha256))
        })
        .await
}

/// The applicant's email address and language.
fn applicant_address(c: &mut DbConn, a: &Application) -> ApiResult<(String, String)> {
    let account = store::accounts::find(c, &a.applicant_id)?
        .ok_or_else(|| ApiError::internal("application without its applicant"))?;
    Ok((
        account.email.unwrap_or_default(),
        account.locale.unwrap_or_else(|| "en".to_owned()),
    ))
}

fn require_submitted(a: &Application) -> ApiResult<()> {
    if status(a)? == ApplicationStatus::Submitted {
        Ok(())
    } else {
        Err(ApiError::conflict(ErrorCode::ApplicationDecided))
    }
}

pub async fn request_supplement(
    state: &AppState,
    by: &Officer,
    id: &str,
    req: RequestSupplementRequest,
) -> ApiResult<ApplicationResponse> {
    // At least one item; at most 20 (each becomes a line of the email).
    if req.items.is_empty() || req.items.len() > 20 {
        let code = if req.items.is_empty() {
            FieldCode::Required
        } else {
            FieldCode::TooLong
        };
        return Err(ApiError::validation(vec![FieldError::new("items", code)]));
    }
    let mut items = req.items;
    for (i, item) in items.iter_mut().enumerate() {
        item.message = super::message(&item.message).map_err(|_| {
            ApiError::validation(vec![FieldError::new(
                format!("items[{i}].message"),
                FieldCode::InvalidFormat,
            )])
        })?;
    }
    let (id, actor, now) = (id.to_owned(), by.actor(), state.now_ms());
    state
        .db
        .transaction(move |c| {
            let mut a = submitted(c, &id)?;
            require_submitted(&a)?;
            a.status = ApplicationStatus::SupplementRequested.as_str().to_owned();
            a.supplement = Some(serde_json::to_string(&items).map_err(ApiError::internal)?);
            a.updated_at = now;
            store::applications::save(c, &a)?;
            let sections: Vec<&str> = items.iter().map(|i| i.section.as_str()).collect();
            store::applications::add_event(
                c,
                &a.id,
                &actor,
                "supplement_requested",
                Some(sections.join(",")),
                now,
            )?;
            let (to, lang) = applicant_address(c, &a)?;
            let mail_items = items
                .iter()
                .map(|i| Item {
                    section: i.section.as_str().to_owned(),
                    message: i.message.clone(),
                })
                .collect();
            let reference = a.reference.clone().unwrap_or_default();
            mail::queue(
                c,
                &to,
                &lang,
                &Mail::SupplementRequested {
                    reference,
                    items: mail_items,
                },
                now,
            )?;
            view::response(c, &a, now)
        })
        .await
}

pub async fn reject(
    state: &AppState,
    by: &Officer,
    id: &str,
    req: RejectApplicationRequest,
) -> ApiResult<ApplicationResponse> {
    let reason = super::message(&req.reason)
        .map_err(|_| ApiError::validation(vec![FieldError::new("reason", FieldCode::Required)]))?;
    let (id, actor, now) = (id.to_owned(), by.actor(), state.now_ms());
    state
        .db
        .transaction(move |c| {
            let mut a = submitted(c, &id)?;
            require_submitted(&a)?;
            a.status = ApplicationStatus::Rejected.as_str().to_owned();
            a.updated_at = now;
            store::applications::save(c, &a)?;
            store::applications::add_event(
                c,
                &a.id,
                &actor,
                "rejected",
                Some(reason.clone()),
                now,
            )?;
            let (to, lang) = applicant_address(c, &a)?;
            let reference = a.reference.clone().unwrap_or_default();
            mail::queue(
                c,
                &to,
                &lang,
                &Mail::ApplicationRejected { reference, reason },
                now,
            )?;
            view::response(c, &a, now)
        })
        .await
}

/// Accepts: the provider (status `accepted`, `registered_on` 14 days on), its locations and
/// the staff accounts of step 2 are created; the acceptance and set-up emails go out.
pub async fn accept(state: &AppState, by: &Officer, id: &str) -> ApiResult<ApplicationResponse> {
    let today = state.clock.today_hk();
    let registered_on = today
        .checked_add_days(Days::new(REGISTRATION_DAYS))
        .unwrap_or(today)
        .format("%Y-%m-%d")
        .to_string();
    let (id, actor, now) = (id.to_owned(), by.actor(), state.now_ms());
    // The staff accounts (with their codes) are made from step 2 as read now; the transaction
    // checks that step 2 is still what they were made from.
    let read_id = id.clone();
    let seen = state
        .db
        .run(move |c| Ok(store::applications::find(c, &read_id)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let hcp_id = uuid::Uuid::now_v7().to_string();
    let staff = staff_accounts(state, &hcp_id, seen.users.as_deref())?;
    state
        .db
        .transaction(move |c| {
            let mut a = submitted(c, &id)?;
            require_submitted(&a)?;
            if a.users != seen.users {
                return Err(ApiError::conflict(ErrorCode::Conflict));
            }
            let (hcp, rows) = provider_rows(&a, &hcp_id, &registered_on, now)?;
            store::hcps::insert_hcp(c, &hcp, &rows)?;
            let accepted = a.reference.clone();
            store::hcp_requests::add_event(c, &hcp.id, &actor, "accepted", accepted, now)?;
            let mut codes = Vec::new();
            for (row, code) in staff {
                store::staff::insert_staff(c, &row)?;
                codes.push(code);
            }
            a.status = ApplicationStatus::Accepted.as_str().to_owned();
            a.hcp_id = Some(hcp_id);
            a.accepted_at = Some(now);
            a.registered_on = Some(registered_on.clone());
            a.updated_at = now;
            store::applications::save(c, &a)?;
            store::applications::add_event(
                c,
                &a.id,
                &actor,
                "accepted",
                Some(registered_on.clone()),
                now,
            )?;
            let (to, lang) = applicant_address(c, &a)?;
            let reference = a.reference.clone().unwrap_or_default();
            mail::queue(
                c,
                &to,
                &lang,
                &Mail::ApplicationAccepted {
                    reference: reference.clone(),
                    provider: hcp.name_en,
                    registered_on,
                },
                now,
            )?;
            mail::queue(
                c,
                &to,
                &lang,
                &Mail::SetupCodes {
                    reference,
                    accounts: codes,
                },
                now,
            )?;
            view::response(c, &a, now)
        })
        .await
}

/// The staff accounts of step 2 (user administrators first), each with its set-up code.
fn staff_accounts(
    state: &AppState,
    hcp_id: &str,
    users: Option<&str>,
) -> ApiResult<Vec<(store::staff::Staff, SetupCode)>> {
    let Some(users) = view::section::<UsersSection>(users)? else {
        return Ok(Vec::new());
    };
    let everyone = users
        .user_admins
        .iter()
        .map(|s| (s, &[StaffRole::UserAdmin][..]))
        .chain(users.staff.iter().map(|s| (s, &[][..])));
    Ok(everyone
        .map(|(entry, roles)| {
            let (row, code) = pending_staff(
                state,
                hcp_id,
                entry.name_en.clone(),
                entry.profession,
                entry.registration_number.clone(),
                roles,
            );
            let name = entry.name_en.clone();
            (row, SetupCode { name, code })
        })
        .collect())
}

/// The provider (accepted, registered on `registered_on`) and its locations from steps 1 and 3.
fn provider_rows(
    a: &Application,
    hcp_id: &str,
    registered_on: &str,
    now: i64,
) -> ApiResult<(Hcp, Vec<Location>)> {
    let provider: ProviderSection = view::section(a.provider.as_deref())?
        .ok_or_else(|| ApiError::internal("submitted without step 1"))?;
    let locations: LocationsSection = view::section(a.locations.as_deref())?
        .ok_or_else(|| ApiError::internal("submitted without step 3"))?;
    let hcp = Hcp {
        id: hcp_id.to_owned(),
        name_en: provider.name_en,
        name_zh: provider.name_zh,
        sector: "private".to_owned(),
        feed_seq: 0,
        created_at: now,
        status: HCP_ACCEPTED.to_owned(),
        registered_on: Some(registered_on.to_owned()),
        hcp_type: Some(provider.hcp_type.as_str().to_owned()),
        email: Some(provider.email),
        phone: Some(provider.phone),
        address_en: Some(provider.address_en),
        address_zh: provider.address_zh,
    };
    let rows = locations
        .locations
        .iter()
        .map(|l| location_row(hcp_id, uuid::Uuid::now_v7().to_string(), l))
        .collect();
    Ok((hcp, rows))
}

pub async fn assistance_requests(state: &AppState) -> ApiResult<AssistanceRequestList> {
    state
        .db
        .run(|c| {
            let rows = store::applications::assistance_requests(c)?;
            let mut requests = Vec::with_capacity(rows.len());
            for r in rows {
                let reference =
                    store::applications::find(c, &r.application_id)?.and_then(|a| a.reference);
                requests.push(super::assistance_response(&r, reference));
            }
            Ok(AssistanceRequestList { requests })
        })
        .await
}

pub async fn answer_assistance(
    state: &AppState,
    by: &Officer,
    request_id: &str,
    req: AssistanceMessage,
) -> ApiResult<AssistanceRequestResponse> {
    let message = super::message(&req.message)?;
    let (id, actor, now) = (request_id.to_owned(), by.actor(), state.now_ms());
    state
        .db
        .transaction(move |c| {
            let r =
                store::applications::find_assistance(c, &id)?.ok_or_else(ApiError::not_found)?;
            if !store::applications::answer_assistance(c, &id, &message, &actor, now)? {
                return Err(ApiError::conflict(ErrorCode::Conflict));
            }
            let a =
                store::applications::find(c, &r.application_id)?.ok_or_else(ApiError::not_found)?;
            store::applications::add_event(c, &a.id, &actor, "assistance_answered", None, now)?;
            let (to, lang) = applicant_address(c, &a)?;
            let reference = a.reference.clone().unwrap_or_default();
            mail::queue(
                c,
                &to,
                &lang,
                &Mail::AssistanceAnswered { reference, message },
                now,
            )?;
            let r =
                store::applications::find_assistance(c, &id)?.ok_or_else(ApiError::not_found)?;
            Ok(super::assistance_response(&r, a.reference))
        })
        .await
}
