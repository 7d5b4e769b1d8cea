//! Patients registered on paper by an officer: verified on the spot, then claimed in the app
//! with the code the officer hands over.

use ehealth_contracts::{CreateRegistrationResponse, MeResponse, PatientStatus, TokenResponse};
use ehealth_tests::{JsonAs, Person, TestApp, TestPasskey, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(a_paper_registration_is_verified_by_its_officer_and_claimed_in_the_app);
async fn a_paper_registration_is_verified_by_its_officer_and_claimed_in_the_app(app: TestApp) {
    let officer = app.new_officer("Counter", &["registration"]).await;
    let person = Person::adult();
    let mut form = person.registration_body();
    form["channel"] = json!("fax");
    form["reference"] = json!("FAX-2026-0042");
    let (status, body) = app
        .as_officer(
            &officer,
            Method::POST,
            "/v1/officer/patient-registrations",
            Some(form.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["verified_by"].as_str()),
        (Some("verified"), Some(officer.officer_id.as_str()))
    );
    let code = body["claim_code"].as_str().unwrap_or_default().to_owned();

    // The same identity again: 409, as in the app; a reviewer of providers may not register.
    let (status, problem) = app
        .as_officer(
            &officer,
            Method::POST,
            "/v1/officer/patient-registrations",
            Some(form.clone()),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_registered"))
    );
    let reviewer = app.new_officer("Reviewer", &["provider_review"]).await;
    let mut other = Person::adult().registration_body();
    other["channel"] = json!("in_person");
    other["reference"] = json!("RC-2");
    let (status, _) = app
        .as_officer(
            &reviewer,
            Method::POST,
            "/v1/officer/patient-registrations",
            Some(other),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A child's form needs an SDM.
    let mut child = Person::born("2015-01-01").registration_body();
    child["channel"] = json!("post");
    child["reference"] = json!("POST-1");
    let (status, problem) = app
        .as_officer(
            &officer,
            Method::POST,
            "/v1/officer/patient-registrations",
            Some(child),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("requires_substitute_decision_maker")
        )
    );

    // The person claims the account in the app and finds it verified.
    let (status, started) = app
        .post(
            "/v1/registrations/claim",
            json!({"identity_document": form["identity_document"],
            "date_of_birth": person.date_of_birth, "claim_code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let started: CreateRegistrationResponse = started.json_as();
    let mut passkey = TestPasskey::new();
    let credential = passkey.create(started.creation_options);
    let (status, body) = app
        .post(&format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "My phone", "platform": "android"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let tokens: TokenResponse = body.json_as();
    let me: MeResponse = app.get_as("/v1/me", &tokens.access_token).await;
    assert_eq!(me.status, PatientStatus::Verified);
}
