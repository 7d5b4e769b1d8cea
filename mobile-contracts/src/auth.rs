use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs_proto::{PublicKeyCredential, RequestChallengeResponse};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DevicePlatform {
    Android,
    Ios,
    Web,
}

impl DevicePlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Android => "android",
            Self::Ios => "ios",
            Self::Web => "web",
        }
    }
}

/// The device a ceremony runs on. Give `device_id` of one of your devices to sign in on it
/// again; otherwise a new device is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    pub name: String,
    pub platform: DevicePlatform,
}

/// Tokens issued at registration, sign-in and refresh.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub patient_id: String,
    pub device_id: String,
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub access_expires_in: i64,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("patient_id", &self.patient_id)
            .field("device_id", &self.device_id)
            .field("access_expires_in", &self.access_expires_in)
            .finish_non_exhaustive()
    }
}

/// Body of `POST /v1/sessions/challenge`: empty; sign-in is username-less.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CreateChallengeRequest {}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateChallengeResponse {
    pub challenge_id: String,
    /// WebAuthn request options (standard JSON form, empty `allowCredentials`: discoverable).
    #[schema(value_type = Object)]
    pub request_options: RequestChallengeResponse,
    /// Seconds until the challenge expires.
    pub expires_in: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateSessionRequest {
    pub challenge_id: String,
    /// The `AuthenticationResponseJSON` the platform returned.
    #[schema(value_type = Object)]
    pub credential: PublicKeyCredential,
    pub device: DeviceInfo,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RefreshSessionRequest {
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshSessionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshSessionRequest { .. }")
    }
}
