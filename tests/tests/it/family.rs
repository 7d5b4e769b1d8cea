//! Substitute decision makers: registering and joining, review, priority, acting for a
//! dependant (and nobody else), and the dependant's scope in the SDM's sync.

use ehealth_contracts::{MutationStatus, TokenResponse};
use ehealth_sync::ClientEngine;
use ehealth_tests::devices::{Device, bp, now_ms};
use ehealth_tests::family::{child, jpeg, pdf, png, verified_adult};
use ehealth_tests::{Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn device(t: &TokenResponse) -> Device {
    Device {
        engine: ClientEngine::new(t.device_id.clone()),
        token: t.access_token.clone(),
        patient_id: t.patient_id.clone(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The sha256 of a link's document as the office's queue shows it now.
async fn body_sha(app: &TestApp, link: &str) -> String {
    let (_, queue) = app
        .officer(Method::GET, "/v1/officer/sdm-links", None)
        .await;
    queue["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["link_id"] == link)
        .and_then(|l| l["document"]["sha256"].as_str())
        .unwrap_or_default()
        .to_owned()
}

async fn actions(app: &TestApp, patient: &str) -> Vec<(String, String)> {
    let p = patient.to_owned();
    app.state
        .db
        .run(move |c| Ok(ehealth_api::store::family::actions_for(c, &p)?))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.sdm_patient_id, a.action))
        .collect()
}

on_both_backends! {
    async fn a_parent_registers_a_child_and_keeps_their_diary(app) {
        let (parent, _) = verified_adult(&app).await;
        let kid = child("2019-03-04");
        let (status, body) = app.add_dependant(&parent.access_token, &kid, "parent", false).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["link_status"], "active");
        assert_eq!(body["dependant_created"], true);
        let child_id = body["patient_id"].as_str().unwrap_or_default().to_owned();

        let (status, list) = app.get_auth("/v1/dependants", &parent.access_token).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let entry = &list["dependants"][0];
        assert_eq!(entry["patient_id"], child_id.as_str());
        assert_eq!(entry["authority"], true);
        assert_eq!(entry["basis"], "child");
        assert_eq!(entry["priority"], 1);
        assert_eq!(entry["authority_ends_on"], "2035-03-04");
        assert_eq!(entry["patient_status"], "unverified");
        assert_eq!(entry["has_own_account"], false);
        assert!(entry["identity_document"]["number_masked"].as_str().is_some_and(|m| m.contains('*')));

        let (status, view) = app.get_auth(&format!("/v1/patients/{child_id}"), &parent.access_token).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["acting_as"], "sdm");
        assert_eq!(view["sdms"][0]["you"], true);
        assert_eq!(view["sdms"][0]["relationship"], "parent");

        // The child's scope arrives in the parent's sync, and the parent keeps the child's diary.
        let mut phone = device(&parent);
        let pages = phone.pull_all(&app, 100).await;
        let added: Vec<String> = pages[0].scopes.added.iter().map(|s| s.patient_id.clone()).collect();
        assert!(added.contains(&child_id) && added.contains(&parent.patient_id), "{added:?}");
        let reading = uuid::Uuid::now_v7().to_string();
        phone.engine.upsert("bp_readings", &reading, &child_id, bp(101, 66), now_ms(&app));
        let res = phone.push_all(&app).await;
        assert_eq!(res[0].results[0].status, MutationStatus::Applied);
        let (status, diary) = app
            .get_auth(&format!("/v1/patients/{child_id}/diary/bp?from=2026-11-01&to=2026-11-30"), &parent.access_token)
            .await;
        assert_eq!(status, StatusCode::OK, "{diary}");
        assert_eq!(diary["readings"][0]["systolic"], 101);

        // Every action by an SDM is recorded with who acted.
        let done = actions(&app, &child_id).await;
        assert!(done.contains(&(parent.patient_id.clone(), "read_diary".to_owned())), "{done:?}");
        assert!(done.contains(&(parent.patient_id.clone(), "sync_push".to_owned())), "{done:?}");
        assert!(done.contains(&(parent.patient_id.clone(), "view_patient".to_owned())), "{done:?}");
    }
}

on_both_backends! {
    async fn a_pending_link_grants_nothing_until_the_office_approves_its_document(app) {
        let (guardian, _) = verified_adult(&app).await;
        let kid = child("2020-06-01");
        let (status, body) = app.add_dependant(&guardian.access_token, &kid, "guardian", false).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["link_status"], "pending_review");
        let child_id = body["patient_id"].as_str().unwrap_or_default().to_owned();
        let link = body["link_id"].as_str().unwrap_or_default().to_owned();

        let (status, _) = app.get_auth(&format!("/v1/patients/{child_id}"), &guardian.access_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let mut phone = device(&guardian);
        let pages = phone.pull_all(&app, 100).await;
        assert!(pages[0].scopes.added.iter().all(|s| s.patient_id != child_id));

        let approve = format!("/v1/officer/sdm-links/{link}/approve");
        let (status, body) = app.officer(Method::POST, &approve, None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("document_missing")));

        // Types are judged by content: a label alone, or a damaged file, is refused.
        let cases = [
            ("application/pdf", b"MZ\x90\x00 not a pdf".to_vec(), "unsupported_document_type"),
            ("image/jpeg", png(), "document_type_mismatch"),
            ("application/pdf", pdf()[..20].to_vec(), "unsupported_document_type"),
            ("text/plain", pdf(), "unsupported_document_type"),
        ];
        for (ct, bytes, code) in cases {
            let (status, body) = app.upload_document(&guardian.access_token, &link, ct, bytes).await;
            assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}: {body}");
            assert_eq!(body["code"], code, "{ct}");
        }
        let (status, body) = app
            .upload_document(&guardian.access_token, &link, "application/pdf", vec![b'%'; 10 * 1024 * 1024 + 1])
            .await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("document_too_large")));
        let (stranger, _) = verified_adult(&app).await;
        let (status, _) = app.upload_document(&stranger.access_token, &link, "application/pdf", pdf()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, body) = app.upload_document(&guardian.access_token, &link, "image/jpeg", jpeg()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = app.upload_document(&guardian.access_token, &link, "application/pdf", pdf()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["content_type"], "application/pdf");

        let (status, queue) = app.officer(Method::GET, "/v1/officer/sdm-links", None).await;
        assert_eq!(status, StatusCode::OK, "{queue}");
        let pending = queue["links"].as_array().cloned().unwrap_or_default();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0]["document"]["content_type"], "application/pdf");
        let stored = app
            .client
            .get(app.url(&format!("/v1/officer/sdm-links/{link}/document")))
            .bearer_auth(ehealth_tests::OFFICER_TOKEN)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
        let etag = stored.headers().get("etag").and_then(|v| v.to_str().ok()).map(|v| v.trim_matches('"').to_owned());
        let bytes = stored.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        assert_eq!(etag.as_deref(), Some(sha256_hex(&bytes).as_str()));
        assert_eq!(bytes, pdf());
        assert_eq!(pending[0]["document"]["sha256"], sha256_hex(&bytes));

        // The officer approves what they examined: a document swapped since is refused.
        let examined = pending[0]["document"]["sha256"].as_str().unwrap_or_default().to_owned();
        let (status, body) = app.upload_document(&guardian.access_token, &link, "image/png", png()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = app.officer(Method::POST, &approve, Some(json!({"document_sha256": examined}))).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("document_changed")));
        let current = body_sha(&app, &link).await;
        assert_ne!(current, examined);
        let (status, body) = app.officer(Method::POST, &approve, Some(json!({"officer": "RO-17", "document_sha256": current}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "active");
        let (status, _) = app.get_auth(&format!("/v1/patients/{child_id}"), &guardian.access_token).await;
        assert_eq!(status, StatusCode::OK);
        let pages = phone.pull_all(&app, 100).await;
        assert!(pages[0].scopes.added.iter().any(|s| s.patient_id == child_id));
        let reviewed = app.notices_for(&guardian.patient_id).await;
        assert!(reviewed.iter().any(|(k, p)| k == "sdm_link_reviewed" && p["status"] == "active"));
        let (status, _) = app.upload_document(&guardian.access_token, &link, "application/pdf", pdf()).await;
        assert_eq!(status, StatusCode::CONFLICT);

        // A rejection needs a reason, and the link still grants nothing.
        let other = child("2021-01-01");
        let (_, body) = app.add_dependant(&stranger.access_token, &other, "court_appointee", false).await;
        let reject = format!("/v1/officer/sdm-links/{}/reject", body["link_id"].as_str().unwrap_or_default());
        let (status, _) = app.officer(Method::POST, &reject, Some(json!({}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, body) = app.officer(Method::POST, &reject, Some(json!({"reason": "The order names someone else."}))).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("rejected")));
        let (_, list) = app.get_auth("/v1/dependants", &stranger.access_token).await;
        assert_eq!(list["dependants"][0]["link_status"], "rejected");
        assert_eq!(list["dependants"][0]["review_reason"], "The order names someone else.");
        assert_eq!(list["dependants"][0]["authority"], false);
        // A link that grants nothing shows nothing of the registered person.
        for field in ["english_name", "date_of_birth", "identity_document", "patient_status", "has_own_account"] {
            assert!(list["dependants"][0][field].is_null(), "{field}");
        }

        // The office can end any link; the SDM loses the dependant at once.
        let end = format!("/v1/officer/sdm-links/{link}/end");
        let (status, _) = app.officer(Method::POST, &end, Some(json!({}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, body) = app.officer(Method::POST, &end, Some(json!({"reason": "Guardianship order revoked."}))).await;
        assert_eq!((status, body["ended_reason"].as_str()), (StatusCode::OK, Some("ended_by_office")));
        assert_eq!(body["ended_detail"], "Guardianship order revoked.");
        // The guardian reads the stated reason in the app; the push carries only its kind (free
        // text stays off push services).
        let (_, list) = app.get_auth("/v1/dependants", &guardian.access_token).await;
        let ended = list["dependants"].as_array().into_iter().flatten().find(|d| d["link_id"] == link.as_str()).cloned().unwrap_or_default();
        assert_eq!((ended["ended_reason"].as_str(), ended["ended_detail"].as_str()), (Some("ended_by_office"), Some("Guardianship order revoked.")));
        let notices = app.notices_for(&guardian.patient_id).await;
        let pushed = notices.iter().find(|(k, _)| k == "sdm_link_ended").map(|(_, p)| p.clone()).unwrap_or_default();
        assert_eq!(pushed["reason"], "ended_by_office");
        assert!(pushed.get("detail").is_none(), "{pushed}");
        let (status, _) = app.get_auth(&format!("/v1/patients/{child_id}"), &guardian.access_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let pages = phone.pull_all(&app, 100).await;
        assert_eq!(pages[0].scopes.removed[0].reason, "ended_by_office");
        let (status, _) = app.officer(Method::POST, &end, Some(json!({"reason": "again"}))).await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
}

on_both_backends! {
    async fn a_second_parent_joins_and_priority_decides_who_may_remove_whom(app) {
        let (mother, _) = verified_adult(&app).await;
        let (father, _) = verified_adult(&app).await;
        let (aunt, _) = verified_adult(&app).await;
        let kid = child("2018-08-08");
        let (child_id, mother_link) = app.add_child(&mother.access_token, &kid).await;

        let wrong = Person { date_of_birth: "2018-08-09".to_owned(), ..kid.clone() };
        let (status, body) = app.add_dependant(&father.access_token, &wrong, "parent", false).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("identity_proof_mismatch")));
        let (status, body) = app.add_dependant(&father.access_token, &kid, "parent", false).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["patient_id"], child_id.as_str());
        assert_eq!(body["dependant_created"], false);
        let father_link = body["link_id"].as_str().unwrap_or_default().to_owned();
        let (status, body) = app.add_dependant(&father.access_token, &kid, "parent", false).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("sdm_link_exists")));
        assert!(app.notices_for(&mother.patient_id).await.iter().any(|(k, _)| k == "sdm_joined"));

        let (status, body) = app.add_dependant(&aunt.access_token, &kid, "family_member", false).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let aunt_link = body["link_id"].as_str().unwrap_or_default().to_owned();
        let mut aunt_phone = device(&aunt);
        aunt_phone.pull_all(&app, 100).await;

        let (_, view) = app.get_auth(&format!("/v1/patients/{child_id}"), &father.access_token).await;
        let priorities: Vec<i64> = view["sdms"].as_array().into_iter().flatten().filter_map(|s| s["priority"].as_i64()).collect();
        assert_eq!(priorities, vec![1, 1, 4]);

        let end = |link: &str| format!("/v1/sdm-links/{link}");
        // Lower priority cannot remove higher, nor equal remove equal.
        let (status, body) = app.call(Method::DELETE, &end(&mother_link), Some(&aunt.access_token), None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("sdm_priority_insufficient")));
        let (status, body) = app.call(Method::DELETE, &end(&mother_link), Some(&father.access_token), None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("sdm_priority_insufficient")));
        // Higher removes lower; the removed SDM is told, loses access and the scope.
        let (status, _) = app.call(Method::DELETE, &end(&aunt_link), Some(&mother.access_token), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.get_auth(&format!("/v1/patients/{child_id}"), &aunt.access_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(app.notices_for(&aunt.patient_id).await.iter().any(|(k, p)| k == "sdm_link_ended" && p["reason"] == "removed"));
        let pages = aunt_phone.pull_all(&app, 100).await;
        let removed: Vec<(String, String)> = pages[0].scopes.removed.iter().map(|r| (r.scope.clone(), r.reason.clone())).collect();
        assert_eq!(removed, vec![(child_id.clone(), "removed".to_owned())]);

        // Stepping down from one's own link.
        let mut father_phone = device(&father);
        father_phone.pull_all(&app, 100).await;
        let (status, _) = app.call(Method::DELETE, &end(&father_link), Some(&father.access_token), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.call(Method::DELETE, &end(&father_link), Some(&father.access_token), None).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let pages = father_phone.pull_all(&app, 100).await;
        assert_eq!(pages[0].scopes.removed[0].reason, "stepped_down");
        father_phone.engine.upsert("bp_readings", &uuid::Uuid::now_v7().to_string(), &child_id, bp(110, 70), now_ms(&app));
        let res = father_phone.push_all(&app).await;
        assert_eq!(res[0].results[0].status, MutationStatus::Forbidden);
    }
}

on_both_backends! {
    async fn nobody_reaches_a_patient_they_may_not_act_for(app) {
        let (x_parent, _) = verified_adult(&app).await;
        let (y_parent, _) = verified_adult(&app).await;
        let (stranger, _) = verified_adult(&app).await;
        let (x, x_link) = app.add_child(&x_parent.access_token, &child("2017-01-01")).await;
        let (y, y_link) = app.add_child(&y_parent.access_token, &child("2016-02-02")).await;
        assert_ne!(x, y);
        let missing = uuid::Uuid::now_v7().to_string();
        for token in [&x_parent.access_token, &stranger.access_token] {
            for patient in [&y, &missing, &y_parent.patient_id] {
                for path in [
                    format!("/v1/patients/{patient}"),
                    format!("/v1/patients/{patient}/diary/bp"),
                    format!("/v1/patients/{patient}/diary/glucose"),
                    format!("/v1/patients/{patient}/sync/conflicts"),
                ] {
                    let (status, body) = app.get_auth(&path, token).await;
                    assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
                }
                let (status, _) = app.call(Method::POST, &format!("/v1/patients/{patient}/claim-code"), Some(token), None).await;
                assert_eq!(status, StatusCode::NOT_FOUND);
            }
            let (status, _) = app.call(Method::DELETE, &format!("/v1/sdm-links/{y_link}"), Some(token), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            let (status, _) = app.upload_document(token, &y_link, "application/pdf", pdf()).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        // The stranger sees no dependants; X's parent sees only X.
        let (_, list) = app.get_auth("/v1/dependants", &stranger.access_token).await;
        assert_eq!(list["dependants"], json!([]));
        let (_, list) = app.get_auth("/v1/dependants", &x_parent.access_token).await;
        let ids: Vec<&str> = list["dependants"].as_array().into_iter().flatten().filter_map(|d| d["patient_id"].as_str()).collect();
        assert_eq!(ids, vec![x.as_str()]);
        let (status, _) = app.call(Method::DELETE, &format!("/v1/sdm-links/{x_link}"), Some(&stranger.access_token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A push into another family's scope is refused per mutation.
        let mut phone = device(&x_parent);
        phone.engine.upsert("bp_readings", &uuid::Uuid::now_v7().to_string(), &y, bp(120, 80), now_ms(&app));
        let res = phone.push_all(&app).await;
        assert_eq!(res[0].results[0].status, MutationStatus::Forbidden);
    }
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
    assert_eq!(body["errors"][0]["field"], "relationship");
    assert_eq!(body["errors"][0]["code"], "not_eligible");
    let (status, _) = app
        .add_dependant(t, &child("2019-01-01"), "dsw_mho_guardian", false)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = app.add_dependant(t, &adult, "family_member", true).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["link_status"], "active");
    let (status, body) = app
        .add_dependant(t, &Person::born("1999-09-09"), "dsw_mho_guardian", true)
        .await;
    assert_eq!(
        (status, body["link_status"].as_str()),
        (StatusCode::CREATED, Some("pending_review"))
    );
    // Someone who holds their own account is never taken over without review.
    let grown = Person::adult();
    app.register(&grown).await;
    let (status, body) = app.add_dependant(t, &grown, "family_member", true).await;
    assert_eq!(
        (status, body["link_status"].as_str()),
        (StatusCode::CREATED, Some("pending_review"))
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
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
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

on_both_backends! {
    async fn joins_that_could_override_the_office_or_outlive_childhood_wait_for_review(app) {
        let (guardian, _) = verified_adult(&app).await;
        let (claimant, _) = verified_adult(&app).await;
        let kid = child("2015-04-04");
        let (status, body) = app.add_dependant(&guardian.access_token, &kid, "guardian", false).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let link = body["link_id"].as_str().unwrap_or_default().to_owned();
        let child_id = body["patient_id"].as_str().unwrap_or_default().to_owned();
        app.upload_document(&guardian.access_token, &link, "application/pdf", pdf()).await;
        let (status, _) = app.officer(Method::POST, &format!("/v1/officer/sdm-links/{link}/approve"), None).await;
        assert_eq!(status, StatusCode::OK);

        // Someone who knows the birth certificate and date of birth and says "parent" does not
        // get in ahead of the guardian the office approved.
        let (status, body) = app.add_dependant(&claimant.access_token, &kid, "parent", false).await;
        assert_eq!((status, body["link_status"].as_str()), (StatusCode::CREATED, Some("pending_review")));
        let parent_link = body["link_id"].as_str().unwrap_or_default().to_owned();
        let (status, _) = app.get_auth(&format!("/v1/patients/{child_id}"), &claimant.access_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.call(Method::DELETE, &format!("/v1/sdm-links/{link}"), Some(&claimant.access_token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // The guardian hears about it, with the link's status.
        let heard = app.notices_for(&guardian.patient_id).await;
        assert!(heard.iter().any(|(k, p)| k == "sdm_joined" && p["link_id"] == parent_link.as_str() && p["link_status"] == "pending_review"));

        // An incapable-of-consent link outlives the 16th birthday: always reviewed, for a new
        // child and for one already registered.
        let (status, body) = app.add_dependant(&claimant.access_token, &kid, "family_member", true).await;
        assert_eq!((status, body["link_status"].as_str()), (StatusCode::CREATED, Some("pending_review")));
        let (status, body) = app.add_dependant(&claimant.access_token, &child("2014-07-07"), "family_member", true).await;
        assert_eq!((status, body["link_status"].as_str()), (StatusCode::CREATED, Some("pending_review")));
        assert_eq!(body["dependant_created"], true);
        // A plain child registration by a family member is direct.
        let (status, body) = app.add_dependant(&claimant.access_token, &child("2014-08-08"), "family_member", false).await;
        assert_eq!((status, body["link_status"].as_str()), (StatusCode::CREATED, Some("active")));
    }
}
