//! `access_keys`: a patient's hashed access key and its count of wrong tries.

use diesel::prelude::*;

use super::DbConn;
use super::schema::access_keys;

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
