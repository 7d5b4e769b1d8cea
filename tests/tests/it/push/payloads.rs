//! Push payloads: every data message the server sends is a `PushData` of the contract.

use ehealth_api::push::{self, LogSink};
use ehealth_contracts::{ReminderResponse, StaffPushTokenResponse};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{JsonAs, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{put_token, sent};

#[tokio::test]
async fn every_push_data_payload_is_a_push_data_of_the_contract() {
    let app = TestApp::spawn(ehealth_tests::Backend::Sqlite).await;
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/staff/me/push-token",
            Some(&doctor.token),
            Some(json!({"token": "doctor-phone", "platform": "android"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let staff_device = format!(
        "staff:{}",
        body.json_as::<StaffPushTokenResponse>().session_id
    );
    let (parent, mut key) = verified_adult(&app).await;
    let tablet = app.sign_in_patient(&mut key).await;
    put_token(&app, &parent, "parent-phone", "en").await;
    put_token(&app, &tablet, "parent-tablet", "zh-HK").await;
    let (kid, _) = app
        .add_child(&parent.access_token, &child("2017-05-05"))
        .await;
    app.verify(&kid).await;
    app.grant(&parent.access_token, &kid, &hcp, "indefinite")
        .await;
    app.deposit(&doctor, &kid, "lab_result").await;
    let (status, _) = app.read_record(&doctor, &kid, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, r) = app.call(Method::POST, &format!("/v1/patients/{kid}/reminders"), Some(&parent.access_token),
        Some(json!({"kind": "glucose", "times": ["08:00"], "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let due = r
        .json_as::<ReminderResponse>()
        .next_due_at
        .unwrap_or_default();
    app.clock.set_rfc3339(&due);
    app.clock.advance(chrono::Duration::seconds(1));
    ehealth_api::jobs::reminders::run(&app.state)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    while push::deliver_due(&app.state, &LogSink)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        > 0
    {}

    let mut kinds = std::collections::BTreeSet::new();
    for device in [
        parent.device_id.clone(),
        tablet.device_id.clone(),
        staff_device,
    ] {
        for s in sent(&app, &device).await {
            let data: ehealth_contracts::PushData = serde_json::from_str(&s.data)
                .unwrap_or_else(|e| panic!("{} is not a PushData: {e}: {}", s.kind, s.data));
            assert_eq!(data.notification_id, s.notification_id);
            // Every field the server sends is one the contract names.
            let sent_fields: serde_json::Value = serde_json::from_str(&s.data).unwrap_or_default();
            assert_eq!(
                serde_json::to_value(&data).ok(),
                Some(sent_fields),
                "{}",
                s.kind
            );
            kinds.insert(data.push_type.as_str());
        }
    }
    for expected in [
        "consent_granted",
        "consent_event",
        "record_accessed",
        "reminder_due",
        "sync_poke",
    ] {
        assert!(kinds.contains(expected), "{expected} not seen in {kinds:?}");
    }
}
