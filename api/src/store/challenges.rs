//! `auth_challenges`: sign-in ceremony state when no Redis is configured.

use diesel::prelude::*;

use super::DbConn;
use super::schema::auth_challenges;

pub fn put(
    conn: &mut DbConn,
    id: &str,
    kind: &str,
    state: &str,
    expires_at: i64,
) -> QueryResult<()> {
    diesel::insert_into(auth_challenges::table)
        .values((
            auth_challenges::id.eq(id),
            auth_challenges::kind.eq(kind),
            auth_challenges::state.eq(state),
            auth_challenges::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Removes and returns the state if it exists, is of `kind` and has not expired. Only one caller
/// can take a given challenge: the delete decides.
pub fn take(conn: &mut DbConn, id: &str, kind: &str, now: i64) -> QueryResult<Option<String>> {
    let row: Option<(String, i64)> = auth_challenges::table
        .find(id)
        .filter(auth_challenges::kind.eq(kind))
        .select((auth_challenges::state, auth_challenges::expires_at))
        .first(conn)
        .optional()?;
    let Some((state, expires_at)) = row else {
        return Ok(None);
    };
    let deleted = diesel::delete(auth_challenges::table.find(id)).execute(conn)?;
    Ok((deleted == 1 && expires_at > now).then_some(state))
}

/// Deletes expired challenges; returns how many.
pub fn purge_expired(conn: &mut DbConn, now: i64) -> QueryResult<usize> {
    diesel::delete(auth_challenges::table.filter(auth_challenges::expires_at.le(now))).execute(conn)
}
