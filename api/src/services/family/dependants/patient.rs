//! `GET /v1/patients/{patient_id}`: a patient as seen by themselves or by an SDM who may act
//! for them, with the SDMs who act or asked to act for them.

use ehealth_contracts::{PatientResponse, PatientSdm};

use crate::clock::rfc3339_ms;
use crate::domain::authority::{basis_of, effective_status, relationship_of};
use crate::domain::ids::PatientId;
use crate::domain::person::parse_dob;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::services::family::{
    act_for, english_name, masked_document, patient_sex, patient_status,
};
use crate::state::AppState;
use crate::store::{self, family};

pub async fn get_patient(
    state: &AppState,
    who: &PatientSession,
    patient_id: &PatientId,
) -> ApiResult<PatientResponse> {
    let acting = act_for(state, who, patient_id, "view_patient").await?;
    let today = state.clock.today_hk();
    acting
        .read(state, move |c, acting| {
            let p =
                store::patients::find(c, &acting.patient_id)?.ok_or_else(ApiError::not_found)?;
            let dob = parse_dob(&p.date_of_birth)?;
            let mut sdms = Vec::new();
            for link in family::of_patient(c, &p.id)? {
                let (status, _) = effective_status(&link, dob, today)?;
                if !status.is_open() {
                    continue;
                }
                let sdm = store::patients::find(c, &link.sdm_patient_id)?
                    .ok_or_else(|| ApiError::internal("link from a missing SDM"))?;
                sdms.push(PatientSdm {
                    link_id: link.id.to_string(),
                    english_name: english_name(&sdm),
                    relationship: relationship_of(&link)?,
                    basis: basis_of(&link),
                    priority: link.priority,
                    link_status: status,
                    since: rfc3339_ms(link.created_at),
                    you: link.sdm_patient_id == acting.actor_id,
                });
            }
            sdms.sort_by_key(|s| s.priority);
            Ok(PatientResponse {
                patient_id: p.id.to_string(),
                identity_document: masked_document(&p)?,
                english_name: english_name(&p),
                chinese_name: p.chinese_name.clone(),
                date_of_birth: p.date_of_birth.clone(),
                sex: patient_sex(&p)?,
                status: patient_status(&p)?,
                has_own_account: store::passkeys::has_any(c, &p.id)?,
                acting_as: if acting.link_id.is_some() {
                    "sdm"
                } else {
                    "self"
                }
                .to_owned(),
                sdms,
            })
        })
        .await
}
