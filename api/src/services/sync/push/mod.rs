//! `POST /v1/sync/push`: apply a device's mutations exactly once, in seq order, each with its
//! own result, in one transaction with the device's `last_seq`.
//!
//! The batch is processed in memory: the rows it touches are read with one query per table,
//! mutations are merged in seq order, each scope's versions are taken with one update, and the
//! changed rows and the results are written with one statement each. That keeps a push of 100
//! mutations to about a dozen statements.
//!
//! Modules: this entry -> `batch` (the transaction, step by step) -> `mutation` (one
//! mutation's checks and merge).

mod batch;
mod mutation;

use actix_web::http::StatusCode;
use ehealth_contracts::{ErrorCode, Mutation, PushRequest, PushResponse};
use ehealth_sync::Hlc;

use super::check_envelope;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::state::AppState;

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
        .transaction(move |c| batch::apply_batch(c, ctx, &device, mutations, now))
        .await?;
    state.due_queue.requeue(&state.db, reminders).await;
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
