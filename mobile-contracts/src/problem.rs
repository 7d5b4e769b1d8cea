use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::sync::SupportedRange;

/// Media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error body (RFC 9457 problem details) with a stable, machine-readable `code`.
///
/// Apps translate or branch on `code`; `title` and `detail` are for people and follow the
/// request's `Accept-Language` (English, or Traditional Chinese for `zh-HK`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `urn:ehealth:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable snake_case error code.
    pub code: String,
    /// The offending fields, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For 429 and 503: seconds to wait before retrying (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// For `seq_gap` (409): the seq the server expects next from this device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<i64>,
    /// For 426: the versions the server supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported: Option<SupportedRange>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// Dotted path of the field in the request body, e.g. `english_name.surname`.
    pub field: String,
    /// Stable snake_case reason, e.g. `required`, `invalid_format`, `out_of_range`.
    pub code: String,
    pub message: String,
}
