//! Nobody reaches another applicant's application, no officer acts outside their role, an
//! unconfirmed address starts nothing, and a decided application stays decided.

use ehealth_contracts::CreateApplicantResponse;
use ehealth_tests::family::pdf;
use ehealth_tests::provider::{locations_section, provider_section, users_section};
use ehealth_tests::smtp::SmtpServer;
use ehealth_tests::{JsonAs, TestApp, TestPasskey, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A submitted application of `applicant`'s token; its id.
pub(super) async fn submitted(app: &TestApp, token: &str) -> String {
    let (_, body) = app
        .call(Method::POST, "/v1/provider-applications", Some(token), None)
        .await;
    let id = body["application_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let base = format!("/v1/provider-applications/{id}");
    for (step, body) in [
        ("provider", provider_section("Peak Clinic")),
        ("users", users_section()),
        ("locations", locations_section()),
    ] {
        let (status, saved) = app
            .call(
                Method::PUT,
                &format!("{base}/{step}"),
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
    }
    let (status, _) = app
        .upload_application_document(
            token,
            &id,
            "business_registration_certificate",
            "application/pdf",
            pdf(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .call(Method::POST, &format!("{base}/submit"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

on_both_backends!(applications_are_their_applicants_own_and_the_office_acts_only_in_role);
async fn applications_are_their_applicants_own_and_the_office_acts_only_in_role(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let alice = app.applicant(&smtp, "alice@example.com").await;
    let bob = app.applicant(&smtp, "bob@example.com").await;
    let id = submitted(&app, &alice.token).await;
    let base = format!("/v1/provider-applications/{id}");

    // Bob sees nothing of Alice's, whatever he tries.
    for (method, path, body) in [
        (Method::GET, base.clone(), None),
        (Method::GET, format!("{base}/review"), None),
        (Method::GET, format!("{base}/documents"), None),
        (
            Method::PUT,
            format!("{base}/provider"),
            Some(provider_section("Mine now")),
        ),
        (Method::POST, format!("{base}/withdraw"), None),
        (
            Method::POST,
            format!("{base}/assistance-requests"),
            Some(json!({"message": "hi"})),
        ),
    ] {
        let (status, _) = app.call(method, &path, Some(&bob.token), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .upload_application_document(&bob.token, &id, "licence", "application/pdf", pdf())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An applicant's token is not an officer's, and a registration officer reviews no providers.
    let (status, _) = app
        .call(
            Method::GET,
            "/v1/officer/provider-applications",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let registration = app.new_officer("Registration", &["registration"]).await;
    let office = format!("/v1/officer/provider-applications/{id}");
    for (method, path) in [
        (Method::GET, office.clone()),
        (Method::POST, format!("{office}/accept")),
        (Method::GET, "/v1/officer/assistance-requests".to_owned()),
    ] {
        let (status, problem) = app.as_officer(&registration, method, &path, None).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("officer_role_required")),
            "{path}"
        );
    }
    // An officer's token is not an applicant's.
    let (status, _) = app
        .call(Method::GET, &base, Some(&registration.token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Rejected stays rejected: no accept, no withdrawal, no resubmission.
    let reviewer = app.new_officer("Reviewer", &["provider_review"]).await;
    let (status, body) = app
        .as_officer(
            &reviewer,
            Method::POST,
            &format!("{office}/reject"),
            Some(json!({"reason": "Not a healthcare provider."})),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("rejected")),
        "{body}"
    );
    let (status, problem) = app
        .as_officer(&reviewer, Method::POST, &format!("{office}/accept"), None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("application_decided"))
    );
    let (status, problem) = app
        .call(
            Method::POST,
            &format!("{base}/withdraw"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("application_decided"))
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{base}/submit"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.deliver_mail(&smtp).await;
    assert!(
        smtp.to("alice@example.com")
            .iter()
            .any(|m| m.text().contains("Not a healthcare provider."))
    );
    assert!(
        smtp.to("bob@example.com")
            .iter()
            .all(|m| !m.text().contains("Peak Clinic"))
    );

    // Drafts are the applicant's own: the office does not see them.
    let (_, draft) = app
        .call(
            Method::POST,
            "/v1/provider-applications",
            Some(&bob.token),
            None,
        )
        .await;
    let draft_id = draft["application_id"].as_str().unwrap_or_default();
    let (status, _) = app
        .as_officer(
            &reviewer,
            Method::GET,
            &format!("/v1/officer/provider-applications/{draft_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor one withdrawn before it was ever submitted.
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/provider-applications/{draft_id}/withdraw"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .as_officer(
            &reviewer,
            Method::GET,
            &format!("/v1/officer/provider-applications/{draft_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, draft) = app
        .call(
            Method::POST,
            "/v1/provider-applications",
            Some(&bob.token),
            None,
        )
        .await;
    let draft_id = draft["application_id"].as_str().unwrap_or_default();
    // One open application at a time.
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/provider-applications",
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("application_exists"))
    );
    // An incomplete draft cannot be submitted; the problem names what is missing.
    let (status, problem) = app
        .call(
            Method::POST,
            &format!("/v1/provider-applications/{draft_id}/submit"),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("application_incomplete")
        ),
        "{problem}"
    );
}

on_both_backends!(an_unconfirmed_address_starts_no_application_and_a_wrong_code_confirms_nothing);
async fn an_unconfirmed_address_starts_no_application_and_a_wrong_code_confirms_nothing(
    app: TestApp,
) {
    let (status, body) = app
        .post(
            "/v1/provider-applicants",
            json!({"name": "Lam", "email": "lam@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let started: CreateApplicantResponse = body.json_as();
    let mut passkey = TestPasskey::new();
    let credential = passkey.create(started.creation_options);
    let (_, body) = app
        .post(
            &format!("/v1/provider-applicants/{}/complete", started.applicant_id),
            json!({"credential": credential}),
        )
        .await;
    let token = body["access_token"].as_str().unwrap_or_default().to_owned();
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/provider-applications",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("email_not_confirmed"))
    );
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/provider-applicants/me/email-confirmation",
            Some(&token),
            Some(json!({"code": "000000"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("email_code_invalid"))
    );
    // Signing in again with the passkey answers an applicant's tokens.
    let (status, body) = app.sign_in(&mut passkey).await;
    assert_eq!(
        (status, body["principal"].as_str()),
        (StatusCode::CREATED, Some("applicant")),
        "{body}"
    );
    // Bad addresses and control characters are named.
    let (status, problem) = app
        .post(
            "/v1/provider-applicants",
            json!({"name": "A\u{0}B", "email": "x@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) = app
        .post(
            "/v1/provider-applicants",
            json!({"name": "A", "email": "not-an-address"}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("email"))
    );
}
