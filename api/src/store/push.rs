//! `push_tokens` and `push_log`.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{hcp_staff, push_log, push_tokens, staff_push_tokens, staff_sessions};
use crate::domain::ids::DeviceId;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = push_tokens)]
pub struct PushToken {
    pub device_id: String,
    pub token: String,
    pub platform: String,
    pub locale: String,
    pub updated_at: i64,
}

/// Sets a device's token; the same token on any other device is dropped (it moved).
pub fn put_token(conn: &mut DbConn, t: &PushToken) -> QueryResult<()> {
    diesel::delete(
        push_tokens::table.filter(
            push_tokens::token
                .eq(&t.token)
                .or(push_tokens::device_id.eq(&t.device_id)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(push_tokens::table)
        .values(t)
        .execute(conn)
        .map(drop)
}

/// Forgets a token FCM reported as unregistered or invalid (a patient device's or a staff
/// session's). Returns whether it was known.
pub fn remove_token(conn: &mut DbConn, token: &str) -> QueryResult<bool> {
    let patients =
        diesel::delete(push_tokens::table.filter(push_tokens::token.eq(token))).execute(conn)?;
    let staff = diesel::delete(staff_push_tokens::table.filter(staff_push_tokens::token.eq(token)))
        .execute(conn)?;
    Ok(patients + staff > 0)
}

/// What a staff session's token is delivered as: its "device" is `staff:<session id>`.
pub fn staff_device(session_id: &str) -> String {
    format!("staff:{session_id}")
}

/// Sets a staff session's token; the same token on any other session is dropped (it moved).
pub fn put_staff_token(conn: &mut DbConn, session_id: &str, t: &PushToken) -> QueryResult<()> {
    diesel::delete(
        staff_push_tokens::table.filter(
            staff_push_tokens::token
                .eq(&t.token)
                .or(staff_push_tokens::session_id.eq(session_id)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(staff_push_tokens::table)
        .values((
            staff_push_tokens::session_id.eq(session_id),
            staff_push_tokens::token.eq(&t.token),
            staff_push_tokens::platform.eq(&t.platform),
            staff_push_tokens::locale.eq(&t.locale),
            staff_push_tokens::updated_at.eq(t.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The tokens of an HCP's active staff, on sessions that are not signed out.
pub fn staff_tokens_of_hcp(conn: &mut DbConn, hcp_id: &str) -> QueryResult<Vec<PushToken>> {
    let rows: Vec<(String, String, String, String, i64)> = staff_push_tokens::table
        .inner_join(staff_sessions::table.inner_join(hcp_staff::table))
        .filter(hcp_staff::hcp_id.eq(hcp_id))
        .filter(hcp_staff::status.eq(super::staff::STAFF_ACTIVE))
        .filter(staff_sessions::revoked_at.is_null())
        .order(staff_push_tokens::session_id.asc())
        .select((
            staff_push_tokens::session_id,
            staff_push_tokens::token,
            staff_push_tokens::platform,
            staff_push_tokens::locale,
            staff_push_tokens::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(session, token, platform, locale, updated_at)| PushToken {
            device_id: staff_device(&session),
            token,
            platform,
            locale,
            updated_at,
        })
        .collect())
}

pub fn tokens_of(conn: &mut DbConn, device_ids: &[DeviceId]) -> QueryResult<Vec<PushToken>> {
    push_tokens::table
        .filter(push_tokens::device_id.eq_any(device_ids))
        .order(push_tokens::device_id.asc())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = push_log)]
pub struct Sent {
    pub notification_id: String,
    pub device_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: String,
    pub collapse_key: Option<String>,
    pub sent_at: i64,
}

/// Records a push; false when this notification already reached this device.
pub fn record_sent(conn: &mut DbConn, s: &Sent) -> QueryResult<bool> {
    crate::on_inner!(conn, |c| diesel::insert_into(push_log::table)
        .values(s)
        .on_conflict_do_nothing()
        .execute(c)
        .map(|n| n == 1))
}

pub fn sent_to(conn: &mut DbConn, device_id: &str) -> QueryResult<Vec<Sent>> {
    push_log::table
        .filter(push_log::device_id.eq(device_id))
        .order(push_log::sent_at.asc())
        .load(conn)
}
