//! The patient leaving the system (withdrawal), from their own account.

use ehealth_contracts::{ConsentEventType, ErrorCode, PatientStatus, WithdrawResponse};

use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::services::family::act_for;
use crate::state::AppState;
use crate::store::consent_events::{publish, record};
use crate::store::{self, consents};

/// Withdrawal: every consent ends (each HCP hears), reads are refused, sessions end, the
/// account closes; records stay.
pub async fn withdraw(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<WithdrawResponse> {
    let acting = act_for(state, who, patient_id, "withdraw").await?;
    let clock = state.clock.clone();
    let id = acting.patient_id.clone();
    let ended = state
        .db
        .transaction(move |c| {
            store::patients::lock(c, &id)?;
            // After the lock, like a read's time (see `consent::grant::revoke`).
            let now = clock.now_ms();
            acting.record(c, now)?;
            let p = store::patients::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            if p.status()? == PatientStatus::Withdrawn {
                return Err(ApiError::conflict(ErrorCode::AccountWithdrawn));
            }
            let mut ended = 0;
            // HCP rows are locked in id order (their feeds), as everywhere, so two
            // transactions touching the same HCPs cannot deadlock.
            let mut active = consents::for_patient(c, &id)?;
            active.sort_by(|a, b| a.hcp_id.cmp(&b.hcp_id));
            for consent in active {
                if consents::end(c, &consent.id, "ended", &acting.actor_id, now)? {
                    record(c, &consent, ConsentEventType::Revoked, now)?;
                    publish(c, &consent.id, &id, now)?;
                    ended += 1;
                }
            }
            store::patients::withdraw(c, &id, now)?;
            store::sessions::revoke_all_for_patient(c, &id, now)?;
            Ok(ended)
        })
        .await?;
    tracing::info!(%patient_id, consents = ended, "patient withdrew");
    Ok(WithdrawResponse {
        patient_id: patient_id.to_string(),
        status: PatientStatus::Withdrawn,
        consents_ended: ended,
    })
}
