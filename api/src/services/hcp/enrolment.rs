//! Staff passkey enrolment: the one-time enrolment code given when the account was created
//! starts a passkey ceremony, whose completion activates the account and signs it in.

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ehealth_contracts::{
    CompleteEnrolmentRequest, ErrorCode, LinkEnrolmentRequest, StaffTokenResponse,
    StartEnrolmentRequest, StartEnrolmentResponse, SwitchHcpRequest,
};
use uuid::Uuid;

use crate::auth::webauthn::{ceremony_error, start_passkey};
use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::StaffSession;
use crate::services::ceremony::{one_time_code_hash, open_ceremony};
use crate::services::checks::unique_as;
use crate::services::limits::expires_at_ms;
use crate::services::sessions::{take_assertion, verify_staff_assertion};
use crate::services::tokens::{memberships_of, staff_tokens};
use crate::state::AppState;
use crate::store::registrations::Registration;
use crate::store::staff::STAFF_PENDING;
use crate::store::staff_passkeys::StaffPasskey;
use crate::store::{self, DbConn};

/// How long an enrolment code can be used (our choice).
pub(super) const ENROLMENT_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
pub const KIND_STAFF: &str = "staff";

pub(super) fn enrolment_code() -> String {
    crate::crypto::random_code(4)
}

pub(super) fn code_hash(state: &AppState, code: &str) -> String {
    one_time_code_hash(state, "staff-enrolment", code)
}

/// The enrolment code starts a passkey ceremony for the staff account.
pub async fn start_enrolment(
    state: &AppState,
    req: StartEnrolmentRequest,
) -> ApiResult<StartEnrolmentResponse> {
    let hash = code_hash(state, &req.enrolment_code);
    let now = state.now_ms();
    let staff = state
        .db
        .run(move |c| Ok(store::staff::staff_by_enrolment_code(c, &hash)?))
        .await?
        .filter(|s| s.status == STAFF_PENDING && s.enrolment_expires_at.is_some_and(|e| e > now))
        .ok_or_else(|| ApiError::forbidden(ErrorCode::EnrolmentCodeInvalid))?;
    let handle = Uuid::parse_str(&staff.id).map_err(ApiError::internal)?;
    let (options, ceremony) = start_passkey(
        &state.webauthn,
        handle,
        &staff.english_name,
        &staff.english_name,
        vec![],
    )?;
    let expires_at = expires_at_ms(now, state.config.registration_ttl);
    let row = Registration {
        id: Uuid::now_v7().to_string(),
        kind: KIND_STAFF.to_owned(),
        patient_id: None,
        user_handle: staff.id.clone(),
        id_hash: staff.enrolment_code_hash.clone(),
        profile: None,
        ceremony: serde_json::to_string(&ceremony).map_err(ApiError::internal)?,
        created_at: now,
        expires_at,
        completed_at: None,
    };
    let enrolment_id = row.id.clone();
    state
        .db
        .run(move |c| Ok(store::registrations::insert(c, &row)?))
        .await?;
    Ok(StartEnrolmentResponse {
        enrolment_id,
        creation_options: options,
        expires_at: rfc3339_ms(expires_at),
    })
}

pub async fn complete_enrolment(
    state: &AppState,
    enrolment_id: &str,
    req: CompleteEnrolmentRequest,
) -> ApiResult<StaffTokenResponse> {
    let (reg, ceremony) = open_ceremony(state, enrolment_id, KIND_STAFF, None).await?;
    let passkey = state
        .webauthn
        .finish_passkey_registration(&req.credential, &ceremony)
        .map_err(|e| ceremony_error(&e, StatusCode::BAD_REQUEST))?;
    let now = state.now_ms();
    let row = StaffPasskey {
        id: Uuid::now_v7().to_string(),
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        staff_id: reg.user_handle.clone(),
        passkey: serde_json::to_string(&passkey).map_err(ApiError::internal)?,
        created_at: now,
        last_used_at: None,
    };
    let life = state.token_lifetimes();
    let (staff, issued) = state
        .db
        .transaction(move |c| {
            if !store::registrations::mark_completed(c, &reg.id, now)? {
                return Err(ApiError::conflict(ErrorCode::RegistrationAlreadyCompleted));
            }
            let code = reg.id_hash.as_deref().ok_or_else(|| {
                ApiError::internal("staff enrolment without its enrolment code hash")
            })?;
            if !store::staff::activate_staff(c, &row.staff_id, code)? {
                return Err(ApiError::forbidden(ErrorCode::EnrolmentCodeInvalid));
            }
            if store::passkeys::credential_taken(c, &row.credential_id)? {
                return Err(ApiError::conflict(ErrorCode::CredentialAlreadyRegistered));
            }
            store::staff_passkeys::insert_passkey(c, &row)
                .map_err(|e| unique_as(e, ErrorCode::CredentialAlreadyRegistered))?;
            let staff =
                store::staff::find_staff(c, &row.staff_id)?.ok_or_else(ApiError::not_found)?;
            finish_replacement(c, &staff.id, now)?;
            let issued = store::staff_sessions::create_session(c, &staff.id, now, life)?;
            Ok((staff, issued))
        })
        .await?;
    tracing::info!(staff_id = %staff.id, "staff passkey enrolled");
    Ok(staff_tokens(&staff, issued, state))
}

/// When the new user administrator of an approved replacement enrols, the one replaced loses
/// the role (never before: the provider always keeps an active administrator).
fn finish_replacement(c: &mut DbConn, staff_id: &str, now: i64) -> ApiResult<()> {
    let Some(r) = store::hcp_requests::replacement_by(c, staff_id)? else {
        return Ok(());
    };
    let a: ehealth_contracts::AmendmentRequest =
        serde_json::from_str(&r.payload).map_err(ApiError::internal)?;
    if let Some(old) = a
        .replaces_staff_id
        .and_then(|id| store::staff::find_staff(c, &id).ok().flatten())
    {
        let roles: Vec<&str> = old
            .roles
            .split(',')
            .filter(|r| !r.is_empty() && *r != "user_admin")
            .collect();
        store::staff::set_roles(c, &old.id, &roles.join(","))?;
        store::hcp_requests::add_event(
            c,
            &r.hcp_id,
            staff_id,
            "user_admin_replaced",
            Some(old.id.clone()),
            now,
        )?;
    }
    Ok(())
}

/// One professional, several providers: enrols the account of `enrolment_code` by signing in
/// with the passkey of the same professional's account at another provider (same profession
/// and registration number). The two accounts then share that passkey; the new session acts
/// for the new provider.
pub async fn link_enrolment(
    state: &AppState,
    req: LinkEnrolmentRequest,
) -> ApiResult<StaffTokenResponse> {
    let hash = code_hash(state, &req.enrolment_code);
    let (ceremony, handle, credential_id) =
        take_assertion(state, &req.challenge_id, &req.credential).await?;
    let (now, life, webauthn) = (
        state.now_ms(),
        state.token_lifetimes(),
        state.webauthn.clone(),
    );
    let (staff, issued, memberships) = state
        .db
        .transaction(move |c| {
            let existing = verify_staff_assertion(
                c,
                &webauthn,
                &req.credential,
                ceremony,
                &credential_id,
                handle,
                now,
            )?;
            let new = store::staff::staff_by_enrolment_code(c, &hash)?
                .filter(|s| s.status == STAFF_PENDING)
                .filter(|s| s.enrolment_expires_at.is_some_and(|e| e > now))
                .ok_or_else(|| ApiError::forbidden(ErrorCode::EnrolmentCodeInvalid))?;
            let number = |s: &str| s.trim().to_ascii_uppercase();
            if new.profession != existing.profession
                || number(&new.registration_number) != number(&existing.registration_number)
            {
                return Err(ApiError::forbidden(ErrorCode::NotSameProfessional));
            }
            let login = existing.login_id().to_owned();
            if store::staff::memberships(c, &login)?
                .iter()
                .any(|m| m.hcp_id == new.hcp_id && m.status == store::staff::STAFF_ACTIVE)
            {
                return Err(ApiError::conflict(ErrorCode::CredentialAlreadyRegistered));
            }
            if !store::staff::activate_staff(c, &new.id, &hash)? {
                return Err(ApiError::forbidden(ErrorCode::EnrolmentCodeInvalid));
            }
            store::staff::link(c, &new.id, &login)?;
            let staff = store::staff::find_staff(c, &new.id)?.ok_or_else(ApiError::not_found)?;
            let issued = store::staff_sessions::create_session(c, &staff.id, now, life)?;
            let memberships = memberships_of(c, &staff)?;
            Ok((staff, issued, memberships))
        })
        .await?;
    tracing::info!(staff_id = %staff.id, "staff account linked to an existing passkey");
    let mut tokens = staff_tokens(&staff, issued, state);
    tokens.memberships = memberships;
    Ok(tokens)
}

/// The session switches to the professional's account at another provider: new tokens, and
/// the current session ends.
pub async fn switch_hcp(
    state: &AppState,
    who: &StaffSession,
    req: SwitchHcpRequest,
) -> ApiResult<StaffTokenResponse> {
    let (me, session, now, life) = (
        who.staff_id.clone(),
        who.session_id.clone(),
        state.now_ms(),
        state.token_lifetimes(),
    );
    let (staff, issued, memberships) = state
        .db
        .transaction(move |c| {
            let me = store::staff::find_staff(c, &me)?.ok_or_else(ApiError::not_found)?;
            let target = store::staff::memberships(c, me.login_id())?
                .into_iter()
                .find(|s| s.hcp_id == req.hcp_id && s.status == store::staff::STAFF_ACTIVE)
                .ok_or_else(ApiError::not_found)?;
            store::staff_sessions::revoke_session(c, &session, now)?;
            let issued = store::staff_sessions::create_session(c, &target.id, now, life)?;
            let memberships = memberships_of(c, &target)?;
            Ok((target, issued, memberships))
        })
        .await?;
    let mut tokens = staff_tokens(&staff, issued, state);
    tokens.memberships = memberships;
    Ok(tokens)
}
