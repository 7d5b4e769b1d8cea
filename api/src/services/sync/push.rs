//! `POST /v1/sync/push`: apply a device's mutations exactly once, in seq order, each with its
//! own result, in one transaction with the device's `last_seq`.
//!
//! The batch is processed in memory: the rows it touches are read with one query per table,
//! mutations are merged in seq order, each scope's versions are taken with one update, and the
//! changed rows and the results are written with one statement each. That keeps a push of 100
//! mutations to about a dozen statements.

use ehealth_contracts::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use ehealth_contracts::{
    Conflict, Fields, Mutation, MutationOp, MutationResult, MutationStatus, PushRequest,
    PushResponse,
};
use ehealth_sync::{Hlc, Incoming, merge};
use uuid::Uuid;

use super::tables::{StoredRow, SyncTable, table};
use super::{SyncContext, authorise, check_envelope};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::{self, DbConn};

/// Results of this many most recent mutations per device are kept for re-sends.
const RESULTS_KEPT: i64 = 10_000;

pub async fn push(
    state: &AppState,
    who: &PatientSession,
    req: PushRequest,
) -> ApiResult<PushResponse> {
    let ctx = check_envelope(
        who,
        req.protocol,
        req.schema_version,
        &req.device_id,
        state.clock.today_hk(),
    )?;
    if req.mutations.len() > state.config.sync_max_mutations {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BatchTooLarge,
        ));
    }
    let mut mutations = req.mutations;
    mutations.sort_by_key(|m| m.seq);
    if mutations.windows(2).any(|w| w[0].seq == w[1].seq)
        || mutations.first().is_some_and(|m| m.seq < 1)
    {
        return Err(ApiError::bad_request(ErrorCode::InvalidSeq));
    }
    let now = state.now_ms();
    clamp_clocks(&mut mutations, now, state.config.sync_max_clock_skew);
    state.observe_hlcs(mutations.iter().filter_map(|m| m.hlc.parse::<Hlc>().ok()));

    let device = req.device_id;
    let reminders: Vec<String> = mutations
        .iter()
        .filter(|m| m.table == "reminders")
        .map(|m| m.id.clone())
        .collect();
    let (results, last_seq) = state
        .db
        .transaction(move |c| apply_batch(c, ctx, &device, mutations, now))
        .await?;
    crate::jobs::reminders::requeue(state, reminders).await;
    Ok(PushResponse {
        results,
        last_seq,
        server_hlc: state.server_hlc().to_string(),
    })
}

/// Stamps from clocks running far ahead are pulled back, so one bad clock cannot win forever.
fn clamp_clocks(mutations: &mut [Mutation], now: i64, max_skew: std::time::Duration) {
    let limit = u64::try_from(now.saturating_add(i64::try_from(max_skew.as_millis()).unwrap_or(0)))
        .unwrap_or(0);
    // Mutations are in seq order; a device's stamps increase with its seq, and the clamped ones
    // must keep doing so, or two edits would share a stamp (the second silently dropped).
    let mut previous: Option<Hlc> = None;
    for m in mutations {
        let Ok(h) = m.hlc.parse::<Hlc>() else {
            continue;
        };
        let stamp = if h.physical_ms > limit {
            let clamped = Hlc::new(limit, h.logical, h.node.clone());
            match &previous {
                Some(p) if clamped <= *p => {
                    Hlc::new(p.physical_ms, p.logical.saturating_add(1), h.node)
                }
                _ => clamped,
            }
        } else {
            h
        };
        m.hlc = stamp.to_string();
        previous = Some(stamp);
    }
}

/// A row touched by the batch: as stored before, and as merged so far.
struct Working {
    table: &'static dyn SyncTable,
    current: Option<StoredRow>,
    changed: bool,
}

/// One row change made by the batch, waiting for its version.
struct PendingChange {
    key: (String, String),
    scope: String,
    result: usize,
}

fn apply_batch(
    c: &mut DbConn,
    mut ctx: SyncContext,
    device: &str,
    mutations: Vec<Mutation>,
    now: i64,
) -> ApiResult<(Vec<MutationResult>, i64)> {
    authorise(c, &mut ctx)?;
    let ctx = &ctx;
    let last_seq = store::sync::lock_device(c, device, now)?;
    let (old, new): (Vec<Mutation>, Vec<Mutation>) =
        mutations.into_iter().partition(|m| m.seq <= last_seq);
    for (i, m) in new.iter().enumerate() {
        let expected = last_seq + 1 + i64::try_from(i).unwrap_or(0);
        if m.seq != expected {
            return Err(ApiError::seq_gap(expected));
        }
    }
    // Lock the counters of the scopes this batch writes (sorted, so two batches cannot
    // deadlock) before reading rows: on PostgreSQL's READ COMMITTED a concurrent push to the
    // same scope then finishes first, and this one reads what it wrote.
    let scopes: BTreeSet<&str> = new
        .iter()
        .filter(|m| ctx.writable_scopes.contains(&m.scope))
        .map(|m| m.scope.as_str())
        .collect();
    for scope in scopes {
        store::sync::lock_scope(c, scope)?;
    }
    let mut results = stored_results(c, device, &old)?;
    let first_new = results.len();

    let mut rows = load_rows(c, &new)?;
    let mut changes: Vec<PendingChange> = Vec::new();
    let mut conflicts: Vec<store::sync::ConflictRow> = Vec::new();
    for m in &new {
        let r = apply_one(ctx, device, m, now, &mut rows, &mut conflicts).unwrap_or_else(
            |(code, message)| result(m.seq, MutationStatus::Rejected, None, Some(code), message),
        );
        // Only a mutation that changed its row takes a version.
        if r.version == Some(CHANGED) {
            changes.push(PendingChange {
                key: key(m),
                scope: m.scope.clone(),
                result: results.len(),
            });
        }
        results.push(r);
    }
    assign_versions(c, &changes, &mut rows, &mut results)?;
    // A mutation that changed nothing reports its row's version as the batch leaves it.
    let numbered: BTreeSet<usize> = changes.iter().map(|ch| ch.result).collect();
    for (i, m) in new.iter().enumerate() {
        let at = first_new + i;
        let accepted = matches!(
            results[at].status,
            MutationStatus::Applied | MutationStatus::Merged
        );
        if accepted
            && !numbered.contains(&at)
            && let Some(row) = rows
                .get(&key(m))
                .filter(|w| w.changed)
                .and_then(|w| w.current.as_ref())
        {
            results[at].version = Some(row.state.version);
        }
    }
    save_rows(c, &rows, device, now)?;
    for conflict in &conflicts {
        store::sync::insert_conflict(c, conflict)?;
    }

    let new_last = new.last().map_or(last_seq, |m| m.seq);
    if new_last != last_seq {
        let stored = results[first_new..]
            .iter()
            .map(|r| serde_json::to_string(r).map(|json| (r.seq, json)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ApiError::internal)?;
        store::sync::store_results(c, device, &stored, now)?;
        store::sync::set_last_seq(c, device, new_last)?;
        // Pruning once per hundred seqs keeps the kept window at RESULTS_KEPT..+100.
        if new_last / 100 != last_seq / 100 {
            store::sync::prune_results(c, device, new_last - RESULTS_KEPT)?;
        }
    }
    let changed_scopes: BTreeSet<&String> = changes.iter().map(|ch| &ch.scope).collect();
    for scope in changed_scopes {
        super::poke(c, scope, device, now)?;
        // An SDM's writes into a dependant's diary are recorded with who made them.
        if let Some(link_id) = ctx.acting_links.get(scope) {
            crate::services::family::record(c, scope, &ctx.patient_id, link_id, "sync_push", now)?;
        }
    }
    Ok((results, new_last))
}

/// Placeholder version of a result whose row change has not been numbered yet.
const CHANGED: i64 = -1;

fn key(m: &Mutation) -> (String, String) {
    (m.table.clone(), m.id.clone())
}

/// Stored results of re-sent mutations, in seq order.
fn stored_results(
    c: &mut DbConn,
    device: &str,
    old: &[Mutation],
) -> ApiResult<Vec<MutationResult>> {
    let seqs: Vec<i64> = old.iter().map(|m| m.seq).collect();
    let stored: BTreeMap<i64, String> = store::sync::stored_results(c, device, &seqs)?
        .into_iter()
        .collect();
    Ok(old
        .iter()
        .map(|m| {
            stored
                .get(&m.seq)
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_else(|| {
                    result(
                        m.seq,
                        MutationStatus::Applied,
                        None,
                        Some("already_applied"),
                        Some(
                            "This mutation was applied long ago; its result is no longer kept."
                                .to_owned(),
                        ),
                    )
                })
        })
        .collect())
}

/// Reads every existing row the batch touches, one query per table.
fn load_rows(c: &mut DbConn, new: &[Mutation]) -> ApiResult<BTreeMap<(String, String), Working>> {
    let mut ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for m in new {
        if let Some(t) = table(&m.table).filter(|t| t.writable()) {
            ids.entry(t.name()).or_default().push(m.id.clone());
        }
    }
    let mut rows = BTreeMap::new();
    for (name, ids) in ids {
        let Some(t) = table(name) else { continue };
        for row in t.load_many(c, &ids)? {
            rows.insert(
                (name.to_owned(), row.id.clone()),
                Working {
                    table: t,
                    current: Some(row),
                    changed: false,
                },
            );
        }
    }
    Ok(rows)
}

type Refusal = (&'static str, Option<String>);

fn apply_one(
    ctx: &SyncContext,
    device: &str,
    m: &Mutation,
    now: i64,
    rows: &mut BTreeMap<(String, String), Working>,
    conflicts: &mut Vec<store::sync::ConflictRow>,
) -> Result<MutationResult, Refusal> {
    let refuse = |code: &'static str, message: &str| Err((code, Some(message.to_owned())));
    let Some(t) = table(&m.table) else {
        return Err((
            "unknown_table",
            Some(format!("There is no synced table `{}`.", m.table)),
        ));
    };
    if !t.writable() {
        return Err((
            "read_only_table",
            Some(format!("`{}` syncs down only.", m.table)),
        ));
    }
    if !ctx.writable_scopes.contains(&m.scope) {
        return Ok(result(
            m.seq,
            MutationStatus::Forbidden,
            None,
            Some("forbidden"),
            None,
        ));
    }
    if Uuid::parse_str(&m.id).is_err() {
        return refuse("invalid_mutation", "`id` must be a UUID.");
    }
    let parity_ok = match m.op {
        MutationOp::Upsert => m.cl >= 1 && m.cl % 2 == 1,
        MutationOp::Delete => m.cl >= 2 && m.cl % 2 == 0,
    };
    if !parity_ok {
        return refuse(
            "invalid_mutation",
            "`cl` must be odd for upsert and even for delete.",
        );
    }
    let Ok(hlc) = m.hlc.parse::<Hlc>() else {
        return refuse(
            "invalid_mutation",
            "`hlc` must be <ms>:<counter>:<device_id>.",
        );
    };
    if hlc.node != device {
        return refuse(
            "invalid_mutation",
            "The node of `hlc` must be the sending device's id.",
        );
    }
    let set = match (m.op, m.set.as_ref()) {
        (MutationOp::Delete, _) => Fields::new(),
        (MutationOp::Upsert, Some(set)) => t
            .normalize(set)
            .map_err(|e| ("invalid_reading", Some(describe(&e))))?,
        (MutationOp::Upsert, None) => return refuse("invalid_mutation", "An upsert needs `set`."),
    };

    let entry = rows.entry(key(m)).or_insert(Working {
        table: t,
        current: None,
        changed: false,
    });
    if let Some(cur) = &entry.current
        && cur.scope != m.scope
    {
        return refuse("id_conflict", "A row with this id exists in another scope.");
    }
    let outcome = merge(
        entry.current.as_ref().map(|r| &r.state),
        &Incoming {
            cl: m.cl,
            set: &set,
            hlc: &hlc,
            base_version: m.base_version,
        },
    );
    // Rules are checked on what the mutation itself says (a new life must be complete; a pair
    // it sets together must be consistent), never on concurrent state, so the outcome does not
    // depend on the order mutations arrive in.
    let new_life = entry
        .current
        .as_ref()
        .is_none_or(|cur| cur.state.cl != outcome.state.cl);
    if outcome.state.is_live() {
        let checked = if new_life {
            &outcome.state.fields
        } else {
            &set
        };
        t.check_live(checked, new_life)
            .map_err(|e| ("invalid_reading", Some(describe(&e))))?;
    }
    let mut version = entry.current.as_ref().map(|r| r.state.version);
    if outcome.changed {
        entry.current = Some(StoredRow {
            id: m.id.clone(),
            scope: m.scope.clone(),
            state: outcome.state,
        });
        entry.changed = true;
        version = Some(CHANGED);
    }
    let mut reported = Vec::new();
    for loss in &outcome.losses {
        let row = store::sync::ConflictRow {
            id: Uuid::now_v7().to_string(),
            scope: m.scope.clone(),
            table_name: m.table.clone(),
            row_id: m.id.clone(),
            field: loss.field.clone(),
            losing_value: loss.losing_value.to_string(),
            losing_hlc: loss.losing_hlc.to_string(),
            winning_value: loss.winning_value.to_string(),
            winning_hlc: loss.winning_hlc.to_string(),
            device_id: device.to_owned(),
            created_at: now,
            resolved_at: None,
        };
        reported.push(Conflict {
            conflict_id: row.id.clone(),
            field: row.field.clone(),
            losing_value: loss.losing_value.clone(),
            losing_hlc: row.losing_hlc.clone(),
            winning_value: loss.winning_value.clone(),
            winning_hlc: row.winning_hlc.clone(),
        });
        conflicts.push(row);
    }
    let lost = outcome.losses.iter().any(|l| l.incoming_lost);
    let mut r = result(
        m.seq,
        if lost {
            MutationStatus::Merged
        } else {
            MutationStatus::Applied
        },
        version,
        None,
        None,
    );
    r.conflicts = reported;
    Ok(r)
}

/// Numbers the batch's changes: each scope's versions are taken with one update, in the order
/// the changes were made; a row changed twice keeps the later number.
fn assign_versions(
    c: &mut DbConn,
    changes: &[PendingChange],
    rows: &mut BTreeMap<(String, String), Working>,
    results: &mut [MutationResult],
) -> ApiResult<()> {
    let mut per_scope: BTreeMap<&str, Vec<&PendingChange>> = BTreeMap::new();
    for ch in changes {
        per_scope.entry(ch.scope.as_str()).or_default().push(ch);
    }
    for (scope, list) in per_scope {
        let n = i64::try_from(list.len()).map_err(ApiError::internal)?;
        let highest = store::sync::take_versions(c, scope, n)?;
        for (i, ch) in list.into_iter().enumerate() {
            let v = highest - n + 1 + i64::try_from(i).map_err(ApiError::internal)?;
            results[ch.result].version = Some(v);
            if let Some(row) = rows.get_mut(&ch.key).and_then(|w| w.current.as_mut()) {
                row.state.version = v;
            }
        }
    }
    Ok(())
}

/// Writes every changed row, one statement per table.
fn save_rows(
    c: &mut DbConn,
    rows: &BTreeMap<(String, String), Working>,
    device: &str,
    now: i64,
) -> ApiResult<()> {
    let mut per_table: BTreeMap<&str, (&'static dyn SyncTable, Vec<StoredRow>)> = BTreeMap::new();
    for w in rows.values().filter(|w| w.changed) {
        if let Some(row) = &w.current {
            per_table
                .entry(w.table.name())
                .or_insert((w.table, Vec::new()))
                .1
                .push(row.clone());
        }
    }
    for (t, list) in per_table.into_values() {
        t.save_many(c, &list, device, now)?;
    }
    Ok(())
}

fn result(
    seq: i64,
    status: MutationStatus,
    version: Option<i64>,
    code: Option<&str>,
    message: Option<String>,
) -> MutationResult {
    MutationResult {
        seq,
        status,
        version,
        code: code.map(str::to_owned),
        message,
        conflicts: Vec::new(),
    }
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.code))
        .collect::<Vec<_>>()
        .join(", ")
}
