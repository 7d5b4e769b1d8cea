//! Applying an approved form to the provider, inside the decision's transaction.

use ehealth_contracts::{AmendmentRequest, ErrorCode, FieldCode, HcpRequestKind, LocationEntry};

use super::forms::bad;
use super::sections;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::mail::templates::SetupCode;
use crate::mail::{self, Mail};
use crate::store::hcp_requests::HcpRequest;
use crate::store::hcps::Location;
use crate::store::{self, DbConn};

/// Applies an approved form; returns the id of what it created.
pub(super) fn apply(
    c: &mut DbConn,
    r: &HcpRequest,
    admin: Option<(store::staff::Staff, SetupCode)>,
    actor: &str,
    now: i64,
) -> ApiResult<Option<String>> {
    let mut hcp = store::hcps::find_hcp(c, &r.hcp_id)?.ok_or_else(ApiError::not_found)?;
    let kind =
        HcpRequestKind::parse(&r.kind).ok_or_else(|| ApiError::internal("unknown form kind"))?;
    let event = |c: &mut DbConn, detail: String| {
        store::hcp_requests::add_event(c, &r.hcp_id, actor, kind.as_str(), Some(detail), now)
    };
    match kind {
        HcpRequestKind::AddLocation => {
            let l: LocationEntry = serde_json::from_str(&r.payload).map_err(ApiError::internal)?;
            let row = location_row(&r.hcp_id, uuid::Uuid::now_v7().to_string(), &l);
            store::hcps::insert_location(c, &row)?;
            event(c, format!("{} ({})", l.name_en, row.id))?;
            Ok(Some(row.id))
        }
        HcpRequestKind::AddUserAdmin | HcpRequestKind::ReplaceUserAdmin => {
            let (staff, code) =
                admin.ok_or_else(|| ApiError::internal("form without its user administrator"))?;
            add_admin(c, r, &hcp, &staff, code, now)?;
            event(c, format!("{} ({})", staff.english_name, staff.id))?;
            Ok(Some(staff.id))
        }
        HcpRequestKind::AmendLocation => {
            let a: AmendmentRequest =
                serde_json::from_str(&r.payload).map_err(ApiError::internal)?;
            let (id, l) = a
                .location_id
                .zip(a.location)
                .ok_or_else(|| bad("location"))?;
            if !store::hcps::replace_location(c, &location_row(&r.hcp_id, id.clone(), &l))? {
                return Err(ApiError::validation(vec![FieldError::new(
                    "location_id",
                    FieldCode::NotFound,
                )]));
            }
            event(c, id.clone())?;
            Ok(Some(id))
        }
        HcpRequestKind::RemoveLocation => {
            let a: AmendmentRequest =
                serde_json::from_str(&r.payload).map_err(ApiError::internal)?;
            let id = a.location_id.ok_or_else(|| bad("location_id"))?;
            let locations = store::hcps::locations_of(c, std::slice::from_ref(&r.hcp_id))?;
            if !locations.iter().any(|l| l.id == id) {
                return Err(ApiError::validation(vec![FieldError::new(
                    "location_id",
                    FieldCode::NotFound,
                )]));
            }
            if locations.len() <= 1 {
                return Err(ApiError::conflict(ErrorCode::LastLocation));
            }
            store::hcps::remove_location(c, &r.hcp_id, &id)?;
            event(c, id)?;
            Ok(None)
        }
        HcpRequestKind::AmendProvider => {
            let a: AmendmentRequest =
                serde_json::from_str(&r.payload).map_err(ApiError::internal)?;
            let p = a.provider.unwrap_or_default();
            hcp.name_en = p.name_en.unwrap_or(hcp.name_en);
            hcp.name_zh = p.name_zh.unwrap_or(hcp.name_zh);
            hcp.address_en = p.address_en.or(hcp.address_en);
            hcp.address_zh = p.address_zh.or(hcp.address_zh);
            hcp.phone = p.phone.or(hcp.phone);
            hcp.email = p.email.or(hcp.email);
            store::hcps::update_hcp(c, &hcp)?;
            event(c, "particulars".to_owned())?;
            Ok(None)
        }
    }
}

/// Adds the form's new user administrator (after checking that the one replaced, if any, is
/// this provider's) and emails the set-up code to the provider's address.
fn add_admin(
    c: &mut DbConn,
    r: &HcpRequest,
    hcp: &store::hcps::Hcp,
    staff: &store::staff::Staff,
    code: SetupCode,
    now: i64,
) -> ApiResult<()> {
    let a: AmendmentRequest = serde_json::from_str(&r.payload).map_err(ApiError::internal)?;
    if let Some(old) = &a.replaces_staff_id {
        store::staff::find_staff(c, old)?
            .filter(|s| s.hcp_id == r.hcp_id)
            .ok_or_else(|| bad("replaces_staff_id"))?;
    }
    store::staff::insert_staff(c, staff)?;
    if let Some(to) = &hcp.email {
        let reference = format!("HCP {}", hcp.name_en);
        let accounts = vec![code];
        mail::queue(
            c,
            to,
            "en",
            &Mail::SetupCodes {
                reference,
                accounts,
            },
            now,
        )?;
    }
    Ok(())
}

pub(super) fn location_row(hcp_id: &str, id: String, l: &LocationEntry) -> Location {
    Location {
        id,
        hcp_id: hcp_id.to_owned(),
        name_en: l.name_en.clone(),
        address_en: sections::address(l.room_floor.as_deref(), l.building.as_deref(), &l.street_en),
        district: l.district.as_str().to_owned(),
        phone: l.phone.clone(),
        name_zh: Some(l.name_zh.clone()),
        address_zh: l
            .street_zh
            .as_deref()
            .map(|s| sections::address(l.room_floor.as_deref(), l.building.as_deref(), s)),
    }
}
