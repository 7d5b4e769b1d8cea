//! `GET /v1/dependants`: the caller's dependants, with each link's status as it stands today.
//! Personal details show only while the link grants authority.

use ehealth_contracts::{DependantSummary, ListDependantsResponse, SdmBasis};

use crate::domain::authority::{
    Standing, authority_ends_on, basis_of, effective_status, relationship_of, standing,
};
use crate::domain::person::parse_dob;
use crate::error::{ApiError, ApiResult};
use crate::extract::PatientSession;
use crate::services::family::{english_name, masked_document, patient_status};
use crate::state::AppState;
use crate::store::{self, family};

/// `value` only while the link grants authority.
fn shown<T>(authority: bool, value: T) -> Option<T> {
    authority.then_some(value)
}

pub async fn list(state: &AppState, who: &PatientSession) -> ApiResult<ListDependantsResponse> {
    let actor = who.patient_id.clone();
    let today = state.clock.today_hk();
    state
        .db
        .run(move |c| {
            let mut dependants = Vec::new();
            for link in family::of_sdm(c, &actor)? {
                let p = store::patients::find(c, &link.patient_id)?
                    .ok_or_else(|| ApiError::internal("link to a missing patient"))?;
                let dob = parse_dob(&p.date_of_birth)?;
                let (link_status, ended_reason) = effective_status(&link, dob, today)?;
                let basis = basis_of(&link);
                let authority = standing(&link, dob, today) == Standing::Grants;
                dependants.push(DependantSummary {
                    patient_id: p.id.to_string(),
                    link_id: link.id.to_string(),
                    link_status,
                    relationship: relationship_of(&link)?,
                    basis,
                    priority: link.priority,
                    authority,
                    english_name: shown(authority, english_name(&p)),
                    chinese_name: p.chinese_name.clone().filter(|_| authority),
                    date_of_birth: shown(authority, p.date_of_birth.clone()),
                    identity_document: shown(authority, masked_document(&p)?),
                    patient_status: shown(authority, patient_status(&p)?),
                    authority_ends_on: (basis == SdmBasis::Child)
                        .then(|| authority_ends_on(dob))
                        .flatten()
                        .map(|d| d.format("%Y-%m-%d").to_string()),
                    document_uploaded: family::document_meta(c, &link.id)?.is_some(),
                    review_reason: link.review_reason.clone(),
                    ended_reason,
                    ended_detail: link.ended_detail.clone(),
                    has_own_account: shown(authority, store::passkeys::has_any(c, &p.id)?),
                });
            }
            Ok(ListDependantsResponse { dependants })
        })
        .await
}
