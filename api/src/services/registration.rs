//! Self-registration of people aged 16 or over: validate, start a passkey ceremony, and on
//! completion create the patient, their passkey, device and first session in one transaction.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use ehealth_contracts::{
    CompleteRegistrationRequest, CreateRegistrationRequest, CreateRegistrationResponse, ErrorCode,
    IdentityDocumentType, Language, PatientStatus, Sex, TokenResponse,
};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::Uuid;

use super::ceremony::open_ceremony;
use super::checks::{take, unique_as};
use super::limits::{expires_at_ms, rate_limit};
use super::tokens::{attach_device, token_response};
use crate::auth::webauthn::{ceremony_error, start_passkey};
use crate::clock::rfc3339_ms;
use crate::domain::identity::ValidIdentity;
use crate::domain::person::{self, ADULT_AGE};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::services::family::released;
use crate::state::AppState;
use crate::store::{self, passkeys::PasskeyRow, patients::Patient, registrations::Registration};

/// A registration request that passed every rule.
#[derive(Debug)]
pub struct ValidRegistration {
    pub identity: ValidIdentity,
    pub surname: String,
    pub given_names: String,
    pub chinese_name: Option<String>,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub phone: String,
    pub email: Option<String>,
    pub language: Language,
    pub notify_on_access: bool,
}

/// Checks every field, reporting all invalid ones together, then the age rule.
pub fn validate(req: &CreateRegistrationRequest, today: NaiveDate) -> ApiResult<ValidRegistration> {
    let mut errors: Vec<FieldError> = Vec::new();
    let surname = take(
        &mut errors,
        person::english_name_part(&req.english_name.surname, "english_name.surname", 40),
    );
    let given_names = take(
        &mut errors,
        person::english_name_part(
            &req.english_name.given_names,
            "english_name.given_names",
            80,
        ),
    );
    let chinese_name = req
        .chinese_name
        .as_deref()
        .map(|c| take(&mut errors, person::chinese_name(c, "chinese_name")))
        .unwrap_or(Some(None));
    let dob = take(
        &mut errors,
        person::parse_date_of_birth(&req.date_of_birth, "date_of_birth", today),
    );
    let phone = take(&mut errors, person::phone(&req.phone, "phone"));
    let email = req
        .email
        .as_deref()
        .map(|e| take(&mut errors, person::email(e, "email")))
        .unwrap_or(Some(None));
    let identity = ValidIdentity::parse(&req.identity_document, "identity_document")
        .map_err(|e| errors.extend(e))
        .ok();

    let (
        Some(identity),
        Some(surname),
        Some(given_names),
        Some(chinese_name),
        Some(date_of_birth),
        Some(phone),
        Some(email),
    ) = (
        identity,
        surname,
        given_names,
        chinese_name,
        dob,
        phone,
        email,
    )
    else {
        return Err(ApiError::validation(errors));
    };
    if !person::has_attained(date_of_birth, ADULT_AGE, today) {
        return Err(ApiError::unprocessable(
            ErrorCode::RequiresSubstituteDecisionMaker,
        ));
    }
    Ok(ValidRegistration {
        identity,
        surname,
        given_names,
        chinese_name,
        date_of_birth,
        sex: req.sex,
        phone,
        email,
        language: req.preferred_language,
        notify_on_access: req.notify_on_access,
    })
}

const ABANDONED_RETENTION_MS: i64 = 60 * 60 * 1000;

/// The validated profile kept with a registration until it completes.
#[derive(Serialize, Deserialize)]
struct PendingProfile {
    doc_type: IdentityDocumentType,
    issuing_country: Option<String>,
    id_cipher: String,
    id_masked: String,
    surname: String,
    given_names: String,
    chinese_name: Option<String>,
    date_of_birth: String,
    sex: Sex,
    phone: String,
    email: Option<String>,
    language: Language,
    notify_on_access: bool,
}

pub async fn start(
    state: &AppState,
    req: CreateRegistrationRequest,
    client: &str,
) -> ApiResult<CreateRegistrationResponse> {
    let now = state.now_ms();
    let (valid, id_hash) = admit(state, &req, client).await?;
    let user_handle = Uuid::now_v7();
    let full_name = format!("{} {}", valid.surname, valid.given_names);
    let display = valid
        .chinese_name
        .clone()
        .unwrap_or_else(|| full_name.clone());
    let (options, ceremony) = start_passkey(
        &state.webauthn,
        user_handle,
        &full_name,
        &display,
        Vec::new(),
    )?;

    let profile = pending_profile(state, valid)?;
    let expires_at = expires_at_ms(now, state.config.registration_ttl);
    let row = Registration {
        id: Uuid::now_v7().to_string(),
        kind: store::registrations::KIND_SELF.to_owned(),
        patient_id: None,
        user_handle: user_handle.to_string(),
        id_hash: Some(id_hash),
        profile: Some(serde_json::to_string(&profile).map_err(ApiError::internal)?),
        ceremony: serde_json::to_string(&ceremony).map_err(ApiError::internal)?,
        created_at: now,
        expires_at,
        completed_at: None,
    };
    let registration_id = row.id.clone();
    state
        .db
        .run(move |c| {
            // Abandoned registrations hold personal data: keep them an hour past expiry (so a
            // late completion still learns it expired), then delete them.
            store::registrations::purge_abandoned(c, now - ABANDONED_RETENTION_MS)?;
            Ok(store::registrations::insert(c, &row)?)
        })
        .await?;
    tracing::info!(%registration_id, "registration started");
    Ok(CreateRegistrationResponse {
        registration_id,
        creation_options: options,
        expires_at: rfc3339_ms(expires_at),
    })
}

/// Rate limits the attempt, validates it and refuses an identity already registered; answers
/// the valid request and the identity's lookup hash.
async fn admit(
    state: &AppState,
    req: &CreateRegistrationRequest,
    client: &str,
) -> ApiResult<(ValidRegistration, String)> {
    rate_limit(
        state,
        &format!("addr:{client}"),
        state.config.rate_limit_per_address,
        Duration::from_secs(60),
    )
    .await?;
    let valid = validate(req, state.clock.today_hk())?;
    let id_hash = state.secrets.lookup_hash(&valid.identity.uniqueness_key());
    rate_limit(
        state,
        &format!("idn:{id_hash}"),
        state.config.rate_limit_per_identity,
        Duration::from_secs(3600),
    )
    .await?;

    let hash = id_hash.clone();
    if state
        .db
        .run(move |c| {
            Ok(store::patients::id_hash_taken(c, &hash)?
                && released::held_only_by_pending(c, &hash)?.is_none())
        })
        .await?
    {
        return Err(ApiError::conflict(ErrorCode::AlreadyRegistered));
    }
    Ok((valid, id_hash))
}

/// The profile to keep until completion, the document number encrypted.
fn pending_profile(state: &AppState, valid: ValidRegistration) -> ApiResult<PendingProfile> {
    Ok(PendingProfile {
        doc_type: valid.identity.doc_type,
        issuing_country: valid.identity.issuing_country.clone(),
        id_cipher: URL_SAFE_NO_PAD.encode(
            state
                .secrets
                .encrypt(valid.identity.number())
                .map_err(ApiError::internal)?,
        ),
        id_masked: valid.identity.masked().to_owned(),
        surname: valid.surname,
        given_names: valid.given_names,
        chinese_name: valid.chinese_name,
        date_of_birth: valid.date_of_birth.format("%Y-%m-%d").to_string(),
        sex: valid.sex,
        phone: valid.phone,
        email: valid.email,
        language: valid.language,
        notify_on_access: valid.notify_on_access,
    })
}

pub async fn complete(
    state: &AppState,
    registration_id: &str,
    req: CompleteRegistrationRequest,
) -> ApiResult<TokenResponse> {
    let id = registration_id.to_owned();
    let found = state
        .db
        .run(move |c| Ok(store::registrations::find(c, &id)?))
        .await?;
    if let Some(reg) = found.filter(|r| r.kind == store::registrations::KIND_CLAIM) {
        return super::family::claim::complete(state, reg, req).await;
    }
    let (reg, ceremony) = open_ceremony(
        state,
        registration_id,
        store::registrations::KIND_SELF,
        None,
    )
    .await?;
    let passkey = state
        .webauthn
        .finish_passkey_registration(&req.credential, &ceremony)
        .map_err(|e| ceremony_error(&e, actix_web::http::StatusCode::BAD_REQUEST))?;
    let now = state.now_ms();
    let patient = new_patient(&reg, now)?;
    let passkey_row = PasskeyRow {
        id: Uuid::now_v7().to_string(),
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        patient_id: patient.id.to_string(),
        passkey: serde_json::to_string(&passkey).map_err(ApiError::internal)?,
        created_at: now,
        last_used_at: None,
    };
    let life = state.token_lifetimes();
    let device = req.device;
    let reg_id = reg.id.clone();
    let (patient_id, device_id, issued) = state
        .db
        .transaction(move |c| {
            if !store::registrations::mark_completed(c, &reg_id, now)? {
                return Err(ApiError::conflict(ErrorCode::RegistrationAlreadyCompleted));
            }
            if let Some(held) = released::held_only_by_pending(c, &patient.id_hash)? {
                released::release(c, &held, now)?;
            } else if store::patients::id_hash_taken(c, &patient.id_hash)? {
                return Err(ApiError::conflict(ErrorCode::AlreadyRegistered));
            }
            if store::passkeys::credential_taken(c, &passkey_row.credential_id)? {
                return Err(ApiError::conflict(ErrorCode::CredentialAlreadyRegistered));
            }
            store::patients::insert(c, &patient)
                .map_err(|e| unique_as(e, ErrorCode::AlreadyRegistered))?;
            store::passkeys::insert(c, &passkey_row)
                .map_err(|e| unique_as(e, ErrorCode::CredentialAlreadyRegistered))?;
            store::sync_scopes::create_scope(c, &patient.id, &patient.id, now)?;
            let device_id = attach_device(c, &patient.id, &device, now)?;
            let issued = store::sessions::create(c, &patient.id, &device_id, now, life)?;
            Ok((patient.id, device_id, issued))
        })
        .await?;
    tracing::info!(%patient_id, %device_id, "registration completed");
    Ok(token_response(patient_id, device_id, issued, life))
}

/// A patient registered on paper by the office (verified by the caller), from a request
/// that passed [`validate`]; refuses an identity already registered (409).
pub(crate) async fn counter_patient(
    state: &AppState,
    req: &CreateRegistrationRequest,
) -> ApiResult<Patient> {
    let valid = validate(req, state.clock.today_hk())?;
    let id_hash = state.secrets.lookup_hash(&valid.identity.uniqueness_key());
    let profile = pending_profile(state, valid)?;
    let reg = Registration {
        id: String::new(),
        kind: String::new(),
        patient_id: None,
        user_handle: Uuid::now_v7().to_string(),
        id_hash: Some(id_hash),
        profile: Some(serde_json::to_string(&profile).map_err(ApiError::internal)?),
        ceremony: String::new(),
        created_at: 0,
        expires_at: 0,
        completed_at: None,
    };
    new_patient(&reg, state.now_ms())
}

/// The patient a completed self registration creates, from the profile kept with it.
fn new_patient(reg: &Registration, now: i64) -> ApiResult<Patient> {
    let profile = reg
        .profile
        .as_deref()
        .ok_or_else(|| ApiError::internal("self registration without a profile"))?;
    let profile: PendingProfile = serde_json::from_str(profile).map_err(ApiError::internal)?;
    let id_hash = reg
        .id_hash
        .clone()
        .ok_or_else(|| ApiError::internal("self registration without an identity hash"))?;
    let id_cipher = URL_SAFE_NO_PAD
        .decode(&profile.id_cipher)
        .map_err(ApiError::internal)?;
    Ok(Patient {
        id: reg.user_handle.clone().into(),
        id_doc_type: profile.doc_type.as_str().to_owned(),
        id_issuing_country: profile.issuing_country,
        id_hash,
        id_cipher,
        id_masked: profile.id_masked,
        english_surname: profile.surname,
        english_given_names: profile.given_names,
        chinese_name: profile.chinese_name,
        date_of_birth: profile.date_of_birth,
        sex: profile.sex.as_str().to_owned(),
        phone: profile.phone,
        email: profile.email,
        preferred_language: profile.language.as_str().to_owned(),
        notify_on_access: profile.notify_on_access,
        status: PatientStatus::Unverified.as_str().to_owned(),
        verification_method: None,
        verification_reference: None,
        verified_by: None,
        verified_at: None,
        created_at: now,
        updated_at: now,
    })
}
