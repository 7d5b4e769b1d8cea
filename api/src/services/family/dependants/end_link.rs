//! `DELETE /v1/sdm-links/{link_id}`: an SDM steps down, or removes an SDM of lower priority.

use ehealth_contracts::ErrorCode;

use crate::domain::authority::{REMOVED, STEPPED_DOWN, Standing, standing};
use crate::domain::ids::LinkId;
use crate::domain::notices;
use crate::domain::person::parse_dob;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::services::family::authority;
use crate::state::AppState;
use crate::store;
use crate::store::family;
use crate::store::outbox::OutboxRow;

/// Ends a link: the SDM stepping down from their own, or an SDM of strictly higher priority
/// (same basis) removing another's. Equal priorities cannot remove each other (our choice: a
/// dispute between two parents goes to the registration office).
pub async fn end_link(state: &AppState, who: &PatientSession, link_id: &LinkId) -> ApiResult<()> {
    let actor = who.patient_id.clone();
    let id = link_id.to_owned();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            let link = family::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            let reason = if link.sdm_patient_id == actor {
                STEPPED_DOWN
            } else {
                match authority(c, &actor, &link.patient_id, today) {
                    Ok(Some(_)) => {}
                    // A database that failed or was busy is no answer: say so (a 404 would
                    // tell the app the link is not theirs to end, and it would not retry).
                    Err(e) if e.status.is_server_error() => return Err(e),
                    // Not someone who may act for this dependant: reveal nothing.
                    _ => return Err(ApiError::not_found()),
                }
                let dependant =
                    store::patients::find(c, &link.patient_id)?.ok_or_else(ApiError::not_found)?;
                let dob = parse_dob(&dependant.date_of_birth)?;
                let my_priority = family::between(c, &actor, &link.patient_id)?
                    .into_iter()
                    .filter(|l| {
                        l.basis == link.basis && standing(l, dob, today) == Standing::Grants
                    })
                    .map(|l| l.priority)
                    .min();
                if my_priority.is_none_or(|mine| mine >= link.priority) {
                    return Err(ApiError::forbidden(ErrorCode::SdmPriorityInsufficient));
                }
                REMOVED
            };
            if !family::end(c, &id, reason, &actor, now)? {
                return Err(ApiError::conflict(ErrorCode::SdmLinkClosed));
            }
            if reason == REMOVED {
                store::outbox::enqueue(
                    c,
                    &OutboxRow::notice(
                        &link.sdm_patient_id,
                        notices::sdm_link_ended(&link.patient_id, &id, REMOVED),
                        now,
                    )?,
                )?;
            }
            Ok(())
        })
        .await?;
    tracing::info!(%link_id, "sdm link ended");
    Ok(())
}
