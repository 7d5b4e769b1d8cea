//! Healthcare providers (HCPs), their service locations and staff, staff passkey enrolment and
//! staff sessions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs_proto::{CreationChallengeResponse, RegisterPublicKeyCredential};

use crate::auth::{DeviceInfo, TokenResponse};

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum! {
    /// Public HCPs (Department of Health, Hospital Authority, ...) have deemed consent.
    Sector { Public = "public", Private = "private" }
}

wire_enum! {
    /// The 18 districts of Hong Kong.
    District {
        CentralAndWestern = "central_and_western", WanChai = "wan_chai", Eastern = "eastern",
        Southern = "southern", YauTsimMong = "yau_tsim_mong", ShamShuiPo = "sham_shui_po",
        KowloonCity = "kowloon_city", WongTaiSin = "wong_tai_sin", KwunTong = "kwun_tong",
        KwaiTsing = "kwai_tsing", TsuenWan = "tsuen_wan", TuenMun = "tuen_mun",
        YuenLong = "yuen_long", North = "north", TaiPo = "tai_po", ShaTin = "sha_tin",
        SaiKung = "sai_kung", Islands = "islands",
    }
}

wire_enum! {
    /// The 13 healthcare professions that may hold an account under an HCP.
    Profession {
        MedicalPractitioner = "medical_practitioner", Dentist = "dentist", Midwife = "midwife",
        Nurse = "nurse", Pharmacist = "pharmacist",
        MedicalLaboratoryTechnologist = "medical_laboratory_technologist",
        OccupationalTherapist = "occupational_therapist", Optometrist = "optometrist",
        Radiographer = "radiographer", Physiotherapist = "physiotherapist",
        DentalHygienist = "dental_hygienist", Chiropractor = "chiropractor",
        ChineseMedicinePractitioner = "chinese_medicine_practitioner",
    }
}

wire_enum! {
    /// What a staff member may administer at their HCP.
    StaffRole { UserAdmin = "user_admin" }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HcpLocationInput {
    pub name_en: String,
    pub address_en: String,
    pub district: District,
    /// A Hong Kong number.
    pub phone: String,
}

/// Registration office: register an HCP.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateHcpRequest {
    pub name_en: String,
    pub name_zh: String,
    pub sector: Sector,
    pub locations: Vec<HcpLocationInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HcpLocation {
    pub location_id: String,
    pub name_en: String,
    pub address_en: String,
    pub district: District,
    pub phone: String,
    /// The location's Chinese name and address, where the provider gave them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_zh: Option<String>,
}

/// An HCP as the public register shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HcpResponse {
    pub hcp_id: String,
    pub name_en: String,
    pub name_zh: String,
    pub sector: Sector,
    pub locations: Vec<HcpLocation>,
    /// Professions of its active staff.
    pub professions: Vec<Profession>,
}

/// `GET /v1/hcps` filters; all optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListHcpsQuery {
    /// Part of the English or Chinese name, any case.
    pub q: Option<String>,
    /// One of the 18 districts (`sha_tin`, ...).
    pub district: Option<String>,
    /// One of the 13 professions.
    pub profession: Option<String>,
    /// 1-100, default 20.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListHcpsResponse {
    pub hcps: Vec<HcpResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Create a staff account (by the registration office, or an HCP's user administrator).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateStaffRequest {
    pub english_name: String,
    pub profession: Profession,
    /// The professional registration number, e.g. `M12345`.
    pub registration_number: String,
    /// Only the registration office can grant roles.
    #[serde(default)]
    pub roles: Vec<StaffRole>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateStaffResponse {
    pub staff_id: String,
    /// One-time code the staff member uses to enrol a passkey; shown once.
    pub enrolment_code: String,
    pub enrolment_expires_at: String,
}

impl std::fmt::Debug for CreateStaffResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateStaffResponse")
            .field("staff_id", &self.staff_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffResponse {
    pub staff_id: String,
    pub hcp_id: String,
    pub english_name: String,
    pub profession: Profession,
    pub registration_number: String,
    pub roles: Vec<StaffRole>,
    /// `pending_enrolment`, `active` or `deactivated`.
    pub status: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct StartEnrolmentRequest {
    pub enrolment_code: String,
}

impl std::fmt::Debug for StartEnrolmentRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StartEnrolmentRequest { .. }")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StartEnrolmentResponse {
    pub enrolment_id: String,
    #[schema(value_type = Object)]
    pub creation_options: CreationChallengeResponse,
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompleteEnrolmentRequest {
    #[schema(value_type = Object)]
    pub credential: RegisterPublicKeyCredential,
    /// Accepted for symmetry with patients; staff sessions are not tied to a device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceInfo>,
}

/// Tokens of a staff member's session.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffTokenResponse {
    /// Always `staff`.
    pub principal: String,
    pub staff_id: String,
    pub hcp_id: String,
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub access_expires_in: i64,
    pub refresh_expires_in: i64,
    /// The professional's accounts at every provider they work for (present when more than
    /// one): the session acts for `hcp_id`; `POST /v1/staff/me/hcp` switches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub memberships: Vec<StaffMembership>,
}

/// One of a professional's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffMembership {
    pub staff_id: String,
    pub hcp_id: String,
    pub hcp_name_en: String,
}

/// Enrol under another provider with the passkey you already have: the enrolment code of the
/// new account and a sign-in assertion (from `POST /v1/sessions/challenge`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LinkEnrolmentRequest {
    pub enrolment_code: String,
    pub challenge_id: String,
    #[schema(value_type = Object)]
    pub credential: webauthn_rs_proto::PublicKeyCredential,
}

impl std::fmt::Debug for LinkEnrolmentRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkEnrolmentRequest { .. }")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SwitchHcpRequest {
    pub hcp_id: String,
}

impl std::fmt::Debug for StaffTokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffTokenResponse")
            .field("staff_id", &self.staff_id)
            .field("hcp_id", &self.hcp_id)
            .finish_non_exhaustive()
    }
}

/// What sign-in and refresh return: a patient's tokens, or (with `principal: "staff"`) a staff
/// member's, or (with `principal: "officer"`) a registration officer's.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SessionTokens {
    Patient(TokenResponse),
    Staff(StaffTokenResponse),
    Officer(crate::office::OfficerTokenResponse),
    Applicant(crate::application::ApplicantTokenResponse),
}
