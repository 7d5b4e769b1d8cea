//! Domain services: the business rules. Handlers call one function here; these call the store.

pub mod access_log;
pub mod account;
pub mod conflicts;
pub mod consent;
pub mod diary;
pub mod family;
pub mod hcp;
pub mod officer;
pub mod records;
pub mod registration;
pub mod reminders;
pub mod sessions;
pub mod sync;
pub mod systems;

use std::time::Duration;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Counts an attempt against a limit, answering 429 with `Retry-After` past it.
pub(crate) async fn rate_limit(
    state: &AppState,
    key: &str,
    limit: u32,
    window: Duration,
) -> ApiResult<()> {
    match state
        .ephemeral
        .hit(key, limit, window, state.now_ms())
        .await?
    {
        Ok(()) => Ok(()),
        Err(retry_after) => {
            tracing::info!(bucket = key.split(':').next().unwrap_or(""), "rate limited");
            Err(ApiError::rate_limited(retry_after))
        }
    }
}

pub(crate) fn expires_at_ms(now: i64, ttl: Duration) -> i64 {
    now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4))
}
