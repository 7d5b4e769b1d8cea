//! The registration office's named officers: created by a supervisor, enrolled with a
//! passkey, signed in as themselves, limited to their roles, recorded on what they decide.

use ehealth_api::services::officers;
use ehealth_contracts::{OfficerList, OfficerRole, SessionTokens, VerifyPatientResponse};
use ehealth_tests::office::roles;
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(a_supervisor_from_the_command_line_builds_the_office);
async fn a_supervisor_from_the_command_line_builds_the_office(app: TestApp) {
    // `ehealth officer add --name ... --role supervisor` runs this.
    let created = officers::add_from_cli(&app.state, "Chan Siu Ming", &[OfficerRole::Supervisor])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut supervisor = app.enrol_officer(&created.enrolment_code).await;
    assert_eq!(supervisor.officer_id, created.officer_id);
    // The code is spent.
    let (status, problem) = app
        .post(
            "/v1/officer/enrolments",
            json!({"enrolment_code": created.enrolment_code}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("enrolment_code_invalid"))
    );

    // Signing in with the passkey answers an officer's tokens.
    let (status, body) = app.sign_in(&mut supervisor.passkey).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let SessionTokens::Officer(tokens) = body.json_as() else {
        panic!("an officer's passkey signed in as someone else: {body}");
    };
    assert_eq!(
        (tokens.principal.as_str(), tokens.roles.clone()),
        ("officer", roles(&["supervisor"]))
    );
    supervisor.token = tokens.access_token;

    // The supervisor creates a registration officer, who enrols.
    let (status, body) = app
        .as_officer(
            &supervisor,
            Method::POST,
            "/v1/officer/officers",
            Some(json!({"name": "Wong Ka Yan", "roles": ["registration"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let registration = app
        .enrol_officer(body["enrolment_code"].as_str().unwrap_or_default())
        .await;

    let (status, body) = app
        .as_officer(&supervisor, Method::GET, "/v1/officer/officers", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: OfficerList = body.json_as();
    let names: Vec<(&str, &str, &str)> = list
        .officers
        .iter()
        .map(|o| (o.name.as_str(), o.status.as_str(), o.created_by.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Chan Siu Ming", "active", "cli"),
            ("Wong Ka Yan", "active", supervisor.officer_id.as_str()),
        ]
    );

    // The registration officer verifies a patient and is recorded as the one who did.
    let (patient, _) = app.register(&Person::adult()).await;
    let (status, body) = app
        .as_officer(
            &registration,
            Method::POST,
            &format!("/v1/officer/registrations/{}/verify", patient.patient_id),
            Some(json!({"method": "in_person", "reference": "RC-0042", "officer": "someone else"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body.json_as::<VerifyPatientResponse>().verified_by,
        registration.officer_id
    );
}

on_both_backends!(each_officer_endpoint_checks_the_role);
async fn each_officer_endpoint_checks_the_role(app: TestApp) {
    let registration = app.new_officer("Registration", &["registration"]).await;
    let review = app.new_officer("Review", &["provider_review"]).await;
    let (patient, _) = app.register(&Person::adult()).await;
    let verify = format!("/v1/officer/registrations/{}/verify", patient.patient_id);
    let body = json!({"method": "in_person", "reference": "RC-1"});
    let hcp = json!({"name_en": "Clinic", "name_zh": "診所", "sector": "private",
        "locations": [{"name_en": "Main", "address_en": "1 Queen's Road", "district": "wan_chai", "phone": "2345 6789"}]});

    for (who, method, path, body) in [
        (&review, Method::POST, verify.as_str(), Some(body.clone())),
        (&review, Method::GET, "/v1/officer/sdm-links", None),
        (
            &registration,
            Method::POST,
            "/v1/officer/hcps",
            Some(hcp.clone()),
        ),
        (
            &registration,
            Method::POST,
            "/v1/officer/officers",
            Some(json!({"name": "X", "roles": ["supervisor"]})),
        ),
        (&review, Method::GET, "/v1/officer/officers", None),
    ] {
        let (status, problem) = app.as_officer(who, method, path, body).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("officer_role_required")),
            "{path}"
        );
    }
    let (status, body) = app
        .as_officer(&review, Method::POST, "/v1/officer/hcps", Some(hcp))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .as_officer(
            &registration,
            Method::POST,
            &verify,
            Some(json!({"method": "in_person", "reference": "RC-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // An officer's token is nobody else's, and nobody else's is an officer's.
    let (status, _) = app
        .call(Method::GET, "/v1/me", Some(&registration.token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            Method::GET,
            "/v1/hcp/staff",
            Some(&registration.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            Method::GET,
            "/v1/officer/sdm-links",
            Some(&patient.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(a_deactivated_officer_is_out_at_once_and_the_last_supervisor_stays);
async fn a_deactivated_officer_is_out_at_once_and_the_last_supervisor_stays(app: TestApp) {
    let supervisor = app.new_officer("Supervisor", &["supervisor"]).await;
    let mut leaver = app.new_officer("Leaver", &["registration"]).await;

    // Refresh rotates; the old refresh token presented again ends the session.
    let (status, body) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": leaver.refresh}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let SessionTokens::Officer(rotated) = body.json_as() else {
        panic!("{body}")
    };
    leaver.token = rotated.access_token;

    let path = format!("/v1/officer/officers/{}/deactivate", leaver.officer_id);
    let (status, body) = app.as_officer(&supervisor, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["deactivated_by"].as_str()),
        (Some("deactivated"), Some(supervisor.officer_id.as_str()))
    );
    let (status, _) = app
        .as_officer(&leaver, Method::GET, "/v1/officer/sdm-links", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, problem) = app.sign_in(&mut leaver.passkey).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("account_deactivated"))
    );
    let (status, _) = app
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": rotated.refresh_token}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The only supervisor cannot be removed, not even by themselves.
    let own = format!("/v1/officer/officers/{}/deactivate", supervisor.officer_id);
    let (status, problem) = app.as_officer(&supervisor, Method::POST, &own, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("last_supervisor"))
    );
    let (status, _) = app
        .as_officer(
            &supervisor,
            Method::POST,
            "/v1/officer/officers/00000000-0000-0000-0000-000000000000/deactivate",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Signing out ends the session.
    let (status, _) = app
        .call(
            Method::DELETE,
            "/v1/sessions/current",
            Some(&supervisor.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .as_officer(&supervisor, Method::GET, "/v1/officer/officers", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(two_supervisors_removing_each_other_at_once_leave_one);
async fn two_supervisors_removing_each_other_at_once_leave_one(app: TestApp) {
    for _ in 0..3 {
        let x = app.new_officer("X", &["supervisor"]).await;
        let y = app.new_officer("Y", &["supervisor"]).await;
        // Only these two are active supervisors: deactivate every other one first.
        let (_, list) = app
            .as_officer(&x, Method::GET, "/v1/officer/officers", None)
            .await;
        let others: Vec<String> = list["officers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["status"] == "active")
            .filter_map(|o| o["officer_id"].as_str().map(str::to_owned))
            .filter(|id| *id != x.officer_id && *id != y.officer_id)
            .collect();
        for id in others {
            let (status, body) = app
                .as_officer(
                    &x,
                    Method::POST,
                    &format!("/v1/officer/officers/{id}/deactivate"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let remove_y = format!("/v1/officer/officers/{}/deactivate", y.officer_id);
        let remove_x = format!("/v1/officer/officers/{}/deactivate", x.officer_id);
        let ((a, _), (b, _)) = tokio::join!(
            app.as_officer(&x, Method::POST, &remove_y, None),
            app.as_officer(&y, Method::POST, &remove_x, None),
        );
        // One wins; the other is refused as the last supervisor, or (when the winner removed
        // its author first) its token no longer works. Never both.
        let wins = [a, b].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(wins, 1, "{a} {b}");
        assert!(
            [a, b].iter().all(|s| [
                StatusCode::OK,
                StatusCode::CONFLICT,
                StatusCode::UNAUTHORIZED
            ]
            .contains(s)),
            "{a} {b}"
        );
        let (_, list) = app.officer(Method::GET, "/v1/officer/officers", None).await;
        let supervisors = list["officers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| {
                o["status"] == "active"
                    && o["roles"]
                        .as_array()
                        .is_some_and(|r| r.iter().any(|r| r == "supervisor"))
            })
            .count();
        assert_eq!(supervisors, 1, "{list}");
    }
}
