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
