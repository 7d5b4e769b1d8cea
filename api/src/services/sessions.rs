//! Sign-in with a discoverable passkey, token refresh and sign-out.

use std::time::Duration;

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ehealth_contracts::{
    CreateChallengeResponse, CreateSessionRequest, ErrorCode, PatientStatus, RefreshSessionRequest,
    SessionTokens,
};
use webauthn_rs::prelude::{DiscoverableAuthentication, DiscoverableKey, Passkey, Uuid};

use super::limits::rate_limit;
use super::passkey_accounts;
use super::tokens::{account_tokens, attach_device, memberships_of, staff_tokens, token_response};
use crate::auth::webauthn::{ceremony_error, refuse_cross_origin};
use crate::domain::ids::{DeviceId, PatientId};
use crate::error::{ApiError, ApiResult};
use crate::extract::{PatientSession, StaffSession};
use crate::state::AppState;
use crate::store::account_sessions::AccountRefresh;
use crate::store::accounts::Account;
use crate::store::sessions::{IssuedTokens, Lifetimes, RefreshOutcome};
use crate::store::staff::Staff;
use crate::store::staff_sessions::StaffRefresh;
use crate::store::{self, DbConn, passkeys::PasskeyRow};

const CHALLENGE_KIND: &str = "authentication";

pub async fn challenge(state: &AppState, client: &str) -> ApiResult<CreateChallengeResponse> {
    rate_limit(
        state,
        &format!("signin:{client}"),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let (mut options, ceremony) = state
        .webauthn
        .start_discoverable_authentication()
        .map_err(ApiError::internal)?;
    // Apps call the platform's modal sign-in; conditional mediation is a browser autofill mode.
    options.mediation = None;
    let challenge_id = Uuid::new_v4().to_string();
    let ttl = state.config.challenge_ttl;
    let serialised = serde_json::to_string(&ceremony).map_err(ApiError::internal)?;
    state
        .ephemeral
        .put_challenge(
            CHALLENGE_KIND,
            &challenge_id,
            serialised,
            ttl,
            state.now_ms(),
        )
        .await?;
    Ok(CreateChallengeResponse {
        challenge_id,
        request_options: options,
        expires_in: i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
    })
}

pub async fn sign_in(
    state: &AppState,
    req: CreateSessionRequest,
    client: &str,
) -> ApiResult<SessionTokens> {
    rate_limit(
        state,
        &format!("signin:{client}"),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let (ceremony, user_handle, credential_id) =
        take_assertion(state, &req.challenge_id, &req.credential).await?;

    let now = state.now_ms();
    let life = state.token_lifetimes();
    let webauthn = state.webauthn.clone();
    let signed_in = state
        .db
        .transaction(move |c| {
            let patient_row = store::passkeys::find_by_credential(c, &credential_id)?
                .filter(|p| Uuid::parse_str(&p.patient_id).ok() == Some(user_handle));
            let Some(row) = patient_row else {
                // Not a patient's passkey: perhaps an officer's or applicant's, or else a
                // healthcare professional's.
                let account = passkey_accounts::sign_in(
                    c,
                    &webauthn,
                    &req,
                    ceremony.clone(),
                    &credential_id,
                    user_handle,
                    now,
                    life,
                )?;
                if let Some((account, issued)) = account {
                    return Ok(SignedIn::Account(Box::new(account), issued));
                }
                return staff_sign_in(
                    c,
                    &webauthn,
                    &req,
                    ceremony,
                    &credential_id,
                    user_handle,
                    now,
                    life,
                )
                .and_then(|(s, t)| {
                    let memberships = memberships_of(c, &s)?;
                    Ok(SignedIn::Staff(Box::new(s), t, memberships))
                });
            };
            patient_sign_in(c, &webauthn, &req, ceremony, row, now, life)
                .map(|(p, d, t)| SignedIn::Patient(p, d, t))
        })
        .await?;
    Ok(match signed_in {
        SignedIn::Patient(patient_id, device_id, issued) => {
            tracing::info!(%patient_id, %device_id, "signed in");
            SessionTokens::Patient(token_response(patient_id, device_id, issued, life))
        }
        SignedIn::Staff(staff, issued, memberships) => {
            tracing::info!(staff_id = %staff.id, "staff signed in");
            let mut tokens = staff_tokens(&staff, issued, state);
            tokens.memberships = memberships;
            SessionTokens::Staff(tokens)
        }
        SignedIn::Account(account, issued) => {
            tracing::info!(account_id = %account.id, kind = %account.kind, "signed in");
            account_tokens(&account, issued, state)
        }
    })
}

enum SignedIn {
    Patient(PatientId, DeviceId, IssuedTokens),
    Staff(
        Box<Staff>,
        IssuedTokens,
        Vec<ehealth_contracts::StaffMembership>,
    ),
    Account(Box<Account>, IssuedTokens),
}

/// Verifies a patient's passkey assertion and opens a session on their device.
fn patient_sign_in(
    c: &mut DbConn,
    webauthn: &webauthn_rs::prelude::Webauthn,
    req: &CreateSessionRequest,
    ceremony: DiscoverableAuthentication,
    row: PasskeyRow,
    now: i64,
    life: Lifetimes,
) -> ApiResult<(PatientId, DeviceId, IssuedTokens)> {
    let mut passkey: Passkey = serde_json::from_str(&row.passkey).map_err(ApiError::internal)?;
    #[allow(deprecated)] // v2 needs the credential-internals feature for the same call
    let result = webauthn
        .finish_discoverable_authentication(
            &req.credential,
            ceremony,
            &[DiscoverableKey::from(&passkey)],
        )
        .map_err(|e| ceremony_error(&e, StatusCode::UNAUTHORIZED))?;
    let patient = store::patients::find(c, &row.patient_id)?
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::UnknownCredential))?;
    if patient.status()? == PatientStatus::Withdrawn {
        return Err(ApiError::forbidden(ErrorCode::AccountWithdrawn));
    }
    if passkey.update_credential(&result) == Some(true) {
        let updated = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
        // Two assertions with the same counter: only the first may win.
        if !store::passkeys::update_after_use(c, &row.id, &row.passkey, &updated, now)? {
            return Err(ApiError::unauthorized(ErrorCode::CounterRegression));
        }
    }
    let device_id = attach_device(c, &patient.id, &req.device, now)?;
    let issued = store::sessions::create(c, &patient.id, &device_id, now, life)?;
    Ok((patient.id, device_id, issued))
}

/// Verifies a staff member's passkey assertion and opens a staff session.
#[allow(clippy::too_many_arguments)]
fn staff_sign_in(
    c: &mut DbConn,
    webauthn: &webauthn_rs::prelude::Webauthn,
    req: &CreateSessionRequest,
    ceremony: DiscoverableAuthentication,
    credential_id: &str,
    user_handle: Uuid,
    now: i64,
    life: Lifetimes,
) -> ApiResult<(Staff, IssuedTokens)> {
    let staff = verify_staff_assertion(
        c,
        webauthn,
        &req.credential,
        ceremony,
        credential_id,
        user_handle,
        now,
    )?;
    let issued = store::staff_sessions::create_session(c, &staff.id, now, life)?;
    Ok((staff, issued))
}

/// Verifies a staff member's passkey assertion; answers the account it signs in (the
/// passkey's own, or if that one has left its provider, the first active account linked to
/// it at another provider).
pub(crate) fn verify_staff_assertion(
    c: &mut DbConn,
    webauthn: &webauthn_rs::prelude::Webauthn,
    credential: &webauthn_rs::prelude::PublicKeyCredential,
    ceremony: DiscoverableAuthentication,
    credential_id: &str,
    user_handle: Uuid,
    now: i64,
) -> ApiResult<Staff> {
    let row = store::staff_passkeys::passkey_by_credential(c, credential_id)?
        .filter(|p| Uuid::parse_str(&p.staff_id).ok() == Some(user_handle))
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::UnknownCredential))?;
    let mut passkey: Passkey = serde_json::from_str(&row.passkey).map_err(ApiError::internal)?;
    #[allow(deprecated)]
    let result = webauthn
        .finish_discoverable_authentication(
            credential,
            ceremony,
            &[DiscoverableKey::from(&passkey)],
        )
        .map_err(|e| ceremony_error(&e, StatusCode::UNAUTHORIZED))?;
    let staff = store::staff::memberships(c, &row.staff_id)?
        .into_iter()
        .filter(|s| s.status == store::staff::STAFF_ACTIVE)
        .min_by_key(|s| s.id != row.staff_id)
        .ok_or_else(|| ApiError::forbidden(ErrorCode::StaffDeactivated))?;
    if passkey.update_credential(&result) == Some(true) {
        let updated = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
        if !store::staff_passkeys::update_passkey(c, &row.id, &row.passkey, &updated, now)? {
            return Err(ApiError::unauthorized(ErrorCode::CounterRegression));
        }
    }
    Ok(staff)
}

/// Takes a sign-in challenge (single use) and identifies the assertion's passkey:
/// (ceremony, user handle, credential id).
pub(crate) async fn take_assertion(
    state: &AppState,
    challenge_id: &str,
    credential: &webauthn_rs::prelude::PublicKeyCredential,
) -> ApiResult<(DiscoverableAuthentication, Uuid, String)> {
    let ceremony: DiscoverableAuthentication = state
        .ephemeral
        .take_challenge(CHALLENGE_KIND, challenge_id, state.now_ms())
        .await?
        .and_then(|s| serde_json::from_str(&s).ok())
        .ok_or_else(|| ApiError::bad_request(ErrorCode::ChallengeInvalid))?;
    refuse_cross_origin(credential, state.config.webauthn_cross_origin)?;
    let (user_handle, credential_id) = state
        .webauthn
        .identify_discoverable_authentication(credential)
        .map(|(u, c)| (u, URL_SAFE_NO_PAD.encode(c)))
        .map_err(|e| ceremony_error(&e, StatusCode::UNAUTHORIZED))?;
    Ok((ceremony, user_handle, credential_id))
}

pub async fn refresh(state: &AppState, req: RefreshSessionRequest) -> ApiResult<SessionTokens> {
    let now = state.now_ms();
    let life = state.token_lifetimes();
    if req
        .refresh_token
        .starts_with(store::staff_sessions::STAFF_REFRESH_PREFIX)
    {
        let outcome = state
            .db
            .transaction(move |c| {
                Ok(store::staff_sessions::refresh(
                    c,
                    &req.refresh_token,
                    now,
                    life,
                )?)
            })
            .await?;
        return match outcome {
            StaffRefresh::Rotated(tokens, staff) => {
                Ok(SessionTokens::Staff(staff_tokens(&staff, tokens, state)))
            }
            StaffRefresh::Reused => {
                tracing::warn!("staff refresh token reused: session revoked");
                Err(ApiError::unauthorized(ErrorCode::RefreshTokenReused))
            }
            StaffRefresh::Invalid => Err(ApiError::unauthorized(ErrorCode::InvalidToken)),
        };
    }
    if store::account_sessions::refresh_kind(&req.refresh_token).is_some() {
        let outcome = state
            .db
            .transaction(move |c| {
                Ok(store::account_sessions::refresh(
                    c,
                    &req.refresh_token,
                    now,
                    life,
                )?)
            })
            .await?;
        return match outcome {
            AccountRefresh::Rotated(tokens, account) => Ok(account_tokens(&account, tokens, state)),
            AccountRefresh::Reused => {
                tracing::warn!("account refresh token reused: session revoked");
                Err(ApiError::unauthorized(ErrorCode::RefreshTokenReused))
            }
            AccountRefresh::Invalid => Err(ApiError::unauthorized(ErrorCode::InvalidToken)),
        };
    }
    let outcome = state
        .db
        .transaction(move |c| Ok(store::sessions::refresh(c, &req.refresh_token, now, life)?))
        .await?;
    match outcome {
        RefreshOutcome::Rotated {
            tokens,
            patient_id,
            device_id,
        } => Ok(SessionTokens::Patient(token_response(
            patient_id, device_id, tokens, life,
        ))),
        RefreshOutcome::Reused => {
            tracing::warn!("refresh token reused: session revoked");
            Err(ApiError::unauthorized(ErrorCode::RefreshTokenReused))
        }
        RefreshOutcome::Invalid => Err(ApiError::unauthorized(ErrorCode::InvalidToken)),
    }
}

pub async fn sign_out(state: &AppState, who: &PatientSession) -> ApiResult<()> {
    let now = state.now_ms();
    let session_id = who.session_id.clone();
    state
        .db
        .transaction(move |c| Ok(store::sessions::revoke(c, &session_id, "signed_out", now)?))
        .await
}

pub async fn staff_sign_out(state: &AppState, who: &StaffSession) -> ApiResult<()> {
    let now = state.now_ms();
    let session_id = who.session_id.clone();
    state
        .db
        .transaction(move |c| Ok(store::staff_sessions::revoke_session(c, &session_id, now)?))
        .await
}

/// Ends an officer's or applicant's session.
pub async fn account_sign_out(state: &AppState, session_id: &str) -> ApiResult<()> {
    let now = state.now_ms();
    let session_id = session_id.to_owned();
    state
        .db
        .transaction(move |c| {
            Ok(store::account_sessions::revoke_session(
                c,
                &session_id,
                now,
            )?)
        })
        .await
}
