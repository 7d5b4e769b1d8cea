//! The whole journey, as the seed tells it.

use chrono::{Days, NaiveDate, TimeZone};
use ehealth_api::jobs::hcp_registration;
use ehealth_contracts::{ApplicationResponse, ApplicationStatus, ListHcpsResponse};
use ehealth_tests::family::{pdf, verified_adult};
use ehealth_tests::provider::{locations_section, provider_section, users_section};
use ehealth_tests::smtp::SmtpServer;
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// 00:00 Hong Kong time on `date`.
fn hk_midnight(date: &str) -> chrono::DateTime<chrono::Utc> {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_else(|e| panic!("{e}"));
    // Hong Kong has kept UTC+8 all year since 1979.
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| panic!("offset"))
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| panic!("no midnight"))
}

/// The set-up codes emailed to `address`, by name.
fn setup_codes(smtp: &SmtpServer, address: &str) -> Vec<(String, String)> {
    let mails = smtp.to(address);
    let text = mails
        .iter()
        .map(|m| m.text())
        .find(|t| t.contains("Subject: Application") && t.contains(": set-up codes"))
        .unwrap_or_else(|| panic!("no set-up email in {mails:?}"));
    text.lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split_once(": "))
        .map(|(n, c)| (n.to_owned(), c.trim().to_owned()))
        .collect()
}

async fn search(app: &TestApp, q: &str) -> ListHcpsResponse {
    let (status, body) = app
        .call(Method::GET, &format!("/v1/hcps?q={q}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.json_as()
}

on_both_backends!(a_provider_applies_is_accepted_and_is_registered_fourteen_days_later);
async fn a_provider_applies_is_accepted_and_is_registered_fourteen_days_later(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let applicant = app.applicant(&smtp, "director@example.com").await;
    let reviewer = app.new_officer("Reviewer", &["provider_review"]).await;
    let as_applicant = |method: Method, path: String, body: Option<serde_json::Value>| {
        let token = applicant.token.clone();
        let app = &app;
        async move { app.call(method, &path, Some(&token), body).await }
    };

    // Steps 1-4, each saved on its own; a bad field is named.
    let (status, body) = as_applicant(Method::POST, "/v1/provider-applications".into(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["application_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let base = format!("/v1/provider-applications/{id}");
    let mut bad = provider_section("Harbour Clinic");
    bad["phone"] = json!("12");
    let (status, problem) = as_applicant(Method::PUT, format!("{base}/provider"), Some(bad)).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("phone")),
        "{problem}"
    );
    for (step, body) in [
        ("provider", provider_section("Harbour Clinic")),
        ("users", users_section()),
        ("locations", locations_section()),
    ] {
        let (status, saved) = as_applicant(Method::PUT, format!("{base}/{step}"), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{step}: {saved}");
    }
    let (_, review) = as_applicant(Method::GET, format!("{base}/review"), None).await;
    assert_eq!(review["incomplete"][0]["section"], "documents", "{review}");
    let (status, docs) = app
        .upload_application_document(
            &applicant.token,
            &id,
            "business_registration_certificate",
            "application/pdf",
            pdf(),
        )
        .await;
    assert_eq!(
        (status, docs["missing"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0)),
        "{docs}"
    );

    // Step 5: submit -> a reference and an acknowledgement.
    let (status, submitted) = as_applicant(Method::POST, format!("{base}/submit"), None).await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    let submitted: ApplicationResponse = submitted.json_as();
    let year = app.state.clock.today_hk().format("%Y").to_string();
    assert_eq!(
        submitted.reference.as_deref(),
        Some(format!("HCPA-{year}-000001").as_str())
    );
    app.deliver_mail(&smtp).await;
    assert!(
        smtp.to("director@example.com")
            .iter()
            .any(|m| m.text().contains("received"))
    );

    // The office asks for a supplement on the locations; only that step opens.
    let (status, listed) = app
        .as_officer(
            &reviewer,
            Method::GET,
            "/v1/officer/provider-applications?status=submitted",
            None,
        )
        .await;
    assert_eq!(
        (status, listed["applications"][0]["application_id"].as_str()),
        (StatusCode::OK, Some(id.as_str())),
        "{listed}"
    );
    let office = format!("/v1/officer/provider-applications/{id}");
    let (status, body) = app.as_officer(&reviewer, Method::POST, &format!("{office}/request-supplement"),
        Some(json!({"items": [{"section": "locations", "message": "Please give the room number\nas on the licence."}]}))).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("supplement_requested")),
        "{body}"
    );
    let (status, problem) = as_applicant(
        Method::PUT,
        format!("{base}/provider"),
        Some(provider_section("Other")),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("application_not_editable"))
    );
    let (status, _) = as_applicant(
        Method::PUT,
        format!("{base}/locations"),
        Some(locations_section()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, again) = as_applicant(Method::POST, format!("{base}/submit"), None).await;
    assert_eq!(
        (status, again["reference"].as_str()),
        (StatusCode::OK, submitted.reference.as_deref()),
        "{again}"
    );

    // Accepted: the provider exists (accepted, not yet registered); two emails go out.
    let (status, accepted) = app
        .as_officer(&reviewer, Method::POST, &format!("{office}/accept"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let accepted: ApplicationResponse = accepted.json_as();
    let today = app.state.clock.today_hk();
    let registered_on = today
        .checked_add_days(Days::new(14))
        .map(|d| d.to_string())
        .unwrap_or_default();
    assert_eq!(
        (accepted.status, accepted.registered_on.as_deref()),
        (ApplicationStatus::Accepted, Some(registered_on.as_str()))
    );
    let hcp_id = accepted.hcp_id.clone().unwrap_or_default();
    let who_decided: Vec<(&str, &str)> = accepted
        .history
        .iter()
        .map(|e| (e.kind.as_str(), e.actor.as_str()))
        .filter(|(_, a)| *a != "applicant")
        .collect();
    assert_eq!(
        who_decided,
        vec![
            ("supplement_requested", reviewer.officer_id.as_str()),
            ("accepted", reviewer.officer_id.as_str())
        ]
    );
    app.deliver_mail(&smtp).await;
    let codes = setup_codes(&smtp, "director@example.com");
    assert_eq!(
        codes.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        vec!["DR WONG", "NURSE LEE"]
    );

    // Staff enrol before registration, but the provider takes no consent and reads nothing yet.
    let mut doctor = app.enrol(&codes[0].1).await;
    assert_eq!(doctor.hcp_id, hcp_id);
    let (patient, mut patient_key) = verified_adult(&app).await;
    let (status, problem) = app
        .grant(
            &patient.access_token,
            &patient.patient_id,
            &hcp_id,
            "indefinite",
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("hcp_not_registered")),
        "{problem}"
    );
    let (status, problem) = app.read_record(&doctor, &patient.patient_id, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("hcp_not_registered")),
        "{problem}"
    );
    assert!(search(&app, "Harbour").await.hcps.is_empty());

    // Technical assistance while the window is open, answered by email.
    let (status, asked) = as_applicant(
        Method::POST,
        format!("{base}/assistance-requests"),
        Some(json!({"message": "Our reader does not connect."})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    let request = asked["request_id"].as_str().unwrap_or_default();
    let (status, _) = app
        .as_officer(
            &reviewer,
            Method::POST,
            &format!("/v1/officer/assistance-requests/{request}/answer"),
            Some(json!({"message": "Use port 443."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.deliver_mail(&smtp).await;
    assert!(
        smtp.to("director@example.com")
            .iter()
            .any(|m| m.text().contains("Use port 443."))
    );

    // Day 13 at midnight: still not registered. Day 14 at 00:00 Hong Kong time: registered.
    let day13 = NaiveDate::parse_from_str(&registered_on, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.pred_opt())
        .map(|d| d.to_string())
        .unwrap_or_default();
    app.clock.set(hk_midnight(&day13));
    hcp_registration::run(&app.state)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(search(&app, "Harbour").await.hcps.is_empty());
    app.clock.set(hk_midnight(&registered_on));
    let registered = hcp_registration::run(&app.state)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(registered, Some(vec![hcp_id.clone()]));
    let found = search(&app, "Harbour").await;
    assert_eq!(found.hcps.len(), 1);
    assert_eq!(
        found.hcps[0].locations[0].address_zh.as_deref(),
        Some("Room 1201, 12/F, Harbour Centre, 港灣道25號")
    );

    // Two weeks on, everyone signs in again; a patient pre-grants consent and the doctor reads.
    let patient = app.sign_in_patient(&mut patient_key).await;
    doctor.sign_in_again(&app).await;
    let (status, body) = app
        .grant(
            &patient.access_token,
            &patient.patient_id,
            &hcp_id,
            "indefinite",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app.read_record(&doctor, &patient.patient_id, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The window for assistance has closed by now (14 days after acceptance).
    app.clock.advance(chrono::TimeDelta::days(1));
    let mut applicant = applicant;
    let (status, body) = app.sign_in(&mut applicant.passkey).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    applicant.token = body["access_token"].as_str().unwrap_or_default().to_owned();
    let (status, problem) = app
        .call(
            Method::POST,
            &format!("{base}/assistance-requests"),
            Some(&applicant.token),
            Some(json!({"message": "Still?"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("assistance_window_closed"))
    );
    let (_, shown) = app
        .call(Method::GET, &base, Some(&applicant.token), None)
        .await;
    let kinds: Vec<&str> = shown["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.ends_with(&["assistance_requested", "assistance_answered", "registered"]),
        "{kinds:?}"
    );
}
