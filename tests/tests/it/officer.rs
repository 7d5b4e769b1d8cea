//! The registration office verifies identities (here with its bootstrap credential; named officers in `officers`).

use ehealth_contracts::{
    MeResponse, PatientStatus, Problem, VerificationMethod, VerifyPatientResponse,
};
use ehealth_tests::{JsonAs, OFFICER_TOKEN, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(the_registration_office_verifies_a_patient);
async fn the_registration_office_verifies_a_patient(app: TestApp) {
    let (tokens, _) = app.register(&Person::adult()).await;
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/officer/registrations/{}/verify", tokens.patient_id),
            Some(OFFICER_TOKEN),
            Some(json!({"method": "iam_smart", "reference": "IAM-778899", "officer": "RO-0421"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verified: VerifyPatientResponse = body.json_as();
    assert_eq!(verified.status, PatientStatus::Verified);
    assert_eq!(verified.reference, "IAM-778899");
    // The bootstrap credential is recorded as such, whatever name the body declares.
    assert_eq!(verified.verified_by, "bootstrap");

    let me: MeResponse = app.get_as("/v1/me", &tokens.access_token).await;
    assert_eq!(me.status, PatientStatus::Verified);
    let verification = me.verification.unwrap_or_else(|| panic!("no verification"));
    assert_eq!(verification.method, VerificationMethod::IamSmart);
    assert!(!verification.verified_at.is_empty());

    let (status, problem) = app.verify(&tokens.patient_id).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_verified"))
    );
}

on_both_backends!(verification_needs_the_office_credential);
async fn verification_needs_the_office_credential(app: TestApp) {
    let (tokens, _) = app.register(&Person::adult()).await;
    let path = format!("/v1/officer/registrations/{}/verify", tokens.patient_id);
    let body = json!({"method": "in_person", "reference": "RC-1"});
    let (status, problem) = app
        .call(Method::POST, &path, None, Some(body.clone()))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (status, _) = app
        .call(
            Method::POST,
            &path,
            Some("not-the-token"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A patient's own token is not the office's.
    let (status, _) = app
        .call(Method::POST, &path, Some(&tokens.access_token), Some(body))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let me: MeResponse = app.get_as("/v1/me", &tokens.access_token).await;
    assert_eq!(me.status, PatientStatus::Unverified);
}

on_both_backends!(verifying_an_unknown_patient_or_with_bad_fields_is_refused);
async fn verifying_an_unknown_patient_or_with_bad_fields_is_refused(app: TestApp) {
    let (status, _) = app.verify("00000000-0000-0000-0000-000000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (tokens, _) = app.register(&Person::adult()).await;
    let path = format!("/v1/officer/registrations/{}/verify", tokens.patient_id);
    let (status, problem) = app
        .call(
            Method::POST,
            &path,
            Some(OFFICER_TOKEN),
            Some(json!({"method": "fax", "reference": "x"})),
        )
        .await;
    assert_eq!(
        (
            status,
            problem.json_as::<Problem>().errors[0].field.as_str()
        ),
        (StatusCode::UNPROCESSABLE_ENTITY, "method")
    );
    let (status, problem) = app
        .call(
            Method::POST,
            &path,
            Some(OFFICER_TOKEN),
            Some(json!({"method": "in_person", "reference": " "})),
        )
        .await;
    assert_eq!(
        (
            status,
            problem.json_as::<Problem>().errors[0].field.as_str()
        ),
        (StatusCode::UNPROCESSABLE_ENTITY, "reference")
    );
}

#[tokio::test]
async fn without_the_bootstrap_token_only_named_officers_get_in() {
    let env = ehealth_tests::Env::fresh(ehealth_tests::Backend::Sqlite)
        .unwrap_or_else(|e| panic!("{e}"))
        .set("EHEALTH_OFFICER_TOKEN", "");
    let app = ehealth_tests::TestApp::spawn_env(env).await;
    let (status, problem) = app.verify("00000000-0000-0000-0000-000000000000").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
    let created = ehealth_api::services::officers::add_from_cli(
        &app.state,
        "First Supervisor",
        &[ehealth_contracts::OfficerRole::Supervisor],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let supervisor = app.enrol_officer(&created.enrolment_code).await;
    let (status, _) = app
        .as_officer(
            &supervisor,
            Method::POST,
            "/v1/officer/registrations/00000000-0000-0000-0000-000000000000/verify",
            Some(json!({"method": "in_person", "reference": "RC-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
