//! `POST /v1/sdm-links/{link_id}/approve` and `.../decline`: one of the dependant's SDMs with
//! authority decides a join that waits for them (`pending_approval`). Anyone else, the person
//! who asked included, gets 404.

use ehealth_contracts::{ErrorCode, SdmLinkResponse, SdmLinkStatus};

use crate::domain::authority::join_expired;
use crate::domain::ids::LinkId;
use crate::domain::notices;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::services::family::documents::link_response;
use crate::services::family::{authority, concerned, record};
use crate::state::AppState;
use crate::store::family::{self, Link};
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn};

/// Approves (`approve = true`) or declines a join; the person who asked is told either way, and
/// on approval the dependant's other SDMs (and the person, with their own account) too.
pub async fn decide(
    state: &AppState,
    who: &PatientSession,
    link_id: &LinkId,
    approve: bool,
) -> ApiResult<SdmLinkResponse> {
    let actor = who.patient_id.clone();
    let id = link_id.clone();
    let today = state.clock.today_hk();
    let now = state.now_ms();
    let response = state
        .db
        .transaction(move |c| {
            let link = family::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            if link.sdm_patient_id == actor {
                return Err(ApiError::not_found());
            }
            let through = match authority(c, &actor, &link.patient_id, today) {
                Ok(Some(through)) => through,
                // A database that failed is no answer; anyone without authority learns nothing.
                Err(e) if e.status.is_server_error() => return Err(e),
                _ => return Err(ApiError::not_found()),
            };
            if !link.is(SdmLinkStatus::PendingApproval)
                || join_expired(link.created_at, now)
                || !family::lock_pending(c, &id)?
            {
                return Err(ApiError::conflict(ErrorCode::SdmLinkNotPending));
            }
            let status = if approve {
                SdmLinkStatus::Active
            } else {
                SdmLinkStatus::Rejected
            };
            let by = format!("sdm:{actor}");
            if !family::review(c, &id, status, &by, None, now)? {
                return Err(ApiError::conflict(ErrorCode::SdmLinkNotPending));
            }
            let action = if approve {
                "approve_sdm_join"
            } else {
                "decline_sdm_join"
            };
            record(c, &link.patient_id, &actor, &through.id, action, now)?;
            tell(c, &link, status, now)?;
            let link = family::find(c, &id)?.ok_or_else(ApiError::not_found)?;
            link_response(c, &link)
        })
        .await?;
    tracing::info!(%link_id, approve, "sdm join decided by an sdm");
    Ok(response)
}

fn tell(c: &mut DbConn, link: &Link, status: SdmLinkStatus, now: i64) -> ApiResult<()> {
    let payload = notices::sdm_link_reviewed(&link.patient_id, &link.id, status);
    store::outbox::enqueue(
        c,
        &OutboxRow::notice(&link.sdm_patient_id, payload.clone(), now)?,
    )?;
    if status == SdmLinkStatus::Active {
        for to in concerned(c, &link.patient_id, &link.sdm_patient_id)? {
            store::outbox::enqueue(c, &OutboxRow::notice(&to, payload.clone(), now)?)?;
        }
    }
    Ok(())
}
