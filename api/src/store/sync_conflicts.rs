//! `sync_conflicts`: field values a merge overruled, kept for the patient to review.

use diesel::prelude::*;

use super::DbConn;
use super::schema::sync_conflicts;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = sync_conflicts)]
pub struct ConflictRow {
    pub id: String,
    pub scope: String,
    pub table_name: String,
    pub row_id: String,
    pub field: String,
    pub losing_value: String,
    pub losing_hlc: String,
    pub winning_value: String,
    pub winning_hlc: String,
    pub device_id: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

pub fn insert_conflict(conn: &mut DbConn, c: &ConflictRow) -> QueryResult<()> {
    diesel::insert_into(sync_conflicts::table)
        .values(c)
        .execute(conn)
        .map(drop)
}

/// Conflicts of a scope, oldest first, after a `(created_at, id)` position.
pub fn list_conflicts(
    conn: &mut DbConn,
    scope: &str,
    include_resolved: bool,
    after: Option<(i64, &str)>,
    limit: i64,
) -> QueryResult<Vec<ConflictRow>> {
    let mut q = sync_conflicts::table
        .filter(sync_conflicts::scope.eq(scope))
        .into_boxed();
    if !include_resolved {
        q = q.filter(sync_conflicts::resolved_at.is_null());
    }
    if let Some((at, id)) = after {
        q = q.filter(
            sync_conflicts::created_at
                .gt(at)
                .or(sync_conflicts::created_at
                    .eq(at)
                    .and(sync_conflicts::id.gt(id.to_owned()))),
        );
    }
    q.order((sync_conflicts::created_at.asc(), sync_conflicts::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Marks a conflict of the scope resolved (idempotent); the row as it now stands, if found.
pub fn resolve_conflict(
    conn: &mut DbConn,
    scope: &str,
    id: &str,
    now: i64,
) -> QueryResult<Option<ConflictRow>> {
    diesel::update(
        sync_conflicts::table
            .find(id)
            .filter(sync_conflicts::scope.eq(scope))
            .filter(sync_conflicts::resolved_at.is_null()),
    )
    .set(sync_conflicts::resolved_at.eq(now))
    .execute(conn)?;
    sync_conflicts::table
        .find(id)
        .filter(sync_conflicts::scope.eq(scope))
        .first(conn)
        .optional()
}
