//! `registrations`: passkey creation ceremonies in progress (self-registration, or a signed-in
//! patient adding a passkey), each completable once before it expires.

use diesel::prelude::*;

use super::DbConn;
use super::schema::registrations;

pub const KIND_SELF: &str = "self";
pub const KIND_PASSKEY: &str = "passkey";
/// A young person claiming the account their SDM kept (`patient_id` is theirs).
pub const KIND_CLAIM: &str = "claim";

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = registrations)]
pub struct Registration {
    pub id: String,
    pub kind: String,
    /// For `passkey`: the signed-in patient adding it.
    pub patient_id: Option<String>,
    /// The WebAuthn user handle (the patient id, existing or to be).
    pub user_handle: String,
    pub id_hash: Option<String>,
    /// For `self`: the validated profile (JSON), identity number encrypted.
    pub profile: Option<String>,
    /// Serialised WebAuthn registration state.
    pub ceremony: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub completed_at: Option<i64>,
}

pub fn insert(conn: &mut DbConn, r: &Registration) -> QueryResult<()> {
    diesel::insert_into(registrations::table)
        .values(r)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Registration>> {
    registrations::table.find(id).first(conn).optional()
}

/// Marks the registration complete and drops its copy of the profile; false when it already was
/// complete (so only one completion wins).
pub fn mark_completed(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<bool> {
    diesel::update(
        registrations::table
            .find(id)
            .filter(registrations::completed_at.is_null()),
    )
    .set((
        registrations::completed_at.eq(at),
        registrations::profile.eq(None::<String>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Deletes registrations that were abandoned before `before` (they hold personal data).
pub fn purge_abandoned(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(
        registrations::table
            .filter(registrations::completed_at.is_null())
            .filter(registrations::expires_at.lt(before)),
    )
    .execute(conn)
}
