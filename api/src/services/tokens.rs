//! Issuing sessions' tokens: the device a patient signs in on, and the token responses for
//! patients and staff.

use ehealth_contracts::{
    ApplicantTokenResponse, DeviceInfo, OfficerRole, OfficerTokenResponse, SessionTokens,
    StaffTokenResponse, TokenResponse,
};

use crate::domain::ids::{DeviceId, PatientId};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::accounts::{Account, KIND_OFFICER};
use crate::store::sessions::{IssuedTokens, Lifetimes};
use crate::store::staff::Staff;
use crate::store::{self, DbConn, devices::Device};

/// Reuses the caller's device when they name one of their active devices, else creates one.
pub(crate) fn attach_device(
    c: &mut DbConn,
    patient_id: &PatientId,
    info: &DeviceInfo,
    now: i64,
) -> ApiResult<DeviceId> {
    let name: String = info.name.trim().chars().take(100).collect();
    let name = if name.is_empty() {
        info.platform.as_str().to_owned()
    } else {
        name
    };
    if let Some(id) = info.device_id.as_deref()
        && store::devices::find_active(c, patient_id, id)?.is_some()
    {
        store::devices::touch(c, id, &name, now)?;
        return Ok(id.into());
    }
    let device = Device {
        id: DeviceId::mint(),
        patient_id: patient_id.clone(),
        name,
        platform: info.platform.as_str().to_owned(),
        created_at: now,
        last_seen_at: now,
        revoked_at: None,
    };
    store::devices::insert(c, &device)?;
    Ok(device.id)
}

pub(crate) fn token_response(
    patient_id: PatientId,
    device_id: DeviceId,
    issued: IssuedTokens,
    life: Lifetimes,
) -> TokenResponse {
    TokenResponse {
        patient_id: patient_id.into(),
        device_id: device_id.into(),
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        token_type: "Bearer".to_owned(),
        access_expires_in: life.access_ms / 1000,
        refresh_expires_in: life.refresh_ms / 1000,
    }
}

/// The professional's active accounts at every provider, when there is more than one.
pub(crate) fn memberships_of(
    c: &mut DbConn,
    staff: &Staff,
) -> ApiResult<Vec<ehealth_contracts::StaffMembership>> {
    let rows: Vec<Staff> = store::staff::memberships(c, staff.login_id())?
        .into_iter()
        .filter(|s| s.status == store::staff::STAFF_ACTIVE)
        .collect();
    if rows.len() < 2 {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let name = store::hcps::find_hcp(c, &s.hcp_id)?
            .map(|h| h.name_en)
            .unwrap_or_default();
        out.push(ehealth_contracts::StaffMembership {
            staff_id: s.id,
            hcp_id: s.hcp_id,
            hcp_name_en: name,
        });
    }
    Ok(out)
}

pub(crate) fn staff_tokens(
    staff: &Staff,
    issued: IssuedTokens,
    state: &AppState,
) -> StaffTokenResponse {
    let life = state.token_lifetimes();
    StaffTokenResponse {
        principal: "staff".to_owned(),
        staff_id: staff.id.clone(),
        hcp_id: staff.hcp_id.clone(),
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        token_type: "Bearer".to_owned(),
        access_expires_in: life.access_ms / 1000,
        refresh_expires_in: life.refresh_ms / 1000,
        memberships: Vec::new(),
    }
}

/// The tokens of an officer's or applicant's session, shaped for its kind.
pub(crate) fn account_tokens(
    account: &Account,
    issued: IssuedTokens,
    state: &AppState,
) -> SessionTokens {
    let life = state.token_lifetimes();
    if account.kind != KIND_OFFICER {
        return SessionTokens::Applicant(ApplicantTokenResponse {
            principal: account.kind.clone(),
            applicant_id: account.id.clone(),
            email_confirmed: account.email_confirmed_at.is_some(),
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            token_type: "Bearer".to_owned(),
            access_expires_in: life.access_ms / 1000,
            refresh_expires_in: life.refresh_ms / 1000,
        });
    }
    SessionTokens::Officer(OfficerTokenResponse {
        principal: KIND_OFFICER.to_owned(),
        officer_id: account.id.clone(),
        name: account.name.clone(),
        roles: account
            .roles()
            .iter()
            .filter_map(|r| OfficerRole::parse(r))
            .collect(),
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        token_type: "Bearer".to_owned(),
        access_expires_in: life.access_ms / 1000,
        refresh_expires_in: life.refresh_ms / 1000,
    })
}
