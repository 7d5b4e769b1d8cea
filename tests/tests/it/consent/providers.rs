//! The register of healthcare providers, and their staff: enrolment, sign-in, administrators
//! and deactivation.

use ehealth_contracts::{
    CreateStaffResponse, District, HcpResponse, ListHcpsResponse, Profession, SessionTokens,
    StaffResponse, StaffTokenResponse,
};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{Backend, JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(staff_enrol_sign_in_and_are_never_taken_for_patients);
async fn staff_enrol_sign_in_and_are_never_taken_for_patients(app: TestApp) {
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    let admin = app
        .staff(&hcp, "medical_practitioner", &["user_admin"])
        .await;
    let (patient, _) = verified_adult(&app).await;

    // The administrator creates a nurse, who enrols a passkey with the one-time code.
    let (status, body) = app.call(Method::POST, "/v1/hcp/staff", Some(&admin.token),
        Some(json!({"english_name": "CHAN MEI", "profession": "nurse", "registration_number": "N555"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let code = body.json_as::<CreateStaffResponse>().enrolment_code;
    let mut nurse = app.enrol(&code).await;
    assert_eq!(nurse.hcp_id, hcp);
    let (status, _) = app
        .post("/v1/staff/enrolments", json!({"enrolment_code": code}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a code works once");

    // A non-administrator cannot create staff.
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/hcp/staff",
            Some(&nurse.token),
            Some(json!({"english_name": "X", "profession": "nurse", "registration_number": "N1"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("user_admin_required"))
    );

    // Staff sign in with the same session endpoints, and come back as staff.
    let (status, body) = app.sign_in(&mut nurse.passkey).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let signed_in: StaffTokenResponse = body.json_as();
    assert_eq!(
        (signed_in.principal.as_str(), signed_in.hcp_id.as_str()),
        ("staff", hcp.as_str())
    );
    let (status, body) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": nurse.refresh}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let SessionTokens::Staff(refreshed) = body.json_as() else {
        panic!("a staff refresh answered patient tokens: {body}");
    };
    assert_eq!(refreshed.principal, "staff");
    let nurse_token = refreshed.access_token;

    // Neither kind of principal passes for the other.
    let (status, _) = app.get_auth("/v1/me", &nurse_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .get_auth(
            &format!("/v1/patients/{}/consents", patient.patient_id),
            &nurse_token,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .get_auth("/v1/hcp/consent-events", &patient.access_token)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Deactivation ends the nurse's sessions and sign-ins.
    let list: Vec<StaffResponse> = app.get_as("/v1/hcp/staff", &admin.token).await;
    let statuses: Vec<&str> = list.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(statuses, vec!["active", "active"]);
    let deactivated: StaffResponse = app
        .call_as(
            StatusCode::OK,
            Method::POST,
            &format!("/v1/hcp/staff/{}/deactivate", nurse.staff_id),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(deactivated.status, "deactivated");
    let (status, _) = app.get_auth("/v1/hcp/consent-events", &nurse_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app.sign_in(&mut nurse.passkey).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("staff_deactivated"))
    );
    // An administrator of another HCP cannot touch this HCP's staff.
    let other = app.create_hcp("Other Clinic", "private", "sha_tin").await;
    let other_admin = app.staff(&other, "dentist", &["user_admin"]).await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/hcp/staff/{}/deactivate", admin.staff_id),
            Some(&other_admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_register_finds_providers_by_name_district_and_profession() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let harbour = app
        .create_hcp("Harbour Family Clinic", "private", "wan_chai")
        .await;
    let hill = app
        .create_hcp("Hillside Dental", "private", "sha_tin")
        .await;
    let hospital = app.create_hcp("Prince Hospital", "public", "sha_tin").await;
    app.staff(&hill, "dentist", &[]).await;
    app.staff(&harbour, "medical_practitioner", &[]).await;
    // No sign-in needed.
    let find = |query: &str| {
        let path = format!("/v1/hcps{query}");
        let app = &app;
        async move {
            let found: ListHcpsResponse = app
                .call_as(StatusCode::OK, Method::GET, &path, None, None)
                .await;
            found
        }
    };
    let ids = |found: &ListHcpsResponse| -> Vec<String> {
        found.hcps.iter().map(|h| h.hcp_id.clone()).collect()
    };
    assert_eq!(ids(&find("").await).len(), 3);
    assert_eq!(ids(&find("?q=HARBOUR").await), vec![harbour.clone()]);
    let by_chinese = find("?q=%E8%A8%BA%E6%89%80").await;
    assert_eq!(ids(&by_chinese).len(), 3, "診所 is in every Chinese name");
    let mut d = ids(&find("?district=sha_tin").await);
    d.sort();
    let mut want = vec![hill.clone(), hospital.clone()];
    want.sort();
    assert_eq!(d, want);
    let by_profession = find("?profession=dentist").await;
    assert_eq!(ids(&by_profession), vec![hill.clone()]);
    let dental: &HcpResponse = &by_profession.hcps[0];
    assert_eq!(dental.professions, vec![Profession::Dentist]);
    assert_eq!(dental.locations[0].district, District::ShaTin);
    // Paged.
    let page = find("?limit=2").await;
    assert_eq!(ids(&page).len(), 2);
    let cursor = page.next_cursor.unwrap_or_default();
    let rest = find(&format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&rest).len(), 1);
    assert!(rest.next_cursor.is_none());
    for bad in ["district=mars", "profession=wizard", "limit=0"] {
        let (status, _) = app
            .call(Method::GET, &format!("/v1/hcps?{bad}"), None, None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // The 18 districts only, at registration too.
    let (status, _) = app
        .officer(
            Method::POST,
            "/v1/officer/hcps",
            Some(json!({"name_en": "X", "name_zh": "X", "sector": "private",
                "locations": [{"name_en": "X", "address_en": "X", "district": "mars", "phone": "23456789"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
