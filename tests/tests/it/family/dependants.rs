//! Registering a dependant: who may register whom (the domain's table of bases and
//! relationships), and a parent keeping a child's diary.

use ehealth_contracts::{
    BpDiaryResponse, CreateDependantResponse, ListDependantsResponse, MutationStatus,
    PatientResponse, PatientStatus, Problem, SdmBasis, SdmLinkStatus, SdmRelationship,
};
use ehealth_tests::devices::{Device, bp, now_ms};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{actions, link_status};

on_both_backends!(a_parent_registers_a_child_and_keeps_their_diary);
async fn a_parent_registers_a_child_and_keeps_their_diary(app: TestApp) {
    let (parent, _) = verified_adult(&app).await;
    let kid = child("2019-03-04");
    let (status, body) = app
        .add_dependant(&parent.access_token, &kid, "parent", false)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: CreateDependantResponse = body.json_as();
    assert_eq!(created.link_status, SdmLinkStatus::Active);
    assert!(created.dependant_created);
    let child_id = created.patient_id;

    let list: ListDependantsResponse = app.get_as("/v1/dependants", &parent.access_token).await;
    let entry = &list.dependants[0];
    assert_eq!(entry.patient_id, child_id);
    assert!(entry.authority);
    assert_eq!(entry.basis, SdmBasis::Child);
    assert_eq!(entry.priority, 1);
    assert_eq!(entry.authority_ends_on.as_deref(), Some("2035-03-04"));
    assert_eq!(entry.patient_status, Some(PatientStatus::Unverified));
    assert_eq!(entry.has_own_account, Some(false));
    assert!(
        entry
            .identity_document
            .as_ref()
            .is_some_and(|d| d.number_masked.contains('*'))
    );

    let view: PatientResponse = app
        .get_as(&format!("/v1/patients/{child_id}"), &parent.access_token)
        .await;
    assert_eq!(view.acting_as, "sdm");
    assert!(view.sdms[0].you);
    assert_eq!(view.sdms[0].relationship, SdmRelationship::Parent);

    // The child's scope arrives in the parent's sync, and the parent keeps the child's diary.
    let mut phone = Device::signed_in(&parent);
    let pages = phone.pull_all(&app, 100).await;
    let added: Vec<String> = pages[0]
        .scopes
        .added
        .iter()
        .map(|s| s.patient_id.clone())
        .collect();
    assert!(
        added.contains(&child_id) && added.contains(&parent.patient_id),
        "{added:?}"
    );
    let reading = uuid::Uuid::now_v7().to_string();
    phone.engine.upsert(
        "bp_readings",
        &reading,
        &child_id,
        bp(101, 66),
        now_ms(&app),
    );
    let res = phone.push_all(&app).await;
    assert_eq!(res[0].results[0].status, MutationStatus::Applied);
    let diary: BpDiaryResponse = app
        .get_as(
            &format!("/v1/patients/{child_id}/diary/bp?from=2026-11-01&to=2026-11-30"),
            &parent.access_token,
        )
        .await;
    assert_eq!(diary.readings[0].systolic, 101);

    // Every action by an SDM is recorded with who acted.
    let done = actions(&app, &child_id).await;
    assert!(
        done.contains(&(parent.patient_id.clone(), "read_diary".to_owned())),
        "{done:?}"
    );
    assert!(
        done.contains(&(parent.patient_id.clone(), "sync_push".to_owned())),
        "{done:?}"
    );
    assert!(
        done.contains(&(parent.patient_id.clone(), "view_patient".to_owned())),
        "{done:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_be_registered_by_whom_follows_the_domain_rules() {
    let app = TestApp::spawn(ehealth_tests::Backend::Sqlite).await;
    // An unverified patient cannot be an SDM.
    let (unverified, _) = app.register(&Person::adult()).await;
    let (status, body) = app
        .add_dependant(
            &unverified.access_token,
            &child("2019-01-01"),
            "parent",
            false,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("sdm_not_verified"))
    );

    let (sdm, _) = verified_adult(&app).await;
    let t = &sdm.access_token;
    // 16 or over needs `incapable_of_consent`.
    let adult = Person::born("2000-01-01");
    let (status, body) = app.add_dependant(t, &adult, "parent", false).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("incapable_of_consent_required")
        )
    );
    // Relationships follow the table of the basis.
    let (status, body) = app.add_dependant(t, &adult, "parent", true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Problem = body.json_as();
    assert_eq!(
        (
            problem.errors[0].field.as_str(),
            problem.errors[0].code.as_str()
        ),
        ("relationship", "not_eligible")
    );
    let (status, _) = app
        .add_dependant(t, &child("2019-01-01"), "dsw_mho_guardian", false)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Every link on the `incapable` basis waits for the office, which sees the person.
    let (status, body) = app.add_dependant(t, &adult, "family_member", true).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(link_status(&body), SdmLinkStatus::PendingReview);
    let (status, body) = app
        .add_dependant(t, &Person::born("1999-09-09"), "dsw_mho_guardian", true)
        .await;
    assert_eq!(
        (status, link_status(&body)),
        (StatusCode::CREATED, SdmLinkStatus::PendingReview)
    );
    // Someone who holds their own account is never taken over without review.
    let grown = Person::adult();
    app.register(&grown).await;
    let (status, body) = app.add_dependant(t, &grown, "family_member", true).await;
    assert_eq!(
        (status, link_status(&body)),
        (StatusCode::CREATED, SdmLinkStatus::PendingReview)
    );
    // Self-registration under 16 stays refused.
    let young = Person::born("2015-05-05");
    let (status, body) = app
        .post("/v1/registrations", young.registration_body())
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("requires_substitute_decision_maker")
        )
    );
    // A field error list names every invalid field together.
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/dependants",
            Some(t),
            Some(
                json!({"identity_document": {"type": "hk_birth_cert", "number": "A123456(4)"},
                "english_name": {"surname": "", "given_names": "X"}, "date_of_birth": "2030-01-01",
                "sex": "F", "relationship": "parent"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Problem = body.json_as();
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"identity_document.number")
            && fields.contains(&"english_name.surname")
            && fields.contains(&"date_of_birth"),
        "{fields:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdm_cannot_register_their_own_identity_as_a_dependant() {
    let app = TestApp::spawn(ehealth_tests::Backend::Sqlite).await;
    let me = Person::adult();
    let (tokens, _) = app.register(&me).await;
    app.verify(&tokens.patient_id).await;
    let (status, body) = app
        .add_dependant(&tokens.access_token, &me, "family_member", true)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cannot_be_own_sdm"))
    );
}
