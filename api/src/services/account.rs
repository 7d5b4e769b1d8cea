//! The signed-in patient's own account: profile, devices and passkeys.

pub mod preferences;
pub mod withdraw;

use actix_web::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ehealth_contracts::{
    CompletePasskeyRequest, CreatePasskeyResponse, DevicePlatform, DeviceResponse, EnglishName,
    ErrorCode, IdentityDocumentType, Language, MaskedIdentityDocument, MeResponse, PasskeyResponse,
    PatientStatus, Sex, Verification, VerificationMethod,
};
use webauthn_rs::prelude::{CredentialID, Passkey, Uuid};

use super::ceremony::open_ceremony;
use super::checks::{checked_push_token, unique_as};
use super::limits::expires_at_ms;
use crate::auth::webauthn::{ceremony_error, start_passkey};
use crate::clock::rfc3339_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::{
    self, devices::Device, passkeys::PasskeyRow, patients::Patient, registrations::Registration,
};

pub async fn me(state: &AppState, who: &PatientSession) -> ApiResult<MeResponse> {
    let patient_id = who.patient_id.clone();
    let (patient, devices, passkeys) = state
        .db
        .run(move |c| {
            let p = store::patients::find(c, &patient_id)?.ok_or_else(ApiError::not_found)?;
            let d = store::devices::list_active(c, &patient_id)?;
            let k = store::passkeys::list_for_patient(c, &patient_id)?;
            Ok((p, d, k))
        })
        .await?;
    profile(patient, devices, passkeys, &who.device_id)
}

fn profile(
    p: Patient,
    devices: Vec<Device>,
    passkeys: Vec<PasskeyRow>,
    current: &str,
) -> ApiResult<MeResponse> {
    let corrupt = |what: &str| ApiError::internal(format!("patient row has an unknown {what}"));
    let verification = match (p.verification_method.as_deref(), p.verified_at) {
        (Some(m), Some(at)) => Some(Verification {
            method: VerificationMethod::parse(m).ok_or_else(|| corrupt("verification method"))?,
            verified_at: rfc3339_ms(at),
        }),
        _ => None,
    };
    Ok(MeResponse {
        patient_id: p.id.into(),
        identity_document: MaskedIdentityDocument {
            doc_type: IdentityDocumentType::parse(&p.id_doc_type)
                .ok_or_else(|| corrupt("document type"))?,
            number_masked: p.id_masked,
            issuing_country: p.id_issuing_country,
        },
        english_name: EnglishName {
            surname: p.english_surname,
            given_names: p.english_given_names,
        },
        chinese_name: p.chinese_name,
        date_of_birth: p.date_of_birth,
        sex: match p.sex.as_str() {
            "F" => Sex::F,
            "M" => Sex::M,
            _ => return Err(corrupt("sex")),
        },
        phone: p.phone,
        email: p.email,
        preferred_language: Language::parse(&p.preferred_language)
            .ok_or_else(|| corrupt("language"))?,
        notify_on_access: p.notify_on_access,
        status: PatientStatus::parse(&p.status).ok_or_else(|| corrupt("status"))?,
        verification,
        devices: devices
            .into_iter()
            .map(|d| device_response(d, current))
            .collect::<ApiResult<_>>()?,
        passkeys: passkeys
            .into_iter()
            .map(|k| PasskeyResponse {
                passkey_id: k.id,
                created_at: rfc3339_ms(k.created_at),
                last_used_at: k.last_used_at.map(rfc3339_ms),
            })
            .collect(),
    })
}

fn device_response(d: Device, current: &str) -> ApiResult<DeviceResponse> {
    Ok(DeviceResponse {
        current: d.id == current,
        platform: match d.platform.as_str() {
            "android" => DevicePlatform::Android,
            "ios" => DevicePlatform::Ios,
            "web" => DevicePlatform::Web,
            _ => return Err(ApiError::internal("device row has an unknown platform")),
        },
        device_id: d.id.into(),
        name: d.name,
        created_at: rfc3339_ms(d.created_at),
        last_seen_at: rfc3339_ms(d.last_seen_at),
    })
}

pub async fn list_devices(
    state: &AppState,
    who: &PatientSession,
) -> ApiResult<Vec<DeviceResponse>> {
    let patient_id = who.patient_id.clone();
    let devices = state
        .db
        .run(move |c| Ok(store::devices::list_active(c, &patient_id)?))
        .await?;
    devices
        .into_iter()
        .map(|d| device_response(d, &who.device_id))
        .collect()
}

/// Removes one of the caller's devices and ends its sessions. Anyone else's device is 404.
pub async fn remove_device(
    state: &AppState,
    who: &PatientSession,
    device_id: &str,
) -> ApiResult<()> {
    let now = state.now_ms();
    let patient_id = who.patient_id.clone();
    let device_id = device_id.to_owned();
    state
        .db
        .transaction(move |c| {
            store::devices::find_active(c, &patient_id, &device_id)?
                .ok_or_else(ApiError::not_found)?;
            store::devices::revoke(c, &device_id, now)?;
            store::sessions::revoke_for_device(c, &device_id, "device_removed", now)?;
            Ok(())
        })
        .await?;
    tracing::info!(patient_id = %who.patient_id, "device removed");
    Ok(())
}

pub async fn start_passkey_enrolment(
    state: &AppState,
    who: &PatientSession,
) -> ApiResult<CreatePasskeyResponse> {
    let now = state.now_ms();
    let patient_id = who.patient_id.clone();
    let (patient, existing) = state
        .db
        .run(move |c| {
            let p = store::patients::find(c, &patient_id)?.ok_or_else(ApiError::not_found)?;
            Ok((p, store::passkeys::list_for_patient(c, &patient_id)?))
        })
        .await?;
    let exclude: Vec<CredentialID> = existing
        .iter()
        .map(|k| {
            URL_SAFE_NO_PAD
                .decode(&k.credential_id)
                .map_err(ApiError::internal)
        })
        .collect::<ApiResult<_>>()?;
    let handle = Uuid::parse_str(&patient.id).map_err(ApiError::internal)?;
    let full_name = format!(
        "{} {}",
        patient.english_surname, patient.english_given_names
    );
    let display = patient
        .chinese_name
        .clone()
        .unwrap_or_else(|| full_name.clone());
    let (options, ceremony) =
        start_passkey(&state.webauthn, handle, &full_name, &display, exclude)?;
    let expires_at = expires_at_ms(now, state.config.registration_ttl);
    let row = Registration {
        id: Uuid::now_v7().to_string(),
        kind: store::registrations::KIND_PASSKEY.to_owned(),
        patient_id: Some(patient.id.to_string()),
        user_handle: patient.id.into(),
        id_hash: None,
        profile: None,
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
    Ok(CreatePasskeyResponse {
        registration_id,
        creation_options: options,
        expires_at: rfc3339_ms(expires_at),
    })
}

pub async fn complete_passkey_enrolment(
    state: &AppState,
    who: &PatientSession,
    registration_id: &str,
    req: CompletePasskeyRequest,
) -> ApiResult<PasskeyResponse> {
    let (reg, ceremony) = open_ceremony(
        state,
        registration_id,
        store::registrations::KIND_PASSKEY,
        Some(&who.patient_id),
    )
    .await?;
    let passkey: Passkey = state
        .webauthn
        .finish_passkey_registration(&req.credential, &ceremony)
        .map_err(|e| ceremony_error(&e, StatusCode::BAD_REQUEST))?;
    let now = state.now_ms();
    let row = PasskeyRow {
        id: Uuid::now_v7().to_string(),
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        patient_id: who.patient_id.to_string(),
        passkey: serde_json::to_string(&passkey).map_err(ApiError::internal)?,
        created_at: now,
        last_used_at: None,
    };
    let response = PasskeyResponse {
        passkey_id: row.id.clone(),
        created_at: rfc3339_ms(now),
        last_used_at: None,
    };
    state
        .db
        .transaction(move |c| {
            if !store::registrations::mark_completed(c, &reg.id, now)? {
                return Err(ApiError::conflict(ErrorCode::RegistrationAlreadyCompleted));
            }
            if store::passkeys::credential_taken(c, &row.credential_id)? {
                return Err(ApiError::conflict(ErrorCode::CredentialAlreadyRegistered));
            }
            store::passkeys::insert(c, &row)
                .map_err(|e| unique_as(e, ErrorCode::CredentialAlreadyRegistered))
        })
        .await?;
    Ok(response)
}

/// Registers (or replaces) the push token of one of the caller's devices.
pub async fn put_push_token(
    state: &AppState,
    who: &PatientSession,
    device_id: &str,
    req: ehealth_contracts::PutPushTokenRequest,
) -> ApiResult<ehealth_contracts::PushTokenResponse> {
    let token = checked_push_token(&req.token)?;
    let now = state.now_ms();
    let row = store::push::PushToken {
        device_id: device_id.to_owned(),
        token,
        platform: req.platform.as_str().to_owned(),
        locale: req.locale.as_str().to_owned(),
        updated_at: now,
    };
    let patient = who.patient_id.clone();
    state
        .db
        .transaction(move |c| {
            store::devices::find_active(c, &patient, &row.device_id)?
                .ok_or_else(ApiError::not_found)?;
            Ok(store::push::put_token(c, &row)?)
        })
        .await?;
    Ok(ehealth_contracts::PushTokenResponse {
        device_id: device_id.to_owned(),
        platform: req.platform,
        locale: req.locale,
        updated_at: rfc3339_ms(now),
    })
}
