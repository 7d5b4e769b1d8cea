//! `hcp_requests` (the forms a provider files after acceptance) and `hcp_events` (a
//! provider's history).

use diesel::prelude::*;

use super::DbConn;
use super::schema::{hcp_events, hcp_requests};

#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = hcp_requests, treat_none_as_null = true)]
pub struct HcpRequest {
    pub id: String,
    pub hcp_id: String,
    pub form: String,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub filed_by: String,
    pub filed_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
    pub result_id: Option<String>,
}

pub const FORM_LOCATION: &str = "location";
pub const FORM_AMENDMENT: &str = "amendment";

pub fn insert(conn: &mut DbConn, r: &HcpRequest) -> QueryResult<()> {
    diesel::insert_into(hcp_requests::table)
        .values(r)
        .execute(conn)
        .map(drop)
}

/// A pending request of `form`, locked on PostgreSQL, so it is decided once.
pub fn lock_pending(conn: &mut DbConn, id: &str, form: &str) -> QueryResult<Option<HcpRequest>> {
    let q = || {
        hcp_requests::table
            .find(id.to_owned())
            .filter(hcp_requests::form.eq(form.to_owned()))
    };
    let found: Option<HcpRequest> = match conn {
        DbConn::Postgres(pg) => q().for_update().first(pg).optional()?,
        DbConn::Sqlite(lite) => q().first(lite).optional()?,
    };
    Ok(found)
}

pub fn save(conn: &mut DbConn, r: &HcpRequest) -> QueryResult<()> {
    diesel::update(hcp_requests::table.find(&r.id))
        .set(r)
        .execute(conn)
        .map(drop)
}

pub fn list(conn: &mut DbConn, form: &str, status: Option<&str>) -> QueryResult<Vec<HcpRequest>> {
    let mut q = hcp_requests::table
        .filter(hcp_requests::form.eq(form.to_owned()))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(hcp_requests::status.eq(s.to_owned()));
    }
    q.order((hcp_requests::filed_at.asc(), hcp_requests::id.asc()))
        .load(conn)
}

pub fn of_hcp(conn: &mut DbConn, hcp_id: &str) -> QueryResult<Vec<HcpRequest>> {
    hcp_requests::table
        .filter(hcp_requests::hcp_id.eq(hcp_id))
        .order((hcp_requests::filed_at.asc(), hcp_requests::id.asc()))
        .load(conn)
}

/// The approved replacement whose new user administrator is `staff_id`, if any.
pub fn replacement_by(conn: &mut DbConn, staff_id: &str) -> QueryResult<Option<HcpRequest>> {
    hcp_requests::table
        .filter(hcp_requests::kind.eq("replace_user_admin"))
        .filter(hcp_requests::status.eq("approved"))
        .filter(hcp_requests::result_id.eq(staff_id))
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = hcp_events)]
pub struct HcpEvent {
    pub id: String,
    pub hcp_id: String,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub detail: Option<String>,
}

pub fn add_event(
    conn: &mut DbConn,
    hcp_id: &str,
    actor: &str,
    kind: &str,
    detail: Option<String>,
    at: i64,
) -> QueryResult<()> {
    diesel::insert_into(hcp_events::table)
        .values(HcpEvent {
            id: uuid::Uuid::now_v7().to_string(),
            hcp_id: hcp_id.to_owned(),
            at,
            actor: actor.to_owned(),
            kind: kind.to_owned(),
            detail,
        })
        .execute(conn)
        .map(drop)
}

pub fn events_of(conn: &mut DbConn, hcp_id: &str) -> QueryResult<Vec<HcpEvent>> {
    hcp_events::table
        .filter(hcp_events::hcp_id.eq(hcp_id))
        .order((hcp_events::at.asc(), hcp_events::id.asc()))
        .load(conn)
}
