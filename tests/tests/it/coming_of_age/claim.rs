//! The young person claims the account, with everything in it, with a claim code from the
//! parent or the registration office.

use ehealth_contracts::{
    ClaimCodeResponse, CreateRegistrationResponse, MeResponse, PatientResponse, PatientStatus,
    TokenResponse,
};
use ehealth_tests::devices::{Device, fields, now_ms};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{Backend, JsonAs, TestApp, TestPasskey, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::kinds;

async fn claim(app: &TestApp, hkid: &str, dob: &str, code: &str) -> (StatusCode, Value) {
    app.post(
        "/v1/registrations/claim",
        json!({"identity_document": {"type": "hk_birth_cert", "number": hkid},
            "date_of_birth": dob, "claim_code": code}),
    )
    .await
}

/// Finishes a claim with a new passkey; returns the tokens.
async fn finish_claim(app: &TestApp, started: &Value) -> TokenResponse {
    let started: CreateRegistrationResponse = started.json_as();
    let mut passkey = TestPasskey::new();
    let credential = passkey.create(started.creation_options);
    let (status, body) = app
        .post(
            &format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "My phone", "platform": "ios"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "complete claim: {body}");
    body.json_as()
}

on_both_backends!(the_young_person_claims_the_account_with_its_diary);
async fn the_young_person_claims_the_account_with_its_diary(app: TestApp) {
    app.clock.set_rfc3339("2026-10-20T04:00:00Z");
    let (parent, mut parent_key) = verified_adult(&app).await;
    let kid = child("2010-12-02");
    let (kid_id, _) = app.add_child(&parent.access_token, &kid).await;
    let (status, _) = app.verify(&kid_id).await;
    assert_eq!(status, StatusCode::OK);
    let code_path = format!("/v1/patients/{kid_id}/claim-code");
    let (status, body) = app
        .call(Method::POST, &code_path, Some(&parent.access_token), None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("claim_code_not_available"))
    );
    let mut phone = Device::signed_in(&parent);
    phone.pull_all(&app, 100).await;
    let reading = uuid::Uuid::now_v7().to_string();
    // Measured the day before (a reading from after the server's tomorrow is refused).
    let measured = fields(serde_json::json!({"systolic": 112,
        "diastolic": 72, "measured_at": "2026-10-19T08:00:00+08:00"}));
    phone
        .engine
        .upsert("bp_readings", &reading, &kid_id, measured, now_ms(&app));
    phone.push_all(&app).await;

    // Ten days before the birthday the parent asks for a code; a second replaces the first.
    app.clock.set_rfc3339("2026-11-22T04:00:00Z");
    let token = app.sign_in_patient(&mut parent_key).await.access_token;
    let new_code = || async {
        let made: ClaimCodeResponse = app
            .call_as(
                StatusCode::CREATED,
                Method::POST,
                &code_path,
                Some(&token),
                None,
            )
            .await;
        made.claim_code
    };
    let first = new_code().await;
    let second = new_code().await;
    assert_eq!(second.len(), 14);
    let (status, body) = claim(&app, &kid.hkid, &kid.date_of_birth, &second).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("claim_too_early"))
    );

    // From 00:00 on the birthday in Hong Kong.
    app.clock.set_rfc3339("2026-12-01T16:00:00Z");
    for (dob, code) in [
        (kid.date_of_birth.as_str(), first.as_str()),
        ("2010-12-03", second.as_str()),
        (kid.date_of_birth.as_str(), "AAAA-BBBB-CCCC"),
    ] {
        let (status, body) = claim(&app, &kid.hkid, dob, code).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("claim_invalid")),
            "{dob} {code}"
        );
    }
    let typed = second.replace('-', "").to_lowercase();
    let (status, started) = claim(&app, &kid.hkid, &kid.date_of_birth, &typed).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let own = finish_claim(&app, &started).await;
    assert_eq!(own.patient_id, kid_id);

    // The diary the parent kept is the young person's now.
    let mut own_phone = Device::signed_in(&own);
    own_phone.pull_all(&app, 100).await;
    assert!(
        own_phone
            .engine
            .row("bp_readings", &reading)
            .is_some_and(|r| r.state.fields.get("systolic") == Some(&json!(112)))
    );
    let me: PatientResponse = app
        .get_as(&format!("/v1/patients/{kid_id}"), &own.access_token)
        .await;
    assert_eq!((me.acting_as.as_str(), me.has_own_account), ("self", true));
    assert!(me.sdms.is_empty());
    // The SDM knew everything the claim asked for: the young person's identity is checked
    // again before anyone may read the record.
    assert_eq!(me.status, PatientStatus::Unverified);

    let (status, _) = claim(&app, &kid.hkid, &kid.date_of_birth, &second).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .officer(
            Method::POST,
            &format!("/v1/officer/patients/{kid_id}/claim-code"),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_claimed"))
    );
    assert!(
        !kinds(
            &app.notices_for(&parent.patient_id).await,
            "account_claimed"
        )
        .is_empty()
    );
    let token = app.sign_in_patient(&mut parent_key).await.access_token;
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{kid_id}"), &token)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registration_office_issues_claim_codes_from_the_birthday_on() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.clock.set_rfc3339("2026-11-22T04:00:00Z");
    let (parent, _) = verified_adult(&app).await;
    let kid = child("2010-11-30");
    let (kid_id, _) = app.add_child(&parent.access_token, &kid).await;
    app.verify(&kid_id).await;
    let path = format!("/v1/officer/patients/{kid_id}/claim-code");
    let (status, body) = app.officer(Method::POST, &path, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("claim_code_not_available"))
    );
    let (status, _) = app
        .officer(
            Method::POST,
            &format!("/v1/officer/patients/{}/claim-code", uuid::Uuid::now_v7()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    app.clock.set_rfc3339("2027-03-01T04:00:00Z");
    let (status, body) = app.officer(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let code = body.json_as::<ClaimCodeResponse>().claim_code;
    let (status, started) = claim(&app, &kid.hkid, &kid.date_of_birth, &code).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let own = finish_claim(&app, &started).await;
    assert_eq!(own.patient_id, kid_id);
    let me: MeResponse = app.get_as("/v1/me", &own.access_token).await;
    assert_eq!(me.date_of_birth, "2010-11-30");
    // The office checked identity when it handed over the code: still verified.
    assert_eq!(me.status, PatientStatus::Verified);
}
