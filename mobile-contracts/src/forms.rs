//! The forms a provider files after acceptance: the Additional Healthcare Service Location
//! form and the HCP/HSL Amendment Form; the office approves or rejects each.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::application::{ApplicationEvent, LocationEntry, StaffEntry};
use crate::hcp::wire_enum;

wire_enum! {
    /// What a form asks for. The location form is always `add_location`.
    HcpRequestKind {
        AddLocation = "add_location", AddUserAdmin = "add_user_admin",
        ReplaceUserAdmin = "replace_user_admin", AmendLocation = "amend_location",
        RemoveLocation = "remove_location", AmendProvider = "amend_provider",
    }
}

wire_enum! {
    HcpRequestStatus { Pending = "pending", Approved = "approved", Rejected = "rejected" }
}

/// Changes to the provider's own particulars (only the fields given change).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderAmendment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The HCP/HSL Amendment Form. Which fields are needed depends on `kind`:
/// `add_user_admin` `user_admin`; `replace_user_admin` `user_admin` and `replaces_staff_id`;
/// `amend_location` `location_id` and `location`; `remove_location` `location_id`;
/// `amend_provider` `provider`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AmendmentRequest {
    pub kind: HcpRequestKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<LocationEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderAmendment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_admin: Option<StaffEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces_staff_id: Option<String>,
}

/// A filed form and its decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HcpRequestResponse {
    pub request_id: String,
    pub hcp_id: String,
    pub kind: HcpRequestKind,
    pub status: HcpRequestStatus,
    /// The form as filed.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// The staff member who filed it.
    pub filed_by: String,
    pub filed_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What approval created: the location's or the new user administrator's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HcpRequestList {
    pub requests: Vec<HcpRequestResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HcpRequestListQuery {
    #[serde(default)]
    pub status: Option<HcpRequestStatus>,
}

/// A provider's history: registration and every change approved since.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HcpHistoryResponse {
    pub events: Vec<ApplicationEvent>,
}
