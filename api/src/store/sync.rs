//! Sync bookkeeping: per-scope version counters, per-device sequence numbers and stored
//! results, conflict records, the notification outbox and the server epoch.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{outbox, server_meta, sync_conflicts, sync_devices, sync_results, sync_scopes};

pub fn create_scope(conn: &mut DbConn, scope: &str, patient_id: &str, now: i64) -> QueryResult<()> {
    diesel::insert_into(sync_scopes::table)
        .values((
            sync_scopes::scope.eq(scope),
            sync_scopes::patient_id.eq(patient_id),
            sync_scopes::version.eq(0),
            sync_scopes::purged_version.eq(0),
            sync_scopes::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Takes the scope's next version. The update locks the counter row until the transaction
/// ends, so versions of one scope are committed in the order they were taken: a reader never
/// sees version n+1 without n.
pub fn next_version(conn: &mut DbConn, scope: &str) -> QueryResult<i64> {
    take_versions(conn, scope, 1)
}

/// Takes `n` consecutive versions of the scope at once (see [`next_version`]); returns the
/// highest, so they are `highest - n + 1 ..= highest`.
pub fn take_versions(conn: &mut DbConn, scope: &str, n: i64) -> QueryResult<i64> {
    // One round trip: `UPDATE ... RETURNING` (PostgreSQL, and SQLite since 3.35).
    crate::on_inner!(conn, |c| diesel::update(sync_scopes::table.find(scope))
        .set(sync_scopes::version.eq(sync_scopes::version + n))
        .returning(sync_scopes::version)
        .get_result(c))
}

/// Locks the scope's counter row until the transaction ends (writers of one scope queue).
pub fn lock_scope(conn: &mut DbConn, scope: &str) -> QueryResult<()> {
    diesel::update(sync_scopes::table.find(scope))
        .set(sync_scopes::version.eq(sync_scopes::version))
        .execute(conn)
        .map(drop)
}

/// (current version, purged version) of a scope.
pub fn scope_versions(conn: &mut DbConn, scope: &str) -> QueryResult<Option<(i64, i64)>> {
    sync_scopes::table
        .find(scope)
        .select((sync_scopes::version, sync_scopes::purged_version))
        .first(conn)
        .optional()
}

pub fn raise_purged_version(conn: &mut DbConn, scope: &str, version: i64) -> QueryResult<()> {
    diesel::update(
        sync_scopes::table
            .find(scope)
            .filter(sync_scopes::purged_version.lt(version)),
    )
    .set(sync_scopes::purged_version.eq(version))
    .execute(conn)
    .map(drop)
}

/// Locks the device's sequence record for this transaction (creating it on the first push) and
/// returns its last consumed seq. Concurrent pushes of one device queue here.
pub fn lock_device(conn: &mut DbConn, device_id: &str, now: i64) -> QueryResult<i64> {
    let locked = diesel::update(sync_devices::table.find(device_id))
        .set(sync_devices::updated_at.eq(now))
        .execute(conn)?;
    if locked == 0 {
        crate::on_inner!(conn, |c| {
            diesel::insert_into(sync_devices::table)
                .values((
                    sync_devices::device_id.eq(device_id),
                    sync_devices::last_seq.eq(0),
                    sync_devices::updated_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(c)
        })?;
        diesel::update(sync_devices::table.find(device_id))
            .set(sync_devices::updated_at.eq(now))
            .execute(conn)?;
    }
    sync_devices::table
        .find(device_id)
        .select(sync_devices::last_seq)
        .first(conn)
}

pub fn set_last_seq(conn: &mut DbConn, device_id: &str, seq: i64) -> QueryResult<()> {
    diesel::update(sync_devices::table.find(device_id))
        .set(sync_devices::last_seq.eq(seq))
        .execute(conn)
        .map(drop)
}

/// Stores the results of a batch, `(seq, result JSON)`, in one statement.
pub fn store_results(
    conn: &mut DbConn,
    device_id: &str,
    results: &[(i64, String)],
    now: i64,
) -> QueryResult<()> {
    if results.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = results
        .iter()
        .map(|(seq, json)| {
            (
                sync_results::device_id.eq(device_id),
                sync_results::seq.eq(*seq),
                sync_results::result.eq(json),
                sync_results::created_at.eq(now),
            )
        })
        .collect();
    crate::on_inner!(conn, |c| diesel::insert_into(sync_results::table)
        .values(&rows)
        .execute(c))
    .map(drop)
}

pub fn stored_results(
    conn: &mut DbConn,
    device_id: &str,
    seqs: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    sync_results::table
        .filter(sync_results::device_id.eq(device_id))
        .filter(sync_results::seq.eq_any(seqs))
        .select((sync_results::seq, sync_results::result))
        .load(conn)
}

/// Forgets stored results at or below `seq` (re-sends that old are answered generically).
pub fn prune_results(conn: &mut DbConn, device_id: &str, seq: i64) -> QueryResult<usize> {
    diesel::delete(
        sync_results::table
            .filter(sync_results::device_id.eq(device_id))
            .filter(sync_results::seq.le(seq)),
    )
    .execute(conn)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = sync_conflicts)]
pub struct ConflictRow {
    pub id: String,
    pub scope: String,
    pub table_name: String,
    pub row_id: String,
    pub field: String,
    pub losing_value: String,
    pub losing_hlc: String,
    pub winning_value: String,
    pub winning_hlc: String,
    pub device_id: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

pub fn insert_conflict(conn: &mut DbConn, c: &ConflictRow) -> QueryResult<()> {
    diesel::insert_into(sync_conflicts::table)
        .values(c)
        .execute(conn)
        .map(drop)
}

pub fn conflicts_for_row(
    conn: &mut DbConn,
    table: &str,
    row_id: &str,
) -> QueryResult<Vec<ConflictRow>> {
    sync_conflicts::table
        .filter(sync_conflicts::table_name.eq(table))
        .filter(sync_conflicts::row_id.eq(row_id))
        .order(sync_conflicts::created_at.asc())
        .load(conn)
}

/// Conflicts of a scope, oldest first, after a `(created_at, id)` position.
pub fn list_conflicts(
    conn: &mut DbConn,
    scope: &str,
    include_resolved: bool,
    after: Option<(i64, &str)>,
    limit: i64,
) -> QueryResult<Vec<ConflictRow>> {
    let mut q = sync_conflicts::table
        .filter(sync_conflicts::scope.eq(scope))
        .into_boxed();
    if !include_resolved {
        q = q.filter(sync_conflicts::resolved_at.is_null());
    }
    if let Some((at, id)) = after {
        q = q.filter(
            sync_conflicts::created_at
                .gt(at)
                .or(sync_conflicts::created_at
                    .eq(at)
                    .and(sync_conflicts::id.gt(id.to_owned()))),
        );
    }
    q.order((sync_conflicts::created_at.asc(), sync_conflicts::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Marks a conflict of the scope resolved (idempotent); the row as it now stands, if found.
pub fn resolve_conflict(
    conn: &mut DbConn,
    scope: &str,
    id: &str,
    now: i64,
) -> QueryResult<Option<ConflictRow>> {
    diesel::update(
        sync_conflicts::table
            .find(id)
            .filter(sync_conflicts::scope.eq(scope))
            .filter(sync_conflicts::resolved_at.is_null()),
    )
    .set(sync_conflicts::resolved_at.eq(now))
    .execute(conn)?;
    sync_conflicts::table
        .find(id)
        .filter(sync_conflicts::scope.eq(scope))
        .first(conn)
        .optional()
}

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
    /// A notice for one person's devices (`patient_id` is the recipient).
    pub fn notice(kind: &str, recipient: &str, payload: serde_json::Value, now: i64) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.to_owned(),
            scope: None,
            patient_id: Some(recipient.to_owned()),
            exclude_device_id: None,
            payload: payload.to_string(),
            created_at: now,
            delivered_at: None,
            dedupe_key: None,
            attempts: 0,
            claimed_until: None,
            next_attempt_at: None,
            sent_to: None,
        }
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

/// Every notice queued for `recipient`, oldest first.
pub fn outbox_for_patient(conn: &mut DbConn, recipient: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::patient_id.eq(recipient))
        .order(outbox::created_at.asc())
        .load(conn)
}

pub fn enqueue(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn outbox_for_scope(conn: &mut DbConn, scope: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::scope.eq(scope))
        .order(outbox::created_at.asc())
        .load(conn)
}

pub fn epoch(conn: &mut DbConn) -> QueryResult<String> {
    server_meta::table
        .find("sync_epoch")
        .select(server_meta::value)
        .first(conn)
}

/// Starts a new sync epoch: every device resets its scopes on its next pull. Run after
/// restoring the database from a backup.
pub fn reset_epoch(conn: &mut DbConn, new_epoch: &str) -> QueryResult<()> {
    diesel::update(server_meta::table.find("sync_epoch"))
        .set(server_meta::value.eq(new_epoch))
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
