use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs_proto::{CreationChallengeResponse, RegisterPublicKeyCredential};

use crate::auth::DevicePlatform;
use crate::registration::{EnglishName, IdentityDocumentType, Language, Sex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PatientStatus {
    /// Registered; own diaries and reminders work, no sharing yet.
    Unverified,
    /// Identity checked by the registration office.
    Verified,
    /// Withdrawn from the system; sharing has stopped.
    Withdrawn,
}

impl PatientStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::Verified => "verified",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Unverified, Self::Verified, Self::Withdrawn]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    IamSmart,
    InPerson,
    HcpCounter,
}

impl VerificationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IamSmart => "iam_smart",
            Self::InPerson => "in_person",
            Self::HcpCounter => "hcp_counter",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::IamSmart, Self::InPerson, Self::HcpCounter]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// How and when a patient's identity was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    pub method: VerificationMethod,
    /// RFC 3339 instant.
    pub verified_at: String,
}

/// An identity document with its number masked, e.g. `A123***(*)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MaskedIdentityDocument {
    #[serde(rename = "type")]
    pub doc_type: IdentityDocumentType,
    pub number_masked: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceResponse {
    pub device_id: String,
    pub name: String,
    pub platform: DevicePlatform,
    pub created_at: String,
    pub last_seen_at: String,
    /// True for the device this request was made from.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListDevicesResponse {
    pub devices: Vec<DeviceResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PasskeyResponse {
    pub passkey_id: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
}

/// `GET /v1/me`: the signed-in person's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    pub patient_id: String,
    pub identity_document: MaskedIdentityDocument,
    pub english_name: EnglishName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chinese_name: Option<String>,
    #[schema(format = Date)]
    pub date_of_birth: String,
    pub sex: Sex,
    /// E.164.
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub preferred_language: Language,
    pub notify_on_access: bool,
    pub status: PatientStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    pub devices: Vec<DeviceResponse>,
    pub passkeys: Vec<PasskeyResponse>,
}

/// `PATCH /v1/patients/{patient_id}/preferences`: change what is given, keep the rest.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UpdatePreferencesRequest {
    /// Be told (push) of every attempt to read the record, allowed or refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_on_access: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<Language>,
}

/// The patient's preferences as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PreferencesResponse {
    pub patient_id: String,
    pub notify_on_access: bool,
    pub preferred_language: Language,
}

/// Start adding a passkey (e.g. for a new phone) while signed in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatePasskeyResponse {
    pub registration_id: String,
    #[schema(value_type = Object)]
    pub creation_options: CreationChallengeResponse,
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompletePasskeyRequest {
    #[schema(value_type = Object)]
    pub credential: RegisterPublicKeyCredential,
}

/// Registration office: record that a patient's identity was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerifyPatientRequest {
    pub method: VerificationMethod,
    /// The office's reference for the check (e.g. counter receipt number).
    pub reference: String,
    /// Who checked the identity (staff number or name), recorded with the verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
    /// For a dependant: the SDM links whose relationship the documents showed. Required when
    /// the person has open SDM links: the named ones are confirmed (a pending one becomes
    /// active), every other open link ends (`ended_by_office`) and its holder is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_link_ids: Option<Vec<String>>,
}

/// Registration office: a record someone registered for a person, which the office never
/// verified, gives up their identity document so the person can register themselves (e.g. an
/// adult's identity card registered as a "child" with an invented date of birth).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReleaseIdentityRequest {
    /// Why (kept on the record's links and shown to their holders in the app).
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReleaseIdentityResponse {
    pub patient_id: String,
    /// `withdrawn`: the record holds no identity any more.
    pub status: PatientStatus,
    /// The record's open SDM links, now ended (`ended_by_office`).
    pub ended_link_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerifyPatientResponse {
    pub patient_id: String,
    pub status: PatientStatus,
    pub verification: Verification,
    pub reference: String,
    /// The officer recorded, or `registration_office` when none was named.
    pub verified_by: String,
    /// The SDM links confirmed by this verification.
    #[serde(default)]
    pub confirmed_link_ids: Vec<String>,
    /// The open SDM links this verification ended (`ended_by_office`).
    #[serde(default)]
    pub ended_link_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_wire_names() {
        for s in [
            PatientStatus::Unverified,
            PatientStatus::Verified,
            PatientStatus::Withdrawn,
        ] {
            assert_eq!(PatientStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.as_str()))
            );
        }
        for m in [
            VerificationMethod::IamSmart,
            VerificationMethod::InPerson,
            VerificationMethod::HcpCounter,
        ] {
            assert_eq!(VerificationMethod::parse(m.as_str()), Some(m));
            assert_eq!(
                serde_json::to_value(m).ok(),
                Some(serde_json::json!(m.as_str()))
            );
        }
    }
}
