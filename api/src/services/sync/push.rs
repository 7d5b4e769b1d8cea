//! `POST /v1/sync/push`: apply a device's mutations exactly once, in seq order, each with its
//! own result, in one transaction with the device's `last_seq`.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use ehealth_contracts::{
    Conflict, Fields, Mutation, MutationOp, MutationResult, MutationStatus, PushRequest,
    PushResponse,
};
use ehealth_sync::{Hlc, Incoming, merge};
use uuid::Uuid;

use super::tables::{StoredRow, table};
use super::{SyncContext, check_envelope};
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::state::AppState;
use crate::store::{self, DbConn};

pub async fn push(
    state: &AppState,
    who: &PatientSession,
    req: PushRequest,
) -> ApiResult<PushResponse> {
    let ctx = check_envelope(state, who, req.protocol, req.schema_version, &req.device_id).await?;
    if req.mutations.len() > state.config.sync_max_mutations {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
        ));
    }
    let mut seqs: Vec<i64> = req.mutations.iter().map(|m| m.seq).collect();
    seqs.sort_unstable();
    if seqs.windows(2).any(|w| w[0] == w[1]) || seqs.first().is_some_and(|s| *s < 1) {
        return Err(ApiError::bad_request("invalid_seq"));
    }
    let now = state.now_ms();
    let max_ahead = i64::try_from(state.config.sync_max_clock_skew.as_millis()).unwrap_or(300_000);
    let device = req.device_id.clone();
    let mut mutations = req.mutations;
    mutations.sort_by_key(|m| m.seq);
    // Stamps from clocks running far ahead are pulled back, so one bad clock cannot win forever.
    for m in &mut mutations {
        if let Ok(h) = m.hlc.parse::<Hlc>()
            && h.physical_ms > u64::try_from(now + max_ahead).unwrap_or(u64::MAX)
        {
            m.hlc = Hlc::new(
                u64::try_from(now + max_ahead).unwrap_or(0),
                h.logical,
                h.node,
            )
            .to_string();
        }
    }
    state.observe_hlcs(mutations.iter().filter_map(|m| m.hlc.parse::<Hlc>().ok()));

    let dev = device.clone();
    state
        .db
        .run(move |c| Ok(store::sync::ensure_device(c, &dev, now)?))
        .await?;
    let (results, last_seq) = state
        .db
        .transaction(move |c| apply_batch(c, &ctx, &device, mutations, now))
        .await?;
    Ok(PushResponse {
        results,
        last_seq,
        server_hlc: state.server_hlc().to_string(),
    })
}

fn apply_batch(
    c: &mut DbConn,
    ctx: &SyncContext,
    device: &str,
    mutations: Vec<Mutation>,
    now: i64,
) -> ApiResult<(Vec<MutationResult>, i64)> {
    let last_seq = store::sync::lock_device(c, device, now)?;
    let (old, new): (Vec<Mutation>, Vec<Mutation>) =
        mutations.into_iter().partition(|m| m.seq <= last_seq);
    for (i, m) in new.iter().enumerate() {
        let expected = last_seq + 1 + i64::try_from(i).unwrap_or(0);
        if m.seq != expected {
            return Err(ApiError::seq_gap(last_seq + 1));
        }
    }

    let old_seqs: Vec<i64> = old.iter().map(|m| m.seq).collect();
    let stored: BTreeMap<i64, String> = store::sync::stored_results(c, device, &old_seqs)?
        .into_iter()
        .collect();
    let mut results: Vec<MutationResult> = old
        .iter()
        .map(|m| {
            stored
                .get(&m.seq)
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_else(|| MutationResult {
                    seq: m.seq,
                    status: MutationStatus::Applied,
                    version: None,
                    code: Some("already_applied".to_owned()),
                    message: Some(
                        "This mutation was applied long ago; its result is no longer kept."
                            .to_owned(),
                    ),
                    conflicts: Vec::new(),
                })
        })
        .collect();

    let mut changed_scopes = BTreeSet::new();
    let mut new_last = last_seq;
    for m in &new {
        let result = apply_one(c, ctx, device, m, now, &mut changed_scopes)?;
        let json = serde_json::to_string(&result).map_err(ApiError::internal)?;
        store::sync::store_result(c, device, m.seq, &json, now)?;
        new_last = m.seq;
        results.push(result);
    }
    if new_last != last_seq {
        store::sync::set_last_seq(c, device, new_last)?;
        store::sync::prune_results(c, device, new_last - RESULTS_KEPT)?;
    }
    for scope in changed_scopes {
        super::poke(c, &scope, device, now)?;
    }
    Ok((results, new_last))
}

/// Results of this many most recent mutations per device are kept for re-sends.
const RESULTS_KEPT: i64 = 10_000;

fn apply_one(
    c: &mut DbConn,
    ctx: &SyncContext,
    device: &str,
    m: &Mutation,
    now: i64,
    changed_scopes: &mut BTreeSet<String>,
) -> ApiResult<MutationResult> {
    let reject = |code: &str, message: String| {
        Ok(result(
            m.seq,
            MutationStatus::Rejected,
            None,
            Some(code),
            Some(message),
        ))
    };
    let Some(t) = table(&m.table) else {
        return reject(
            "unknown_table",
            format!("There is no synced table `{}`.", m.table),
        );
    };
    if !t.writable() {
        return reject("read_only_table", format!("`{}` syncs down only.", m.table));
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
        return reject("invalid_mutation", "`id` must be a UUID.".to_owned());
    }
    let parity_ok = match m.op {
        MutationOp::Upsert => m.cl >= 1 && m.cl % 2 == 1,
        MutationOp::Delete => m.cl >= 2 && m.cl % 2 == 0,
    };
    if !parity_ok {
        return reject(
            "invalid_mutation",
            "`cl` must be odd for upsert and even for delete.".to_owned(),
        );
    }
    let Ok(hlc) = m.hlc.parse::<Hlc>() else {
        return reject(
            "invalid_mutation",
            "`hlc` must be <ms>:<counter>:<device_id>.".to_owned(),
        );
    };
    if hlc.node != device {
        return reject(
            "invalid_mutation",
            "The node of `hlc` must be the sending device's id.".to_owned(),
        );
    }
    let empty = Fields::new();
    let set = match (m.op, m.set.as_ref()) {
        (MutationOp::Delete, _) => empty.clone(),
        (MutationOp::Upsert, Some(set)) => match t.normalize(set) {
            Ok(set) => set,
            Err(errors) => return reject("invalid_reading", describe(&errors)),
        },
        (MutationOp::Upsert, None) => {
            return reject("invalid_mutation", "An upsert needs `set`.".to_owned());
        }
    };

    let current = t.load(c, &m.id)?;
    if let Some(cur) = &current
        && cur.scope != m.scope
    {
        return reject(
            "id_conflict",
            "A row with this id exists in another scope.".to_owned(),
        );
    }
    let outcome = merge(
        current.as_ref().map(|r| &r.state),
        &Incoming {
            cl: m.cl,
            set: &set,
            hlc: &hlc,
            base_version: m.base_version,
        },
    );
    if outcome.state.is_live()
        && let Err(errors) = t.check_live(&outcome.state.fields)
    {
        return reject("invalid_reading", describe(&errors));
    }
    let mut version = current.as_ref().map(|r| r.state.version);
    if outcome.changed {
        let v = store::sync::next_version(c, &m.scope)?;
        let mut state = outcome.state.clone();
        state.version = v;
        let row = StoredRow {
            id: m.id.clone(),
            scope: m.scope.clone(),
            state,
        };
        t.save(c, &row, device, now, current.is_some())?;
        version = Some(v);
        changed_scopes.insert(m.scope.clone());
    }
    let mut conflicts = Vec::new();
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
        store::sync::insert_conflict(c, &row)?;
        conflicts.push(Conflict {
            conflict_id: row.id,
            field: row.field,
            losing_value: loss.losing_value.clone(),
            losing_hlc: row.losing_hlc,
            winning_value: loss.winning_value.clone(),
            winning_hlc: row.winning_hlc,
        });
    }
    let lost = outcome.losses.iter().any(|l| l.incoming_lost);
    let status = if lost {
        MutationStatus::Merged
    } else {
        MutationStatus::Applied
    };
    let mut r = result(m.seq, status, version, None, None);
    r.conflicts = conflicts;
    Ok(r)
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

fn describe(errors: &[crate::error::FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.code))
        .collect::<Vec<_>>()
        .join(", ")
}
