//! `glucose_readings`: blood-sugar diary rows (synced; scope = the patient).

use diesel::prelude::*;

use super::DbConn;
use super::schema::glucose_readings;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = glucose_readings, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct GlucoseRow {
    pub id: String,
    pub scope: String,
    pub version: i64,
    pub cl: i64,
    /// mmol/L in tenths (7.0 mmol/L = 70).
    pub mmol_tenths: Option<i32>,
    pub meal_context: Option<String>,
    pub measured_at: Option<String>,
    pub measured_at_ms: Option<i64>,
    pub note: Option<String>,
    /// Per-field HLC stamps (JSON object); null for a tombstone.
    pub hlc: Option<String>,
    pub updated_at: i64,
    pub updated_by: String,
}

crate::synced_table_queries!(
    glucose_readings,
    GlucoseRow,
    [mmol_tenths, meal_context, measured_at, note]
);

/// (measured_at_ms, mmol_tenths) of every live reading in range, for summaries.
pub fn values_in_range(
    conn: &mut DbConn,
    scope: &str,
    from_ms: i64,
    to_ms: i64,
) -> QueryResult<Vec<(Option<i64>, Option<i32>)>> {
    glucose_readings::table
        .filter(glucose_readings::scope.eq(scope))
        .filter(glucose_readings::measured_at_ms.ge(from_ms))
        .filter(glucose_readings::measured_at_ms.lt(to_ms))
        .filter(glucose_readings::hlc.is_not_null())
        .select((
            glucose_readings::measured_at_ms,
            glucose_readings::mmol_tenths,
        ))
        .load(conn)
}
