//! `hcps`, `hcp_locations`, `hcp_staff`, `staff_passkeys`, `staff_sessions`, `staff_tokens`.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    hcp_locations, hcp_staff, hcp_system_tokens, hcp_systems, hcps, staff_passkeys, staff_sessions,
    staff_tokens,
};
use crate::crypto::{new_token, token_hash};
use crate::store::sessions::{IssuedTokens, Lifetimes};

diesel::define_sql_function! {
    /// SQL `lower()` (the same in SQLite and PostgreSQL for ASCII).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = hcps)]
pub struct Hcp {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub sector: String,
    pub feed_seq: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = hcp_locations)]
pub struct Location {
    pub id: String,
    pub hcp_id: String,
    pub name_en: String,
    pub address_en: String,
    pub district: String,
    pub phone: String,
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = hcp_staff)]
pub struct Staff {
    pub id: String,
    pub hcp_id: String,
    pub english_name: String,
    pub profession: String,
    pub registration_number: String,
    pub roles: String,
    pub status: String,
    pub enrolment_code_hash: Option<String>,
    pub enrolment_expires_at: Option<i64>,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
}

pub const STAFF_PENDING: &str = "pending_enrolment";
pub const STAFF_ACTIVE: &str = "active";
pub const STAFF_DEACTIVATED: &str = "deactivated";

pub fn insert_hcp(conn: &mut DbConn, h: &Hcp, locations: &[Location]) -> QueryResult<()> {
    diesel::insert_into(hcps::table).values(h).execute(conn)?;
    for l in locations {
        diesel::insert_into(hcp_locations::table)
            .values(l)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_hcp(conn: &mut DbConn, id: &str) -> QueryResult<Option<Hcp>> {
    hcps::table.find(id).first(conn).optional()
}

pub fn locations_of(conn: &mut DbConn, hcp_ids: &[String]) -> QueryResult<Vec<Location>> {
    hcp_locations::table
        .filter(hcp_locations::hcp_id.eq_any(hcp_ids))
        .order((hcp_locations::hcp_id.asc(), hcp_locations::id.asc()))
        .load(conn)
}

/// (hcp id, profession) of every active staff member of these HCPs.
pub fn professions_of(conn: &mut DbConn, hcp_ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    hcp_staff::table
        .filter(hcp_staff::hcp_id.eq_any(hcp_ids))
        .filter(hcp_staff::status.eq(STAFF_ACTIVE))
        .select((hcp_staff::hcp_id, hcp_staff::profession))
        .distinct()
        .load(conn)
}

/// The register in id order, filtered: `name_like` is a lower-case `LIKE` pattern matched
/// against the lower-cased English name and the Chinese name; districts and professions exactly.
pub fn search(
    conn: &mut DbConn,
    name_like: Option<&str>,
    district: Option<&str>,
    profession: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Hcp>> {
    let mut q = hcps::table.into_boxed();
    if let Some(pattern) = name_like {
        q = q.filter(
            lower(hcps::name_en)
                .like(pattern.to_owned())
                .or(hcps::name_zh.like(pattern.to_owned())),
        );
    }
    if let Some(d) = district {
        q = q.filter(
            hcps::id.eq_any(
                hcp_locations::table
                    .filter(hcp_locations::district.eq(d.to_owned()))
                    .select(hcp_locations::hcp_id),
            ),
        );
    }
    if let Some(p) = profession {
        q = q.filter(
            hcps::id.eq_any(
                hcp_staff::table
                    .filter(hcp_staff::profession.eq(p.to_owned()))
                    .filter(hcp_staff::status.eq(STAFF_ACTIVE))
                    .select(hcp_staff::hcp_id),
            ),
        );
    }
    if let Some(a) = after {
        q = q.filter(hcps::id.gt(a.to_owned()));
    }
    q.order(hcps::id.asc()).limit(limit).load(conn)
}

/// Takes the next `n` sequence numbers of the HCP's consent feed; the row lock is held until
/// commit, so the feed's order is commit order and no reader sees a gap that later fills.
pub fn take_feed_seq(conn: &mut DbConn, hcp_id: &str) -> QueryResult<i64> {
    diesel::update(hcps::table.find(hcp_id))
        .set(hcps::feed_seq.eq(hcps::feed_seq + 1))
        .execute(conn)?;
    hcps::table.find(hcp_id).select(hcps::feed_seq).first(conn)
}

pub fn insert_staff(conn: &mut DbConn, s: &Staff) -> QueryResult<()> {
    diesel::insert_into(hcp_staff::table)
        .values(s)
        .execute(conn)
        .map(drop)
}

pub fn find_staff(conn: &mut DbConn, id: &str) -> QueryResult<Option<Staff>> {
    hcp_staff::table.find(id).first(conn).optional()
}

pub fn staff_by_enrolment_code(conn: &mut DbConn, code_hash: &str) -> QueryResult<Option<Staff>> {
    hcp_staff::table
        .filter(hcp_staff::enrolment_code_hash.eq(code_hash))
        .first(conn)
        .optional()
}

pub fn list_staff(conn: &mut DbConn, hcp_id: &str) -> QueryResult<Vec<Staff>> {
    hcp_staff::table
        .filter(hcp_staff::hcp_id.eq(hcp_id))
        .order(hcp_staff::created_at.asc())
        .load(conn)
}

/// Finishes an enrolment: the code is spent and the account becomes active. False when the
/// code was used meanwhile.
pub fn activate_staff(conn: &mut DbConn, id: &str, code_hash: &str) -> QueryResult<bool> {
    diesel::update(
        hcp_staff::table
            .find(id)
            .filter(hcp_staff::enrolment_code_hash.eq(code_hash))
            .filter(hcp_staff::status.eq(STAFF_PENDING)),
    )
    .set((
        hcp_staff::status.eq(STAFF_ACTIVE),
        hcp_staff::enrolment_code_hash.eq(None::<String>),
        hcp_staff::enrolment_expires_at.eq(None::<i64>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Deactivates a staff account and ends its sessions. False when it already was.
pub fn deactivate_staff(conn: &mut DbConn, id: &str, now: i64) -> QueryResult<bool> {
    let n = diesel::update(
        hcp_staff::table
            .find(id)
            .filter(hcp_staff::status.ne(STAFF_DEACTIVATED)),
    )
    .set((
        hcp_staff::status.eq(STAFF_DEACTIVATED),
        hcp_staff::enrolment_code_hash.eq(None::<String>),
        hcp_staff::deactivated_at.eq(now),
    ))
    .execute(conn)?;
    diesel::update(
        staff_sessions::table
            .filter(staff_sessions::staff_id.eq(id))
            .filter(staff_sessions::revoked_at.is_null()),
    )
    .set(staff_sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

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

/// (session, token expiry, superseded, session revoked, staff).
type RefreshRow = (String, i64, Option<i64>, Option<i64>, Staff);

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

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = hcp_systems)]
pub struct HcpSystem {
    pub id: String,
    pub hcp_id: String,
    pub name: String,
    pub secret_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

pub const SYSTEM_TOKEN_PREFIX: &str = "syt_";

pub fn insert_system(conn: &mut DbConn, s: &HcpSystem) -> QueryResult<()> {
    diesel::insert_into(hcp_systems::table)
        .values(s)
        .execute(conn)
        .map(drop)
}

pub fn find_system(conn: &mut DbConn, id: &str) -> QueryResult<Option<HcpSystem>> {
    hcp_systems::table.find(id).first(conn).optional()
}

/// Stores a new system token (its hash) valid until `expires_at`.
pub fn insert_system_token(
    conn: &mut DbConn,
    system_id: &str,
    token: &str,
    expires_at: i64,
) -> QueryResult<()> {
    diesel::insert_into(hcp_system_tokens::table)
        .values((
            hcp_system_tokens::token_hash.eq(token_hash(token)),
            hcp_system_tokens::system_id.eq(system_id),
            hcp_system_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The live, unrevoked system a bearer token speaks for.
pub fn system_for_token(
    conn: &mut DbConn,
    token: &str,
    now: i64,
) -> QueryResult<Option<HcpSystem>> {
    hcp_system_tokens::table
        .inner_join(hcp_systems::table)
        .filter(hcp_system_tokens::token_hash.eq(token_hash(token)))
        .filter(hcp_system_tokens::expires_at.gt(now))
        .filter(hcp_systems::revoked_at.is_null())
        .select(hcp_systems::all_columns)
        .first(conn)
        .optional()
}

/// Revokes a system of `hcp_id`: its tokens stop working at once. None when unknown.
pub fn revoke_system(
    conn: &mut DbConn,
    hcp_id: &str,
    id: &str,
    now: i64,
) -> QueryResult<Option<bool>> {
    let Some(system) = find_system(conn, id)?.filter(|s| s.hcp_id == hcp_id) else {
        return Ok(None);
    };
    if system.revoked_at.is_some() {
        return Ok(Some(false));
    }
    let n = diesel::update(
        hcp_systems::table
            .find(id)
            .filter(hcp_systems::revoked_at.is_null()),
    )
    .set(hcp_systems::revoked_at.eq(now))
    .execute(conn)?;
    Ok(Some(n == 1))
}
