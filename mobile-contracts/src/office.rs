//! The registration office's officers: named people with passkeys and roles.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::hcp::wire_enum;

wire_enum! {
    /// What an officer may do: `registration` (patient verification, SDM links and documents,
    /// counter registrations), `provider_review` (providers' applications and forms),
    /// `supervisor` (manages officers, and may do what the other roles do).
    OfficerRole {
        Registration = "registration", ProviderReview = "provider_review",
        Supervisor = "supervisor",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateOfficerRequest {
    /// The officer's name as colleagues know it (1-100 characters).
    pub name: String,
    /// At least one role.
    pub roles: Vec<OfficerRole>,
}

/// A new officer account and the one-time code its holder enrols a passkey with.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateOfficerResponse {
    pub officer_id: String,
    pub enrolment_code: String,
    pub enrolment_expires_at: String,
}

impl std::fmt::Debug for CreateOfficerResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateOfficerResponse")
            .field("officer_id", &self.officer_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OfficerResponse {
    pub officer_id: String,
    pub name: String,
    pub roles: Vec<OfficerRole>,
    /// `pending_enrolment`, `active` or `deactivated`.
    pub status: String,
    pub created_at: String,
    /// The officer who created this account, or `bootstrap` / `cli`.
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfficerList {
    pub officers: Vec<OfficerResponse>,
}

/// Tokens of an officer's session (`principal: "officer"`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct OfficerTokenResponse {
    /// Always `officer`.
    pub principal: String,
    pub officer_id: String,
    pub name: String,
    pub roles: Vec<OfficerRole>,
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub access_expires_in: i64,
    pub refresh_expires_in: i64,
}

impl std::fmt::Debug for OfficerTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficerTokenResponse")
            .field("officer_id", &self.officer_id)
            .finish_non_exhaustive()
    }
}

wire_enum! {
    /// How a paper registration reached the office.
    RegistrationChannel { InPerson = "in_person", Post = "post", Fax = "fax" }
}

/// A paper registration entered by an officer: the same fields and rules as
/// self-registration, checked against the identity document on the spot.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CounterRegistrationRequest {
    #[serde(flatten)]
    pub registration: crate::registration::CreateRegistrationRequest,
    pub channel: RegistrationChannel,
    /// The office's reference for the form and the identity check (1-100 characters).
    pub reference: String,
}

impl std::fmt::Debug for CounterRegistrationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CounterRegistrationRequest")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// The verified patient, and the one-time code with which the person attaches a passkey in
/// the app (`POST /v1/registrations/claim`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CounterRegistrationResponse {
    pub patient_id: String,
    pub status: crate::account::PatientStatus,
    /// The officer who registered and verified the patient.
    pub verified_by: String,
    pub claim_code: String,
    pub claim_code_expires_at: String,
}

impl std::fmt::Debug for CounterRegistrationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CounterRegistrationResponse")
            .field("patient_id", &self.patient_id)
            .finish_non_exhaustive()
    }
}
