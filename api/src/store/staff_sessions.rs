//! `staff_sessions` and `staff_tokens`: staff sign-in sessions and their rotating tokens.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{hcp_staff, staff_sessions, staff_tokens};
use super::staff::{STAFF_ACTIVE, Staff};
use crate::crypto::{new_token, token_hash};
use crate::store::sessions::{IssuedTokens, Lifetimes};

/// (session, token expiry, superseded, session revoked, staff).
type RefreshRow = (String, i64, Option<i64>, Option<i64>, Staff);

const ACCESS: &str = "access";

const REFRESH: &str = "refresh";

/// Staff tokens carry their own prefixes, so a patient token is never looked up as staff's.
pub const STAFF_ACCESS_PREFIX: &str = "sat_";

pub const STAFF_REFRESH_PREFIX: &str = "srt_";

pub fn create_session(
    conn: &mut DbConn,
    staff_id: &str,
    now: i64,
    life: Lifetimes,
) -> QueryResult<IssuedTokens> {
    let session_id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(staff_sessions::table)
        .values((
            staff_sessions::id.eq(&session_id),
            staff_sessions::staff_id.eq(staff_id),
            staff_sessions::created_at.eq(now),
        ))
        .execute(conn)?;
    issue_pair(conn, session_id, now, life)
}

fn issue_pair(
    conn: &mut DbConn,
    session_id: String,
    now: i64,
    life: Lifetimes,
) -> QueryResult<IssuedTokens> {
    let access_token = new_token(STAFF_ACCESS_PREFIX);
    let refresh_token = new_token(STAFF_REFRESH_PREFIX);
    for (token, kind, ttl) in [
        (&access_token, ACCESS, life.access_ms),
        (&refresh_token, REFRESH, life.refresh_ms),
    ] {
        diesel::insert_into(staff_tokens::table)
            .values((
                staff_tokens::token_hash.eq(token_hash(token)),
                staff_tokens::session_id.eq(&session_id),
                staff_tokens::kind.eq(kind),
                staff_tokens::expires_at.eq(now + ttl),
            ))
            .execute(conn)?;
    }
    Ok(IssuedTokens {
        session_id,
        access_token,
        refresh_token,
    })
}

/// (session, staff) of a live access token of an active staff member.
pub fn authenticate(
    conn: &mut DbConn,
    access_token: &str,
    now: i64,
) -> QueryResult<Option<(String, Staff)>> {
    staff_tokens::table
        .inner_join(staff_sessions::table.inner_join(hcp_staff::table))
        .filter(staff_tokens::token_hash.eq(token_hash(access_token)))
        .filter(staff_tokens::kind.eq(ACCESS))
        .filter(staff_tokens::superseded_at.is_null())
        .filter(staff_tokens::expires_at.gt(now))
        .filter(staff_sessions::revoked_at.is_null())
        .filter(hcp_staff::status.eq(STAFF_ACTIVE))
        .select((staff_sessions::id, hcp_staff::all_columns))
        .first(conn)
        .optional()
}

pub enum StaffRefresh {
    Rotated(IssuedTokens, Box<Staff>),
    Reused,
    Invalid,
}

/// Rotates a staff session's tokens; a superseded refresh token presented again ends the
/// session (as for patients).
pub fn refresh(
    conn: &mut DbConn,
    refresh_token: &str,
    now: i64,
    life: Lifetimes,
) -> QueryResult<StaffRefresh> {
    let hash = token_hash(refresh_token);
    let row: Option<RefreshRow> = staff_tokens::table
        .inner_join(staff_sessions::table.inner_join(hcp_staff::table))
        .filter(staff_tokens::token_hash.eq(&hash))
        .filter(staff_tokens::kind.eq(REFRESH))
        .select((
            staff_sessions::id,
            staff_tokens::expires_at,
            staff_tokens::superseded_at,
            staff_sessions::revoked_at,
            hcp_staff::all_columns,
        ))
        .first(conn)
        .optional()?;
    let Some((session_id, expires_at, superseded_at, revoked_at, staff)) = row else {
        return Ok(StaffRefresh::Invalid);
    };
    if revoked_at.is_some() || expires_at <= now || staff.status != STAFF_ACTIVE {
        return Ok(StaffRefresh::Invalid);
    }
    let won = superseded_at.is_none()
        && diesel::update(
            staff_tokens::table
                .find(&hash)
                .filter(staff_tokens::superseded_at.is_null()),
        )
        .set(staff_tokens::superseded_at.eq(now))
        .execute(conn)?
            == 1;
    if !won {
        revoke_session(conn, &session_id, now)?;
        return Ok(StaffRefresh::Reused);
    }
    diesel::update(
        staff_tokens::table
            .filter(staff_tokens::session_id.eq(&session_id))
            .filter(staff_tokens::superseded_at.is_null()),
    )
    .set(staff_tokens::superseded_at.eq(now))
    .execute(conn)?;
    Ok(StaffRefresh::Rotated(
        issue_pair(conn, session_id, now, life)?,
        Box::new(staff),
    ))
}

pub fn revoke_session(conn: &mut DbConn, session_id: &str, now: i64) -> QueryResult<()> {
    diesel::update(
        staff_sessions::table
            .find(session_id)
            .filter(staff_sessions::revoked_at.is_null()),
    )
    .set(staff_sessions::revoked_at.eq(now))
    .execute(conn)
    .map(drop)
}
