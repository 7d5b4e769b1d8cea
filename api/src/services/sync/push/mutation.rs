//! One mutation of a push: its table and form checked, merged into its row in memory, its row
//! rules checked, and its losses queued as conflicts.

use std::collections::BTreeMap;

use ehealth_contracts::{Conflict, Fields, Mutation, MutationOp, MutationResult, MutationStatus};
use ehealth_sync::{Hlc, Incoming, Loss, MergeOutcome, merge};
use uuid::Uuid;

use crate::error::FieldError;
use crate::services::sync::SyncContext;
use crate::services::sync::tables::{StoredRow, SyncTable, table};
use crate::store;

/// A row touched by the batch: as stored before, and as merged so far.
pub(super) struct Working {
    pub(super) table: &'static dyn SyncTable,
    pub(super) current: Option<StoredRow>,
    pub(super) changed: bool,
}

/// The rows a batch touches, by (table, id).
pub(super) type Rows = BTreeMap<(String, String), Working>;

pub(super) fn key(m: &Mutation) -> (String, String) {
    (m.table.clone(), m.id.clone())
}

/// The version a mutation's result reports, as the batch merges it.
pub(super) enum ResultVersion {
    /// The mutation changed nothing: its row's version as it stood (`None`: no row).
    Current(Option<i64>),
    /// The mutation changed its row, whose new version is taken with the batch's other changes
    /// (`assign_versions`); until then the result carries none.
    Pending,
}

impl ResultVersion {
    fn reported(&self) -> Option<i64> {
        match self {
            Self::Current(v) => *v,
            Self::Pending => None,
        }
    }
}

pub(super) type Refusal = (&'static str, Option<String>);

fn refusal(code: &'static str, message: &str) -> Refusal {
    (code, Some(message.to_owned()))
}

/// Merges one mutation into its row (in `rows`), queueing the conflicts it causes.
pub(super) fn apply_one(
    ctx: &SyncContext,
    device: &str,
    m: &Mutation,
    now: i64,
    rows: &mut Rows,
    conflicts: &mut Vec<store::sync_conflicts::ConflictRow>,
) -> Result<(MutationResult, ResultVersion), Refusal> {
    let t = writable_table(m)?;
    if !ctx.writable_scopes.contains(&m.scope) {
        let forbidden = Some("forbidden");
        let r = result(m.seq, MutationStatus::Forbidden, None, forbidden, None);
        return Ok((r, ResultVersion::Current(None)));
    }
    let (hlc, set) = check_mutation(t, device, m)?;
    check_not_ahead(&set, now)?;
    let entry = working_row(rows, t, m)?;
    let outcome = merge(
        entry.current.as_ref().map(|r| &r.state),
        &Incoming {
            cl: m.cl,
            set: &set,
            hlc: &hlc,
            base_version: m.base_version,
        },
    );
    check_rules(t, entry.current.as_ref(), &outcome, &set)?;
    let reported = report_losses(m, device, now, &outcome.losses, conflicts);
    let status = if outcome.losses.iter().any(|l| l.incoming_lost) {
        MutationStatus::Merged
    } else {
        MutationStatus::Applied
    };
    let version = keep_outcome(entry, m, outcome);
    let mut r = result(m.seq, status, version.reported(), None, None);
    r.conflicts = reported;
    Ok((r, version))
}

/// The mutation's row as the batch has it so far (none yet for a new id), provided it is of
/// the mutation's scope.
fn working_row<'a>(
    rows: &'a mut Rows,
    t: &'static dyn SyncTable,
    m: &Mutation,
) -> Result<&'a mut Working, Refusal> {
    let entry = rows.entry(key(m)).or_insert(Working {
        table: t,
        current: None,
        changed: false,
    });
    if let Some(cur) = &entry.current
        && cur.scope != m.scope
    {
        return Err(refusal(
            "id_conflict",
            "A row with this id exists in another scope.",
        ));
    }
    Ok(entry)
}

/// Keeps the merged row if the mutation changed it; answers the version its result reports.
fn keep_outcome(entry: &mut Working, m: &Mutation, outcome: MergeOutcome) -> ResultVersion {
    if !outcome.changed {
        return ResultVersion::Current(entry.current.as_ref().map(|r| r.state.version));
    }
    entry.current = Some(StoredRow {
        id: m.id.clone(),
        scope: m.scope.clone(),
        state: outcome.state,
    });
    entry.changed = true;
    ResultVersion::Pending
}

/// The mutation's table, if it exists and devices may write it.
fn writable_table(m: &Mutation) -> Result<&'static dyn SyncTable, Refusal> {
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
    Ok(t)
}

/// Checks the mutation's own form (id, `cl` parity, stamp, sending device) and normalizes the
/// fields it sets; answers its stamp and those fields.
fn check_mutation(t: &dyn SyncTable, device: &str, m: &Mutation) -> Result<(Hlc, Fields), Refusal> {
    if Uuid::parse_str(&m.id).is_err() {
        return Err(refusal("invalid_mutation", "`id` must be a UUID."));
    }
    let parity_ok = match m.op {
        MutationOp::Upsert => m.cl >= 1 && m.cl % 2 == 1,
        MutationOp::Delete => m.cl >= 2 && m.cl % 2 == 0,
    };
    if !parity_ok {
        return Err(refusal(
            "invalid_mutation",
            "`cl` must be odd for upsert and even for delete.",
        ));
    }
    let Ok(hlc) = m.hlc.parse::<Hlc>() else {
        return Err(refusal(
            "invalid_mutation",
            "`hlc` must be <ms>:<counter>:<device_id>.",
        ));
    };
    if hlc.node != device {
        return Err(refusal(
            "invalid_mutation",
            "The node of `hlc` must be the sending device's id.",
        ));
    }
    if let Some(field) = m.set.as_ref().and_then(bad_text) {
        return Err((
            "invalid_characters",
            Some(format!(
                "`{field}` contains a control character or a direction override."
            )),
        ));
    }
    let set = match (m.op, m.set.as_ref()) {
        (MutationOp::Delete, _) => Fields::new(),
        (MutationOp::Upsert, Some(set)) => t
            .normalize(set)
            .map_err(|e| ("invalid_reading", Some(describe(&e))))?,
        (MutationOp::Upsert, None) => {
            return Err(refusal("invalid_mutation", "An upsert needs `set`."));
        }
    };
    Ok((hlc, set))
}

/// A reading measured more than a day after the server's now is a clock or typing error, not
/// a reading (before 1900 is refused by the field check itself).
fn check_not_ahead(set: &Fields, now: i64) -> Result<(), Refusal> {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let ahead = set
        .get("measured_at")
        .and_then(serde_json::Value::as_str)
        .and_then(crate::services::sync::tables::instant_ms)
        .is_some_and(|at| at > now + DAY_MS);
    if ahead {
        return Err(("invalid_reading", Some("measured_at: in_future".to_owned())));
    }
    Ok(())
}

/// The first field of `set` that breaks the free-text rule (`domain::text`).
fn bad_text(set: &Fields) -> Option<String> {
    let tree = serde_json::to_value(set).ok()?;
    crate::domain::text::first_bad(&tree)
}

/// Rules are checked on what the mutation itself says (a new life must be complete; a pair
/// it sets together must be consistent), never on concurrent state, so the outcome does not
/// depend on the order mutations arrive in.
fn check_rules(
    t: &dyn SyncTable,
    current: Option<&StoredRow>,
    outcome: &MergeOutcome,
    set: &Fields,
) -> Result<(), Refusal> {
    let new_life = current.is_none_or(|cur| cur.state.cl != outcome.state.cl);
    if outcome.state.is_live() {
        let checked = if new_life { &outcome.state.fields } else { set };
        t.check_live(checked, new_life)
            .map_err(|e| ("invalid_reading", Some(describe(&e))))?;
    }
    Ok(())
}

/// Queues a conflict row for each field the merge decided against one side, and answers
/// them as the mutation's result reports them.
fn report_losses(
    m: &Mutation,
    device: &str,
    now: i64,
    losses: &[Loss],
    conflicts: &mut Vec<store::sync_conflicts::ConflictRow>,
) -> Vec<Conflict> {
    let mut reported = Vec::new();
    for loss in losses {
        let row = store::sync_conflicts::ConflictRow {
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
    reported
}

pub(super) fn result(
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
