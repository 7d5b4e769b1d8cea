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

/// The rows with these ids.
pub fn find_many(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<GlucoseRow>> {
    glucose_readings::table
        .filter(glucose_readings::id.eq_any(ids))
        .load(conn)
}

/// Inserts or replaces `rows` in one statement.
pub fn upsert_many(conn: &mut DbConn, rows: &[GlucoseRow]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    if rows.is_empty() {
        return Ok(());
    }
    crate::on_inner!(conn, |c| {
        diesel::insert_into(glucose_readings::table)
            .values(rows)
            .on_conflict(glucose_readings::id)
            .do_update()
            .set((
                glucose_readings::version.eq(excluded(glucose_readings::version)),
                glucose_readings::cl.eq(excluded(glucose_readings::cl)),
                glucose_readings::mmol_tenths.eq(excluded(glucose_readings::mmol_tenths)),
                glucose_readings::meal_context.eq(excluded(glucose_readings::meal_context)),
                glucose_readings::measured_at.eq(excluded(glucose_readings::measured_at)),
                glucose_readings::measured_at_ms.eq(excluded(glucose_readings::measured_at_ms)),
                glucose_readings::note.eq(excluded(glucose_readings::note)),
                glucose_readings::hlc.eq(excluded(glucose_readings::hlc)),
                glucose_readings::updated_at.eq(excluded(glucose_readings::updated_at)),
                glucose_readings::updated_by.eq(excluded(glucose_readings::updated_by)),
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
) -> QueryResult<Vec<GlucoseRow>> {
    glucose_readings::table
        .filter(glucose_readings::scope.eq(scope))
        .filter(glucose_readings::version.gt(version))
        .order(glucose_readings::version.asc())
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
) -> QueryResult<Vec<GlucoseRow>> {
    let mut q = glucose_readings::table
        .filter(glucose_readings::scope.eq(scope))
        .filter(glucose_readings::measured_at_ms.ge(from_ms))
        .filter(glucose_readings::measured_at_ms.lt(to_ms))
        .filter(glucose_readings::hlc.is_not_null())
        .into_boxed();
    if let Some((ms, id)) = before {
        q = q.filter(
            glucose_readings::measured_at_ms
                .lt(ms)
                .or(glucose_readings::measured_at_ms
                    .eq(ms)
                    .and(glucose_readings::id.lt(id.to_owned()))),
        );
    }
    q.order((
        glucose_readings::measured_at_ms.desc(),
        glucose_readings::id.desc(),
    ))
    .limit(limit)
    .load(conn)
}

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

/// Deletes tombstones last changed before `before_ms`; returns (scope, highest version) purged.
pub fn purge_tombstones(conn: &mut DbConn, before_ms: i64) -> QueryResult<Vec<(String, i64)>> {
    let gone: Vec<(String, i64)> = glucose_readings::table
        .filter(glucose_readings::hlc.is_null())
        .filter(glucose_readings::updated_at.lt(before_ms))
        .select((glucose_readings::scope, glucose_readings::version))
        .load(conn)?;
    diesel::delete(
        glucose_readings::table
            .filter(glucose_readings::hlc.is_null())
            .filter(glucose_readings::updated_at.lt(before_ms)),
    )
    .execute(conn)?;
    Ok(gone)
}
