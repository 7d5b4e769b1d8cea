//! Consents, records and the access log reach the family's devices by sync, read-only.

use ehealth_contracts::{ConsentResponse, MutationStatus};
use ehealth_tests::devices::{Device, fields, now_ms};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(consents_records_and_the_access_log_sync_down_and_never_up);
async fn consents_records_and_the_access_log_sync_down_and_never_up(app: TestApp) {
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (patient, _) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    let mut phone = Device::signed_in(&patient);
    phone.pull_all(&app, 100).await;
    let record = app.deposit(&doctor, &me, "lab_result").await;
    let (_, consent) = app
        .grant(&patient.access_token, &me, &hcp, "indefinite")
        .await;
    app.read_record(&doctor, &me, None).await;
    phone.pull_all(&app, 100).await;
    let field = |table: &str, id: &str, f: &str| {
        phone
            .engine
            .row(table, id)
            .and_then(|r| r.state.fields.get(f).cloned())
            .unwrap_or(Value::Null)
    };
    let consent_id = consent.json_as::<ConsentResponse>().consent_id;
    assert_eq!(
        field("records", &record.record_id, "category"),
        "lab_result"
    );
    assert_eq!(field("consents", &consent_id, "status"), "active");
    let logged: Vec<_> = phone
        .engine
        .rows()
        .into_iter()
        .filter(|((t, _), _)| t == "access_log")
        .collect();
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].1.state.fields.get("outcome"),
        Some(&json!("allowed"))
    );

    // A revocation reaches the device on its next pull.
    app.call(
        Method::DELETE,
        &format!("/v1/patients/{me}/consents/{consent_id}"),
        Some(&patient.access_token),
        None,
    )
    .await;
    phone.pull_all(&app, 100).await;
    let field = |table: &str, id: &str, f: &str| {
        phone
            .engine
            .row(table, id)
            .and_then(|r| r.state.fields.get(f).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(field("consents", &consent_id, "status"), "revoked");

    // Nothing syncs up into them.
    for table in ["records", "consents", "access_log"] {
        phone.engine.upsert(
            table,
            &uuid::Uuid::now_v7().to_string(),
            &me,
            fields(json!({"display": "forged"})),
            now_ms(&app),
        );
        let res = phone.push_all(&app).await;
        let r = &res[0].results[0];
        assert_eq!(
            (r.status, r.code.as_deref()),
            (MutationStatus::Rejected, Some("read_only_table")),
            "{table}"
        );
    }
}
