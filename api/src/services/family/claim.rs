//! Coming of age: a young person claims the account their SDM kept, with a one-time claim code
//! (from the SDM in the last 30 days before the 16th birthday, or from the registration office
//! any time after), their identity document and date of birth, and their own new passkey. The
//! patient id, diaries, records and consents stay as they are.

use std::time::Duration;

use chrono::NaiveDate;
use ehealth_contracts::{
    ClaimAccountRequest, ClaimCodeResponse, CompleteRegistrationRequest,
    CreateRegistrationResponse, ErrorCode, SdmLinkStatus, TokenResponse,
};
use uuid::Uuid;

use super::english_name;
use crate::auth::webauthn::{ceremony_error, start_passkey};
use crate::clock::rfc3339_ms;
use crate::domain::authority::{CAME_OF_AGE, authority_ends_on};
use crate::domain::identity::ValidIdentity;
use crate::domain::ids::PatientId;
use crate::domain::notices;
use crate::domain::person::{self, parse_dob};
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::services::ceremony::open_ceremony;
use crate::services::checks::unique_as;
use crate::services::limits::{expires_at_ms, rate_limit};
use crate::services::tokens::{attach_device, token_response};
use crate::state::AppState;
use crate::store::family;
use crate::store::jobs::ClaimCode;
use crate::store::outbox::OutboxRow;
use crate::store::passkeys::PasskeyRow;
use crate::store::patients::Patient;
use crate::store::registrations::{KIND_CLAIM, Registration};
use crate::store::{self, DbConn};

/// How long a claim code stays usable after it is issued (our choice).
pub const CLAIM_CODE_TTL: Duration = Duration::from_secs(60 * 24 * 3600);
/// The issuer of codes handed over after an identity check at the counter.
const OFFICE: &str = "registration_office";
/// How early before the 16th birthday the SDM may ask for a code.
pub const SDM_WINDOW_DAYS: i64 = 30;

fn new_code() -> String {
    crate::crypto::random_code(3)
}

/// The code as stored: upper case, no separators, look-alike letters mapped to digits.
pub fn normalise_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

fn code_hash(state: &AppState, code: &str) -> String {
    state
        .secrets
        .lookup_hash(&format!("claim:{}", normalise_code(code)))
}

/// A new office claim code and its stored hash ([`issue_office`] issues it).
pub(crate) fn office_code(state: &AppState) -> (String, String) {
    let code = new_code();
    (code.clone(), code_hash(state, &code))
}

/// Issues an office claim code in the caller's transaction; answers its expiry.
pub(crate) fn issue_office(
    c: &mut DbConn,
    id: &PatientId,
    hash: String,
    now: i64,
) -> ApiResult<i64> {
    issue(c, id, OFFICE, hash, now)
}

fn issue(
    c: &mut DbConn,
    patient_id: &PatientId,
    issued_by: &str,
    hash: String,
    now: i64,
) -> ApiResult<i64> {
    let expires_at = expires_at_ms(now, CLAIM_CODE_TTL);
    store::jobs::issue_claim_code(
        c,
        &ClaimCode {
            id: Uuid::now_v7().to_string(),
            patient_id: patient_id.to_string(),
            code_hash: hash,
            issued_by: issued_by.to_owned(),
            created_at: now,
            expires_at,
            used_at: None,
            revoked_at: None,
        },
    )?;
    Ok(expires_at)
}

fn not_available() -> ApiError {
    ApiError::conflict(ErrorCode::ClaimCodeNotAvailable)
}

/// The SDM asks for a code in the last 30 days before the dependant's 16th birthday.
pub async fn sdm_code(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<ClaimCodeResponse> {
    let acting = super::act_for(state, who, patient_id, "issue_claim_code").await?;
    if acting.link_id.is_none() {
        return Err(ApiError::conflict(ErrorCode::AlreadyClaimed));
    }
    let code = new_code();
    let hash = code_hash(state, &code);
    let today = state.clock.today_hk();
    let now = state.now_ms();
    let expires_at = state
        .db
        .transaction(move |c| {
            acting.record(c, now)?;
            let p =
                store::patients::find(c, &acting.patient_id)?.ok_or_else(ApiError::not_found)?;
            let ends = authority_ends_on(parse_dob(&p.date_of_birth)?).ok_or_else(not_available)?;
            if today >= ends || (ends - today).num_days() > SDM_WINDOW_DAYS {
                return Err(not_available());
            }
            if store::passkeys::has_any(c, &p.id)? {
                return Err(ApiError::conflict(ErrorCode::AlreadyClaimed));
            }
            issue(c, &p.id, &format!("sdm:{}", acting.actor_id), hash, now)
        })
        .await?;
    tracing::info!(%patient_id, "claim code issued by an sdm");
    Ok(ClaimCodeResponse {
        claim_code: code,
        expires_at: rfc3339_ms(expires_at),
    })
}

/// The registration office issues a code any time from the 16th birthday on.
pub async fn officer_code(
    state: &AppState,
    patient_id: &PatientId,
) -> ApiResult<ClaimCodeResponse> {
    let (code, hash) = office_code(state);
    let today = state.clock.today_hk();
    let now = state.now_ms();
    let id = patient_id.to_owned();
    let expires_at = state
        .db
        .transaction(move |c| {
            if !store::patients::lock(c, &id)? {
                return Err(ApiError::not_found());
            }
            let p = store::patients::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            let ends = authority_ends_on(parse_dob(&p.date_of_birth)?).ok_or_else(not_available)?;
            if today < ends {
                return Err(not_available());
            }
            if store::passkeys::has_any(c, &p.id)? {
                return Err(ApiError::conflict(ErrorCode::AlreadyClaimed));
            }
            issue_office(c, &p.id, hash, now)
        })
        .await?;
    tracing::info!(%patient_id, "claim code issued by the registration office");
    Ok(ClaimCodeResponse {
        claim_code: code,
        expires_at: rfc3339_ms(expires_at),
    })
}

/// The claim's profile: which code it will consume.
#[derive(serde::Serialize, serde::Deserialize)]
struct ClaimProfile {
    claim_code_id: String,
    /// `registration_office` (identity checked at the counter) or `sdm:<id>`.
    #[serde(default)]
    issued_by: String,
}

/// The person a claim is for and the live code it will consume: the document, the date of
/// birth and the code must all match (refused with one code whichever was wrong), from the
/// 16th birthday on, and only while nobody holds a passkey for the account.
fn claimant(
    c: &mut DbConn,
    id_hash: &str,
    dob: NaiveDate,
    hash: &str,
    today: NaiveDate,
    now: i64,
) -> ApiResult<(Patient, ClaimCode)> {
    let refused = || ApiError::forbidden(ErrorCode::ClaimInvalid);
    let p = store::patients::find_by_id_hash(c, id_hash)?.ok_or_else(refused)?;
    let born = parse_dob(&p.date_of_birth)?;
    if born != dob {
        return Err(refused());
    }
    let code = store::jobs::live_claim_code(c, &p.id, hash, now)?.ok_or_else(refused)?;
    if authority_ends_on(born).is_none_or(|d| today < d) {
        return Err(ApiError::forbidden(ErrorCode::ClaimTooEarly));
    }
    if store::passkeys::has_any(c, &p.id)? {
        return Err(ApiError::conflict(ErrorCode::AlreadyClaimed));
    }
    Ok((p, code))
}

/// Checks document, date of birth and code together (refusing with one code whichever was
/// wrong), then starts the passkey ceremony for the existing patient id.
pub async fn start(
    state: &AppState,
    req: ClaimAccountRequest,
    client: &str,
) -> ApiResult<CreateRegistrationResponse> {
    rate_limit(
        state,
        &format!("addr:{client}"),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let today = state.clock.today_hk();
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(ApiError::validation)?;
    let dob = person::parse_date_of_birth(&req.date_of_birth, "date_of_birth", today)
        .map_err(|e| ApiError::validation(vec![e]))?;
    let id_hash = state.secrets.lookup_hash(&identity.uniqueness_key());
    // Per address and document, so nobody can lock a young person out by failing for them.
    rate_limit(
        state,
        &format!("claim:{client}:{id_hash}"),
        state.config.rate_limit_per_identity,
        Duration::from_secs(3600),
    )
    .await?;
    let hash = code_hash(state, &req.claim_code);
    let now = state.now_ms();
    let (patient, code) = state
        .db
        .run(move |c| claimant(c, &id_hash, dob, &hash, today, now))
        .await?;
    let handle = Uuid::parse_str(&patient.id).map_err(ApiError::internal)?;
    let name = english_name(&patient);
    let full_name = format!("{} {}", name.surname, name.given_names);
    let display = patient.chinese_name.clone().unwrap_or(full_name.clone());
    let (options, ceremony) = start_passkey(&state.webauthn, handle, &full_name, &display, vec![])?;
    let expires_at = expires_at_ms(now, state.config.registration_ttl);
    let row = Registration {
        id: Uuid::now_v7().to_string(),
        kind: KIND_CLAIM.to_owned(),
        patient_id: Some(patient.id.to_string()),
        user_handle: patient.id.to_string(),
        id_hash: None,
        profile: Some(
            serde_json::to_string(&ClaimProfile {
                claim_code_id: code.id,
                issued_by: code.issued_by,
            })
            .map_err(ApiError::internal)?,
        ),
        ceremony: serde_json::to_string(&ceremony).map_err(ApiError::internal)?,
        created_at: now,
        expires_at,
        completed_at: None,
    };
    let registration_id = row.id.clone();
    state
        .db
        .run(move |c| Ok(store::registrations::insert(c, &row)?))
        .await?;
    tracing::info!(%registration_id, patient_id = %patient.id, "account claim started");
    Ok(CreateRegistrationResponse {
        registration_id,
        creation_options: options,
        expires_at: rfc3339_ms(expires_at),
    })
}

/// Finishes a claim: consumes the code, stores the passkey, signs the young person in and ends
/// the child links that are left (their SDMs hear about it).
pub async fn complete(
    state: &AppState,
    reg: Registration,
    req: CompleteRegistrationRequest,
) -> ApiResult<TokenResponse> {
    let (reg, ceremony) =
        open_ceremony(state, &reg.id, KIND_CLAIM, reg.patient_id.as_deref()).await?;
    let passkey = state
        .webauthn
        .finish_passkey_registration(&req.credential, &ceremony)
        .map_err(|e| ceremony_error(&e, actix_web::http::StatusCode::BAD_REQUEST))?;
    let profile = reg
        .profile
        .as_deref()
        .ok_or_else(|| ApiError::internal("claim without a profile"))?;
    let profile: ClaimProfile = serde_json::from_str(profile).map_err(ApiError::internal)?;
    let patient_id = PatientId::from(
        reg.patient_id
            .clone()
            .ok_or_else(|| ApiError::internal("claim without a patient"))?,
    );
    let now = state.now_ms();
    let passkey_row = PasskeyRow {
        id: Uuid::now_v7().to_string(),
        credential_id: base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            passkey.cred_id(),
        ),
        patient_id: patient_id.to_string(),
        passkey: serde_json::to_string(&passkey).map_err(ApiError::internal)?,
        created_at: now,
        last_used_at: None,
    };
    let life = state.token_lifetimes();
    let device = req.device;
    let claimed = patient_id.clone();
    let (device_id, issued) = state
        .db
        .transaction(move |c| {
            let patient_id = claimed;
            if !store::registrations::mark_completed(c, &reg.id, now)? {
                return Err(ApiError::conflict(ErrorCode::RegistrationAlreadyCompleted));
            }
            store::patients::lock(c, &patient_id)?;
            if store::passkeys::has_any(c, &patient_id)?
                || !store::jobs::use_claim_code(c, &profile.claim_code_id, now)?
            {
                return Err(ApiError::conflict(ErrorCode::AlreadyClaimed));
            }
            if store::passkeys::credential_taken(c, &passkey_row.credential_id)? {
                return Err(ApiError::conflict(ErrorCode::CredentialAlreadyRegistered));
            }
            store::passkeys::insert(c, &passkey_row)
                .map_err(|e| unique_as(e, ErrorCode::CredentialAlreadyRegistered))?;
            store::jobs::revoke_claim_codes(c, &patient_id, now)?;
            end_child_links(c, &patient_id, now)?;
            // Only the registration office checked who holds an office-issued code; after a
            // claim with the SDM's code the young person verifies their identity themselves.
            if profile.issued_by != OFFICE {
                store::patients::reset_verification(c, &patient_id, now)?;
            }
            let device_id = attach_device(c, &patient_id, &device, now)?;
            let issued = store::sessions::create(c, &patient_id, &device_id, now, life)?;
            Ok((device_id, issued))
        })
        .await?;
    tracing::info!(patient_id = %reg.user_handle, %device_id, "account claimed");
    Ok(token_response(patient_id, device_id, issued, life))
}

fn end_child_links(c: &mut DbConn, patient_id: &PatientId, now: i64) -> ApiResult<()> {
    // Id order, as the coming-of-age job takes them, so the two never lock in opposite orders.
    let mut links = family::of_patient(c, patient_id)?;
    links.sort_by(|a, b| a.id.cmp(&b.id));
    for link in links {
        if link.is_child() && link.is_open() {
            family::end(c, &link.id, CAME_OF_AGE, patient_id, now)?;
        }
        if link.is_child() && link.is(SdmLinkStatus::Active) {
            store::outbox::enqueue(
                c,
                &OutboxRow::notice(
                    &link.sdm_patient_id,
                    notices::account_claimed(patient_id, &link.id),
                    now,
                )?,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_survive_retyping() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert_eq!(normalise_code(&code.to_lowercase()), normalise_code(&code));
        assert_eq!(normalise_code(" 7kq4-m2zd-h9xa "), "7KQ4M2ZDH9XA");
        // Look-alike letters read as the digits they resemble.
        assert_eq!(normalise_code("O0-Il"), "0011");
        assert!(
            normalise_code(&code)
                .bytes()
                .all(|b| crate::crypto::CODE_ALPHABET.contains(&b))
        );
    }
}
