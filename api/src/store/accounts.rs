//! `accounts` and `account_passkeys`: officers of the registration office and providers'
//! applicants, who sign in with passkeys like staff but belong to no HCP.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{account_passkeys, account_sessions, accounts};

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
    pub email_confirmed_at: Option<i64>,
    pub email_code_hash: Option<String>,
    pub email_code_expires_at: Option<i64>,
    pub roles: String,
    pub status: String,
    pub enrolment_code_hash: Option<String>,
    pub enrolment_expires_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
    pub deactivated_by: Option<String>,
    /// Applicants: the language of their emails.
    pub locale: Option<String>,
}

impl Account {
    pub fn roles(&self) -> Vec<String> {
        self.roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

pub const KIND_OFFICER: &str = "officer";
pub const KIND_APPLICANT: &str = "applicant";

pub const ACCOUNT_PENDING: &str = "pending_enrolment";
pub const ACCOUNT_ACTIVE: &str = "active";
pub const ACCOUNT_DEACTIVATED: &str = "deactivated";

pub fn insert(conn: &mut DbConn, a: &Account) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values(a)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Account>> {
    accounts::table.find(id).first(conn).optional()
}

pub fn by_enrolment_code(
    conn: &mut DbConn,
    kind: &str,
    code_hash: &str,
) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::kind.eq(kind))
        .filter(accounts::enrolment_code_hash.eq(code_hash))
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConn, kind: &str) -> QueryResult<Vec<Account>> {
    accounts::table
        .filter(accounts::kind.eq(kind))
        .order(accounts::created_at.asc())
        .load(conn)
}

/// Active accounts of `kind` holding `role`, locked on PostgreSQL for the rest of the
/// transaction (so two supervisors removing each other at once cannot both see the other as
/// the one who stays; SQLite's single writer serialises them anyway).
pub fn count_active_with_role(conn: &mut DbConn, kind: &str, role: &str) -> QueryResult<usize> {
    let q = || {
        accounts::table
            .filter(accounts::kind.eq(kind.to_owned()))
            .filter(accounts::status.eq(ACCOUNT_ACTIVE))
            .select(accounts::roles)
            .order(accounts::id.asc())
    };
    let rows: Vec<String> = match conn {
        DbConn::Postgres(pg) => q().for_update().load(pg)?,
        DbConn::Sqlite(lite) => q().load(lite)?,
    };
    Ok(rows
        .iter()
        .filter(|r| r.split(',').any(|x| x == role))
        .count())
}

/// Finishes an enrolment: the code is spent and the account becomes active. False when the
/// code was used meanwhile.
pub fn activate(conn: &mut DbConn, id: &str, code_hash: &str) -> QueryResult<bool> {
    diesel::update(
        accounts::table
            .find(id)
            .filter(accounts::enrolment_code_hash.eq(code_hash))
            .filter(accounts::status.eq(ACCOUNT_PENDING)),
    )
    .set((
        accounts::status.eq(ACCOUNT_ACTIVE),
        accounts::enrolment_code_hash.eq(None::<String>),
        accounts::enrolment_expires_at.eq(None::<i64>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Deactivates an account and ends its sessions. False when it already was.
pub fn deactivate(conn: &mut DbConn, id: &str, by: &str, now: i64) -> QueryResult<bool> {
    let n = diesel::update(
        accounts::table
            .find(id)
            .filter(accounts::status.ne(ACCOUNT_DEACTIVATED)),
    )
    .set((
        accounts::status.eq(ACCOUNT_DEACTIVATED),
        accounts::enrolment_code_hash.eq(None::<String>),
        accounts::deactivated_at.eq(now),
        accounts::deactivated_by.eq(by),
    ))
    .execute(conn)?;
    diesel::update(
        account_sessions::table
            .filter(account_sessions::account_id.eq(id))
            .filter(account_sessions::revoked_at.is_null()),
    )
    .set(account_sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Stores a new email confirmation code (hashed) for an applicant.
pub fn set_email_code(
    conn: &mut DbConn,
    id: &str,
    code_hash: &str,
    expires_at: i64,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::email_code_hash.eq(code_hash),
            accounts::email_code_expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Confirms the email when `code_hash` is the live code; spends it. False otherwise.
pub fn confirm_email(conn: &mut DbConn, id: &str, code_hash: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        accounts::table
            .find(id)
            .filter(accounts::email_code_hash.eq(code_hash))
            .filter(accounts::email_code_expires_at.gt(now)),
    )
    .set((
        accounts::email_confirmed_at.eq(now),
        accounts::email_code_hash.eq(None::<String>),
        accounts::email_code_expires_at.eq(None::<i64>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = account_passkeys)]
pub struct AccountPasskey {
    pub id: String,
    pub credential_id: String,
    pub account_id: String,
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub fn insert_passkey(conn: &mut DbConn, p: &AccountPasskey) -> QueryResult<()> {
    diesel::insert_into(account_passkeys::table)
        .values(p)
        .execute(conn)
        .map(drop)
}

pub fn passkey_by_credential(
    conn: &mut DbConn,
    credential_id: &str,
) -> QueryResult<Option<AccountPasskey>> {
    account_passkeys::table
        .filter(account_passkeys::credential_id.eq(credential_id))
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
        account_passkeys::table
            .find(id)
            .filter(account_passkeys::passkey.eq(old)),
    )
    .set((
        account_passkeys::passkey.eq(new),
        account_passkeys::last_used_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}
