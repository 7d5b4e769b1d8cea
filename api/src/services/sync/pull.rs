//! `POST /v1/sync/pull`: every change above the cursor, in version order per scope, paged by
//! count and bytes, read from one snapshot so no concurrently committing change is skipped.

use ehealth_contracts::ErrorCode;
use std::collections::BTreeMap;

use ehealth_contracts::{
    Change, PullRequest, PullResponse, ScopeAdded, ScopeChanges, ScopeRemoved, ScopeReset,
};
use ehealth_sync::Cursor;

use super::tables::{StoredRow, TABLES};
use super::{SyncContext, authorise, check_envelope};
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::{self, DbConn};

pub const DEFAULT_LIMIT: i64 = 500;
pub const MAX_LIMIT: i64 = 1000;

pub async fn pull(
    state: &AppState,
    who: &PatientSession,
    req: PullRequest,
) -> ApiResult<PullResponse> {
    let ctx = check_envelope(
        who,
        req.protocol,
        req.schema_version,
        &req.device_id,
        state.clock.today_hk(),
    )?;
    let limit = req.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let key = state.secrets.cursor_key().to_vec();
    let previous = match req.cursor.as_deref() {
        None => None,
        Some(raw) => Some(
            Cursor::decode(raw, &key)
                .ok()
                .filter(|c| c.user == ctx.patient_id)
                .ok_or_else(|| ApiError::bad_request(ErrorCode::InvalidCursor))?,
        ),
    };
    let byte_budget = state.config.sync_max_bytes;
    let (cursor, has_more, scopes, changes) = state
        .db
        .read_snapshot(move |c| read_page(c, ctx, previous, limit, byte_budget))
        .await?;
    Ok(PullResponse {
        cursor: cursor.encode(&key),
        has_more,
        scopes,
        changes,
        server_hlc: state.server_hlc().to_string(),
    })
}

type Page = (Cursor, bool, ScopeChanges, Vec<Change>);

fn read_page(
    c: &mut DbConn,
    mut ctx: SyncContext,
    previous: Option<Cursor>,
    limit: i64,
    byte_budget: usize,
) -> ApiResult<Page> {
    authorise(c, &mut ctx)?;
    let epoch = store::sync::epoch(c)?;
    let mut scope_changes = ScopeChanges::default();
    let old = previous.unwrap_or_default();
    let same_epoch = old.epoch == epoch;

    let mut positions: BTreeMap<String, i64> = BTreeMap::new();
    let mut currents: BTreeMap<String, i64> = BTreeMap::new();
    let mut purged_seen: BTreeMap<String, i64> = BTreeMap::new();
    for (scope, patient_id) in &ctx.visible {
        let Some((current, purged)) = store::sync::scope_versions(c, scope)? else {
            continue;
        };
        // Tombstones purged before this device began downloading the scope never concern it:
        // only a purge newer than its download base, of versions it has not yet seen, forces a
        // reset.
        let seen = old.purged_seen.get(scope).copied().unwrap_or(0);
        let (position, base) = match old.scopes.get(scope) {
            None => {
                scope_changes.added.push(ScopeAdded {
                    scope: scope.clone(),
                    patient_id: patient_id.clone(),
                });
                (0, purged)
            }
            Some(_) if !same_epoch => (reset(&mut scope_changes, scope, "epoch_changed"), purged),
            Some(&v) if v > current => (reset(&mut scope_changes, scope, "epoch_changed"), purged),
            Some(&v) if v < purged && purged > seen => {
                (reset(&mut scope_changes, scope, "cursor_expired"), purged)
            }
            Some(&v) => (v, seen),
        };
        positions.insert(scope.clone(), position);
        currents.insert(scope.clone(), current);
        if base > 0 {
            purged_seen.insert(scope.clone(), base);
        }
    }
    for scope in old.scopes.keys().filter(|s| !positions.contains_key(*s)) {
        scope_changes.removed.push(ScopeRemoved {
            scope: scope.clone(),
            reason: crate::services::family::removal_reason(c, &ctx.patient_id, scope, ctx.today)?,
        });
    }

    let mut changes = Vec::new();
    let mut bytes = 0usize;
    let mut has_more = false;
    for (scope, position) in positions.iter_mut() {
        let room = limit - i64::try_from(changes.len()).unwrap_or(limit);
        if room <= 0 || bytes >= byte_budget {
            has_more = true;
            break;
        }
        // The next `room` changes of this scope across every table, in version order.
        let mut batch: Vec<(&'static str, StoredRow)> = Vec::new();
        for t in TABLES {
            batch.extend(
                t.changes(c, scope, *position, room + 1)?
                    .into_iter()
                    .map(|r| (t.name(), r)),
            );
        }
        batch.sort_by_key(|(_, r)| r.state.version);
        let available = batch.len();
        let mut exhausted = true;
        for (taken, (table, row)) in batch.into_iter().enumerate() {
            if i64::try_from(taken).unwrap_or(i64::MAX) >= room
                || (bytes >= byte_budget && taken > 0)
            {
                has_more = true;
                exhausted = false;
                break;
            }
            let change = to_change(table, row);
            bytes += serde_json::to_vec(&change).map(|v| v.len()).unwrap_or(0);
            *position = change.version;
            changes.push(change);
            if taken + 1 == available {
                break;
            }
        }
        // Nothing more in this snapshot: stand at the scope's current version, past any
        // versions whose rows were purged.
        if exhausted && let Some(current) = currents.get(scope) {
            *position = (*position).max(*current);
        }
    }
    let cursor = Cursor {
        user: ctx.patient_id.clone(),
        epoch,
        scopes: positions,
        purged_seen,
    };
    Ok((cursor, has_more, scope_changes, changes))
}

fn reset(changes: &mut ScopeChanges, scope: &str, reason: &str) -> i64 {
    changes.reset.push(ScopeReset {
        scope: scope.to_owned(),
        reason: reason.to_owned(),
    });
    0
}

fn to_change(table: &str, row: StoredRow) -> Change {
    let live = row.state.is_live();
    Change {
        table: table.to_owned(),
        id: row.id,
        scope: row.scope,
        version: row.state.version,
        cl: row.state.cl,
        row: live.then_some(row.state.fields),
        hlc: live.then(|| {
            row.state
                .stamps
                .into_iter()
                .map(|(k, h)| (k, h.to_string()))
                .collect()
        }),
    }
}
