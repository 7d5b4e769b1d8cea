//! Diary reads for the app and for reports.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /v1/patients/{patient_id}/diary/{bp|glucose}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct DiaryQuery {
    /// Start: a Hong Kong date `YYYY-MM-DD` (from its midnight) or an RFC 3339 instant.
    /// Default: 30 days before `to`.
    pub from: Option<String>,
    /// End: a Hong Kong date (inclusive) or an RFC 3339 instant (exclusive). Default: now.
    pub to: Option<String>,
    /// Readings per page, 1-500 (default 100).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Summary period: `day` (default), `week` (Monday start) or `month`, in Hong Kong time.
    pub period: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SummaryPeriod {
    Day,
    Week,
    Month,
}

/// Mean (one decimal), minimum and maximum of a measure over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Stat {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BpReading {
    pub id: String,
    pub systolic: i32,
    pub diastolic: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse: Option<i32>,
    /// As recorded, with its offset.
    pub measured_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BpPeriodSummary {
    /// First Hong Kong date of the period.
    #[schema(format = Date)]
    pub period_start: String,
    pub count: i64,
    pub systolic: Stat,
    pub diastolic: Stat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse: Option<Stat>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BpDiaryResponse {
    pub from: String,
    pub to: String,
    /// Newest first.
    pub readings: Vec<BpReading>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    pub period: SummaryPeriod,
    /// Every reading in [from, to), not only this page; oldest period first.
    pub summary: Vec<BpPeriodSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GlucoseReading {
    pub id: String,
    /// mmol/L, one decimal.
    pub mmol_l: f64,
    /// `fasting`, `before_meal`, `after_meal`, `bedtime` or `random`.
    pub meal_context: String,
    pub measured_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GlucosePeriodSummary {
    #[schema(format = Date)]
    pub period_start: String,
    pub count: i64,
    pub mmol_l: Stat,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GlucoseDiaryResponse {
    pub from: String,
    pub to: String,
    pub readings: Vec<GlucoseReading>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    pub period: SummaryPeriod,
    pub summary: Vec<GlucosePeriodSummary>,
}
