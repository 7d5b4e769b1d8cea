use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs_proto::{CreationChallengeResponse, RegisterPublicKeyCredential};

use crate::auth::DeviceInfo;

/// Kind of identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityDocumentType {
    /// Hong Kong identity card.
    Hkid,
    /// Hong Kong birth certificate (same number format as the HKID).
    HkBirthCert,
    /// Document of Identity for Visa Purposes.
    DocOfIdentity,
    /// Passport; `issuing_country` is required.
    Passport,
    Other,
}

impl IdentityDocumentType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hkid => "hkid",
            Self::HkBirthCert => "hk_birth_cert",
            Self::DocOfIdentity => "doc_of_identity",
            Self::Passport => "passport",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Hkid,
            Self::HkBirthCert,
            Self::DocOfIdentity,
            Self::Passport,
            Self::Other,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// An identity document as typed by the person.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IdentityDocument {
    #[serde(rename = "type")]
    pub doc_type: IdentityDocumentType,
    /// For `hkid` / `hk_birth_cert`: `A123456(3)`, brackets and case optional.
    pub number: String,
    /// ISO 3166-1 alpha-2 or alpha-3 code; required for `passport`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
}

impl std::fmt::Debug for IdentityDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityDocument")
            .field("doc_type", &self.doc_type)
            .field("number", &"<redacted>")
            .field("issuing_country", &self.issuing_country)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnglishName {
    pub surname: String,
    pub given_names: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Sex {
    M,
    F,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::M => "M",
            Self::F => "F",
        }
    }
}

/// Language for the app, notifications and error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-HK")]
    ZhHk,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhHk => "zh-HK",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::En, Self::ZhHk].into_iter().find(|l| l.as_str() == s)
    }
}

/// Start of self-registration (people aged 16 or over on today's Hong Kong date).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateRegistrationRequest {
    pub identity_document: IdentityDocument,
    pub english_name: EnglishName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chinese_name: Option<String>,
    /// Calendar date, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub date_of_birth: String,
    pub sex: Sex,
    /// A Hong Kong number (8 digits, `+852` optional) or another country's in E.164.
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub preferred_language: Language,
    /// Whether to be notified of every access to the record (default true).
    #[serde(default = "default_true")]
    pub notify_on_access: bool,
}

fn default_true() -> bool {
    true
}

/// WebAuthn creation options in the standard JSON form (binary fields base64url), as taken by
/// Android Credential Manager, iOS AuthenticationServices and browsers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateRegistrationResponse {
    pub registration_id: String,
    #[schema(value_type = Object)]
    pub creation_options: CreationChallengeResponse,
    /// When this registration can no longer be completed (RFC 3339).
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompleteRegistrationRequest {
    /// The `RegistrationResponseJSON` the platform returned.
    #[schema(value_type = Object)]
    pub credential: RegisterPublicKeyCredential,
    pub device: DeviceInfo,
}
