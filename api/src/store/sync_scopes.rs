//! `sync_scopes` and the server epoch: each scope's version counter and purge mark.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{server_meta, sync_scopes};

pub fn create_scope(conn: &mut DbConn, scope: &str, patient_id: &str, now: i64) -> QueryResult<()> {
    diesel::insert_into(sync_scopes::table)
        .values((
            sync_scopes::scope.eq(scope),
            sync_scopes::patient_id.eq(patient_id),
            sync_scopes::version.eq(0),
            sync_scopes::purged_version.eq(0),
            sync_scopes::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Takes the scope's next version. The update locks the counter row until the transaction
/// ends, so versions of one scope are committed in the order they were taken: a reader never
/// sees version n+1 without n.
pub fn next_version(conn: &mut DbConn, scope: &str) -> QueryResult<i64> {
    take_versions(conn, scope, 1)
}

/// Takes `n` consecutive versions of the scope at once (see [`next_version`]); returns the
/// highest, so they are `highest - n + 1 ..= highest`.
pub fn take_versions(conn: &mut DbConn, scope: &str, n: i64) -> QueryResult<i64> {
    // One round trip: `UPDATE ... RETURNING` (PostgreSQL, and SQLite since 3.35).
    crate::on_inner!(conn, |c| diesel::update(sync_scopes::table.find(scope))
        .set(sync_scopes::version.eq(sync_scopes::version + n))
        .returning(sync_scopes::version)
        .get_result(c))
}

/// Locks the scope's counter row until the transaction ends (writers of one scope queue).
pub fn lock_scope(conn: &mut DbConn, scope: &str) -> QueryResult<()> {
    diesel::update(sync_scopes::table.find(scope))
        .set(sync_scopes::version.eq(sync_scopes::version))
        .execute(conn)
        .map(drop)
}

/// (current version, purged version) of a scope.
pub fn scope_versions(conn: &mut DbConn, scope: &str) -> QueryResult<Option<(i64, i64)>> {
    sync_scopes::table
        .find(scope)
        .select((sync_scopes::version, sync_scopes::purged_version))
        .first(conn)
        .optional()
}

pub fn raise_purged_version(conn: &mut DbConn, scope: &str, version: i64) -> QueryResult<()> {
    diesel::update(
        sync_scopes::table
            .find(scope)
            .filter(sync_scopes::purged_version.lt(version)),
    )
    .set(sync_scopes::purged_version.eq(version))
    .execute(conn)
    .map(drop)
}

pub fn epoch(conn: &mut DbConn) -> QueryResult<String> {
    server_meta::table
        .find("sync_epoch")
        .select(server_meta::value)
        .first(conn)
}

/// Starts a new sync epoch: every device resets its scopes on its next pull. Run after
/// restoring the database from a backup.
pub fn reset_epoch(conn: &mut DbConn, new_epoch: &str) -> QueryResult<()> {
    diesel::update(server_meta::table.find("sync_epoch"))
        .set(server_meta::value.eq(new_epoch))
        .execute(conn)
        .map(drop)
}
