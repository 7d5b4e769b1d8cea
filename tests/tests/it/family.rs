//! Substitute decision makers: registering and joining, review, priority, acting for a
//! dependant (and nobody else), and the dependant's scope in the SDM's sync.

mod access;
mod dependants;
mod joining;
mod links_offline;
mod review;
mod trust;

use ehealth_contracts::{CreateDependantResponse, SdmLinkStatus};
use ehealth_tests::{JsonAs, TestApp};
use serde_json::Value;

/// The status of the link that adding a dependant made (the body must be a created link).
fn link_status(created: &Value) -> SdmLinkStatus {
    created.json_as::<CreateDependantResponse>().link_status
}

async fn actions(app: &TestApp, patient: &str) -> Vec<(String, String)> {
    let p = patient.to_owned();
    app.state
        .db
        .run(move |c| Ok(ehealth_tests::stored::actions_for(c, &p)?))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.sdm_patient_id.into(), a.action))
        .collect()
}
