//! Substitute decision makers (SDMs): registering and managing dependants, supporting
//! documents, review by the registration office, and a young person claiming their account.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::account::{MaskedIdentityDocument, PatientStatus};
use crate::registration::{EnglishName, IdentityDocument, Language, Sex};

/// How the SDM is related to the dependant (DOMAIN.md's priority tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SdmRelationship {
    /// A child's parent (priority 1 for a child).
    Parent,
    /// A guardian (priority 2 for a child, 1 for a person who cannot consent). Needs review.
    Guardian,
    /// Appointed by a court (priority 3). Needs review.
    CourtAppointee,
    /// The Director of Social Welfare or another Mental Health Ordinance guardian (priority 2,
    /// for a person of 16 or over who cannot consent). Needs review.
    DswMhoGuardian,
    /// A family member (priority 4).
    FamilyMember,
    /// A person living with the dependant (priority 4).
    Cohabitant,
    /// A healthcare provider (priority 5). Needs review.
    Hcp,
}

impl SdmRelationship {
    pub const ALL: [Self; 7] = [
        Self::Parent,
        Self::Guardian,
        Self::CourtAppointee,
        Self::DswMhoGuardian,
        Self::FamilyMember,
        Self::Cohabitant,
        Self::Hcp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Guardian => "guardian",
            Self::CourtAppointee => "court_appointee",
            Self::DswMhoGuardian => "dsw_mho_guardian",
            Self::FamilyMember => "family_member",
            Self::Cohabitant => "cohabitant",
            Self::Hcp => "hcp",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Why the SDM acts: a child under 16 (authority ends at the 16th birthday), or a person who
/// cannot give consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SdmBasis {
    Child,
    Incapable,
}

impl SdmBasis {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::Incapable => "incapable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Child, Self::Incapable]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SdmLinkStatus {
    /// Waiting for the registration office; grants nothing.
    PendingReview,
    /// A join waiting for one of the dependant's SDMs with authority (or the registration
    /// office) to approve it; grants nothing, and ends (`expired`) after 14 days.
    PendingApproval,
    /// The SDM may act for the dependant.
    Active,
    /// Refused by the registration office.
    Rejected,
    /// Ended: see `ended_reason` (`stepped_down`, `removed`, `came_of_age`, `ended_by_office`,
    /// `expired` for a join nobody approved in 14 days, `person_registered` for pending links to
    /// a person who then registered themselves).
    Ended,
}

impl SdmLinkStatus {
    pub const ALL: [Self; 5] = [
        Self::PendingReview,
        Self::PendingApproval,
        Self::Active,
        Self::Rejected,
        Self::Ended,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PendingReview => "pending_review",
            Self::PendingApproval => "pending_approval",
            Self::Active => "active",
            Self::Rejected => "rejected",
            Self::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Pending (either way) or active: the link still counts (it can be decided, ended or
    /// come of age).
    pub fn is_open(self) -> bool {
        self.is_pending() || self == Self::Active
    }

    pub fn is_pending(self) -> bool {
        matches!(self, Self::PendingReview | Self::PendingApproval)
    }
}

/// Register a dependant (or join as a further SDM of one already registered).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateDependantRequest {
    /// For a child usually `hk_birth_cert`.
    pub identity_document: IdentityDocument,
    pub english_name: EnglishName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chinese_name: Option<String>,
    #[schema(format = Date)]
    pub date_of_birth: String,
    pub sex: Sex,
    pub relationship: SdmRelationship,
    /// Required `true` for a person of 16 or over; the link then needs no 16th-birthday end.
    #[serde(default)]
    pub incapable_of_consent: bool,
    /// The dependant's own phone; defaults to the SDM's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Defaults to the SDM's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<Language>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateDependantResponse {
    pub patient_id: String,
    pub link_id: String,
    pub link_status: SdmLinkStatus,
    /// False when the dependant was already registered and the caller joined as a further SDM.
    pub dependant_created: bool,
}

/// A supporting document as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SdmDocumentResponse {
    pub link_id: String,
    /// `application/pdf`, `image/jpeg` or `image/png`, as detected from the content.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes stored.
    pub sha256: String,
    pub uploaded_at: String,
}

/// The registration office's decision on a pending link.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ReviewSdmLinkRequest {
    /// Required when rejecting; shown to the SDM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who decided (defaults to `registration_office`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
    /// When approving: the `sha256` of the document the officer examined. If the SDM has
    /// replaced the document since, the approval is refused (409 `document_changed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_sha256: Option<String>,
}

/// A link as the registration office sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SdmLinkResponse {
    pub link_id: String,
    pub patient_id: String,
    pub sdm_patient_id: String,
    pub relationship: SdmRelationship,
    pub basis: SdmBasis,
    /// 1 is the highest.
    pub priority: i32,
    pub status: SdmLinkStatus,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<SdmDocumentMeta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_reason: Option<String>,
    /// `ended_by_office`: the office's stated reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SdmDocumentMeta {
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256; give it back when approving.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListSdmLinksResponse {
    pub links: Vec<SdmLinkResponse>,
}

/// One thing an SDM did for the dependant, recorded in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SdmActionEntry {
    pub action_id: String,
    pub link_id: String,
    pub sdm_patient_id: String,
    pub sdm_name: EnglishName,
    pub relationship: SdmRelationship,
    /// The operation, by its name: e.g. `grant_consent`, `revoke_consent`, `read_records`,
    /// `new_access_key`, `create_reminder`, `sync_push`.
    pub action: String,
    pub at: String,
}

/// `GET /v1/patients/{patient_id}/sdm-actions`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListSdmActionsResponse {
    pub actions: Vec<SdmActionEntry>,
}

/// One of the caller's dependants, through one link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DependantSummary {
    pub patient_id: String,
    pub link_id: String,
    /// The link's status now: a child link reads `ended` from 00:00 Hong Kong time on the
    /// 16th birthday, whether or not the daily job has run.
    pub link_status: SdmLinkStatus,
    pub relationship: SdmRelationship,
    pub basis: SdmBasis,
    pub priority: i32,
    /// Whether the caller may act for the dependant now through this link. The dependant's
    /// details below (name, date of birth, document, status, account) are shown only then: a
    /// pending, rejected or ended link reveals nothing of the registered person.
    pub authority: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english_name: Option<EnglishName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chinese_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date)]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_document: Option<MaskedIdentityDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_status: Option<PatientStatus>,
    /// For a child link: the 16th birthday, the first day without authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Date)]
    pub authority_ends_on: Option<String>,
    pub document_uploaded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_reason: Option<String>,
    /// `ended_by_office`: the office's stated reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_detail: Option<String>,
    /// Whether the dependant has their own passkey (claimed the account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_own_account: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListDependantsResponse {
    pub dependants: Vec<DependantSummary>,
}

/// An SDM of a patient, as the patient and their SDMs see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PatientSdm {
    pub link_id: String,
    pub english_name: EnglishName,
    pub relationship: SdmRelationship,
    pub basis: SdmBasis,
    pub priority: i32,
    pub link_status: SdmLinkStatus,
    pub since: String,
    /// True for the caller's own link.
    pub you: bool,
}

/// `GET /v1/patients/{patient_id}`: a patient the caller may act for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PatientResponse {
    pub patient_id: String,
    pub identity_document: MaskedIdentityDocument,
    pub english_name: EnglishName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chinese_name: Option<String>,
    #[schema(format = Date)]
    pub date_of_birth: String,
    pub sex: Sex,
    pub status: PatientStatus,
    pub has_own_account: bool,
    /// `self` or `sdm`.
    pub acting_as: String,
    /// Open links (pending review or active), highest priority first.
    pub sdms: Vec<PatientSdm>,
}

/// A one-time code with which a young person claims the account their SDM kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClaimCodeResponse {
    /// Shown once; give it to the young person. Case and dashes do not matter.
    pub claim_code: String,
    pub expires_at: String,
}

/// Start claiming one's own account (from the 16th birthday).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClaimAccountRequest {
    pub identity_document: IdentityDocument,
    #[schema(format = Date)]
    pub date_of_birth: String,
    pub claim_code: String,
}

/// Raw file bytes: a body that is the document itself, not JSON.
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct DocumentBytes(pub Vec<u8>);
