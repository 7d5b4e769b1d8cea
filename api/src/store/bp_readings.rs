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

/// The rows with these ids.
pub fn find_many(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<BpRow>> {
    bp_readings::table
        .filter(bp_readings::id.eq_any(ids))
        .load(conn)
}

/// Inserts or replaces `rows` in one statement.
pub fn upsert_many(conn: &mut DbConn, rows: &[BpRow]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    if rows.is_empty() {
        return Ok(());
    }
    crate::on_inner!(conn, |c| {
        diesel::insert_into(bp_readings::table)
            .values(rows)
            .on_conflict(bp_readings::id)
            .do_update()
            .set((
                bp_readings::version.eq(excluded(bp_readings::version)),
                bp_readings::cl.eq(excluded(bp_readings::cl)),
                bp_readings::systolic.eq(excluded(bp_readings::systolic)),
                bp_readings::diastolic.eq(excluded(bp_readings::diastolic)),
                bp_readings::pulse.eq(excluded(bp_readings::pulse)),
                bp_readings::measured_at.eq(excluded(bp_readings::measured_at)),
                bp_readings::measured_at_ms.eq(excluded(bp_readings::measured_at_ms)),
                bp_readings::arm.eq(excluded(bp_readings::arm)),
                bp_readings::note.eq(excluded(bp_readings::note)),
                bp_readings::hlc.eq(excluded(bp_readings::hlc)),
                bp_readings::updated_at.eq(excluded(bp_readings::updated_at)),
                bp_readings::updated_by.eq(excluded(bp_readings::updated_by)),
            ))
            .execute(c)
    })
    .map(drop)
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
