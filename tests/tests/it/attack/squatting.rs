//! Attacks by identity squatting: a record registered for someone else never locks the
//! person out for good (released when nobody ever had authority over it, or by the office), and
//! never gives a stranger a child's record.

use chrono::Duration;
use ehealth_contracts::{CreateDependantResponse, SdmLinkStatus};
use ehealth_tests::devices::Device;
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{decide, post_as};

on_both_backends!(attack_trust_squatter_stepping_down_does_not_block_the_person);
async fn attack_trust_squatter_stepping_down_does_not_block_the_person(app: TestApp) {
    let (squatter, _) = verified_adult(&app).await;
    let victim = Person::adult();
    let (status, body) = app
        .add_dependant(&squatter.access_token, &victim, "family_member", true)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let squatted: CreateDependantResponse = body.json_as();
    assert_eq!(squatted.link_status, SdmLinkStatus::PendingReview);
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/v1/sdm-links/{}", squatted.link_id),
            Some(&squatter.access_token),
            None,
        )
        .await;
    assert!(status.is_success(), "step down: {status} {body}");
    let (status, body) = app
        .post("/v1/registrations", victim.registration_body())
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the person is locked out of their own identity: POST /v1/registrations -> {body}"
    );
}

// The office rejects the squatter's link: the victim must still be able to register.
on_both_backends!(attack_trust_squatter_rejected_by_office_does_not_block_the_person);
async fn attack_trust_squatter_rejected_by_office_does_not_block_the_person(app: TestApp) {
    let (squatter, _) = verified_adult(&app).await;
    let victim = Person::adult();
    let (_, body) = app
        .add_dependant(&squatter.access_token, &victim, "family_member", true)
        .await;
    let squatted: CreateDependantResponse = body.json_as();
    let (status, body) = app
        .officer(
            Method::POST,
            &format!("/v1/officer/sdm-links/{}/reject", squatted.link_id),
            Some(json!({"reason": "Not the person's family"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "reject: {body}");
    let (status, body) = app
        .post("/v1/registrations", victim.registration_body())
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "rejected squat still blocks the person: {body}"
    );
}

// A pending join that expired unanswered must not block the person either.
on_both_backends!(attack_trust_expired_squat_does_not_block_the_person);
async fn attack_trust_expired_squat_does_not_block_the_person(app: TestApp) {
    let (squatter, mut squatter_key) = verified_adult(&app).await;
    let victim = Person::adult();
    let (_, body) = app
        .add_dependant(&squatter.access_token, &victim, "family_member", true)
        .await;
    let squatted: CreateDependantResponse = body.json_as();
    app.clock.advance(Duration::days(30));
    ehealth_api::jobs::coming_of_age::run(&app.state)
        .await
        .unwrap_or_else(|e| panic!("job: {e}"));
    let (status, body) = app
        .post("/v1/registrations", victim.registration_body())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let squatter = app.sign_in_patient(&mut squatter_key).await;
    let (status, _) = app
        .get_auth(
            &format!("/v1/patients/{}", squatted.patient_id),
            &squatter.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// Once the office confirmed the squatter's link, the person's registration is refused (the
// record is someone's now), and a released squatter sees nothing.
on_both_backends!(attack_trust_active_link_is_not_overridden_and_released_sees_nothing);
async fn attack_trust_active_link_is_not_overridden_and_released_sees_nothing(app: TestApp) {
    let (carer, _) = verified_adult(&app).await;
    let person = Person::adult();
    let (_, body) = app
        .add_dependant(&carer.access_token, &person, "guardian", true)
        .await;
    let held: CreateDependantResponse = body.json_as();
    let (status, body) = app.verify(&held.patient_id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post("/v1/registrations", person.registration_body())
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_registered"))
    );

    // Released squat: nothing is visible afterwards, sync included.
    let (squatter, _) = verified_adult(&app).await;
    let victim = Person::adult();
    let (_, body) = app
        .add_dependant(&squatter.access_token, &victim, "family_member", true)
        .await;
    let squatted: CreateDependantResponse = body.json_as();
    let (own, _) = app.register(&victim).await;
    for path in [
        format!("/v1/patients/{}", squatted.patient_id),
        format!("/v1/patients/{}", own.patient_id),
        format!("/v1/patients/{}/sdm-actions", own.patient_id),
    ] {
        let (status, _) = app.get_auth(&path, &squatter.access_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let mut device = Device::signed_in(&squatter);
    let pulled = serde_json::to_string(&device.pull_all(&app, 100).await).unwrap_or_default();
    assert!(
        !pulled.contains(&own.patient_id) && !pulled.contains(&squatted.patient_id),
        "{pulled}"
    );
    // The squatter may not approve/decline on the released record.
    let (status, _) = post_as(
        &app,
        &decide(&squatted.link_id, "approve"),
        &squatter.access_token,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// A child whose links all wait: nobody self-registers over them with the child's number.
on_both_backends!(attack_trust_child_with_pending_links_is_not_taken_over);
async fn attack_trust_child_with_pending_links_is_not_taken_over(app: TestApp) {
    let (guardian, _) = verified_adult(&app).await;
    let kid = child("2018-04-04");
    let (status, body) = app
        .add_dependant(&guardian.access_token, &kid, "guardian", false)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let held: CreateDependantResponse = body.json_as();
    assert_eq!(held.link_status, SdmLinkStatus::PendingReview);
    // An adult claims the child's number with an adult date of birth.
    for (doc_type, dob) in [
        ("hk_birth_cert", "1990-05-17"),
        ("hkid", "1990-05-17"),
        ("hk_birth_cert", "2018-04-04"),
    ] {
        let taker = Person {
            doc_type,
            date_of_birth: dob.to_owned(),
            hkid: kid.hkid.clone(),
        };
        let (status, body) = app
            .post("/v1/registrations", taker.registration_body())
            .await;
        if status == StatusCode::CREATED {
            let (taken, _) = app.register(&taker).await;
            let open = app.open_links_of(&held.patient_id).await;
            assert!(
                open == vec![held.link_id.clone()],
                "{doc_type} {dob}: a stranger completed a registration with the child's number \
                 (new patient {}); the guardian's pending link is now {open:?}: {body}",
                taken.patient_id
            );
        }
        assert_ne!(
            status,
            StatusCode::CREATED,
            "a stranger may register over a child with pending links ({doc_type}, {dob}): {body}"
        );
    }
    assert_eq!(
        app.open_links_of(&held.patient_id).await,
        vec![held.link_id]
    );
}

// The SDM action list: only the patient and SDMs with authority.

// An adult's identity card registered as a "child" with an invented birth date gives the
// squatter an active link at once (a parent's link to a new child is active; nobody can tell a
// juvenile card from an adult's by its number). The person is not locked out for good: the
// office, seeing them, releases the identity from the record it never verified, and they
// register. The office cannot release a record it verified, or one somebody signs in to.
on_both_backends!(attack_trust_adult_number_as_child_is_released_by_the_office);
async fn attack_trust_adult_number_as_child_is_released_by_the_office(app: TestApp) {
    let (squatter, _) = verified_adult(&app).await;
    let victim = Person::adult();
    let fake = Person {
        date_of_birth: "2015-01-01".to_owned(),
        doc_type: victim.doc_type,
        hkid: victim.hkid.clone(),
    };
    let (status, body) = app
        .add_dependant(&squatter.access_token, &fake, "parent", false)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let squatted: CreateDependantResponse = body.json_as();
    let (status, _) = app
        .post("/v1/registrations", victim.registration_body())
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let release = |id: &str| format!("/v1/officer/registrations/{id}/release");
    let (status, body) = app
        .officer(
            Method::POST,
            &release(&squatted.patient_id),
            Some(json!({"reason": "The card shown at the counter is an adult's.", "officer": "RO-7"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ended_link_ids"], json!([squatted.link_id]));
    assert!(
        app.notices_for(&squatter.patient_id)
            .await
            .iter()
            .any(|(k, p)| k == "sdm_link_ended" && p["reason"] == "ended_by_office")
    );
    let (status, _) = app
        .get_auth(
            &format!("/v1/patients/{}", squatted.patient_id),
            &squatter.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (own, _) = app.register(&victim).await;
    assert_ne!(own.patient_id, squatted.patient_id);

    // Not a record the office verified, nor one somebody holds as their account.
    app.verify(&own.patient_id).await;
    let (status, body) = app
        .officer(
            Method::POST,
            &release(&own.patient_id),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_verified"))
    );
    let (unverified, _) = app.register(&Person::adult()).await;
    let (status, body) = app
        .officer(
            Method::POST,
            &release(&unverified.patient_id),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("identity_has_account"))
    );
}
