//! `staff_passkeys`: staff members' WebAuthn credentials.

use diesel::prelude::*;

use super::DbConn;
use super::schema::staff_passkeys;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = staff_passkeys)]
pub struct StaffPasskey {
    pub id: String,
    pub credential_id: String,
    pub staff_id: String,
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub fn insert_passkey(conn: &mut DbConn, p: &StaffPasskey) -> QueryResult<()> {
    diesel::insert_into(staff_passkeys::table)
        .values(p)
        .execute(conn)
        .map(drop)
}

pub fn passkey_by_credential(
    conn: &mut DbConn,
    credential_id: &str,
) -> QueryResult<Option<StaffPasskey>> {
    staff_passkeys::table
        .filter(staff_passkeys::credential_id.eq(credential_id))
        .first(conn)
        .optional()
}

/// Stores the passkey's new counter, only if nobody changed it meanwhile.
pub fn update_passkey(
    conn: &mut DbConn,
    id: &str,
    old: &str,
    new: &str,
    now: i64,
) -> QueryResult<bool> {
    diesel::update(
        staff_passkeys::table
            .find(id)
            .filter(staff_passkeys::passkey.eq(old)),
    )
    .set((
        staff_passkeys::passkey.eq(new),
        staff_passkeys::last_used_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
