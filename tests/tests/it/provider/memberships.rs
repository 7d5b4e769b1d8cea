//! One professional, several providers: one passkey, a session per provider at a time, and
//! every read made for the provider the session acts for.

use ehealth_contracts::{CreateStaffResponse, StaffTokenResponse};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The office creates a pending account at `hcp`; its enrolment code.
async fn pending(app: &TestApp, hcp: &str, profession: &str, number: &str) -> String {
    let (status, body) = app
        .officer(Method::POST, &format!("/v1/officer/hcps/{hcp}/staff"),
            Some(json!({"english_name": "DR LAU", "profession": profession, "registration_number": number, "roles": []})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body.json_as::<CreateStaffResponse>().enrolment_code
}

on_both_backends!(a_professional_of_two_providers_signs_in_once_and_acts_for_one_at_a_time);
async fn a_professional_of_two_providers_signs_in_once_and_acts_for_one_at_a_time(app: TestApp) {
    let first = app.create_hcp("First Clinic", "private", "wan_chai").await;
    let second = app.create_hcp("Second Clinic", "private", "sha_tin").await;
    let mut doctor = app.staff(&first, "medical_practitioner", &[]).await;

    // Someone else's code cannot be taken with this passkey.
    let nurse_code = pending(&app, &second, "nurse", "N1").await;
    let (challenge_id, options) = app.challenge().await;
    let credential = doctor.passkey.assert(options);
    let (status, problem) = app.post("/v1/staff/enrolments/link",
        json!({"enrolment_code": nurse_code, "challenge_id": challenge_id, "credential": credential})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_same_professional")),
        "{problem}"
    );

    // The doctor's own code at the second provider, with the same passkey.
    let code = pending(&app, &second, "medical_practitioner", "m12345").await;
    let (challenge_id, options) = app.challenge().await;
    let credential = doctor.passkey.assert(options);
    let (status, body) = app
        .post(
            "/v1/staff/enrolments/link",
            json!({"enrolment_code": code, "challenge_id": challenge_id, "credential": credential}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let linked: StaffTokenResponse = body.json_as();
    assert_eq!(
        (linked.hcp_id.as_str(), linked.memberships.len()),
        (second.as_str(), 2)
    );

    // Signing in acts for the passkey's own provider and lists both.
    let (status, body) = app.sign_in(&mut doctor.passkey).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let signed_in: StaffTokenResponse = body.json_as();
    assert_eq!(
        (signed_in.hcp_id.as_str(), signed_in.memberships.len()),
        (first.as_str(), 2)
    );

    // A patient consents to the second provider only: reads follow the provider acted for.
    let (patient, _) = verified_adult(&app).await;
    let (status, _) = app
        .grant(
            &patient.access_token,
            &patient.patient_id,
            &second,
            "indefinite",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    doctor.token = signed_in.access_token.clone();
    let (status, _) = app.read_record(&doctor, &patient.patient_id, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/staff/me/hcp",
            Some(&doctor.token),
            Some(json!({"hcp_id": second})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let switched: StaffTokenResponse = body.json_as();
    assert_eq!(switched.hcp_id, second);
    let (status, _) = app
        .call(Method::GET, "/v1/hcp/staff", Some(&doctor.token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old session ended");
    doctor.token = switched.access_token;
    let (status, body) = app.read_record(&doctor, &patient.patient_id, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, log) = app
        .call(
            Method::GET,
            &format!("/v1/patients/{}/access-log", patient.patient_id),
            Some(&patient.access_token),
            None,
        )
        .await;
    let names: Vec<&str> = log["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["hcp_id"].as_str())
        .collect();
    assert!(
        names.iter().all(|h| *h == first || *h == second) && names.contains(&second.as_str()),
        "{log}"
    );

    // A provider the doctor does not work for is not a switch.
    let third = app.create_hcp("Third Clinic", "private", "islands").await;
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/staff/me/hcp",
            Some(&doctor.token),
            Some(json!({"hcp_id": third})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
