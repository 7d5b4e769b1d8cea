//! After acceptance: the additional-location form and the amendment form, reviewed by the
//! office and applied at once; a provider never loses its last user administrator.

use ehealth_tests::smtp::SmtpServer;
use ehealth_tests::{TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn location(name: &str) -> serde_json::Value {
    json!({"name_en": name, "name_zh": "分診所", "street_en": "8 Castle Peak Road", "street_zh": "青山道8號",
        "district": "sham_shui_po", "phone": "2777 8888"})
}

on_both_backends!(forms_are_reviewed_and_applied_and_an_hcp_keeps_a_user_admin);
async fn forms_are_reviewed_and_applied_and_an_hcp_keeps_a_user_admin(app: TestApp) {
    let smtp = SmtpServer::start().await;
    let hcp = app
        .create_hcp("Kowloon Clinic", "private", "yau_tsim_mong")
        .await;
    let mut admin = app
        .staff(&hcp, "medical_practitioner", &["user_admin"])
        .await;
    let nurse = app.staff(&hcp, "nurse", &[]).await;
    let reviewer = app.new_officer("Reviewer", &["provider_review"]).await;

    // Only a user administrator files forms.
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/hcp/location-requests",
            Some(&nurse.token),
            Some(location("Branch")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The only administrator cannot leave.
    let (status, problem) = app
        .call(
            Method::POST,
            &format!("/v1/hcp/staff/{}/deactivate", admin.staff_id),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("last_user_admin")),
        "{problem}"
    );

    // An additional location: filed, approved, published.
    let (status, filed) = app
        .call(
            Method::POST,
            "/v1/hcp/location-requests",
            Some(&admin.token),
            Some(location("Kowloon Clinic Branch")),
        )
        .await;
    assert_eq!(
        (status, filed["status"].as_str()),
        (StatusCode::CREATED, Some("pending")),
        "{filed}"
    );
    let id = filed["request_id"].as_str().unwrap_or_default();
    let (status, listed) = app
        .as_officer(
            &reviewer,
            Method::GET,
            "/v1/officer/location-requests?status=pending",
            None,
        )
        .await;
    assert_eq!(
        (status, listed["requests"][0]["request_id"].as_str()),
        (StatusCode::OK, Some(id)),
        "{listed}"
    );
    let (status, approved) = app
        .as_officer(
            &reviewer,
            Method::POST,
            &format!("/v1/officer/location-requests/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{approved}"
    );
    let (status, again) = app
        .as_officer(
            &reviewer,
            Method::POST,
            &format!("/v1/officer/location-requests/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("request_decided"))
    );
    let (_, found) = app
        .call(Method::GET, "/v1/hcps?q=Kowloon", None, None)
        .await;
    let names: Vec<&str> = found["hcps"][0]["locations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["name_en"].as_str())
        .collect();
    assert!(names.contains(&"Kowloon Clinic Branch"), "{found}");

    // Amendments: the provider's email, then a new user administrator replacing the old one.
    let (status, filed) = app
        .call(
            Method::POST,
            "/v1/hcp/amendment-requests",
            Some(&admin.token),
            Some(json!({"kind": "amend_provider", "provider": {"email": "admin@kowloon.example"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["request_id"].as_str().unwrap_or_default();
    let (status, _) = app
        .as_officer(
            &reviewer,
            Method::POST,
            &format!("/v1/officer/amendment-requests/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, filed) = app.call(Method::POST, "/v1/hcp/amendment-requests", Some(&admin.token),
        Some(json!({"kind": "replace_user_admin", "replaces_staff_id": admin.staff_id,
            "user_admin": {"name_en": "DR CHEUNG", "position": "Practice manager", "profession": "medical_practitioner",
                "registration_number": "M77777", "mobile": "9456 7890"}}))).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["request_id"].as_str().unwrap_or_default();
    let (status, approved) = app
        .as_officer(
            &reviewer,
            Method::POST,
            &format!("/v1/officer/amendment-requests/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    // Until the new administrator enrols, the old one still administers.
    let (status, _) = app
        .call(Method::GET, "/v1/hcp/staff", Some(&admin.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    app.deliver_mail(&smtp).await;
    let mails = smtp.to("admin@kowloon.example");
    let text = mails.last().map(|m| m.text()).unwrap_or_default();
    let code = text
        .lines()
        .find_map(|l| l.strip_prefix("- DR CHEUNG: "))
        .unwrap_or_else(|| panic!("no code in {text}"))
        .trim()
        .to_owned();
    let successor = app.enrol(&code).await;
    assert_eq!(successor.hcp_id, hcp);
    admin.sign_in_again(&app).await;
    let (status, problem) = app
        .call(Method::GET, "/v1/hcp/staff", Some(&admin.token), None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("user_admin_required"))
    );
    let (status, history) = app
        .call(Method::GET, "/v1/hcp/history", Some(&successor.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "created",
            "staff_created",
            "staff_created",
            "add_location",
            "amend_provider",
            "replace_user_admin",
            "user_admin_replaced"
        ]
    );

    // Another provider's administrator sees none of it; a registration officer decides nothing.
    let other = app.create_hcp("Other Clinic", "private", "wan_chai").await;
    let other_admin = app.staff(&other, "dentist", &["user_admin"]).await;
    let (_, theirs) = app
        .call(
            Method::GET,
            "/v1/hcp/requests",
            Some(&other_admin.token),
            None,
        )
        .await;
    assert_eq!(
        theirs["requests"].as_array().map(Vec::len),
        Some(0),
        "{theirs}"
    );
    let registration = app.new_officer("Registration", &["registration"]).await;
    let (status, _) = app
        .as_officer(
            &registration,
            Method::GET,
            "/v1/officer/amendment-requests",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A location of another provider cannot be removed through an amendment.
    let (_, mine) = app
        .call(Method::GET, "/v1/hcps?q=Kowloon", None, None)
        .await;
    let my_location = mine["hcps"][0]["locations"][0]["location_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, filed) = app
        .call(
            Method::POST,
            "/v1/hcp/amendment-requests",
            Some(&other_admin.token),
            Some(json!({"kind": "remove_location", "location_id": my_location})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = filed["request_id"].as_str().unwrap_or_default();
    let (status, problem) = app
        .as_officer(
            &reviewer,
            Method::POST,
            &format!("/v1/officer/amendment-requests/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("location_id")),
        "{problem}"
    );
    let (_, still) = app
        .call(Method::GET, "/v1/hcps?q=Kowloon", None, None)
        .await;
    assert_eq!(
        still["hcps"][0]["locations"].as_array().map(Vec::len),
        Some(2)
    );
}
