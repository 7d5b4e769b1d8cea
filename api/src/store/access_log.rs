//! `access_log`: each patient's append-only, HMAC-chained log of record reads.

use diesel::prelude::*;

use super::DbConn;
use super::schema::access_log;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = access_log)]
pub struct LogEntry {
    pub patient_id: String,
    pub seq: i64,
    pub id: String,
    pub staff_id: Option<String>,
    pub staff_name: Option<String>,
    pub hcp_id: String,
    pub hcp_name: String,
    pub profession: Option<String>,
    pub categories: String,
    pub purpose: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub at: i64,
    pub prev_hash: String,
    pub hash: String,
    pub sync_version: i64,
}

/// The last entry's (seq, hash) of a patient's log.
pub fn last_log_entry(conn: &mut DbConn, patient_id: &str) -> QueryResult<Option<(i64, String)>> {
    access_log::table
        .filter(access_log::patient_id.eq(patient_id))
        .order(access_log::seq.desc())
        .select((access_log::seq, access_log::hash))
        .first(conn)
        .optional()
}

pub fn append_log(conn: &mut DbConn, e: &LogEntry) -> QueryResult<()> {
    diesel::insert_into(access_log::table)
        .values(e)
        .execute(conn)
        .map(drop)
}

pub fn log_of(conn: &mut DbConn, patient_id: &str) -> QueryResult<Vec<LogEntry>> {
    access_log::table
        .filter(access_log::patient_id.eq(patient_id))
        .order(access_log::seq.asc())
        .load(conn)
}

pub fn log_changed(
    conn: &mut DbConn,
    scope: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<LogEntry>> {
    access_log::table
        .filter(access_log::patient_id.eq(scope))
        .filter(access_log::sync_version.gt(after))
        .order(access_log::sync_version.asc())
        .limit(limit)
        .load(conn)
}
