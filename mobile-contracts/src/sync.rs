//! Offline-sync envelopes (`POST /v1/sync/push`, `POST /v1/sync/pull`). The protocol is
//! described in `sync/PROTOCOL.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Synced field values of one row, by field name.
pub type Fields = BTreeMap<String, Value>;
/// HLC stamp (`"<ms>:<counter>:<node>"`) of each field, by field name.
pub type Stamps = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MutationOp {
    /// Create, edit or restore (`cl` odd).
    Upsert,
    /// Delete (`cl` even).
    Delete,
}

/// One change a device made while offline, numbered by the device's gap-free `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Mutation {
    /// 1, 2, 3, ... per device, never reused, never skipped.
    pub seq: i64,
    pub op: MutationOp,
    /// `bp_readings` or `glucose_readings`.
    pub table: String,
    /// Client-generated UUID (v7 recommended) of the row.
    pub id: String,
    /// The scope (a patient id) the row belongs to.
    pub scope: String,
    /// Causal length: odd = live, even = deleted. A create is 1, its delete 2, a restore 3.
    pub cl: i64,
    /// HLC stamp of this mutation, `"<ms>:<counter>:<device_id>"`.
    pub hlc: String,
    /// For `upsert`: the fields written (all required fields when creating or restoring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub set: Option<Fields>,
    /// The row version this device last saw, if any. When given, overwriting a value that
    /// another device wrote after that version keeps the overwritten value as a conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushRequest {
    pub protocol: i64,
    pub device_id: String,
    pub schema_version: i64,
    pub mutations: Vec<Mutation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    /// Applied as sent; `version` is the row's new version.
    Applied,
    /// Applied in part or not at all because a concurrent change won; see `conflicts`.
    Merged,
    /// Can never apply (invalid); `code` says why. The seq is consumed.
    Rejected,
    /// The device's user may not write into this scope. The seq is consumed.
    Forbidden,
}

/// A value that lost a conflict; kept so the family can see and resolve it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Conflict {
    pub conflict_id: String,
    /// The field, or `_row` when a whole mutation lost (e.g. an edit of a deleted row).
    pub field: String,
    /// Any JSON value (the type of the field).
    #[schema(value_type = Value)]
    pub losing_value: Value,
    pub losing_hlc: String,
    /// Any JSON value (the type of the field).
    #[schema(value_type = Value)]
    pub winning_value: Value,
    pub winning_hlc: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MutationResult {
    pub seq: i64,
    pub status: MutationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushResponse {
    /// One result per mutation sent, in seq order (re-sent mutations get their stored result).
    pub results: Vec<MutationResult>,
    /// The highest seq the server has consumed for this device.
    pub last_seq: i64,
    /// The server's clock: advance your HLC past it.
    pub server_hlc: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullRequest {
    pub protocol: i64,
    pub device_id: String,
    pub schema_version: i64,
    /// The cursor of the last page applied, or null for a first sync.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Most changes per page (1-1000, default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScopeAdded {
    pub scope: String,
    pub patient_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScopeRemoved {
    pub scope: String,
    /// Why the device must purge the scope, e.g. `sdm_authority_ended`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScopeReset {
    pub scope: String,
    /// `cursor_expired` (older than the tombstone horizon) or `epoch_changed` (server restored).
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScopeChanges {
    pub added: Vec<ScopeAdded>,
    pub removed: Vec<ScopeRemoved>,
    /// Replace these scopes' local rows with what the following pages send, keep pending
    /// mutations and push them again.
    pub reset: Vec<ScopeReset>,
}

/// The current state of one row. A tombstone (`cl` even) has no `row` and no `hlc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub table: String,
    pub id: String,
    pub scope: String,
    pub version: i64,
    pub cl: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub row: Option<Fields>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub hlc: Option<Stamps>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullResponse {
    /// Save after applying this page; send it on the next pull.
    pub cursor: String,
    pub has_more: bool,
    pub scopes: ScopeChanges,
    /// In version order within each scope.
    pub changes: Vec<Change>,
    pub server_hlc: String,
}

/// The protocol versions a server speaks (sent with 426).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SupportedRange {
    pub min: i64,
    pub max: i64,
}

/// A value that lost a sync conflict, kept for the family to review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SyncConflict {
    pub conflict_id: String,
    pub table: String,
    pub row_id: String,
    /// The field, or `_row` when a whole mutation lost.
    pub field: String,
    /// Any JSON value (the type of the field).
    #[schema(value_type = Value)]
    pub losing_value: Value,
    pub losing_hlc: String,
    /// Any JSON value (the type of the field).
    #[schema(value_type = Value)]
    pub winning_value: Value,
    pub winning_hlc: String,
    /// The device whose push produced the conflict.
    pub device_id: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListConflictsResponse {
    /// Oldest first.
    pub conflicts: Vec<SyncConflict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /v1/patients/{patient_id}/sync/conflicts`.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams, ToSchema,
)]
#[into_params(parameter_in = Query)]
pub struct ListConflictsQuery {
    /// `true` to include conflicts already marked resolved (default: only open ones).
    pub include_resolved: Option<bool>,
    /// 1-500, default 100.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
