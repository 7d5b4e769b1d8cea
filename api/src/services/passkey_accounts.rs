//! Accounts that sign in with a passkey but are neither patients nor staff (officers and
//! applicants): opening an account's passkey ceremony, finishing it, and signing in.

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ehealth_contracts::{ErrorCode, StartEnrolmentResponse};
use uuid::Uuid;
use webauthn_rs::prelude::{DiscoverableAuthentication, DiscoverableKey, Passkey};

use crate::auth::webauthn::{ceremony_error, start_passkey};
use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult};
use crate::services::ceremony::{one_time_code_hash, open_ceremony};
use crate::services::checks::unique_as;
use crate::services::limits::expires_at_ms;
use crate::state::AppState;
use crate::store::accounts::{ACCOUNT_ACTIVE, ACCOUNT_PENDING, Account, AccountPasskey};
use crate::store::registrations::Registration;
use crate::store::sessions::{IssuedTokens, Lifetimes};
use crate::store::{self, DbConn};
use ehealth_contracts::CreateSessionRequest;

/// How long an enrolment code can be used (as for staff).
pub(crate) const ENROLMENT_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// The hash an enrolment code of an account of `kind` is stored under.
pub(crate) fn enrolment_code_hash(state: &AppState, kind: &str, code: &str) -> String {
    one_time_code_hash(state, &format!("{kind}-enrolment"), code)
}

/// A new account of `kind`, waiting for its passkey, and its one-time enrolment code.
pub(crate) fn new_account(
    state: &AppState,
    kind: &str,
    name: String,
    roles: String,
    created_by: String,
) -> (Account, String) {
    let code = crate::crypto::random_code(4);
    let now = state.now_ms();
    let account = Account {
        id: Uuid::now_v7().to_string(),
        kind: kind.to_owned(),
        name,
        email: None,
        email_confirmed_at: None,
        email_code_hash: None,
        email_code_expires_at: None,
        roles,
        status: ACCOUNT_PENDING.to_owned(),
        enrolment_code_hash: Some(enrolment_code_hash(state, kind, &code)),
        enrolment_expires_at: Some(now + ENROLMENT_TTL_MS),
        created_by,
        created_at: now,
        deactivated_at: None,
        deactivated_by: None,
        locale: None,
    };
    (account, code)
}

/// The enrolment code of a pending account of `kind` starts its passkey ceremony.
pub(crate) async fn start_with_code(
    state: &AppState,
    kind: &'static str,
    code: &str,
) -> ApiResult<StartEnrolmentResponse> {
    let hash = enrolment_code_hash(state, kind, code);
    let now = state.now_ms();
    let account = state
        .db
        .run(move |c| Ok(store::accounts::by_enrolment_code(c, kind, &hash)?))
        .await?
        .filter(|a| a.status == ACCOUNT_PENDING && a.enrolment_expires_at.is_some_and(|e| e > now))
        .ok_or_else(|| ApiError::forbidden(ErrorCode::EnrolmentCodeInvalid))?;
    start_ceremony(state, &account, Uuid::now_v7().to_string()).await
}

/// Opens the passkey ceremony of a pending account (kept as a registration row of the
/// account's kind, with id `ceremony_id`, until it completes).
pub(crate) async fn start_ceremony(
    state: &AppState,
    account: &Account,
    ceremony_id: String,
) -> ApiResult<StartEnrolmentResponse> {
    let handle = Uuid::parse_str(&account.id).map_err(ApiError::internal)?;
    let label = account.email.as_deref().unwrap_or(&account.name);
    let (options, ceremony) = start_passkey(&state.webauthn, handle, label, &account.name, vec![])?;
    let now = state.now_ms();
    let expires_at = expires_at_ms(now, state.config.registration_ttl);
    let row = Registration {
        id: ceremony_id,
        kind: account.kind.clone(),
        patient_id: None,
        user_handle: account.id.clone(),
        id_hash: account.enrolment_code_hash.clone(),
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

/// Finishes the ceremony: the passkey is stored, the account becomes active and is signed in.
pub(crate) async fn complete(
    state: &AppState,
    kind: &'static str,
    enrolment_id: &str,
    credential: &webauthn_rs::prelude::RegisterPublicKeyCredential,
) -> ApiResult<(Account, IssuedTokens)> {
    let (reg, ceremony) = open_ceremony(state, enrolment_id, kind, None).await?;
    let passkey = state
        .webauthn
        .finish_passkey_registration(credential, &ceremony)
        .map_err(|e| ceremony_error(&e, StatusCode::BAD_REQUEST))?;
    let now = state.now_ms();
    let row = AccountPasskey {
        id: Uuid::now_v7().to_string(),
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        account_id: reg.user_handle.clone(),
        passkey: serde_json::to_string(&passkey).map_err(ApiError::internal)?,
        created_at: now,
        last_used_at: None,
    };
    let life = state.token_lifetimes();
    state
        .db
        .transaction(move |c| {
            if !store::registrations::mark_completed(c, &reg.id, now)? {
                return Err(ApiError::conflict(ErrorCode::RegistrationAlreadyCompleted));
            }
            let code = reg
                .id_hash
                .as_deref()
                .ok_or_else(|| ApiError::internal("account enrolment without its code hash"))?;
            if !store::accounts::activate(c, &row.account_id, code)? {
                return Err(ApiError::forbidden(ErrorCode::EnrolmentCodeInvalid));
            }
            if store::passkeys::credential_taken(c, &row.credential_id)? {
                return Err(ApiError::conflict(ErrorCode::CredentialAlreadyRegistered));
            }
            store::accounts::insert_passkey(c, &row)
                .map_err(|e| unique_as(e, ErrorCode::CredentialAlreadyRegistered))?;
            let account =
                store::accounts::find(c, &row.account_id)?.ok_or_else(ApiError::not_found)?;
            let issued = store::account_sessions::create_session(c, &account, now, life)?;
            Ok((account, issued))
        })
        .await
}

/// Verifies an officer's or applicant's passkey assertion and opens a session; `None` when
/// the credential is not an account's.
#[allow(clippy::too_many_arguments)] // as staff_sign_in: one assertion's parts
pub(crate) fn sign_in(
    c: &mut DbConn,
    webauthn: &webauthn_rs::prelude::Webauthn,
    req: &CreateSessionRequest,
    ceremony: DiscoverableAuthentication,
    credential_id: &str,
    user_handle: Uuid,
    now: i64,
    life: Lifetimes,
) -> ApiResult<Option<(Account, IssuedTokens)>> {
    let Some(row) = store::accounts::passkey_by_credential(c, credential_id)?
        .filter(|p| Uuid::parse_str(&p.account_id).ok() == Some(user_handle))
    else {
        return Ok(None);
    };
    let mut passkey: Passkey = serde_json::from_str(&row.passkey).map_err(ApiError::internal)?;
    #[allow(deprecated)] // as for patients and staff
    let result = webauthn
        .finish_discoverable_authentication(
            &req.credential,
            ceremony,
            &[DiscoverableKey::from(&passkey)],
        )
        .map_err(|e| ceremony_error(&e, StatusCode::UNAUTHORIZED))?;
    let account = store::accounts::find(c, &row.account_id)?
        .filter(|a| a.status == ACCOUNT_ACTIVE)
        .ok_or_else(|| ApiError::forbidden(ErrorCode::AccountDeactivated))?;
    if passkey.update_credential(&result) == Some(true) {
        let updated = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
        if !store::accounts::update_passkey(c, &row.id, &row.passkey, &updated, now)? {
            return Err(ApiError::unauthorized(ErrorCode::CounterRegression));
        }
    }
    let issued = store::account_sessions::create_session(c, &account, now, life)?;
    Ok(Some((account, issued)))
}
