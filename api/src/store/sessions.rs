//! `sessions` and `session_tokens`: opaque bearer tokens, stored only as hashes, so any session
//! can be revoked at once. A refresh rotates both tokens; presenting a superseded refresh token
//! again is treated as theft and ends the whole session.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{devices, session_tokens, sessions};
use crate::crypto::{new_token, token_hash};
use crate::domain::ids::{DeviceId, PatientId};

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

/// Token lifetimes in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access_ms: i64,
    pub refresh_ms: i64,
}

pub struct IssuedTokens {
    pub session_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// Who an access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    pub session_id: String,
    pub patient_id: PatientId,
    pub device_id: DeviceId,
}

pub enum RefreshOutcome {
    Rotated {
        tokens: IssuedTokens,
        patient_id: PatientId,
        device_id: DeviceId,
    },
    /// A superseded refresh token came back: the session has been revoked.
    Reused,
    Invalid,
}

pub fn create(
    conn: &mut DbConn,
    patient_id: &str,
    device_id: &str,
    now: i64,
    life: Lifetimes,
) -> QueryResult<IssuedTokens> {
    let session_id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&session_id),
            sessions::patient_id.eq(patient_id),
            sessions::device_id.eq(device_id),
            sessions::created_at.eq(now),
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
    let access_token = new_token("at_");
    let refresh_token = new_token("rt_");
    // One row at a time: diesel's multi-backend connection has no batch insert.
    for (token, kind, ttl) in [
        (&access_token, ACCESS, life.access_ms),
        (&refresh_token, REFRESH, life.refresh_ms),
    ] {
        diesel::insert_into(session_tokens::table)
            .values((
                session_tokens::token_hash.eq(token_hash(token)),
                session_tokens::session_id.eq(&session_id),
                session_tokens::kind.eq(kind),
                session_tokens::expires_at.eq(now + ttl),
            ))
            .execute(conn)?;
    }
    Ok(IssuedTokens {
        session_id,
        access_token,
        refresh_token,
    })
}

/// The grant of a live access token of a live session on an active device.
pub fn authenticate(
    conn: &mut DbConn,
    access_token: &str,
    now: i64,
) -> QueryResult<Option<AccessGrant>> {
    session_tokens::table
        .inner_join(sessions::table.inner_join(devices::table))
        .filter(session_tokens::token_hash.eq(token_hash(access_token)))
        .filter(session_tokens::kind.eq(ACCESS))
        .filter(session_tokens::superseded_at.is_null())
        .filter(session_tokens::expires_at.gt(now))
        .filter(sessions::revoked_at.is_null())
        .filter(devices::revoked_at.is_null())
        .select((sessions::id, sessions::patient_id, sessions::device_id))
        .first::<(String, PatientId, DeviceId)>(conn)
        .optional()
        .map(|row| {
            row.map(|(session_id, patient_id, device_id)| AccessGrant {
                session_id,
                patient_id,
                device_id,
            })
        })
}

#[derive(Queryable)]
struct RefreshRow {
    session_id: String,
    expires_at: i64,
    superseded_at: Option<i64>,
    revoked_at: Option<i64>,
    patient_id: PatientId,
    device_id: DeviceId,
    device_revoked: Option<i64>,
}

pub fn refresh(
    conn: &mut DbConn,
    refresh_token: &str,
    now: i64,
    life: Lifetimes,
) -> QueryResult<RefreshOutcome> {
    let hash = token_hash(refresh_token);
    let row: Option<RefreshRow> = session_tokens::table
        .inner_join(sessions::table.inner_join(devices::table))
        .filter(session_tokens::token_hash.eq(&hash))
        .filter(session_tokens::kind.eq(REFRESH))
        .select((
            sessions::id,
            session_tokens::expires_at,
            session_tokens::superseded_at,
            sessions::revoked_at,
            sessions::patient_id,
            sessions::device_id,
            devices::revoked_at,
        ))
        .first(conn)
        .optional()?;
    let Some(RefreshRow {
        session_id,
        expires_at,
        superseded_at,
        revoked_at,
        patient_id,
        device_id,
        device_revoked,
    }) = row
    else {
        return Ok(RefreshOutcome::Invalid);
    };
    if revoked_at.is_some() || device_revoked.is_some() || expires_at <= now {
        return Ok(RefreshOutcome::Invalid);
    }
    // Only one presentation of a refresh token can supersede it.
    let won = superseded_at.is_none()
        && diesel::update(
            session_tokens::table
                .find(&hash)
                .filter(session_tokens::superseded_at.is_null()),
        )
        .set(session_tokens::superseded_at.eq(now))
        .execute(conn)?
            == 1;
    if !won {
        revoke(conn, &session_id, "refresh_token_reused", now)?;
        return Ok(RefreshOutcome::Reused);
    }
    supersede_all(conn, &session_id, now)?;
    let tokens = issue_pair(conn, session_id, now, life)?;
    Ok(RefreshOutcome::Rotated {
        tokens,
        patient_id,
        device_id,
    })
}

fn supersede_all(conn: &mut DbConn, session_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        session_tokens::table
            .filter(session_tokens::session_id.eq(session_id))
            .filter(session_tokens::superseded_at.is_null()),
    )
    .set(session_tokens::superseded_at.eq(now))
    .execute(conn)
}

pub fn revoke(conn: &mut DbConn, session_id: &str, reason: &str, now: i64) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(session_id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)?;
    supersede_all(conn, session_id, now).map(drop)
}

/// Ends every session of a device (the device was removed).
pub fn revoke_for_device(
    conn: &mut DbConn,
    device_id: &str,
    reason: &str,
    now: i64,
) -> QueryResult<usize> {
    let ids: Vec<String> = sessions::table
        .filter(sessions::device_id.eq(device_id))
        .filter(sessions::revoked_at.is_null())
        .select(sessions::id)
        .load(conn)?;
    for id in &ids {
        revoke(conn, id, reason, now)?;
    }
    Ok(ids.len())
}

/// Ends every session of a patient (withdrawal).
pub fn revoke_all_for_patient(conn: &mut DbConn, patient_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::patient_id.eq(patient_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq("withdrawn"),
    ))
    .execute(conn)
}
