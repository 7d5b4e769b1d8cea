//! `patients`: one row per registered person.

use diesel::prelude::*;
use ehealth_contracts::PatientStatus;

use super::DbConn;
use super::schema::patients;
use crate::domain::ids::PatientId;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = patients)]
pub struct Patient {
    pub id: PatientId,
    pub id_doc_type: String,
    pub id_issuing_country: Option<String>,
    /// Keyed hash of the identity document's uniqueness key.
    pub id_hash: String,
    /// The identity number, encrypted with the secret key.
    pub id_cipher: Vec<u8>,
    pub id_masked: String,
    pub english_surname: String,
    pub english_given_names: String,
    pub chinese_name: Option<String>,
    pub date_of_birth: String,
    pub sex: String,
    pub phone: String,
    pub email: Option<String>,
    pub preferred_language: String,
    pub notify_on_access: bool,
    pub status: String,
    pub verification_method: Option<String>,
    pub verification_reference: Option<String>,
    pub verified_by: Option<String>,
    pub verified_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Patient {
    /// The stored status; a value no version of the server writes is a fault, not a guess.
    pub fn status(&self) -> QueryResult<PatientStatus> {
        PatientStatus::parse(&self.status).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("unknown patient status {:?}", self.status).into(),
            )
        })
    }
}

pub fn insert(conn: &mut DbConn, p: &Patient) -> QueryResult<()> {
    diesel::insert_into(patients::table)
        .values(p)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Patient>> {
    patients::table.find(id).first(conn).optional()
}

pub fn id_hash_taken(conn: &mut DbConn, id_hash: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        patients::table.filter(patients::id_hash.eq(id_hash)),
    ))
    .get_result(conn)
}

/// Records an identity verification. Returns false when the patient was not `unverified`.
pub fn mark_verified(
    conn: &mut DbConn,
    id: &str,
    method: &str,
    reference: &str,
    by: &str,
    at: i64,
) -> QueryResult<bool> {
    diesel::update(
        patients::table
            .find(id)
            .filter(patients::status.eq(PatientStatus::Unverified.as_str())),
    )
    .set((
        patients::status.eq(PatientStatus::Verified.as_str()),
        patients::verification_method.eq(method),
        patients::verification_reference.eq(reference),
        patients::verified_by.eq(by),
        patients::verified_at.eq(at),
        patients::updated_at.eq(at),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn find_by_id_hash(conn: &mut DbConn, id_hash: &str) -> QueryResult<Option<Patient>> {
    patients::table
        .filter(patients::id_hash.eq(id_hash))
        .first(conn)
        .optional()
}

/// Locks the patient's row until the transaction ends (a no-op update), so requests that
/// check-then-act on one patient (claim codes, claims) run one after the other.
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    diesel::update(patients::table.find(id))
        .set(patients::updated_at.eq(patients::updated_at))
        .execute(conn)
        .map(|n| n == 1)
}

/// After an account changes hands without an identity check (a claim with a code the SDM
/// requested), the new holder must be verified again before anyone may read the record.
pub fn reset_verification(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<()> {
    diesel::update(
        patients::table
            .find(id)
            .filter(patients::status.eq(PatientStatus::Verified.as_str())),
    )
    .set((
        patients::status.eq(PatientStatus::Unverified.as_str()),
        patients::verification_method.eq(None::<String>),
        patients::verification_reference.eq(None::<String>),
        patients::verified_by.eq(None::<String>),
        patients::verified_at.eq(None::<i64>),
        patients::updated_at.eq(at),
    ))
    .execute(conn)
    .map(drop)
}

/// Closes the account: status `withdrawn` (records stay).
pub fn withdraw(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<()> {
    diesel::update(patients::table.find(id))
        .set((
            patients::status.eq(PatientStatus::Withdrawn.as_str()),
            patients::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// A record that gives up its identity to the person who registered themselves with it: its
/// lookup hash becomes unique to the record (so it matches no document again), the encrypted
/// number is cleared and the record is withdrawn. Only for records nobody ever had authority
/// over (see `services::family::released`).
pub fn release_identity(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<()> {
    diesel::update(patients::table.find(id))
        .set((
            patients::id_hash.eq(format!("released:{id}")),
            patients::id_cipher.eq(Vec::<u8>::new()),
            patients::status.eq(PatientStatus::Withdrawn.as_str()),
            patients::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Changes the preferences given (`None` keeps the stored value).
pub fn set_preferences(
    conn: &mut DbConn,
    id: &str,
    notify_on_access: Option<bool>,
    preferred_language: Option<&str>,
    at: i64,
) -> QueryResult<()> {
    if let Some(notify) = notify_on_access {
        diesel::update(patients::table.find(id))
            .set(patients::notify_on_access.eq(notify))
            .execute(conn)?;
    }
    if let Some(lang) = preferred_language {
        diesel::update(patients::table.find(id))
            .set(patients::preferred_language.eq(lang))
            .execute(conn)?;
    }
    diesel::update(patients::table.find(id))
        .set(patients::updated_at.eq(at))
        .execute(conn)
        .map(drop)
}
