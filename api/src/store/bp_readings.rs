//! `bp_readings`: blood-pressure diary rows (synced; scope = the patient).

use diesel::prelude::*;

use super::DbConn;
use super::schema::bp_readings;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = bp_readings, treat_none_as_null = true)]
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

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<BpRow>> {
    bp_readings::table.find(id).first(conn).optional()
}

pub fn upsert(conn: &mut DbConn, row: &BpRow, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(bp_readings::table.find(&row.id))
            .set(row)
            .execute(conn)?;
    } else {
        diesel::insert_into(bp_readings::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Rows of `scope` changed after `version`, in version order.
pub fn changed_since(
    conn: &mut DbConn,
    scope: &str,
    version: i64,
    limit: i64,
) -> QueryResult<Vec<BpRow>> {
    bp_readings::table
        .filter(bp_readings::scope.eq(scope))
        .filter(bp_readings::version.gt(version))
        .order(bp_readings::version.asc())
        .limit(limit)
        .load(conn)
}

/// Live readings of `scope` measured in [from_ms, to_ms), newest first, after a page position.
pub fn in_range(
    conn: &mut DbConn,
    scope: &str,
    from_ms: i64,
    to_ms: i64,
    before: Option<(i64, &str)>,
    limit: i64,
) -> QueryResult<Vec<BpRow>> {
    let mut q = bp_readings::table
        .filter(bp_readings::scope.eq(scope))
        .filter(bp_readings::measured_at_ms.ge(from_ms))
        .filter(bp_readings::measured_at_ms.lt(to_ms))
        .filter(bp_readings::hlc.is_not_null())
        .into_boxed();
    if let Some((ms, id)) = before {
        q = q.filter(
            bp_readings::measured_at_ms
                .lt(ms)
                .or(bp_readings::measured_at_ms
                    .eq(ms)
                    .and(bp_readings::id.lt(id.to_owned()))),
        );
    }
    q.order((bp_readings::measured_at_ms.desc(), bp_readings::id.desc()))
        .limit(limit)
        .load(conn)
}

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

/// Deletes tombstones last changed before `before_ms`; returns (scope, highest version) purged.
pub fn purge_tombstones(conn: &mut DbConn, before_ms: i64) -> QueryResult<Vec<(String, i64)>> {
    let gone: Vec<(String, i64)> = bp_readings::table
        .filter(bp_readings::hlc.is_null())
        .filter(bp_readings::updated_at.lt(before_ms))
        .select((bp_readings::scope, bp_readings::version))
        .load(conn)?;
    diesel::delete(
        bp_readings::table
            .filter(bp_readings::hlc.is_null())
            .filter(bp_readings::updated_at.lt(before_ms)),
    )
    .execute(conn)?;
    Ok(gone)
}
