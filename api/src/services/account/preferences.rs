//! `PATCH /v1/patients/{patient_id}/preferences`: whether the patient is told of reads, and the
//! language of notices; by the patient or an SDM with authority (recorded as an action).

use ehealth_contracts::{Language, PreferencesResponse, UpdatePreferencesRequest};

use crate::domain::ids::PatientId;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::services::family::act_for;
use crate::state::AppState;
use crate::store;

pub async fn update(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
    req: UpdatePreferencesRequest,
) -> ApiResult<PreferencesResponse> {
    let acting = act_for(state, who, patient_id, "update_preferences").await?;
    let now = state.now_ms();
    state
        .db
        .transaction(move |c| {
            store::patients::set_preferences(
                c,
                &acting.patient_id,
                req.notify_on_access,
                req.preferred_language.map(Language::as_str),
                now,
            )?;
            acting.record(c, now)?;
            let p =
                store::patients::find(c, &acting.patient_id)?.ok_or_else(ApiError::not_found)?;
            Ok(PreferencesResponse {
                patient_id: p.id.to_string(),
                notify_on_access: p.notify_on_access,
                preferred_language: Language::parse(&p.preferred_language)
                    .ok_or_else(|| ApiError::internal("patient row has an unknown language"))?,
            })
        })
        .await
}
