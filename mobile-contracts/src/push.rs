//! Push notifications: a device's registration token, and the data every push carries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::hcp::wire_enum;
use crate::registration::Language;

wire_enum! {
    /// Where the token comes from (both are delivered through FCM).
    PushPlatform { Android = "android", Ios = "ios" }
}

/// `PUT /v1/me/devices/{device_id}/push-token`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PutPushTokenRequest {
    /// The FCM registration token.
    pub token: String,
    pub platform: PushPlatform,
    /// Language of the notification text on this device.
    #[serde(default)]
    pub locale: Language,
}

impl std::fmt::Debug for PutPushTokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutPushTokenRequest")
            .field("platform", &self.platform)
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushTokenResponse {
    pub device_id: String,
    pub platform: PushPlatform,
    pub locale: Language,
    pub updated_at: String,
}

/// A staff app's push token, kept per staff session (one signed-in installation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffPushTokenResponse {
    pub session_id: String,
    pub platform: PushPlatform,
    pub locale: Language,
    pub updated_at: String,
}

wire_enum! {
    ReminderKind { Bp = "bp", Glucose = "glucose", Custom = "custom" }
}

/// A measurement reminder ("buddy").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderResponse {
    pub reminder_id: String,
    pub patient_id: String,
    pub kind: ReminderKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Local times of day, `HH:MM`.
    pub times: Vec<String>,
    /// `mon`..`sun`.
    pub days: Vec<String>,
    pub time_zone: String,
    pub enabled: bool,
    /// The next occurrence (RFC 3339), absent when disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateReminderRequest {
    pub kind: ReminderKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub times: Vec<String>,
    pub days: Vec<String>,
    /// IANA zone; default `Asia/Hong_Kong`.
    #[serde(default = "hong_kong")]
    pub time_zone: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn hong_kong() -> String {
    "Asia/Hong_Kong".to_owned()
}

fn yes() -> bool {
    true
}

/// Any subset of a reminder's fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UpdateReminderRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReminderKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListRemindersResponse {
    pub reminders: Vec<ReminderResponse>,
}

wire_enum! {
    /// What a push is about: the `type` of its data payload. Apps ignore types they do not know.
    PushType {
        RecordAccessed = "record_accessed", ReminderDue = "reminder_due",
        ConsentGranted = "consent_granted", ConsentRequested = "consent_requested",
        ConsentExpiring = "consent_expiring", ConsentExpired = "consent_expired",
        /// To an HCP's staff apps: its consent feed has a new event (read it there).
        ConsentEvent = "consent_event",
        ComingOfAge = "coming_of_age", SdmAuthorityEnded = "sdm_authority_ended",
        SdmJoined = "sdm_joined", SdmLinkReviewed = "sdm_link_reviewed",
        /// To the dependant's SDMs with authority: someone asks to join; approve or decline.
        SdmJoinRequested = "sdm_join_requested",
        SdmLinkEnded = "sdm_link_ended", AccountClaimed = "account_claimed",
        /// Silent: pull the scope now.
        SyncPoke = "sync_poke",
    }
}

/// The data payload of every push (FCM `data`: every value is a string). `notification_id`
/// is stable across re-deliveries: drop a push whose id was seen. Which other fields are present
/// depends on `type`; new fields may appear (docs/API-VERSIONING.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushData {
    #[serde(rename = "type")]
    pub push_type: PushType,
    pub notification_id: String,
    /// The patient (scope) the notice is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_id: Option<String>,
    /// `sync_poke`: the scope to pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_id: Option<String>,
    /// `reminder_due`: `bp`, `glucose` or `custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `reminder_due`: the occurrence, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hcp_id: Option<String>,
    /// `consent_granted`: how (`app`, `access_key`, `smart_card` or `consent_request`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// `consent_expiring`: the last valid day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_days_before: Option<String>,
    /// `record_accessed`: the access-log entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_id: Option<String>,
    /// `record_accessed`: `true` when the log entry is in the next pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<String>,
    /// `consent_event`: the feed position and the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_status: Option<String>,
    /// `sdm_link_reviewed`: the review's outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why a link ended (`came_of_age`, `removed`, `ended_by_office`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Deprecated, no longer sent: the office's stated reason is free text, which stays off
    /// push services. Read the link's `ended_detail` (`GET /v1/dependants`) instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(deprecated)]
    pub detail: Option<String>,
    /// `coming_of_age`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_ends_on: Option<String>,
}

impl PushData {
    /// A payload of this type with no other field set (the server fills `notification_id` when
    /// it queues the notice).
    pub fn new(push_type: PushType) -> Self {
        Self {
            push_type,
            notification_id: String::new(),
            patient_id: None,
            scope: None,
            reminder_id: None,
            kind: None,
            due_at: None,
            consent_id: None,
            hcp_id: None,
            method: None,
            request_id: None,
            valid_until: None,
            notice_days_before: None,
            access_id: None,
            sync: None,
            seq: None,
            event: None,
            link_id: None,
            link_status: None,
            status: None,
            reason: None,
            detail: None,
            days_left: None,
            authority_ends_on: None,
        }
    }
}
