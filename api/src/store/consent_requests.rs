//! `consent_requests`: providers' requests for sharing consent and their decisions.

use diesel::prelude::*;

use super::DbConn;
use super::schema::consent_requests;

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

/// The HCP's request to the patient that is still pending, if any.
pub fn open_request(
    conn: &mut DbConn,
    patient_id: &str,
    hcp_id: &str,
) -> QueryResult<Option<ConsentRequest>> {
    consent_requests::table
        .filter(consent_requests::patient_id.eq(patient_id))
        .filter(consent_requests::hcp_id.eq(hcp_id))
        .filter(consent_requests::status.eq("pending"))
        .first(conn)
        .optional()
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
