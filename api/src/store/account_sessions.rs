//! `account_sessions` and `account_tokens`: officers' and applicants' sign-in sessions and
//! their rotating tokens. Each kind of account has its own token prefixes.

use diesel::prelude::*;

use super::DbConn;
use super::accounts::{ACCOUNT_ACTIVE, Account, KIND_APPLICANT, KIND_OFFICER};
use super::schema::{account_sessions, account_tokens, accounts};
use crate::crypto::{new_token, token_hash};
use crate::store::sessions::{IssuedTokens, Lifetimes};

/// (session, token expiry, superseded, session revoked, account).
type RefreshRow = (String, i64, Option<i64>, Option<i64>, Account);

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

pub const OFFICER_ACCESS_PREFIX: &str = "oat_";
pub const OFFICER_REFRESH_PREFIX: &str = "ort_";
pub const APPLICANT_ACCESS_PREFIX: &str = "aat_";
pub const APPLICANT_REFRESH_PREFIX: &str = "art_";

/// The (access, refresh) token prefixes of an account kind.
fn prefixes(kind: &str) -> (&'static str, &'static str) {
    if kind == KIND_OFFICER {
        (OFFICER_ACCESS_PREFIX, OFFICER_REFRESH_PREFIX)
    } else {
        (APPLICANT_ACCESS_PREFIX, APPLICANT_REFRESH_PREFIX)
    }
}

/// The account kind whose refresh tokens start like `token`, if any.
pub fn refresh_kind(token: &str) -> Option<&'static str> {
    if token.starts_with(OFFICER_REFRESH_PREFIX) {
        Some(KIND_OFFICER)
    } else if token.starts_with(APPLICANT_REFRESH_PREFIX) {
        Some(KIND_APPLICANT)
    } else {
        None
    }
}

pub fn create_session(
    conn: &mut DbConn,
    account: &Account,
    now: i64,
    life: Lifetimes,
) -> QueryResult<IssuedTokens> {
    let session_id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(account_sessions::table)
        .values((
            account_sessions::id.eq(&session_id),
            account_sessions::account_id.eq(&account.id),
            account_sessions::created_at.eq(now),
        ))
        .execute(conn)?;
    issue_pair(conn, &account.kind, session_id, now, life)
}

fn issue_pair(
    conn: &mut DbConn,
    kind: &str,
    session_id: String,
    now: i64,
    life: Lifetimes,
) -> QueryResult<IssuedTokens> {
    let (access_prefix, refresh_prefix) = prefixes(kind);
    let access_token = new_token(access_prefix);
    let refresh_token = new_token(refresh_prefix);
    for (token, kind, ttl) in [
        (&access_token, ACCESS, life.access_ms),
        (&refresh_token, REFRESH, life.refresh_ms),
    ] {
        diesel::insert_into(account_tokens::table)
            .values((
                account_tokens::token_hash.eq(token_hash(token)),
                account_tokens::session_id.eq(&session_id),
                account_tokens::kind.eq(kind),
                account_tokens::expires_at.eq(now + ttl),
            ))
            .execute(conn)?;
    }
    Ok(IssuedTokens {
        session_id,
        access_token,
        refresh_token,
    })
}

/// (session, account) of a live access token of an active account of `kind`.
pub fn authenticate(
    conn: &mut DbConn,
    kind: &str,
    access_token: &str,
    now: i64,
) -> QueryResult<Option<(String, Account)>> {
    account_tokens::table
        .inner_join(account_sessions::table.inner_join(accounts::table))
        .filter(account_tokens::token_hash.eq(token_hash(access_token)))
        .filter(account_tokens::kind.eq(ACCESS))
        .filter(account_tokens::superseded_at.is_null())
        .filter(account_tokens::expires_at.gt(now))
        .filter(account_sessions::revoked_at.is_null())
        .filter(accounts::status.eq(ACCOUNT_ACTIVE))
        .filter(accounts::kind.eq(kind))
        .select((account_sessions::id, accounts::all_columns))
        .first(conn)
        .optional()
}

pub fn authenticate_officer(
    conn: &mut DbConn,
    token: &str,
    now: i64,
) -> QueryResult<Option<(String, Account)>> {
    authenticate(conn, KIND_OFFICER, token, now)
}

pub fn authenticate_applicant(
    conn: &mut DbConn,
    token: &str,
    now: i64,
) -> QueryResult<Option<(String, Account)>> {
    authenticate(conn, KIND_APPLICANT, token, now)
}

pub enum AccountRefresh {
    Rotated(IssuedTokens, Box<Account>),
    Reused,
    Invalid,
}

/// Rotates a session's tokens; a superseded refresh token presented again ends the session
/// (as for patients and staff).
pub fn refresh(
    conn: &mut DbConn,
    refresh_token: &str,
    now: i64,
    life: Lifetimes,
) -> QueryResult<AccountRefresh> {
    let hash = token_hash(refresh_token);
    let row: Option<RefreshRow> = account_tokens::table
        .inner_join(account_sessions::table.inner_join(accounts::table))
        .filter(account_tokens::token_hash.eq(&hash))
        .filter(account_tokens::kind.eq(REFRESH))
        .select((
            account_sessions::id,
            account_tokens::expires_at,
            account_tokens::superseded_at,
            account_sessions::revoked_at,
            accounts::all_columns,
        ))
        .first(conn)
        .optional()?;
    let Some((session_id, expires_at, superseded_at, revoked_at, account)) = row else {
        return Ok(AccountRefresh::Invalid);
    };
    if revoked_at.is_some()
        || expires_at <= now
        || account.status != ACCOUNT_ACTIVE
        || refresh_kind(refresh_token) != Some(prefix_kind(&account.kind))
    {
        return Ok(AccountRefresh::Invalid);
    }
    let won = superseded_at.is_none()
        && diesel::update(
            account_tokens::table
                .find(&hash)
                .filter(account_tokens::superseded_at.is_null()),
        )
        .set(account_tokens::superseded_at.eq(now))
        .execute(conn)?
            == 1;
    if !won {
        revoke_session(conn, &session_id, now)?;
        return Ok(AccountRefresh::Reused);
    }
    diesel::update(
        account_tokens::table
            .filter(account_tokens::session_id.eq(&session_id))
            .filter(account_tokens::superseded_at.is_null()),
    )
    .set(account_tokens::superseded_at.eq(now))
    .execute(conn)?;
    let issued = issue_pair(conn, &account.kind, session_id, now, life)?;
    Ok(AccountRefresh::Rotated(issued, Box::new(account)))
}

fn prefix_kind(kind: &str) -> &'static str {
    if kind == KIND_OFFICER {
        KIND_OFFICER
    } else {
        KIND_APPLICANT
    }
}

pub fn revoke_session(conn: &mut DbConn, session_id: &str, now: i64) -> QueryResult<()> {
    diesel::update(
        account_sessions::table
            .find(session_id)
            .filter(account_sessions::revoked_at.is_null()),
    )
    .set(account_sessions::revoked_at.eq(now))
    .execute(conn)
    .map(drop)
}
