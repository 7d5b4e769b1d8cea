//! `bp_readings`: blood-pressure diary rows (synced; scope = the patient).

use diesel::prelude::*;

use super::DbConn;
use super::schema::bp_readings;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = bp_readings, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct BpRow {
    pub id: String,
    pub scope: String,
    pub version: i64,
    pub cl: i64,
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    pub pulse: Option<i32>,
    pub measured_at: Option<String>,
    pub measured_at_ms: Option<i64>,
    pub arm: Option<String>,
    pub note: Option<String>,
    /// Per-field HLC stamps (JSON object); null for a tombstone.
    pub hlc: Option<String>,
    pub updated_at: i64,
    pub updated_by: String,
}

crate::synced_table_queries!(
    bp_readings,
    BpRow,
    [systolic, diastolic, pulse, measured_at, arm, note]
);

/// (measured_at_ms, systolic, diastolic, pulse) of a reading.
pub type BpValues = (Option<i64>, Option<i32>, Option<i32>, Option<i32>);

/// The values of every live reading in range, for summaries.
pub fn values_in_range(
    conn: &mut DbConn,
    scope: &str,
    from_ms: i64,
    to_ms: i64,
) -> QueryResult<Vec<BpValues>> {
    bp_readings::table
        .filter(bp_readings::scope.eq(scope))
        .filter(bp_readings::measured_at_ms.ge(from_ms))
        .filter(bp_readings::measured_at_ms.lt(to_ms))
        .filter(bp_readings::hlc.is_not_null())
        .select((
            bp_readings::measured_at_ms,
            bp_readings::systolic,
            bp_readings::diastolic,
            bp_readings::pulse,
        ))
        .load(conn)
}
