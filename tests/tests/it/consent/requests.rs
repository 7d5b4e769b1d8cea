//! Consent requests: an HCP asks, the patient (or their SDM) approves or declines.

use ehealth_contracts::{
    ConsentRequestResponse, ConsentRequestStatus, ListConsentRequestsResponse,
};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(an_hcp_asks_for_consent_and_a_parent_approves_for_the_child);
async fn an_hcp_asks_for_consent_and_a_parent_approves_for_the_child(app: TestApp) {
    let hcp = app.create_hcp("Asking Clinic", "private", "eastern").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (parent, _) = verified_adult(&app).await;
    let (kid, _) = app
        .add_child(
            &parent.access_token,
            &ehealth_tests::family::child("2018-02-02"),
        )
        .await;
    app.verify(&kid).await;
    let ask = || {
        app.call(
            Method::POST,
            "/v1/hcp/consent-requests",
            Some(&doctor.token),
            Some(json!({"patient_id": kid})),
        )
    };
    let (status, first) = ask().await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let first: ConsentRequestResponse = first.json_as();
    assert_eq!(first.status, ConsentRequestStatus::Pending);
    // Asking again while it is open answers the open request, and nobody is told twice.
    let (status, again) = ask().await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        again.json_as::<ConsentRequestResponse>().request_id,
        first.request_id
    );
    let asked: Vec<_> = app
        .notices_for(&parent.patient_id)
        .await
        .into_iter()
        .filter(|(k, _)| k == "consent_requested")
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].1["request_id"], first.request_id.as_str());
    let list: ListConsentRequestsResponse = app
        .get_as(
            &format!("/v1/patients/{kid}/consent-requests"),
            &parent.access_token,
        )
        .await;
    let statuses: Vec<ConsentRequestStatus> = list.requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![ConsentRequestStatus::Pending]);

    let decide = |id: &str, what: &str| {
        let path = format!("/v1/patients/{kid}/consent-requests/{id}/{what}");
        let (app, token) = (&app, parent.access_token.clone());
        async move { app.call(Method::POST, &path, Some(&token), None).await }
    };
    let (status, body) = decide(&first.request_id, "decline").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body.json_as::<ConsentRequestResponse>().status,
        ConsentRequestStatus::Declined
    );
    let (status, body) = app.read_record(&doctor, &kid, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_sharing_consent"))
    );
    // Once decided, a new request may be made.
    let (status, second) = ask().await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let first: ConsentRequestResponse = second.json_as();
    let (status, body) = decide(&first.request_id, "approve").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let approved: ConsentRequestResponse = body.json_as();
    assert_eq!(approved.status, ConsentRequestStatus::Approved);
    assert!(approved.consent_id.is_some());
    let (status, _) = decide(&first.request_id, "approve").await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app.read_record(&doctor, &kid, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = ask().await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("consent_already_active"))
    );
    // A stranger can neither see nor decide the child's requests.
    let (stranger, _) = verified_adult(&app).await;
    let (status, _) = app
        .get_auth(
            &format!("/v1/patients/{kid}/consent-requests"),
            &stranger.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_members_requests_are_rate_limited() {
    let env = ehealth_tests::Env::fresh(ehealth_tests::Backend::Sqlite)
        .unwrap_or_else(|e| panic!("{e}"))
        .set("EHEALTH_RATE_LIMIT_PER_IDENTITY", "3");
    let app = TestApp::spawn_env(env).await;
    let hcp = app.create_hcp("Busy Clinic", "private", "eastern").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (patient, _) = verified_adult(&app).await;
        let (status, _) = app
            .call(
                Method::POST,
                "/v1/hcp/consent-requests",
                Some(&doctor.token),
                Some(json!({"patient_id": patient.patient_id})),
            )
            .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        vec![
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}
