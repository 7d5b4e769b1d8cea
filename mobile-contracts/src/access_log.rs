//! The access log as patients see it: entries, signed checkpoints, the log key and the chain
//! check.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::consent::DataCategory;
use crate::hcp::{Profession, wire_enum};

wire_enum! {
    AccessOutcome {
        Allowed = "allowed", Refused = "refused",
        /// A professional found the patient by identity document; no records were read.
        Lookup = "lookup",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessLogEntry {
    pub access_id: String,
    pub seq: i64,
    pub at: String,
    pub outcome: AccessOutcome,
    /// For a refusal: the code it was refused with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub hcp_id: String,
    pub hcp_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profession: Option<Profession>,
    pub categories: Vec<DataCategory>,
    pub purpose: String,
    /// Hex SHA-256 over the previous entry's hash and this entry's canonical bytes.
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessLogResponse {
    pub entries: Vec<AccessLogEntry>,
    /// The newest entry's checkpoint, signed with the access-log key: keep the newest one and
    /// give it to `/access-log/verify` later (or check it against `/.well-known/ehealth-log-key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<LogCheckpoint>,
}

/// A point of a patient's access log, signed with the server's Ed25519 log key over
/// `ehealth-access-log-checkpoint/v1\n{patient_id}\n{seq}\n{hash}` (UTF-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogCheckpoint {
    pub seq: i64,
    pub hash: String,
    /// Ed25519 signature, base64url.
    pub signature: String,
    /// Which key signed it (see `/.well-known/ehealth-log-key`).
    pub key_id: String,
}

/// `GET /.well-known/ehealth-log-key`: the public half of the access-log signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogKeyResponse {
    /// `Ed25519`.
    pub alg: String,
    /// The 32-byte public key, base64url.
    pub public_key: String,
    pub key_id: String,
}

/// A checkpoint the device kept (an entry it synced earlier): verification then also fails if
/// that entry was removed or changed, which catches a truncated log.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyAccessLogQuery {
    pub seq: Option<String>,
    pub hash: Option<String>,
    /// The checkpoint's signature: given, the checkpoint must be one the server signed (422
    /// otherwise), so a device's kept checkpoint proves the log once held that entry.
    pub signature: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerifyAccessLogResponse {
    pub intact: bool,
    /// How many entries were checked.
    pub entries: i64,
    /// The first entry whose hash or sequence does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_broken_seq: Option<i64>,
    /// The checkpoint given is no longer in the log: it was cut (shorter than the checkpoint)
    /// or rewritten from there on.
    #[serde(default)]
    pub cut: bool,
}
