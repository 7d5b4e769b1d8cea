//! `consents`: sharing consents, their status and last valid day, and their sync rows.

use diesel::prelude::*;

use super::DbConn;
use super::schema::consents;

pub const ACTIVE: &str = "active";

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = consents)]
pub struct Consent {
    pub id: String,
    pub patient_id: String,
    pub hcp_id: String,
    pub consent_type: String,
    pub method: String,
    pub status: String,
    pub granted_at: i64,
    pub valid_until: Option<String>,
    pub granted_by: String,
    pub ended_at: Option<i64>,
    pub ended_by: Option<String>,
    pub updated_at: i64,
    pub sync_version: i64,
}

pub fn insert(conn: &mut DbConn, c: &Consent) -> QueryResult<()> {
    diesel::insert_into(consents::table)
        .values(c)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Consent>> {
    consents::table.find(id).first(conn).optional()
}

pub fn for_patient(conn: &mut DbConn, patient_id: &str) -> QueryResult<Vec<Consent>> {
    consents::table
        .filter(consents::patient_id.eq(patient_id))
        .order((consents::granted_at.desc(), consents::id.desc()))
        .load(conn)
}

/// The active consent of a patient to an HCP, if any.
pub fn active(conn: &mut DbConn, patient_id: &str, hcp_id: &str) -> QueryResult<Option<Consent>> {
    consents::table
        .filter(consents::patient_id.eq(patient_id))
        .filter(consents::hcp_id.eq(hcp_id))
        .filter(consents::status.eq(ACTIVE))
        .first(conn)
        .optional()
}

/// Ends an active consent with `status`. False when it was no longer active.
pub fn end(conn: &mut DbConn, id: &str, status: &str, by: &str, at: i64) -> QueryResult<bool> {
    diesel::update(consents::table.find(id).filter(consents::status.eq(ACTIVE)))
        .set((
            consents::status.eq(status),
            consents::ended_at.eq(at),
            consents::ended_by.eq(by),
            consents::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Active one-year consents whose last day is on or before `until` (ISO date).
pub fn one_year_active_until(conn: &mut DbConn, until: &str) -> QueryResult<Vec<Consent>> {
    consents::table
        .filter(consents::status.eq(ACTIVE))
        .filter(consents::consent_type.eq("one_year"))
        .filter(consents::valid_until.le(until))
        .order(consents::id.asc())
        .load(conn)
}

/// Turns an active legacy one-year consent into an indefinite one (the 2025 regime). Returns
/// false when it was no longer active.
pub fn make_indefinite(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<bool> {
    diesel::update(consents::table.find(id).filter(consents::status.eq(ACTIVE)))
        .set((
            consents::consent_type.eq("indefinite"),
            consents::valid_until.eq(None::<String>),
            consents::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn set_consent_version(conn: &mut DbConn, id: &str, version: i64) -> QueryResult<()> {
    diesel::update(consents::table.find(id))
        .set(consents::sync_version.eq(version))
        .execute(conn)
        .map(drop)
}

/// Rows of a patient's scope changed after `after`, in version order (read-only sync tables).
pub fn consents_changed(
    conn: &mut DbConn,
    scope: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Consent>> {
    consents::table
        .filter(consents::patient_id.eq(scope))
        .filter(consents::sync_version.gt(after))
        .order(consents::sync_version.asc())
        .limit(limit)
        .load(conn)
}
