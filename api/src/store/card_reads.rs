//! `card_reads`: a smart-card read an HCP system started, usable once within its life.

use diesel::prelude::*;

use super::DbConn;
use super::schema::card_reads;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = card_reads)]
pub struct CardRead {
    pub id: String,
    pub system_id: String,
    pub hcp_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// Stores a new read, first dropping the system's reads that expired (a used one is kept
/// until then, so a replay is recognised).
pub fn start(conn: &mut DbConn, read: &CardRead) -> QueryResult<()> {
    diesel::delete(
        card_reads::table
            .filter(card_reads::system_id.eq(&read.system_id))
            .filter(card_reads::expires_at.le(read.created_at)),
    )
    .execute(conn)?;
    diesel::insert_into(card_reads::table)
        .values(read)
        .execute(conn)
        .map(drop)
}

/// Why a read cannot be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Not this system's, or never started (or expired and dropped).
    Unknown,
    Used,
    Expired,
}

/// Uses the system's read `id` at `now`, once. In the caller's transaction: a grant that
/// fails afterwards leaves the read usable.
pub fn take(
    conn: &mut DbConn,
    id: &str,
    system_id: &str,
    now: i64,
) -> QueryResult<Result<CardRead, Unusable>> {
    let taken = diesel::update(
        card_reads::table
            .find(id)
            .filter(card_reads::system_id.eq(system_id))
            .filter(card_reads::used_at.is_null())
            .filter(card_reads::expires_at.gt(now)),
    )
    .set(card_reads::used_at.eq(now))
    .execute(conn)?
        == 1;
    let row: Option<CardRead> = card_reads::table
        .find(id)
        .filter(card_reads::system_id.eq(system_id))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(read) if taken => Ok(read),
        Some(read) if read.used_at.is_some() => Err(Unusable::Used),
        Some(_) => Err(Unusable::Expired),
        None => Err(Unusable::Unknown),
    })
}
