//! `hcp_staff`: healthcare professionals of an HCP, their roles and enrolment.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{hcp_staff, staff_sessions};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = hcp_staff)]
pub struct Staff {
    pub id: String,
    pub hcp_id: String,
    pub english_name: String,
    pub profession: String,
    pub registration_number: String,
    pub roles: String,
    pub status: String,
    pub enrolment_code_hash: Option<String>,
    pub enrolment_expires_at: Option<i64>,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
    /// For an account linked to the same professional's account at another provider: that
    /// account, whose passkey signs in.
    pub login_staff_id: Option<String>,
}

impl Staff {
    /// The account whose passkey signs this professional in.
    pub fn login_id(&self) -> &str {
        self.login_staff_id.as_deref().unwrap_or(&self.id)
    }
}

pub const STAFF_PENDING: &str = "pending_enrolment";

pub const STAFF_ACTIVE: &str = "active";

pub const STAFF_DEACTIVATED: &str = "deactivated";

pub fn insert_staff(conn: &mut DbConn, s: &Staff) -> QueryResult<()> {
    diesel::insert_into(hcp_staff::table)
        .values(s)
        .execute(conn)
        .map(drop)
}

pub fn find_staff(conn: &mut DbConn, id: &str) -> QueryResult<Option<Staff>> {
    hcp_staff::table.find(id).first(conn).optional()
}

pub fn staff_by_enrolment_code(conn: &mut DbConn, code_hash: &str) -> QueryResult<Option<Staff>> {
    hcp_staff::table
        .filter(hcp_staff::enrolment_code_hash.eq(code_hash))
        .first(conn)
        .optional()
}

pub fn list_staff(conn: &mut DbConn, hcp_id: &str) -> QueryResult<Vec<Staff>> {
    hcp_staff::table
        .filter(hcp_staff::hcp_id.eq(hcp_id))
        .order(hcp_staff::created_at.asc())
        .load(conn)
}

/// Finishes an enrolment: the code is spent and the account becomes active. False when the
/// code was used meanwhile.
pub fn activate_staff(conn: &mut DbConn, id: &str, code_hash: &str) -> QueryResult<bool> {
    diesel::update(
        hcp_staff::table
            .find(id)
            .filter(hcp_staff::enrolment_code_hash.eq(code_hash))
            .filter(hcp_staff::status.eq(STAFF_PENDING)),
    )
    .set((
        hcp_staff::status.eq(STAFF_ACTIVE),
        hcp_staff::enrolment_code_hash.eq(None::<String>),
        hcp_staff::enrolment_expires_at.eq(None::<i64>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Deactivates a staff account and ends its sessions. False when it already was.
pub fn deactivate_staff(conn: &mut DbConn, id: &str, now: i64) -> QueryResult<bool> {
    let n = diesel::update(
        hcp_staff::table
            .find(id)
            .filter(hcp_staff::status.ne(STAFF_DEACTIVATED)),
    )
    .set((
        hcp_staff::status.eq(STAFF_DEACTIVATED),
        hcp_staff::enrolment_code_hash.eq(None::<String>),
        hcp_staff::deactivated_at.eq(now),
    ))
    .execute(conn)?;
    diesel::update(
        staff_sessions::table
            .filter(staff_sessions::staff_id.eq(id))
            .filter(staff_sessions::revoked_at.is_null()),
    )
    .set(staff_sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Active staff of `hcp_id` holding the `user_admin` role, locked on PostgreSQL for the
/// rest of the transaction (two administrators deactivating each other at once cannot both
/// succeed).
pub fn active_admins(conn: &mut DbConn, hcp_id: &str) -> QueryResult<Vec<Staff>> {
    let q = || {
        hcp_staff::table
            .filter(hcp_staff::hcp_id.eq(hcp_id.to_owned()))
            .filter(hcp_staff::status.eq(STAFF_ACTIVE))
            .order(hcp_staff::id.asc())
    };
    let rows: Vec<Staff> = match conn {
        DbConn::Postgres(pg) => q().for_update().load(pg)?,
        DbConn::Sqlite(lite) => q().load(lite)?,
    };
    Ok(rows
        .into_iter()
        .filter(|s| s.roles.split(',').any(|r| r == "user_admin"))
        .collect())
}

pub fn set_roles(conn: &mut DbConn, id: &str, roles: &str) -> QueryResult<()> {
    diesel::update(hcp_staff::table.find(id))
        .set(hcp_staff::roles.eq(roles))
        .execute(conn)
        .map(drop)
}

/// Every account of the professional who signs in as `login_id` (theirs and those linked to
/// it), oldest first.
pub fn memberships(conn: &mut DbConn, login_id: &str) -> QueryResult<Vec<Staff>> {
    hcp_staff::table
        .filter(
            hcp_staff::id
                .eq(login_id)
                .or(hcp_staff::login_staff_id.eq(login_id)),
        )
        .order(hcp_staff::created_at.asc())
        .load(conn)
}

pub fn link(conn: &mut DbConn, id: &str, login_id: &str) -> QueryResult<()> {
    diesel::update(hcp_staff::table.find(id))
        .set(hcp_staff::login_staff_id.eq(login_id))
        .execute(conn)
        .map(drop)
}
