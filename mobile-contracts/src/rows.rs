//! The shape of each synced table's `fields` (a push mutation's `set`, a pull change's
//! `fields`), for apps: these are not HTTP bodies of their own, so they are added to the
//! OpenAPI components and the generated clients carry them. Instants are RFC 3339 strings.
//! A push may send any subset of a writable table's fields; a live row pulled has at least
//! the required ones. New optional fields may appear (docs/API-VERSIONING.md).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `bp_readings` (writable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BpReadingFields {
    /// mmHg, 40-300.
    pub systolic: i64,
    /// mmHg, 20-200.
    pub diastolic: i64,
    /// Beats a minute, 20-250.
    pub pulse: Option<i64>,
    pub measured_at: String,
    /// `left` or `right`.
    pub arm: Option<String>,
    /// Up to 500 characters.
    pub note: Option<String>,
}

/// `glucose_readings` (writable). A push may give `value` with `unit` `mg/dL` instead of
/// `mmol_l`; the server stores mmol/L.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GlucoseReadingFields {
    pub mmol_l: f64,
    /// `fasting`, `before_meal`, `after_meal`, `bedtime` or `random`.
    pub meal_context: String,
    pub measured_at: String,
    pub note: Option<String>,
}

/// `reminders` (writable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReminderFields {
    /// `bp`, `glucose` or `custom`.
    pub kind: String,
    /// Up to 200 characters; required for `custom`.
    pub text: Option<String>,
    /// `HH:MM`, 1-12 of them.
    pub times: Vec<String>,
    /// `mon`..`sun`.
    pub days: Vec<String>,
    /// IANA zone, e.g. `Asia/Hong_Kong`.
    pub time_zone: String,
    pub enabled: bool,
}

/// `consents` (read-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConsentRowFields {
    pub hcp_id: String,
    #[serde(rename = "type")]
    pub consent_type: String,
    pub method: String,
    pub status: String,
    pub granted_at: String,
    /// One-year consents: the last valid Hong Kong day.
    pub valid_until: Option<String>,
    pub ended_at: Option<String>,
}

/// `records` (read-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordRowFields {
    pub hcp_id: String,
    pub category: String,
    pub code: String,
    pub display: String,
    pub value: Option<String>,
    pub recorded_at: String,
    pub location_id: Option<String>,
}

/// `sdm_links` (read-only, in the dependant's scope): who acts for the dependant, who asks to,
/// and who no longer does. Changes with every decision on the link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SdmLinkRowFields {
    pub sdm_patient_id: String,
    pub sdm_name: crate::EnglishName,
    pub relationship: crate::SdmRelationship,
    pub basis: crate::SdmBasis,
    /// 1 is the highest.
    pub priority: i32,
    pub status: crate::SdmLinkStatus,
    pub created_at: String,
    pub ended_at: Option<String>,
    pub ended_reason: Option<String>,
    /// For `ended_by_office`: the office's stated reason.
    pub ended_detail: Option<String>,
}

/// `access_log` (read-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccessLogRowFields {
    pub seq: i64,
    pub at: String,
    /// `allowed`, `refused` or `lookup` (found by identity document; nothing read).
    pub outcome: String,
    /// For a refusal: its code.
    pub reason: Option<String>,
    pub hcp_id: String,
    pub hcp_name: String,
    pub staff_name: Option<String>,
    pub profession: Option<String>,
    /// Comma-separated data categories asked for.
    pub categories: String,
    pub purpose: String,
    /// The entry's hash in the patient's chain (see `/access-log/verify`).
    pub hash: String,
    /// This entry as a checkpoint signed with the access-log key: keep the newest.
    pub checkpoint: crate::LogCheckpoint,
}
