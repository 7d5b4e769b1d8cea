//! `devices`: the phones and browsers a patient uses.

use diesel::prelude::*;

use super::DbConn;
use super::schema::devices;
use crate::domain::ids::{DeviceId, PatientId};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = devices)]
pub struct Device {
    pub id: DeviceId,
    pub patient_id: PatientId,
    pub name: String,
    pub platform: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub revoked_at: Option<i64>,
}

pub fn insert(conn: &mut DbConn, d: &Device) -> QueryResult<()> {
    diesel::insert_into(devices::table)
        .values(d)
        .execute(conn)
        .map(drop)
}

/// An active device of the patient.
pub fn find_active(conn: &mut DbConn, patient_id: &str, id: &str) -> QueryResult<Option<Device>> {
    devices::table
        .find(id)
        .filter(devices::patient_id.eq(patient_id))
        .filter(devices::revoked_at.is_null())
        .first(conn)
        .optional()
}

pub fn list_active(conn: &mut DbConn, patient_id: &str) -> QueryResult<Vec<Device>> {
    devices::table
        .filter(devices::patient_id.eq(patient_id))
        .filter(devices::revoked_at.is_null())
        .order((devices::created_at.asc(), devices::id.asc()))
        .load(conn)
}

pub fn touch(conn: &mut DbConn, id: &str, name: &str, at: i64) -> QueryResult<()> {
    diesel::update(devices::table.find(id))
        .set((devices::last_seen_at.eq(at), devices::name.eq(name)))
        .execute(conn)
        .map(drop)
}

pub fn revoke(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<bool> {
    diesel::update(
        devices::table
            .find(id)
            .filter(devices::revoked_at.is_null()),
    )
    .set(devices::revoked_at.eq(at))
    .execute(conn)
    .map(|n| n == 1)
}
