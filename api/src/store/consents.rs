//! `consents`, `consent_events`, `access_keys`, `records` and the append-only `access_log`.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{access_keys, access_log, consent_events, consent_requests, consents, records};

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

pub fn renew(conn: &mut DbConn, id: &str, valid_until: &str, at: i64) -> QueryResult<bool> {
    diesel::update(consents::table.find(id).filter(consents::status.eq(ACTIVE)))
        .set((
            consents::valid_until.eq(valid_until),
            consents::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = consent_events)]
pub struct Event {
    pub hcp_id: String,
    pub seq: i64,
    pub consent_id: String,
    pub patient_id: String,
    pub event: String,
    pub at: i64,
}

pub fn insert_event(conn: &mut DbConn, e: &Event) -> QueryResult<()> {
    diesel::insert_into(consent_events::table)
        .values(e)
        .execute(conn)
        .map(drop)
}

pub fn events_after(
    conn: &mut DbConn,
    hcp_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    consent_events::table
        .filter(consent_events::hcp_id.eq(hcp_id))
        .filter(consent_events::seq.gt(after))
        .order(consent_events::seq.asc())
        .limit(limit)
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = access_keys)]
pub struct AccessKey {
    pub patient_id: String,
    pub key_hash: String,
    pub created_at: i64,
    pub failures: i32,
    pub locked_until: Option<i64>,
}

/// Replaces the patient's access key (the old one dies in the same statement).
pub fn put_access_key(conn: &mut DbConn, k: &AccessKey) -> QueryResult<()> {
    diesel::delete(access_keys::table.find(&k.patient_id)).execute(conn)?;
    diesel::insert_into(access_keys::table)
        .values(k)
        .execute(conn)
        .map(drop)
}

pub fn delete_access_key(conn: &mut DbConn, patient_id: &str) -> QueryResult<()> {
    diesel::delete(access_keys::table.find(patient_id))
        .execute(conn)
        .map(drop)
}

pub fn access_key(conn: &mut DbConn, patient_id: &str) -> QueryResult<Option<AccessKey>> {
    access_keys::table.find(patient_id).first(conn).optional()
}

pub fn set_key_failures(
    conn: &mut DbConn,
    patient_id: &str,
    failures: i32,
    locked_until: Option<i64>,
) -> QueryResult<()> {
    diesel::update(access_keys::table.find(patient_id))
        .set((
            access_keys::failures.eq(failures),
            access_keys::locked_until.eq(locked_until),
        ))
        .execute(conn)
        .map(drop)
}

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

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = consent_requests)]
pub struct ConsentRequest {
    pub id: String,
    pub hcp_id: String,
    pub patient_id: String,
    pub requested_by: String,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub consent_id: Option<String>,
}

pub fn insert_request(conn: &mut DbConn, r: &ConsentRequest) -> QueryResult<()> {
    diesel::insert_into(consent_requests::table)
        .values(r)
        .execute(conn)
        .map(drop)
}

pub fn find_request(conn: &mut DbConn, id: &str) -> QueryResult<Option<ConsentRequest>> {
    consent_requests::table.find(id).first(conn).optional()
}

pub fn requests_of(conn: &mut DbConn, patient_id: &str) -> QueryResult<Vec<ConsentRequest>> {
    consent_requests::table
        .filter(consent_requests::patient_id.eq(patient_id))
        .order(consent_requests::created_at.desc())
        .load(conn)
}

/// Decides a pending request. False when it was decided meanwhile.
pub fn decide_request(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    by: &str,
    consent_id: Option<&str>,
    at: i64,
) -> QueryResult<bool> {
    diesel::update(
        consent_requests::table
            .find(id)
            .filter(consent_requests::status.eq("pending")),
    )
    .set((
        consent_requests::status.eq(status),
        consent_requests::decided_by.eq(by),
        consent_requests::decided_at.eq(at),
        consent_requests::consent_id.eq(consent_id),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
