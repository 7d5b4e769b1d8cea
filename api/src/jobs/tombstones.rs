//! Purging sync tombstones past the horizon (`EHEALTH_SYNC_TOMBSTONE_DAYS`), hourly. Idempotent,
//! so every instance may run it and no claim is needed.

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store;

/// Deletes tombstones older than the horizon and records, per scope, the highest version
/// purged: a cursor below it can no longer be served incrementally and gets a reset.
pub async fn purge(state: &AppState) -> ApiResult<usize> {
    let horizon =
        i64::try_from(state.config.sync_tombstone_horizon.as_millis()).unwrap_or(i64::MAX / 2);
    let before = state.now_ms().saturating_sub(horizon);
    state
        .db
        .transaction(move |c| Ok(store::tombstones::purge(c, before)?))
        .await
}

/// Hourly: tombstones past the horizon (idempotent, so no claim is needed).
pub(super) async fn purge_logged(state: &AppState) {
    match purge(state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(purged = n, "purged sync tombstones past the horizon"),
        Err(e) => tracing::warn!(error = %e, "tombstone purge failed; will retry"),
    }
}
