//! The access key: made in the app (8 digits, shown once, stored hashed), and given with the
//! patient's identity document at the HCP's counter for an indefinite consent.

use std::time::Duration;

use ehealth_contracts::{
    AccessKeyResponse, ConsentByAccessKeyRequest, ConsentMethod, ConsentResponse, ConsentType,
    ErrorCode, FieldCode,
};
use rand::Rng;

use super::grant::grant;
use super::require_sharable;
use crate::domain::identity::ValidIdentity;
use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{PatientSession, StaffSession};
use crate::services::family::act_for;
use crate::state::AppState;
use crate::store::access_keys::AccessKey;
use crate::store::{self, DbConn};

/// Wrong access keys in a row before the key locks, and for how long (our choice).
pub const KEY_ATTEMPTS: i32 = 5;
pub const KEY_LOCK_MS: i64 = 15 * 60 * 1000;
/// Wrong keys since the last right one after which the key is destroyed: the patient makes a
/// new one in the app. Without this cap, five guesses every 15 minutes would go on for ever.
pub const KEY_MAX_FAILURES: i32 = 20;

fn key_hash(state: &AppState, patient_id: &str, key: &str) -> String {
    state
        .secrets
        .lookup_hash(&format!("access-key:{patient_id}:{key}"))
}

/// A new 8-digit access key (shown once, stored hashed); the previous key dies at once.
pub async fn new_access_key(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<AccessKeyResponse> {
    let acting = act_for(state, who, patient_id, "new_access_key").await?;
    let key = format!("{:08}", rand::thread_rng().gen_range(0..100_000_000u32));
    let hash = key_hash(state, &acting.patient_id, &key);
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            acting.record(c, now)?;
            // Same order as the counter: patient, then key (no lost failure counts).
            store::patients::lock(c, &acting.patient_id)?;
            let p =
                store::patients::find(c, &acting.patient_id)?.ok_or_else(ApiError::not_found)?;
            require_sharable(&p)?;
            store::access_keys::put_access_key(
                c,
                &AccessKey {
                    patient_id: p.id.into(),
                    key_hash: hash,
                    created_at: now,
                    failures: 0,
                    locked_until: None,
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(AccessKeyResponse { access_key: key })
}

/// At the HCP's counter: identity document + access key give the caller's HCP an indefinite
/// consent. Wrong keys count: every fifth locks the key for 15 minutes, the twentieth since the
/// last right one destroys it (the patient makes a new one).
pub async fn by_access_key(
    state: &AppState,
    who: &StaffSession,
    req: ConsentByAccessKeyRequest,
) -> ApiResult<ConsentResponse> {
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(ApiError::validation)?;
    let key = req.access_key.trim().to_owned();
    if key.len() != 8 || !key.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(vec![FieldError::new(
            "access_key",
            FieldCode::InvalidFormat,
        )]));
    }
    crate::services::limits::rate_limit(
        state,
        &format!("access-key:{}", who.staff_id),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let id_hash = state.secrets.lookup_hash(&identity.uniqueness_key());
    let patient = {
        let h = id_hash.clone();
        state
            .db
            .run(move |c| Ok(store::patients::find_by_id_hash(c, &h)?))
            .await?
            .ok_or_else(|| ApiError::forbidden(ErrorCode::AccessKeyInvalid))?
    };
    let given = key_hash(state, &patient.id, &key);
    let hcp = who.hcp_id.clone();
    let staff = who.staff_id.clone();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    // The failure count must survive the refusal, so the check commits either way.
    let outcome = state
        .db
        .transaction(move |c| {
            store::patients::lock(c, &patient.id)?;
            if let Err(refused) = check_key(c, &patient.id, &given, now)? {
                return Ok(Err(refused));
            }
            Ok(Ok(grant(
                c,
                &patient.id,
                &hcp,
                ConsentType::Indefinite,
                ConsentMethod::AccessKey,
                &format!("staff:{staff}"),
                today,
                now,
            )?))
        })
        .await?;
    let response = outcome?;
    tracing::info!(consent_id = %response.consent_id, "consent given with the access key");
    Ok(response)
}

/// Checks the given key against the patient's (their row locked by the caller), counting a
/// wrong one: the inner `Err` is the refusal, to be answered after the count commits.
fn check_key(
    c: &mut DbConn,
    patient_id: &PatientId,
    given: &str,
    now: i64,
) -> ApiResult<Result<(), ApiError>> {
    let Some(stored) = store::access_keys::access_key(c, patient_id)? else {
        return Ok(Err(ApiError::forbidden(ErrorCode::AccessKeyInvalid)));
    };
    if stored.locked_until.is_some_and(|t| t > now) {
        return Ok(Err(ApiError::forbidden(ErrorCode::AccessKeyLocked)));
    }
    if !crate::crypto::secrets_equal(&stored.key_hash, given) {
        let failures = stored.failures + 1;
        if failures >= KEY_MAX_FAILURES {
            store::access_keys::delete_access_key(c, patient_id)?;
            tracing::warn!(%patient_id, "access key destroyed after too many wrong tries");
            return Ok(Err(ApiError::forbidden(ErrorCode::AccessKeyLocked)));
        }
        let locked = (failures % KEY_ATTEMPTS == 0).then_some(now + KEY_LOCK_MS);
        store::access_keys::set_key_failures(c, patient_id, failures, locked)?;
        return Ok(Err(ApiError::forbidden(if locked.is_some() {
            ErrorCode::AccessKeyLocked
        } else {
            ErrorCode::AccessKeyInvalid
        })));
    }
    store::access_keys::set_key_failures(c, patient_id, 0, None)?;
    Ok(Ok(()))
}
