//! `GET /v1/patients/{patient_id}/sdm-actions`: who acted for the dependant, through which
//! link, what and when. For the dependant's SDMs with authority, and for the person themselves
//! once they hold their own account (the only way they can sign in).

use ehealth_contracts::{ListSdmActionsResponse, SdmActionEntry};

use crate::clock::rfc3339_ms;
use crate::domain::authority::relationship_of;
use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::services::family::{act_for, english_name};
use crate::state::AppState;
use crate::store::{self, family};

/// The newest actions first; the list is bounded (an SDM's app shows recent history).
pub const MAX_ACTIONS: i64 = 500;

pub async fn list_actions(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<ListSdmActionsResponse> {
    let acting = act_for(state, who, patient_id, "list_sdm_actions").await?;
    acting
        .read(state, |c, acting| {
            let mut actions = Vec::new();
            for a in family::recent_actions(c, &acting.patient_id, MAX_ACTIONS)? {
                let link = family::find(c, &a.link_id)?
                    .ok_or_else(|| ApiError::internal("action through a missing link"))?;
                let sdm = store::patients::find(c, &a.sdm_patient_id)?
                    .ok_or_else(|| ApiError::internal("action by a missing SDM"))?;
                actions.push(SdmActionEntry {
                    action_id: a.id,
                    link_id: a.link_id.into(),
                    sdm_patient_id: a.sdm_patient_id.into(),
                    sdm_name: english_name(&sdm),
                    relationship: relationship_of(&link)?,
                    action: a.action,
                    at: rfc3339_ms(a.at),
                });
            }
            Ok(ListSdmActionsResponse { actions })
        })
        .await
}
