//! `hcp_systems` and `hcp_system_tokens`: providers' server-to-server clients.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{hcp_system_tokens, hcp_systems};
use crate::crypto::token_hash;

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
