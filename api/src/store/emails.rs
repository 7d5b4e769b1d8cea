//! `emails`: outgoing email waiting for the mail worker (at least once, claimed under a
//! lease, retried with backoff, given up after a number of attempts).

use diesel::prelude::*;

use super::DbConn;
use super::schema::emails;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = emails)]
pub struct EmailRow {
    pub id: String,
    pub recipient: String,
    pub template: String,
    pub locale: String,
    /// The template's values as JSON.
    pub payload: String,
    pub created_at: i64,
    pub attempts: i32,
    pub claimed_until: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
}

/// Queues an email (inside the caller's transaction, so it goes only if the change commits).
pub fn enqueue(
    conn: &mut DbConn,
    recipient: &str,
    template: &str,
    locale: &str,
    payload: &serde_json::Value,
    now: i64,
) -> QueryResult<()> {
    let row = EmailRow {
        id: uuid::Uuid::now_v7().to_string(),
        recipient: recipient.to_owned(),
        template: template.to_owned(),
        locale: locale.to_owned(),
        payload: payload.to_string(),
        created_at: now,
        attempts: 0,
        claimed_until: None,
        next_attempt_at: None,
        sent_at: None,
        failed_at: None,
    };
    diesel::insert_into(emails::table)
        .values(&row)
        .execute(conn)
        .map(drop)
}

/// Claims up to `limit` emails that are due and not held by another worker.
pub fn claim_due(
    conn: &mut DbConn,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> QueryResult<Vec<EmailRow>> {
    let free = || {
        emails::claimed_until
            .is_null()
            .or(emails::claimed_until.lt(now))
    };
    let candidates = || {
        emails::table
            .select(emails::id)
            .filter(emails::sent_at.is_null())
            .filter(emails::failed_at.is_null())
            .filter(free())
            .filter(
                emails::next_attempt_at
                    .is_null()
                    .or(emails::next_attempt_at.le(now)),
            )
            .order(emails::created_at.asc())
            .limit(limit)
    };
    let ids: Vec<String> = match conn {
        DbConn::Postgres(pg) => candidates().for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(lite) => candidates().load(lite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut won: Vec<EmailRow> = diesel::update(
        emails::table
            .filter(emails::id.eq_any(&ids))
            .filter(emails::sent_at.is_null())
            .filter(free()),
    )
    .set(emails::claimed_until.eq(lease_until))
    .get_results(conn)?;
    won.sort_by_key(|r| r.created_at);
    Ok(won)
}

pub fn mark_sent(conn: &mut DbConn, id: &str, at: i64) -> QueryResult<()> {
    diesel::update(emails::table.find(id))
        .set((
            emails::sent_at.eq(at),
            emails::claimed_until.eq(None::<i64>),
        ))
        .execute(conn)
        .map(drop)
}

/// A failed attempt: tried again at `next`, or given up (`give_up`).
pub fn attempt_failed(
    conn: &mut DbConn,
    id: &str,
    attempts: i32,
    next: i64,
    give_up: bool,
    now: i64,
) -> QueryResult<()> {
    diesel::update(emails::table.find(id))
        .set((
            emails::attempts.eq(attempts),
            emails::next_attempt_at.eq(next),
            emails::claimed_until.eq(None::<i64>),
            emails::failed_at.eq(give_up.then_some(now)),
        ))
        .execute(conn)
        .map(drop)
}
