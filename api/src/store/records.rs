//! `records`: what providers deposited for a patient, and their changes for sync.

use diesel::prelude::*;

use super::DbConn;
use super::schema::records;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = records)]
pub struct Record {
    pub id: String,
    pub patient_id: String,
    pub hcp_id: String,
    pub category: String,
    pub code: String,
    pub display: String,
    pub value: Option<String>,
    pub recorded_at: String,
    pub recorded_at_ms: i64,
    pub location_id: Option<String>,
    pub deposited_by: String,
    pub created_at: i64,
    pub sync_version: i64,
}

pub fn insert_record(conn: &mut DbConn, r: &Record) -> QueryResult<()> {
    diesel::insert_into(records::table)
        .values(r)
        .execute(conn)
        .map(drop)
}

/// A patient's records in the given categories, newest first.
pub fn records_of(
    conn: &mut DbConn,
    patient_id: &str,
    categories: &[String],
) -> QueryResult<Vec<Record>> {
    records::table
        .filter(records::patient_id.eq(patient_id))
        .filter(records::category.eq_any(categories))
        .order((records::recorded_at_ms.desc(), records::id.asc()))
        .load(conn)
}

pub fn records_changed(
    conn: &mut DbConn,
    scope: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Record>> {
    records::table
        .filter(records::patient_id.eq(scope))
        .filter(records::sync_version.gt(after))
        .order(records::sync_version.asc())
        .limit(limit)
        .load(conn)
}
