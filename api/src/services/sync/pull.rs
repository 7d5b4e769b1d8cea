//! `POST /v1/sync/pull`: every change above the cursor, in version order per scope, paged by
//! count and bytes, read from one snapshot so no concurrently committing change is skipped.

use std::collections::BTreeMap;

use ehealth_contracts::{
    Change, ErrorCode, PullRequest, PullResponse, ScopeAdded, ScopeChanges, ScopeRemoved,
    ScopeReset,
};
use ehealth_sync::Cursor;

use super::tables::{StoredRow, TABLES};
use super::{SyncContext, authorise, check_envelope};
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::log_key::LogKey;
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
    let mut page = state
        .db
        .read_snapshot(move |c| read_page(c, ctx, previous, limit, byte_budget))
        .await?;
    sign_log_rows(&mut page.changes, &state.log_key);
    Ok(PullResponse {
        cursor: page.cursor.encode(&key),
        has_more: page.has_more,
        scopes: page.scopes,
        changes: page.changes,
        server_hlc: state.server_hlc().to_string(),
    })
}

/// One pull's answer, read from one snapshot.
struct Page {
    /// Where the device stands after this page.
    cursor: Cursor,
    /// Whether more changes wait beyond this page's limits.
    has_more: bool,
    scopes: ScopeChanges,
    changes: Vec<Change>,
}

fn read_page(
    c: &mut DbConn,
    mut ctx: SyncContext,
    previous: Option<Cursor>,
    limit: i64,
    byte_budget: usize,
) -> ApiResult<Page> {
    authorise(c, &mut ctx)?;
    let epoch = store::sync_scopes::epoch(c)?;
    let mut scopes = ScopeChanges::default();
    let old = previous.unwrap_or_default();
    let mut placed = place_scopes(c, &ctx, &old, old.epoch == epoch, &mut scopes)?;
    note_removed_scopes(c, &ctx, &old, &placed.positions, &mut scopes)?;
    let mut filling = Filling {
        limit,
        byte_budget,
        changes: Vec::new(),
        bytes: 0,
        has_more: false,
    };
    fill(c, &mut placed, &mut filling)?;
    let cursor = Cursor {
        user: ctx.patient_id.to_string(),
        epoch,
        scopes: placed.positions,
        purged_seen: placed.purged_seen,
    };
    Ok(Page {
        cursor,
        has_more: filling.has_more,
        scopes,
        changes: filling.changes,
    })
}

/// Where the download of each visible scope stands this pull.
#[derive(Default)]
struct Placement {
    /// The version the device has of each scope (0: from the start).
    positions: BTreeMap<String, i64>,
    /// Each scope's current version in this snapshot.
    currents: BTreeMap<String, i64>,
    /// For each scope, the purge its download is based on (kept in the cursor).
    purged_seen: BTreeMap<String, i64>,
}

/// Places every visible scope: new ones start from the beginning, and ones whose cursor no
/// longer holds (another epoch, a version above the scope's, or tombstones purged that the
/// device has not seen) are reset; each is noted in `scope_changes`.
fn place_scopes(
    c: &mut DbConn,
    ctx: &SyncContext,
    old: &Cursor,
    same_epoch: bool,
    scope_changes: &mut ScopeChanges,
) -> ApiResult<Placement> {
    let mut placed = Placement::default();
    for (scope, patient_id) in &ctx.visible {
        let Some((current, purged)) = store::sync_scopes::scope_versions(c, scope)? else {
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
                    patient_id: patient_id.to_string(),
                });
                (0, purged)
            }
            Some(_) if !same_epoch => (reset(scope_changes, scope, "epoch_changed"), purged),
            Some(&v) if v > current => (reset(scope_changes, scope, "epoch_changed"), purged),
            Some(&v) if v < purged && purged > seen => {
                (reset(scope_changes, scope, "cursor_expired"), purged)
            }
            Some(&v) => (v, seen),
        };
        placed.positions.insert(scope.clone(), position);
        placed.currents.insert(scope.clone(), current);
        if base > 0 {
            placed.purged_seen.insert(scope.clone(), base);
        }
    }
    Ok(placed)
}

/// Scopes in the cursor the device may no longer see are removed, with the reason.
fn note_removed_scopes(
    c: &mut DbConn,
    ctx: &SyncContext,
    old: &Cursor,
    positions: &BTreeMap<String, i64>,
    scope_changes: &mut ScopeChanges,
) -> ApiResult<()> {
    for scope in old.scopes.keys().filter(|s| !positions.contains_key(*s)) {
        scope_changes.removed.push(ScopeRemoved {
            scope: scope.clone(),
            reason: crate::services::family::removal_reason(c, &ctx.patient_id, scope, ctx.today)?,
        });
    }
    Ok(())
}

/// A page as it fills up, scope by scope, until its count or byte limit is reached.
struct Filling {
    limit: i64,
    byte_budget: usize,
    changes: Vec<Change>,
    bytes: usize,
    has_more: bool,
}

impl Filling {
    /// How many more changes fit, if any do.
    fn room(&self) -> Option<i64> {
        let room = self.limit - i64::try_from(self.changes.len()).unwrap_or(self.limit);
        (room > 0 && self.bytes < self.byte_budget).then_some(room)
    }

    /// Adds `batch` (a scope's next changes, in version order) as far as there is `room` and
    /// the byte budget allows, moving `position` to each change taken. Returns whether the
    /// whole batch was taken.
    fn take(
        &mut self,
        batch: Vec<(&'static str, StoredRow)>,
        room: i64,
        position: &mut i64,
    ) -> ApiResult<bool> {
        for (taken, (table, row)) in batch.into_iter().enumerate() {
            if i64::try_from(taken).unwrap_or(i64::MAX) >= room
                || (self.bytes >= self.byte_budget && taken > 0)
            {
                self.has_more = true;
                return Ok(false);
            }
            let change = to_change(table, row);
            self.bytes += serde_json::to_vec(&change)
                .map_err(ApiError::internal)?
                .len();
            *position = change.version;
            self.changes.push(change);
        }
        Ok(true)
    }
}

/// Fills the page from the scopes in order, moving each scope's position past what it takes.
fn fill(c: &mut DbConn, placed: &mut Placement, filling: &mut Filling) -> ApiResult<()> {
    for (scope, position) in placed.positions.iter_mut() {
        let Some(room) = filling.room() else {
            filling.has_more = true;
            break;
        };
        let batch = next_changes(c, scope, *position, room)?;
        // Nothing more in this snapshot: stand at the scope's current version, past any
        // versions whose rows were purged.
        if filling.take(batch, room, position)?
            && let Some(current) = placed.currents.get(scope)
        {
            *position = (*position).max(*current);
        }
    }
    Ok(())
}

/// The next `room` changes of this scope across every table, in version order (with one more
/// per table, so the caller sees whether the scope has more).
fn next_changes(
    c: &mut DbConn,
    scope: &str,
    position: i64,
    room: i64,
) -> ApiResult<Vec<(&'static str, StoredRow)>> {
    let mut batch: Vec<(&'static str, StoredRow)> = Vec::new();
    for t in TABLES {
        batch.extend(
            t.changes(c, scope, position, room + 1)?
                .into_iter()
                .map(|r| (t.name(), r)),
        );
    }
    batch.sort_by_key(|(_, r)| r.state.version);
    Ok(batch)
}

fn reset(changes: &mut ScopeChanges, scope: &str, reason: &str) -> i64 {
    changes.reset.push(ScopeReset {
        scope: scope.to_owned(),
        reason: reason.to_owned(),
    });
    0
}

/// Every access-log row a device pulls carries a checkpoint of itself signed with the log key
/// (`checkpoint`: `seq`, `hash`, `signature`, `key_id`), stamped like the row's other fields.
fn sign_log_rows(changes: &mut [Change], key: &LogKey) {
    for ch in changes.iter_mut().filter(|c| c.table == "access_log") {
        let Some(row) = ch.row.as_mut() else { continue };
        let seq = row.get("seq").and_then(serde_json::Value::as_i64);
        let hash = row.get("hash").and_then(serde_json::Value::as_str);
        let (Some(seq), Some(hash)) = (seq, hash) else {
            continue;
        };
        let checkpoint = serde_json::json!({"seq": seq, "hash": hash,
            "signature": key.sign(&ch.scope, seq, hash), "key_id": key.key_id()});
        row.insert("checkpoint".to_owned(), checkpoint);
        if let Some(stamps) = ch.hlc.as_mut()
            && let Some(stamp) = stamps.get("hash").cloned()
        {
            stamps.insert("checkpoint".to_owned(), stamp);
        }
    }
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
