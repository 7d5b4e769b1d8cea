//! What an accepted provider may not do before it is registered, and what a supplement
//! reopens.

use ehealth_tests::family::pdf;
use ehealth_tests::provider::{provider_section, users_section};
use ehealth_tests::smtp::SmtpServer;
use ehealth_tests::{TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::refusals::submitted;

on_both_backends!(an_accepted_provider_takes_part_in_nothing_until_it_is_registered);
async fn an_accepted_provider_takes_part_in_nothing_until_it_is_registered(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let applicant = app.applicant(&smtp, "owner@example.com").await;
    let id = submitted(&app, &applicant.token).await;
    let reviewer = app.new_officer("Reviewer", &["provider_review"]).await;
    let (status, body) = app
        .as_officer(
            &reviewer,
            Method::POST,
            &format!("/v1/officer/provider-applications/{id}/accept"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.deliver_mail(&smtp).await;
    let text = smtp
        .to("owner@example.com")
        .iter()
        .map(|m| m.text())
        .find(|t| t.contains(": set-up codes"))
        .unwrap_or_default();
    let code = text
        .lines()
        .find_map(|l| l.strip_prefix("- DR WONG: "))
        .unwrap_or_else(|| panic!("{text}"))
        .trim()
        .to_owned();
    let doctor = app.enrol(&code).await;
    let (patient, _) = ehealth_tests::family::verified_adult(&app).await;
    let pid = patient.patient_id.as_str();
    for (path, body) in [
        (
            format!("/v1/hcp/patients/{pid}/records"),
            json!({"category": "lab_result", "code": "X1", "display": "x", "value": "1", "recorded_at": "2026-11-20T10:00:00+08:00"}),
        ),
        (
            "/v1/hcp/consent-requests".to_owned(),
            json!({"patient_id": pid}),
        ),
        (
            "/v1/hcp/patient-lookups".to_owned(),
            json!({"identity_document": {"type": "hkid", "number": "A1234563"}}),
        ),
    ] {
        let (status, problem) = app
            .call(Method::POST, &path, Some(&doctor.token), Some(body))
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("hcp_not_registered")),
            "{path}: {problem}"
        );
    }
    let (_, records) = app
        .call(
            Method::GET,
            &format!("/v1/patients/{pid}/records"),
            Some(&patient.access_token),
            None,
        )
        .await;
    assert_eq!(
        records["records"].as_array().map(Vec::len),
        Some(0),
        "{records}"
    );
}

on_both_backends!(the_same_person_twice_in_step_two_is_named_and_a_new_type_reopens_documents);
async fn the_same_person_twice_in_step_two_is_named_and_a_new_type_reopens_documents(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let applicant = app.applicant(&smtp, "dup@example.com").await;
    let id = submitted(&app, &applicant.token).await;
    let base = format!("/v1/provider-applications/{id}");
    let reviewer = app.new_officer("Reviewer", &["provider_review"]).await;
    let (status, _) = app.as_officer(&reviewer, Method::POST, &format!("/v1/officer/provider-applications/{id}/request-supplement"),
        Some(json!({"items": [{"section": "provider", "message": "You are a pharmacy."}, {"section": "users", "message": "Add the pharmacist."}]}))).await;
    assert_eq!(status, StatusCode::OK);
    let mut users = users_section();
    users["staff"][0]["profession"] = json!("medical_practitioner");
    users["staff"][0]["registration_number"] = json!("m12345");
    let (status, problem) = app
        .call(
            Method::PUT,
            &format!("{base}/users"),
            Some(&applicant.token),
            Some(users),
        )
        .await;
    assert_eq!(
        (
            status,
            problem["errors"][0]["field"].as_str(),
            problem["errors"][0]["code"].as_str()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("staff[0].registration_number"),
            Some("duplicate")
        ),
        "{problem}"
    );
    let mut pharmacy = provider_section("Peak Pharmacy");
    pharmacy["hcp_type"] = json!("pharmacy");
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("{base}/provider"),
            Some(&applicant.token),
            Some(pharmacy),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, docs) = app
        .upload_application_document(&applicant.token, &id, "licence", "application/pdf", pdf())
        .await;
    assert_eq!(
        (status, docs["missing"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0)),
        "{docs}"
    );
    let (status, body) = app
        .call(
            Method::POST,
            &format!("{base}/submit"),
            Some(&applicant.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
