//! Every row a phone pulls has the shape the contract gives its table (`ehealth_contracts::rows`,
//! in the OpenAPI components for the generated clients): no field the contract does not name.

use ehealth_contracts::{
    AccessLogRowFields, BpReadingFields, ConsentRowFields, GlucoseReadingFields, RecordRowFields,
    ReminderFields, SdmLinkRowFields,
};
use ehealth_tests::devices::{Device, fields, now_ms};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn check<T: serde::de::DeserializeOwned + serde::Serialize>(table: &str, row: &Value) {
    let parsed: T = serde_json::from_value(row.clone())
        .unwrap_or_else(|e| panic!("a pulled {table} row is not its contract type: {e}: {row}"));
    let named = serde_json::to_value(&parsed).unwrap_or_default();
    for key in row.as_object().into_iter().flatten().map(|(k, _)| k) {
        assert!(
            named.get(key).is_some(),
            "{table}.{key} is not in the contract: {row}"
        );
    }
}

#[tokio::test]
async fn pulled_rows_of_every_table_have_their_contract_shape() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (parent, _) = verified_adult(&app).await;
    let (kid, _) = app
        .add_child(&parent.access_token, &child("2017-05-05"))
        .await;
    app.verify(&kid).await;
    app.grant(&parent.access_token, &kid, &hcp, "indefinite")
        .await;
    app.deposit(&doctor, &kid, "lab_result").await;
    let (status, _) = app.read_record(&doctor, &kid, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, r) = app
        .call(
            Method::POST,
            &format!("/v1/patients/{kid}/reminders"),
            Some(&parent.access_token),
            Some(json!({"kind": "custom", "text": "Inhaler", "times": ["08:00"], "days": ["mon"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let mut phone = Device::signed_in(&parent);
    let id = || uuid::Uuid::now_v7().to_string();
    phone.engine.upsert("bp_readings", &id(), &parent.patient_id,
        fields(json!({"systolic": 120, "diastolic": 80, "pulse": 70, "arm": "left", "note": "after walk",
            "measured_at": "2026-11-20T08:00:00+08:00"})), now_ms(&app));
    phone.engine.upsert("glucose_readings", &id(), &kid,
        fields(json!({"value": 99, "unit": "mg/dL", "meal_context": "fasting", "measured_at": "2026-11-20T08:00:00+08:00"})),
        now_ms(&app));
    phone.push_all(&app).await;

    let mut tables = std::collections::BTreeSet::new();
    for page in phone.pull_all(&app, 500).await {
        for change in page.changes {
            let Some(row) = change.row else { continue };
            let row = serde_json::to_value(row).unwrap_or_default();
            match change.table.as_str() {
                "bp_readings" => check::<BpReadingFields>(&change.table, &row),
                "glucose_readings" => check::<GlucoseReadingFields>(&change.table, &row),
                "reminders" => check::<ReminderFields>(&change.table, &row),
                "consents" => check::<ConsentRowFields>(&change.table, &row),
                "records" => check::<RecordRowFields>(&change.table, &row),
                "access_log" => check::<AccessLogRowFields>(&change.table, &row),
                "sdm_links" => check::<SdmLinkRowFields>(&change.table, &row),
                other => panic!("a table without a contract type: {other}"),
            }
            tables.insert(change.table);
        }
    }
    assert_eq!(tables.len(), 7, "{tables:?}");
}
