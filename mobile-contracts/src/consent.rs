//! Sharing consent, the HCP consent feed, access keys, records and reading them (the access
//! log is in `access_log.rs`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::hcp::wire_enum;
use crate::registration::IdentityDocument;

wire_enum! {
    /// `indefinite` (until revoked; the default) or `one_year` (the earlier regime).
    ConsentType { Indefinite = "indefinite", OneYear = "one_year" }
}

wire_enum! {
    /// How the consent was given.
    ConsentMethod {
        App = "app", AccessKey = "access_key", SmartCard = "smart_card",
        ConsentRequest = "consent_request",
        /// A legacy one-year consent brought over by `ehealth import-consents`.
        Import = "import",
    }
}

wire_enum! {
    ConsentStatus {
        Active = "active", Revoked = "revoked", Expired = "expired",
        /// Ended because the patient withdrew from the system.
        Ended = "ended",
    }
}

wire_enum! {
    /// Kinds of event in an HCP's consent feed.
    ConsentEventType {
        Granted = "granted", Renewed = "renewed", Revoked = "revoked", Expired = "expired",
    }
}

wire_enum! {
    /// Record data categories (DOMAIN.md).
    DataCategory {
        AllergyAdr = "allergy_adr", Vaccination = "vaccination", Medication = "medication",
        LabResult = "lab_result", Radiology = "radiology", Diagnosis = "diagnosis",
        Encounter = "encounter", ChineseMedicine = "chinese_medicine",
        PatientReported = "patient_reported",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateConsentRequest {
    pub hcp_id: String,
    #[serde(default = "indefinite", rename = "type")]
    pub consent_type: ConsentType,
}

fn indefinite() -> ConsentType {
    ConsentType::Indefinite
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentResponse {
    pub consent_id: String,
    pub patient_id: String,
    pub hcp_id: String,
    pub hcp_name_en: String,
    pub hcp_name_zh: String,
    #[serde(rename = "type")]
    pub consent_type: ConsentType,
    pub method: ConsentMethod,
    pub status: ConsentStatus,
    pub granted_at: String,
    /// One-year consents: the last Hong Kong day they are valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date)]
    pub valid_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListConsentsResponse {
    pub consents: Vec<ConsentResponse>,
}

/// A new 8-digit access key, shown once; the previous key stops working at once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessKeyResponse {
    pub access_key: String,
}

impl std::fmt::Debug for AccessKeyResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKeyResponse { .. }")
    }
}

/// At the HCP: the patient gives consent with their identity document and access key.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsentByAccessKeyRequest {
    pub identity_document: IdentityDocument,
    pub access_key: String,
}

impl std::fmt::Debug for ConsentByAccessKeyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsentByAccessKeyRequest { .. }")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentEvent {
    /// Gap-free per HCP, starting at 1.
    pub seq: i64,
    pub event: ConsentEventType,
    pub consent_id: String,
    pub patient_id: String,
    pub at: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsentEventsQuery {
    /// The `cursor` of the previous page (the last `seq` seen); absent to start at the beginning.
    pub cursor: Option<String>,
    /// 1-500, default 100.
    pub limit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentEventsResponse {
    pub events: Vec<ConsentEvent>,
    /// Give it back to resume after the last event returned.
    pub cursor: String,
    pub has_more: bool,
}

/// An HCP deposits a record (this joining consent lets any participating HCP deposit).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DepositRecordRequest {
    pub category: DataCategory,
    pub code: String,
    pub display: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// RFC 3339 instant.
    pub recorded_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordResponse {
    pub record_id: String,
    pub patient_id: String,
    pub hcp_id: String,
    pub category: DataCategory,
    pub code: String,
    pub display: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub recorded_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListRecordsResponse {
    pub records: Vec<RecordResponse>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PatientLookupRequest {
    pub identity_document: IdentityDocument,
}

impl std::fmt::Debug for PatientLookupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PatientLookupRequest { .. }")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PatientLookupResponse {
    pub patient_id: String,
}

/// A healthcare professional asks to read a patient's record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordReadRequest {
    /// Why, in a few words; shown to the patient.
    pub purpose: String,
    /// The patient is under your care (required `true`).
    pub under_care: bool,
    /// Default: every category your profession may read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<DataCategory>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordReadResponse {
    /// The access-log entry of this read.
    pub access_id: String,
    pub categories: Vec<DataCategory>,
    pub records: Vec<RecordResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WithdrawResponse {
    pub patient_id: String,
    pub status: crate::account::PatientStatus,
    pub consents_ended: i64,
}

wire_enum! {
    ConsentRequestStatus { Pending = "pending", Approved = "approved", Declined = "declined" }
}

/// An HCP asks a patient (or their SDMs) for sharing consent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateConsentRequestRequest {
    pub patient_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentRequestResponse {
    pub request_id: String,
    pub patient_id: String,
    pub hcp_id: String,
    pub hcp_name_en: String,
    pub hcp_name_zh: String,
    pub status: ConsentRequestStatus,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// The consent an approval gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListConsentRequestsResponse {
    pub requests: Vec<ConsentRequestResponse>,
}

/// Registration office: a server-to-server client of an HCP.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateHcpSystemRequest {
    pub name: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HcpSystemCredentials {
    pub client_id: String,
    /// Shown once; stored only as an argon2 hash.
    pub client_secret: String,
}

impl std::fmt::Debug for HcpSystemCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HcpSystemCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Client-credentials grant: an HCP system exchanges its id and secret for a bearer token.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct SystemTokenRequest {
    /// Always `client_credentials`.
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for SystemTokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemTokenRequest")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct SystemTokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_in: i64,
    pub hcp_id: String,
}

impl std::fmt::Debug for SystemTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemTokenResponse")
            .field("hcp_id", &self.hcp_id)
            .finish_non_exhaustive()
    }
}

/// An HCP system reports the patient's smart identity card inserted at its reader.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct SmartCardConsentRequest {
    /// From `POST /v1/hcp/card-reads`, asked for when the card was inserted; usable once,
    /// within 120 seconds.
    pub card_read_id: String,
    /// As read from the card's chip (an `hkid`).
    pub identity_document: IdentityDocument,
    /// When the card was read (RFC 3339); must be within the last 5 minutes.
    pub card_read_at: String,
}

/// A card read just started at an HCP system's reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CardReadResponse {
    pub card_read_id: String,
    /// Seconds within which the read must be reported (120).
    pub expires_in: i64,
}

impl std::fmt::Debug for SmartCardConsentRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmartCardConsentRequest { .. }")
    }
}
