//! A second SDM joining: identity proof, priority deciding who may remove whom, and joins that
//! wait for review.

use ehealth_contracts::{CreateDependantResponse, MutationStatus, PatientResponse, SdmLinkStatus};
use ehealth_tests::devices::{Device, bp, now_ms};
use ehealth_tests::family::{child, pdf, verified_adult};
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};

use super::link_status;

on_both_backends!(a_second_parent_joins_and_priority_decides_who_may_remove_whom);
async fn a_second_parent_joins_and_priority_decides_who_may_remove_whom(app: TestApp) {
    let (mother, _) = verified_adult(&app).await;
    let (father, _) = verified_adult(&app).await;
    let (aunt, _) = verified_adult(&app).await;
    let kid = child("2018-08-08");
    let (child_id, mother_link) = app.add_child(&mother.access_token, &kid).await;
    app.verify(&child_id).await;

    let wrong = Person {
        date_of_birth: "2018-08-09".to_owned(),
        ..kid.clone()
    };
    let (status, body) = app
        .add_dependant(&father.access_token, &wrong, "parent", false)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("identity_proof_mismatch"))
    );
    let (status, body) = app
        .add_dependant(&father.access_token, &kid, "parent", false)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let joined: CreateDependantResponse = body.json_as();
    assert_eq!(joined.patient_id, child_id);
    assert!(!joined.dependant_created);
    // A join waits for an SDM with authority: the mother approves it.
    assert_eq!(joined.link_status, SdmLinkStatus::PendingApproval);
    let father_link = joined.link_id;
    let (status, body) = app
        .add_dependant(&father.access_token, &kid, "parent", false)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("sdm_link_exists"))
    );
    assert!(
        app.notices_for(&mother.patient_id)
            .await
            .iter()
            .any(|(k, p)| k == "sdm_join_requested" && p["link_id"] == father_link.as_str())
    );
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/sdm-links/{father_link}/approve"),
            Some(&mother.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let aunt_link = app
        .join_approved(
            &aunt.access_token,
            &kid,
            "family_member",
            &father.access_token,
        )
        .await;
    let mut aunt_phone = Device::signed_in(&aunt);
    aunt_phone.pull_all(&app, 100).await;

    let view: PatientResponse = app
        .get_as(&format!("/v1/patients/{child_id}"), &father.access_token)
        .await;
    let priorities: Vec<i32> = view.sdms.iter().map(|s| s.priority).collect();
    assert_eq!(priorities, vec![1, 1, 4]);

    let end = |link: &str| format!("/v1/sdm-links/{link}");
    // Lower priority cannot remove higher, nor equal remove equal.
    let (status, body) = app
        .call(
            Method::DELETE,
            &end(&mother_link),
            Some(&aunt.access_token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("sdm_priority_insufficient"))
    );
    let (status, body) = app
        .call(
            Method::DELETE,
            &end(&mother_link),
            Some(&father.access_token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("sdm_priority_insufficient"))
    );
    // Higher removes lower; the removed SDM is told, loses access and the scope.
    let (status, _) = app
        .call(
            Method::DELETE,
            &end(&aunt_link),
            Some(&mother.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &aunt.access_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        app.notices_for(&aunt.patient_id)
            .await
            .iter()
            .any(|(k, p)| k == "sdm_link_ended" && p["reason"] == "removed")
    );
    let pages = aunt_phone.pull_all(&app, 100).await;
    let removed: Vec<(String, String)> = pages[0]
        .scopes
        .removed
        .iter()
        .map(|r| (r.scope.clone(), r.reason.clone()))
        .collect();
    assert_eq!(removed, vec![(child_id.clone(), "removed".to_owned())]);

    // Stepping down from one's own link.
    let mut father_phone = Device::signed_in(&father);
    father_phone.pull_all(&app, 100).await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &end(&father_link),
            Some(&father.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(
            Method::DELETE,
            &end(&father_link),
            Some(&father.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let pages = father_phone.pull_all(&app, 100).await;
    assert_eq!(pages[0].scopes.removed[0].reason, "stepped_down");
    father_phone.engine.upsert(
        "bp_readings",
        &uuid::Uuid::now_v7().to_string(),
        &child_id,
        bp(110, 70),
        now_ms(&app),
    );
    let res = father_phone.push_all(&app).await;
    assert_eq!(res[0].results[0].status, MutationStatus::Forbidden);
}

on_both_backends!(joins_that_could_override_the_office_or_outlive_childhood_wait_for_review);
async fn joins_that_could_override_the_office_or_outlive_childhood_wait_for_review(app: TestApp) {
    let (guardian, _) = verified_adult(&app).await;
    let (claimant, _) = verified_adult(&app).await;
    let kid = child("2015-04-04");
    let (status, body) = app
        .add_dependant(&guardian.access_token, &kid, "guardian", false)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let CreateDependantResponse {
        link_id: link,
        patient_id: child_id,
        ..
    } = body.json_as();
    app.upload_document(&guardian.access_token, &link, "application/pdf", pdf())
        .await;
    let (status, _) = app
        .officer(
            Method::POST,
            &format!("/v1/officer/sdm-links/{link}/approve"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Someone who knows the birth certificate and date of birth and says "parent" does not
    // get in ahead of the guardian the office approved.
    let (status, body) = app
        .add_dependant(&claimant.access_token, &kid, "parent", false)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let claimed: CreateDependantResponse = body.json_as();
    assert_eq!(claimed.link_status, SdmLinkStatus::PendingReview);
    let parent_link = claimed.link_id;
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{child_id}"), &claimant.access_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/sdm-links/{link}"),
            Some(&claimant.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The guardian hears about it, with the link's status.
    let heard = app.notices_for(&guardian.patient_id).await;
    assert!(heard.iter().any(|(k, p)| k == "sdm_joined"
        && p["link_id"] == parent_link.as_str()
        && p["link_status"] == "pending_review"));

    // An incapable-of-consent link outlives the 16th birthday: always reviewed, for a new
    // child and for one already registered.
    let (status, body) = app
        .add_dependant(&claimant.access_token, &kid, "family_member", true)
        .await;
    assert_eq!(
        (status, link_status(&body)),
        (StatusCode::CREATED, SdmLinkStatus::PendingReview)
    );
    let (status, body) = app
        .add_dependant(
            &claimant.access_token,
            &child("2014-07-07"),
            "family_member",
            true,
        )
        .await;
    assert_eq!(
        (status, link_status(&body)),
        (StatusCode::CREATED, SdmLinkStatus::PendingReview)
    );
    assert!(body.json_as::<CreateDependantResponse>().dependant_created);
    // A plain child registration by a family member is direct.
    let (status, body) = app
        .add_dependant(
            &claimant.access_token,
            &child("2014-08-08"),
            "family_member",
            false,
        )
        .await;
    assert_eq!(
        (status, link_status(&body)),
        (StatusCode::CREATED, SdmLinkStatus::Active)
    );
}
