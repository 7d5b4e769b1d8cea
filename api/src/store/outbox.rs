//! `outbox`: notices waiting for the push worker (at least once, claimed under a lease).

use diesel::prelude::*;
use ehealth_contracts::PushData;

use super::DbConn;
use super::schema::outbox;

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub scope: Option<String>,
    pub patient_id: Option<String>,
    pub exclude_device_id: Option<String>,
    pub payload: String,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    /// Set for notices a job may write again on a re-run: queued at most once per key.
    pub dedupe_key: Option<String>,
    /// Delivery attempts so far (the push worker's retries).
    pub attempts: i32,
    /// A worker holds the row until then; past it, another may take it.
    pub claimed_until: Option<i64>,
    /// Not before then (backoff after a failed attempt).
    pub next_attempt_at: Option<i64>,
    /// While some devices are retried: the ones that already got it (comma-separated ids).
    pub sent_to: Option<String>,
}

impl OutboxRow {
    /// A notice for one person's devices (`recipient`); its kind is the payload's type (build
    /// payloads with `domain::notices`). The row's id is the push's `notification_id`.
    pub fn notice(recipient: &str, mut data: PushData, now: i64) -> QueryResult<Self> {
        let id = uuid::Uuid::now_v7().to_string();
        data.notification_id = id.clone();
        let payload = serde_json::to_string(&data)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        Ok(Self {
            id,
            kind: data.push_type.as_str().to_owned(),
            scope: None,
            patient_id: Some(recipient.to_owned()),
            exclude_device_id: None,
            payload,
            created_at: now,
            delivered_at: None,
            dedupe_key: None,
            attempts: 0,
            claimed_until: None,
            next_attempt_at: None,
            sent_to: None,
        })
    }

    /// A silent "sync now" for every device that syncs `scope`, except the one whose change
    /// caused it (`from_device`; `"server"` for changes of the server's own).
    pub fn poke(scope: &str, from_device: &str, now: i64) -> QueryResult<Self> {
        let mut row =
            Self::notice(scope, crate::domain::notices::sync_poke(scope), now)?.for_scope(scope);
        row.exclude_device_id = Some(from_device.to_owned());
        Ok(row)
    }

    /// Addressed to the patient's whole family: delivered to every device that syncs the
    /// patient's scope at delivery time (their own and their active SDMs').
    pub fn for_scope(mut self, patient_id: &str) -> Self {
        self.scope = Some(patient_id.to_owned());
        self
    }

    pub fn once(mut self, key: String) -> Self {
        self.dedupe_key = Some(key);
        self
    }
}

/// Queues `row` unless a row with its `dedupe_key` exists; returns whether it was queued.
pub fn enqueue_once(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<bool> {
    crate::on_inner!(conn, |c| diesel::insert_into(outbox::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c)
        .map(|n| n == 1))
}

pub fn enqueue(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Claims up to `limit` undelivered rows that are due and not held by another worker, oldest
/// first, leasing them until `lease_until`. The update is conditional (free rows only), so of
/// several instances exactly one wins a row. On PostgreSQL the candidates are taken with
/// `FOR UPDATE SKIP LOCKED`: concurrent claimers (in transactions) take different rows instead
/// of queueing behind each other's locks on the same oldest ones.
pub fn claim_outbox(
    conn: &mut DbConn,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let free = || {
        outbox::claimed_until
            .is_null()
            .or(outbox::claimed_until.lt(now))
    };
    let due = || {
        outbox::next_attempt_at
            .is_null()
            .or(outbox::next_attempt_at.le(now))
    };
    let candidates = || {
        outbox::table
            .select(outbox::id)
            .filter(outbox::delivered_at.is_null())
            .filter(free())
            .filter(due())
            .order(outbox::created_at.asc())
            .limit(limit)
    };
    let ids: Vec<String> = match conn {
        DbConn::Postgres(pg) => candidates().for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(lite) => candidates().load(lite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut won: Vec<OutboxRow> = diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .filter(outbox::delivered_at.is_null())
            .filter(free()),
    )
    .set(outbox::claimed_until.eq(lease_until))
    .get_results(conn)?;
    won.sort_by_key(|r| r.created_at);
    Ok(won)
}

pub fn mark_delivered_many(conn: &mut DbConn, ids: &[String], at: i64) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set((
            outbox::delivered_at.eq(at),
            outbox::claimed_until.eq(None::<i64>),
        ))
        .execute(conn)
        .map(drop)
}

/// Puts a row off until `next`; `sent_to` lists the devices that already got it.
pub fn retry_later(
    conn: &mut DbConn,
    id: &str,
    attempts: i32,
    next: i64,
    sent_to: Option<&str>,
) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(attempts),
            outbox::next_attempt_at.eq(next),
            outbox::claimed_until.eq(None::<i64>),
            outbox::sent_to.eq(sent_to),
        ))
        .execute(conn)
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ehealth_contracts::PushType;

    #[test]
    fn a_poke_reaches_the_scope_except_the_device_that_caused_it() {
        let row = OutboxRow::poke("p1", "server", 42).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(row.kind, "sync_poke");
        assert_eq!(row.scope.as_deref(), Some("p1"));
        assert_eq!(row.patient_id.as_deref(), Some("p1"));
        assert_eq!(row.exclude_device_id.as_deref(), Some("server"));
        let data: PushData = serde_json::from_str(&row.payload).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(data.push_type, PushType::SyncPoke);
        assert_eq!(data.scope.as_deref(), Some("p1"));
        assert_eq!(data.notification_id, row.id);
        assert_eq!(
            (row.created_at, row.attempts, row.dedupe_key),
            (42, 0, None)
        );
    }
}
