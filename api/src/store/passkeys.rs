//! `passkeys`: WebAuthn credentials, each bound to one patient.

use diesel::prelude::*;

use super::DbConn;
use super::schema::passkeys;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = passkeys)]
pub struct PasskeyRow {
    pub id: String,
    /// base64url of the credential id, unique across all patients.
    pub credential_id: String,
    pub patient_id: String,
    /// The serialised `webauthn_rs::prelude::Passkey` (public key, counter, flags).
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub fn insert(conn: &mut DbConn, p: &PasskeyRow) -> QueryResult<()> {
    diesel::insert_into(passkeys::table)
        .values(p)
        .execute(conn)
        .map(drop)
}

/// Whether a credential id is held by anyone, patient or staff (ids are not secret: one
/// registered by a patient must never shadow a staff member's, or the other way round).
pub fn credential_taken(conn: &mut DbConn, credential_id: &str) -> QueryResult<bool> {
    let patient: bool = diesel::select(diesel::dsl::exists(
        passkeys::table.filter(passkeys::credential_id.eq(credential_id)),
    ))
    .get_result(conn)?;
    Ok(patient
        || super::staff_passkeys::passkey_by_credential(conn, credential_id)?.is_some()
        || super::accounts::passkey_by_credential(conn, credential_id)?.is_some())
}

pub fn find_by_credential(
    conn: &mut DbConn,
    credential_id: &str,
) -> QueryResult<Option<PasskeyRow>> {
    passkeys::table
        .filter(passkeys::credential_id.eq(credential_id))
        .first(conn)
        .optional()
}

pub fn list_for_patient(conn: &mut DbConn, patient_id: &str) -> QueryResult<Vec<PasskeyRow>> {
    passkeys::table
        .filter(passkeys::patient_id.eq(patient_id))
        .order((passkeys::created_at.asc(), passkeys::id.asc()))
        .load(conn)
}

/// Stores the passkey after a sign-in (new counter), only if it is still the version read, so
/// two concurrent sign-ins cannot both move the counter from the same value.
pub fn update_after_use(
    conn: &mut DbConn,
    id: &str,
    read_version: &str,
    passkey: &str,
    at: i64,
) -> QueryResult<bool> {
    diesel::update(
        passkeys::table
            .find(id)
            .filter(passkeys::passkey.eq(read_version)),
    )
    .set((passkeys::passkey.eq(passkey), passkeys::last_used_at.eq(at)))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn has_any(conn: &mut DbConn, patient_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        passkeys::table.filter(passkeys::patient_id.eq(patient_id)),
    ))
    .get_result(conn)
}
