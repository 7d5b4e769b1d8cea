//! A healthcare provider's application to join (the five steps of "register online"), its
//! applicant's account, the office's review and the technical-assistance requests.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs_proto::CreationChallengeResponse;

use crate::hcp::{District, Profession, wire_enum};

wire_enum! {
    /// The kind of healthcare provider applying.
    HcpType {
        Clinic = "clinic", GroupPractice = "group_practice",
        PrivateHospital = "private_hospital", NursingHome = "nursing_home",
        Pharmacy = "pharmacy", Laboratory = "laboratory",
        ChineseMedicineClinic = "chinese_medicine_clinic",
    }
}

wire_enum! {
    /// `draft` -> `submitted` -> (`supplement_requested` -> `submitted`)* -> `accepted` or
    /// `rejected`; `withdrawn` by the applicant before a decision.
    ApplicationStatus {
        Draft = "draft", Submitted = "submitted",
        SupplementRequested = "supplement_requested", Accepted = "accepted",
        Rejected = "rejected", Withdrawn = "withdrawn",
    }
}

wire_enum! {
    /// The parts of an application: steps 1 to 4.
    ApplicationSection {
        Provider = "provider", Users = "users", Locations = "locations",
        Documents = "documents",
    }
}

wire_enum! {
    /// Supporting documents: the business registration certificate always; a licence for
    /// private hospitals, nursing homes and pharmacies; a certificate of incorporation when
    /// the provider is a company (accepted, not required).
    SupportingDocument {
        BusinessRegistrationCertificate = "business_registration_certificate",
        CertificateOfIncorporation = "certificate_of_incorporation",
        Licence = "licence",
    }
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateApplicantRequest {
    /// The HCP's authorised person (1-100 characters).
    pub name: String,
    pub email: String,
    /// `en` (default) or `zh-HK`: the language of our emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl std::fmt::Debug for CreateApplicantRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CreateApplicantRequest { .. }")
    }
}

/// The applicant's account, waiting for its passkey: create it with these options and finish
/// at `POST /v1/provider-applicants/{applicant_id}/complete`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateApplicantResponse {
    pub applicant_id: String,
    #[schema(value_type = Object)]
    pub creation_options: CreationChallengeResponse,
    pub expires_at: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ConfirmEmailRequest {
    /// The 6-digit code from the confirmation email.
    pub code: String,
}

impl std::fmt::Debug for ConfirmEmailRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConfirmEmailRequest { .. }")
    }
}

/// Tokens of an applicant's session (`principal: "applicant"`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicantTokenResponse {
    /// Always `applicant`.
    pub principal: String,
    pub applicant_id: String,
    pub email_confirmed: bool,
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub access_expires_in: i64,
    pub refresh_expires_in: i64,
}

impl std::fmt::Debug for ApplicantTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicantTokenResponse")
            .field("applicant_id", &self.applicant_id)
            .finish_non_exhaustive()
    }
}

/// Step 1: Provide healthcare provider information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderSection {
    pub hcp_type: HcpType,
    pub name_en: String,
    pub name_zh: String,
    /// Business registration number: 8 digits, optionally `-` and a 3-digit branch number.
    pub business_registration_number: String,
    pub address_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_zh: Option<String>,
    pub phone: String,
    pub email: String,
}

/// The HCP's authorised person (the applicant, as the form names them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthorisedPerson {
    pub name_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    pub position: String,
    pub mobile: String,
    pub email: String,
}

/// A staff account to create on acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffEntry {
    pub name_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    pub position: String,
    pub profession: Profession,
    pub registration_number: String,
    pub mobile: String,
}

/// Step 2: Provide user information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsersSection {
    pub authorised_person: AuthorisedPerson,
    /// At least one: they administer the HCP's accounts after registration.
    pub user_admins: Vec<StaffEntry>,
    #[serde(default)]
    pub staff: Vec<StaffEntry>,
}

/// A healthcare service location to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LocationEntry {
    pub name_en: String,
    pub name_zh: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_floor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    pub street_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_zh: Option<String>,
    pub district: District,
    pub phone: String,
}

/// Step 3: Provide healthcare service location information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LocationsSection {
    pub locations: Vec<LocationEntry>,
}

/// A supporting document as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationDocument {
    pub kind: SupportingDocument,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

/// Step 4: what is required for the provider's type, what is uploaded, what is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationDocuments {
    pub required: Vec<SupportingDocument>,
    pub uploaded: Vec<ApplicationDocument>,
    pub missing: Vec<SupportingDocument>,
}

/// Something the office asked to supplement, or something the review found incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SectionNote {
    pub section: ApplicationSection,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestSupplementRequest {
    pub items: Vec<SectionNote>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RejectApplicationRequest {
    pub reason: String,
}

/// One entry of an application's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationEvent {
    pub at: String,
    /// `applicant`, an officer's id, `bootstrap`, or `system` (the scheduled registration).
    pub actor: String,
    /// e.g. `created`, `section_saved`, `document_uploaded`, `submitted`,
    /// `supplement_requested`, `accepted`, `rejected`, `withdrawn`, `registered`,
    /// `assistance_requested`, `assistance_answered`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An application as its applicant and the office see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationResponse {
    pub application_id: String,
    pub status: ApplicationStatus,
    /// Given on the first submission, e.g. `HCPA-2026-000123`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<UsersSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<LocationsSection>,
    pub documents: ApplicationDocuments,
    /// While `supplement_requested`: what to supplement.
    #[serde(default)]
    pub supplement: Vec<SectionNote>,
    /// From acceptance: the HCP created, and the Hong Kong date its registration is (or
    /// becomes) successful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hcp_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_on: Option<String>,
    /// Whether technical assistance can be asked for now (within 14 days of acceptance).
    pub assistance_open: bool,
    pub history: Vec<ApplicationEvent>,
    pub created_at: String,
    pub updated_at: String,
}

/// Step 5: everything, and what still stops a submission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationReview {
    pub application: ApplicationResponse,
    pub incomplete: Vec<SectionNote>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationList {
    pub applications: Vec<ApplicationResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationListQuery {
    /// Only applications in this status.
    #[serde(default)]
    pub status: Option<ApplicationStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistanceMessage {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssistanceRequestResponse {
    pub request_id: String,
    pub application_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub message: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistanceRequestList {
    pub requests: Vec<AssistanceRequestResponse>,
}
