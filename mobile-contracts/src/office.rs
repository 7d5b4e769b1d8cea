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
