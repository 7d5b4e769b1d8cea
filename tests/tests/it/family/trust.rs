//! Authority is granted, not claimed: knowing a child's document number and date of birth
//! makes nobody an SDM. Joins wait for an SDM or the registration office, expire unanswered,
//! verification settles the links, an `incapable` registration never squats a person, and what
//! SDMs did is listed (only what really happened).

use chrono::Duration;
use ehealth_api::jobs::coming_of_age;
use ehealth_contracts::{
    CreateDependantResponse, ListSdmActionsResponse, PatientResponse, SdmLinkStatus,
    VerifyPatientResponse,
};
use ehealth_tests::family::{child, decide, verified_adult};
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::link_status;

on_both_backends!(a_join_waits_for_an_sdm_and_grants_nothing_until_approved);
async fn a_join_waits_for_an_sdm_and_grants_nothing_until_approved(app: TestApp) {
    let (mother, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let (father, _) = verified_adult(&app).await;
    let kid = child("2018-08-08");
    let (child_id, _) = app.add_child(&mother.access_token, &kid).await;
    let (status, body) = app.verify(&child_id).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Someone who knows the birth certificate and the date of birth only asks.
    let (status, body) = app
        .add_dependant(&stranger.access_token, &kid, "parent", false)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let asked: CreateDependantResponse = body.json_as();
    assert_eq!(asked.link_status, SdmLinkStatus::PendingApproval);
    for path in [
        format!("/v1/patients/{child_id}"),
        format!("/v1/patients/{child_id}/consents"),
        format!("/v1/patients/{child_id}/records"),
    ] {
        let (status, _) = app.get_auth(&path, &stranger.access_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/patients/{child_id}/access-key"),
            Some(&stranger.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let asks: Vec<_> = app
        .notices_for(&mother.patient_id)
        .await
        .into_iter()
        .filter(|(k, _)| k == "sdm_join_requested")
        .collect();
    assert_eq!(asks.len(), 1);
    assert_eq!(asks[0].1["link_id"], asked.link_id.as_str());

    // The mother sees the request; neither the requester nor an outsider may decide it.
    let view: PatientResponse = app
        .get_as(&format!("/v1/patients/{child_id}"), &mother.access_token)
        .await;
    assert!(
        view.sdms
            .iter()
            .any(|s| s.link_id == asked.link_id && s.link_status == SdmLinkStatus::PendingApproval)
    );
    for token in [&stranger.access_token, &father.access_token] {
        let (status, _) = app
            .call(
                Method::POST,
                &decide(&asked.link_id, "approve"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    let (status, body) = app
        .call(
            Method::POST,
            &decide(&asked.link_id, "decline"),
            Some(&mother.access_token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("rejected"))
    );
    assert!(
        app.notices_for(&stranger.patient_id)
            .await
            .iter()
            .any(|(k, p)| k == "sdm_link_reviewed" && p["status"] == "rejected")
    );
    let (status, body) = app
        .call(
            Method::POST,
            &decide(&asked.link_id, "approve"),
            Some(&mother.access_token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("sdm_link_not_pending"))
    );

    // The real father asks and the mother approves: now he may act.
    app.join_approved(&father.access_token, &kid, "parent", &mother.access_token)
        .await;
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &father.access_token)
        .await;
    assert_eq!(status, StatusCode::OK);
}

on_both_backends!(a_join_nobody_decides_expires_after_fourteen_days);
async fn a_join_nobody_decides_expires_after_fourteen_days(app: TestApp) {
    app.clock.set_rfc3339("2026-11-01T04:00:00Z");
    let (_, mut mother_key) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let kid = child("2019-03-03");
    let mother = app.sign_in_patient(&mut mother_key).await;
    let (child_id, _) = app.add_child(&mother.access_token, &kid).await;
    app.verify(&child_id).await;
    let (_, body) = app
        .add_dependant(&stranger.access_token, &kid, "parent", false)
        .await;
    let asked: CreateDependantResponse = body.json_as();

    app.clock.advance(Duration::days(14));
    let report = coming_of_age::run(&app.state)
        .await
        .unwrap_or_else(|e| panic!("job: {e}"))
        .unwrap_or_default();
    assert_eq!(report.expired, 1);
    assert!(
        app.notices_for(&stranger.patient_id)
            .await
            .iter()
            .any(|(k, p)| k == "sdm_link_ended" && p["reason"] == "expired")
    );
    // Two weeks on, the mother signs in again and can no longer approve it.
    let mother = app.sign_in_patient(&mut mother_key).await;
    let (status, body) = app
        .call(
            Method::POST,
            &decide(&asked.link_id, "approve"),
            Some(&mother.access_token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("sdm_link_not_pending"))
    );
}

on_both_backends!(before_verification_a_join_goes_to_the_office_which_settles_the_links);
async fn before_verification_a_join_goes_to_the_office_which_settles_the_links(app: TestApp) {
    let (mother, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let kid = child("2017-05-05");
    let (child_id, mother_link) = app.add_child(&mother.access_token, &kid).await;
    let (status, body) = app
        .add_dependant(&stranger.access_token, &kid, "parent", false)
        .await;
    assert_eq!(
        link_status(&body),
        SdmLinkStatus::PendingReview,
        "{status} {body}"
    );
    let stranger_link = body.json_as::<CreateDependantResponse>().link_id;
    // Not the first SDM's to decide.
    let (status, _) = app
        .call(
            Method::POST,
            &decide(&stranger_link, "approve"),
            Some(&mother.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The office must say which links the documents showed.
    let verify = format!("/v1/officer/registrations/{child_id}/verify");
    let (status, body) = app
        .officer(
            Method::POST,
            &verify,
            Some(json!({"method": "in_person", "reference": "RC-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "confirmed_link_ids");
    let (status, body) = app
        .verify_confirming(&child_id, &["not-a-link".to_owned()])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .verify_confirming(&child_id, std::slice::from_ref(&mother_link))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verified: VerifyPatientResponse = body.json_as();
    assert_eq!(verified.confirmed_link_ids, vec![mother_link]);
    assert_eq!(verified.ended_link_ids, vec![stranger_link]);
    assert!(
        app.notices_for(&stranger.patient_id)
            .await
            .iter()
            .any(|(k, p)| k == "sdm_link_ended" && p["reason"] == "ended_by_office")
    );
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &mother.access_token)
        .await;
    assert_eq!(status, StatusCode::OK);
}

on_both_backends!(an_incapable_registration_waits_for_the_office_and_never_blocks_the_person);
async fn an_incapable_registration_waits_for_the_office_and_never_blocks_the_person(app: TestApp) {
    let (squatter, _) = verified_adult(&app).await;
    let victim = Person::adult();
    let (status, body) = app
        .add_dependant(&squatter.access_token, &victim, "family_member", true)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let squatted: CreateDependantResponse = body.json_as();
    assert_eq!(squatted.link_status, SdmLinkStatus::PendingReview);
    let (status, _) = app
        .get_auth(
            &format!("/v1/patients/{}", squatted.patient_id),
            &squatter.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The person registers themselves with their own document: it works, and the waiting
    // link ends.
    let (own, _) = app.register(&victim).await;
    assert_ne!(own.patient_id, squatted.patient_id);
    assert!(
        app.notices_for(&squatter.patient_id)
            .await
            .iter()
            .any(|(k, p)| k == "sdm_link_ended" && p["reason"] == "person_registered")
    );
    assert!(app.open_links_of(&squatted.patient_id).await.is_empty());
    // Their identity is theirs now: nobody registers it again.
    let (status, body) = app
        .post("/v1/registrations", victim.registration_body())
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_registered"))
    );
}

on_both_backends!(an_sdms_actions_are_listed_when_they_happened_and_never_when_they_failed);
async fn an_sdms_actions_are_listed_when_they_happened_and_never_when_they_failed(app: TestApp) {
    let (mother, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let (child_id, link) = app
        .add_child(&mother.access_token, &child("2016-06-06"))
        .await;
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/patients/{child_id}/reminders"),
            Some(&mother.access_token),
            Some(
                json!({"kind": "custom", "text": "Inhaler", "times": ["08:00"], "days": ["mon"],
                "time_zone": "Asia/Hong_Kong", "enabled": true}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A revocation that fails (no such consent) leaves no trace.
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/patients/{child_id}/consents/no-such-consent"),
            Some(&mother.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let listed: ListSdmActionsResponse = app
        .get_as(
            &format!("/v1/patients/{child_id}/sdm-actions"),
            &mother.access_token,
        )
        .await;
    let actions: Vec<&str> = listed.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, vec!["create_reminder"]);
    assert_eq!(listed.actions[0].link_id, link);
    assert_eq!(listed.actions[0].sdm_patient_id, mother.patient_id);
    let (status, _) = app
        .get_auth(
            &format!("/v1/patients/{child_id}/sdm-actions"),
            &stranger.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
