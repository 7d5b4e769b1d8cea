//! One push in one transaction: the device's seqs checked and locked, re-sent mutations
//! answered from their stored results, new ones merged in memory (`mutation`), numbered per
//! scope, saved with one statement per table, and the changed scopes poked.

use std::collections::{BTreeMap, BTreeSet};

use ehealth_contracts::{Mutation, MutationResult, MutationStatus};

use super::mutation::{ResultVersion, Rows, Working, apply_one, key, result};
use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult};
use crate::services::sync::tables::{StoredRow, SyncTable, table};
use crate::services::sync::{SyncContext, authorise};
use crate::store::{self, DbConn};

/// Results of this many most recent mutations per device are kept for re-sends.
const RESULTS_KEPT: i64 = 10_000;

/// One row change made by the batch, waiting for its version.
struct PendingChange {
    key: (String, String),
    scope: String,
    result: usize,
}

/// The push's transaction: its results, one per mutation in seq order, and the device's
/// `last_seq` after it.
pub(super) fn apply_batch(
    c: &mut DbConn,
    mut ctx: SyncContext,
    device: &str,
    mutations: Vec<Mutation>,
    now: i64,
) -> ApiResult<(Vec<MutationResult>, i64)> {
    authorise(c, &mut ctx)?;
    let ctx = &ctx;
    let last_seq = store::sync_devices::lock_device(c, device, now)?;
    let (old, new): (Vec<Mutation>, Vec<Mutation>) =
        mutations.into_iter().partition(|m| m.seq <= last_seq);
    check_contiguous(&new, last_seq)?;
    lock_scopes(c, ctx, &new)?;
    let mut results = stored_results(c, device, &old)?;
    let first_new = results.len();

    let mut rows = load_rows(c, &new)?;
    let mut conflicts: Vec<store::sync_conflicts::ConflictRow> = Vec::new();
    let changes = merge_all(
        ctx,
        device,
        &new,
        now,
        &mut rows,
        &mut conflicts,
        &mut results,
    );
    assign_versions(c, &changes, &mut rows, &mut results)?;
    report_unchanged_versions(&new, first_new, &changes, &rows, &mut results);
    save_rows(c, &rows, device, now)?;
    for conflict in &conflicts {
        store::sync_conflicts::insert_conflict(c, conflict)?;
    }

    let new_last = new.last().map_or(last_seq, |m| m.seq);
    if new_last != last_seq {
        record_results(c, device, last_seq, new_last, &results[first_new..], now)?;
    }
    announce(c, ctx, device, &changes, now)?;
    Ok((results, new_last))
}

/// The new mutations must continue the device's seqs without a gap.
fn check_contiguous(new: &[Mutation], last_seq: i64) -> ApiResult<()> {
    for (m, expected) in new.iter().zip(last_seq + 1..) {
        if m.seq != expected {
            return Err(ApiError::seq_gap(expected));
        }
    }
    Ok(())
}

/// Locks the counters of the scopes this batch writes (sorted, so two batches cannot
/// deadlock) before reading rows: on PostgreSQL's READ COMMITTED a concurrent push to the
/// same scope then finishes first, and this one reads what it wrote.
fn lock_scopes(c: &mut DbConn, ctx: &SyncContext, new: &[Mutation]) -> ApiResult<()> {
    let scopes: BTreeSet<&str> = new
        .iter()
        .filter(|m| ctx.writable_scopes.contains(&m.scope))
        .map(|m| m.scope.as_str())
        .collect();
    for scope in scopes {
        store::sync_scopes::lock_scope(c, scope)?;
    }
    Ok(())
}

/// Merges the new mutations in seq order, appending one result each; returns the row changes
/// that wait for versions.
fn merge_all(
    ctx: &SyncContext,
    device: &str,
    new: &[Mutation],
    now: i64,
    rows: &mut Rows,
    conflicts: &mut Vec<store::sync_conflicts::ConflictRow>,
    results: &mut Vec<MutationResult>,
) -> Vec<PendingChange> {
    let mut changes = Vec::new();
    for m in new {
        let (r, version) =
            apply_one(ctx, device, m, now, rows, conflicts).unwrap_or_else(|(code, message)| {
                let r = result(m.seq, MutationStatus::Rejected, None, Some(code), message);
                (r, ResultVersion::Current(None))
            });
        // Only a mutation that changed its row takes a version.
        if let ResultVersion::Pending = version {
            changes.push(PendingChange {
                key: key(m),
                scope: m.scope.clone(),
                result: results.len(),
            });
        }
        results.push(r);
    }
    changes
}

/// A mutation that changed nothing reports its row's version as the batch leaves it.
fn report_unchanged_versions(
    new: &[Mutation],
    first_new: usize,
    changes: &[PendingChange],
    rows: &Rows,
    results: &mut [MutationResult],
) {
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
}

/// Keeps the new mutations' results for re-sends and moves the device's `last_seq` on.
fn record_results(
    c: &mut DbConn,
    device: &str,
    last_seq: i64,
    new_last: i64,
    new_results: &[MutationResult],
    now: i64,
) -> ApiResult<()> {
    let stored = new_results
        .iter()
        .map(|r| serde_json::to_string(r).map(|json| (r.seq, json)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    store::sync_devices::store_results(c, device, &stored, now)?;
    store::sync_devices::set_last_seq(c, device, new_last)?;
    // Pruning once per hundred seqs keeps the kept window at RESULTS_KEPT..+100.
    if new_last / 100 != last_seq / 100 {
        store::sync_devices::prune_results(c, device, new_last - RESULTS_KEPT)?;
    }
    Ok(())
}

/// Pokes the other devices of every scope the batch changed.
fn announce(
    c: &mut DbConn,
    ctx: &SyncContext,
    device: &str,
    changes: &[PendingChange],
    now: i64,
) -> ApiResult<()> {
    let changed_scopes: BTreeSet<&String> = changes.iter().map(|ch| &ch.scope).collect();
    for scope in changed_scopes {
        crate::services::sync::poke(c, scope, device, now)?;
        // An SDM's writes into a dependant's diary are recorded with who made them.
        if let Some(link_id) = ctx.acting_links.get(scope) {
            let dependant = PatientId::from(scope.as_str());
            crate::services::family::record(
                c,
                &dependant,
                &ctx.patient_id,
                link_id,
                "sync_push",
                now,
            )?;
        }
    }
    Ok(())
}

/// Stored results of re-sent mutations, in seq order. One that is no longer kept is answered
/// generically; one that is kept but does not decode is an error (not a made-up answer).
fn stored_results(
    c: &mut DbConn,
    device: &str,
    old: &[Mutation],
) -> ApiResult<Vec<MutationResult>> {
    let seqs: Vec<i64> = old.iter().map(|m| m.seq).collect();
    let stored: BTreeMap<i64, String> = store::sync_devices::stored_results(c, device, &seqs)?
        .into_iter()
        .collect();
    old.iter()
        .map(|m| match stored.get(&m.seq) {
            Some(r) => serde_json::from_str(r).map_err(ApiError::internal),
            None => Ok(result(
                m.seq,
                MutationStatus::Applied,
                None,
                Some("already_applied"),
                Some(
                    "This mutation was applied long ago; its result is no longer kept.".to_owned(),
                ),
            )),
        })
        .collect()
}

/// Reads every existing row the batch touches, one query per table.
fn load_rows(c: &mut DbConn, new: &[Mutation]) -> ApiResult<Rows> {
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

/// Numbers the batch's changes: each scope's versions are taken with one update, in the order
/// the changes were made; a row changed twice keeps the later number.
fn assign_versions(
    c: &mut DbConn,
    changes: &[PendingChange],
    rows: &mut Rows,
    results: &mut [MutationResult],
) -> ApiResult<()> {
    let mut per_scope: BTreeMap<&str, Vec<&PendingChange>> = BTreeMap::new();
    for ch in changes {
        per_scope.entry(ch.scope.as_str()).or_default().push(ch);
    }
    for (scope, list) in per_scope {
        let n = i64::try_from(list.len()).map_err(ApiError::internal)?;
        let highest = store::sync_scopes::take_versions(c, scope, n)?;
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
fn save_rows(c: &mut DbConn, rows: &Rows, device: &str, now: i64) -> ApiResult<()> {
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
