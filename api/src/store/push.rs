//! `push_tokens` and `push_log`.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{push_log, push_tokens};

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

/// Forgets a token FCM reported as unregistered or invalid. Returns whether it was known.
pub fn remove_token(conn: &mut DbConn, token: &str) -> QueryResult<bool> {
    diesel::delete(push_tokens::table.filter(push_tokens::token.eq(token)))
        .execute(conn)
        .map(|n| n > 0)
}

pub fn tokens_of(conn: &mut DbConn, device_ids: &[String]) -> QueryResult<Vec<PushToken>> {
    push_tokens::table
        .filter(push_tokens::device_id.eq_any(device_ids))
        .order(push_tokens::device_id.asc())
        .load(conn)
}

pub fn token_of(conn: &mut DbConn, device_id: &str) -> QueryResult<Option<PushToken>> {
    push_tokens::table.find(device_id).first(conn).optional()
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
