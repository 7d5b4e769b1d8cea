//! From 00:00 Hong Kong time: providers accepted 14 days before (their `registered_on` has
//! come) become registered, appear on the register and can take consents. Each becomes so in
//! the application's history too (actor `system`).

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store;

pub const JOB: &str = "hcp_registration";

/// Runs today's registrations once across instances; the ids registered.
pub async fn run(state: &AppState) -> ApiResult<Option<Vec<String>>> {
    let today = state.clock.today_hk().format("%Y-%m-%d").to_string();
    super::run_once(state, JOB, today.clone(), move |c, now| {
        let ids = store::hcps::register_due(c, &today)?;
        for id in &ids {
            store::hcp_requests::add_event(c, id, "system", "registered", None, now)?;
            if let Some(a) = store::applications::of_hcp(c, id)? {
                store::applications::add_event(c, &a.id, "system", "registered", None, now)?;
            }
        }
        Ok(ids)
    })
    .await
}

pub async fn run_logged(state: &AppState) {
    match run(state).await {
        Ok(Some(ids)) => tracing::info!(registered = ids.len(), "hcp-registration run"),
        Ok(None) => tracing::debug!("hcp-registration run already done by another instance"),
        Err(e) => {
            tracing::warn!(error = %e, "hcp-registration run failed; retried within the hour")
        }
    }
}
