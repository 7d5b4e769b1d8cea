//! Sharing consent in the app: pre-granting, revoking, withdrawing from the system, a parent
//! consenting for a child, and each consent and HCP feed belonging to its own patient and HCP.

use ehealth_contracts::{
    AccessLogResponse, ConsentEventsResponse, ConsentMethod, ConsentResponse, ConsentStatus,
    PatientStatus, Profession, RecordReadResponse, WithdrawResponse,
};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{events, outcomes};

on_both_backends!(a_revoked_consent_stops_the_very_next_read_and_every_read_is_logged);
async fn a_revoked_consent_stops_the_very_next_read_and_every_read_is_logged(app: TestApp) {
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (patient, _) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    app.deposit(&doctor, &me, "lab_result").await;
    app.deposit(&doctor, &me, "radiology").await;

    let (status, body) = app.read_record(&doctor, &me, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_sharing_consent"))
    );
    let (status, consent) = app
        .grant(&patient.access_token, &me, &hcp, "indefinite")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{consent}");
    let consent: ConsentResponse = consent.json_as();
    assert_eq!(
        (consent.status, consent.method),
        (ConsentStatus::Active, ConsentMethod::App)
    );
    let (status, body) = app.read_record(&doctor, &me, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.json_as::<RecordReadResponse>().records.len(), 2);

    let revoked: ConsentResponse = app
        .call_as(
            StatusCode::OK,
            Method::DELETE,
            &format!("/v1/patients/{me}/consents/{}", consent.consent_id),
            Some(&patient.access_token),
            None,
        )
        .await;
    assert_eq!(revoked.status, ConsentStatus::Revoked);
    let (status, body) = app.read_record(&doctor, &me, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_sharing_consent"))
    );

    // The patient sees every attempt, newest first, and the chain holds.
    let log: AccessLogResponse = app
        .get_as(
            &format!("/v1/patients/{me}/access-log"),
            &patient.access_token,
        )
        .await;
    assert_eq!(outcomes(&log), vec!["refused", "allowed", "refused"]);
    let allowed = &log.entries[1];
    assert_eq!(allowed.hcp_name, "Harbour Clinic");
    assert_eq!(allowed.profession, Some(Profession::MedicalPractitioner));
    assert_eq!(allowed.purpose, "Follow-up consultation");
    assert_eq!(log.entries[0].reason.as_deref(), Some("no_sharing_consent"));
    let (_, verdict) = app
        .get_auth(
            &format!("/v1/patients/{me}/access-log/verify"),
            &patient.access_token,
        )
        .await;
    assert_eq!(verdict, json!({"intact": true, "entries": 3, "cut": false}));
    // The patient asked to hear of reads: every attempt, refused ones too, is told.
    let notices = app.notices_for(&me).await;
    assert_eq!(
        notices
            .iter()
            .filter(|(k, _)| k == "record_accessed")
            .count(),
        3
    );

    // The HCP's feed: granted then revoked, gap-free and resumable.
    let feed: ConsentEventsResponse = app.get_as("/v1/hcp/consent-events", &doctor.token).await;
    assert_eq!(events(&feed), vec!["granted", "revoked"]);
    assert_eq!(feed.events[1].seq, 2);
    let rest: ConsentEventsResponse = app
        .get_as(
            &format!("/v1/hcp/consent-events?cursor={}", feed.cursor),
            &doctor.token,
        )
        .await;
    assert!(rest.events.is_empty());
    let page: ConsentEventsResponse = app
        .get_as("/v1/hcp/consent-events?limit=1", &doctor.token)
        .await;
    assert_eq!((page.has_more, page.cursor.as_str()), (true, "1"));
}

on_both_backends!(consents_and_feeds_belong_to_their_patient_and_their_hcp);
async fn consents_and_feeds_belong_to_their_patient_and_their_hcp(app: TestApp) {
    let a = app.create_hcp("Clinic A", "private", "tai_po").await;
    let b = app.create_hcp("Clinic B", "private", "tai_po").await;
    let doctor_a = app.staff(&a, "medical_practitioner", &[]).await;
    let doctor_b = app.staff(&b, "medical_practitioner", &[]).await;
    let (patient, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    let (_, consent) = app
        .grant(&patient.access_token, &me, &b, "indefinite")
        .await;
    // B's consent does not let A read, and A's feed does not show it.
    let (status, _) = app.read_record(&doctor_b, &me, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.read_record(&doctor_a, &me, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_sharing_consent"))
    );
    let feed_a: ConsentEventsResponse = app.get_as("/v1/hcp/consent-events", &doctor_a.token).await;
    assert!(feed_a.events.is_empty());
    // Another patient reaches nothing of this one's.
    let id = consent.json_as::<ConsentResponse>().consent_id;
    for (method, path) in [
        (Method::GET, format!("/v1/patients/{me}/consents")),
        (Method::DELETE, format!("/v1/patients/{me}/consents/{id}")),
        (Method::POST, format!("/v1/patients/{me}/access-key")),
        (Method::GET, format!("/v1/patients/{me}/records")),
        (Method::GET, format!("/v1/patients/{me}/access-log")),
        (Method::GET, format!("/v1/patients/{me}/access-log/verify")),
        (Method::POST, format!("/v1/patients/{me}/withdraw")),
    ] {
        let (status, _) = app
            .call(method.clone(), &path, Some(&stranger.access_token), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Revoking someone else's consent id through one's own path: not found either.
    let other = stranger.patient_id.clone();
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/patients/{other}/consents/{id}"),
            Some(&stranger.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_backends!(withdrawal_ends_every_consent_and_read_and_keeps_the_records);
async fn withdrawal_ends_every_consent_and_read_and_keeps_the_records(app: TestApp) {
    let hcp = app.create_hcp("Harbour Clinic", "private", "islands").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (patient, mut key) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    app.deposit(&doctor, &me, "diagnosis").await;
    app.grant(&patient.access_token, &me, &hcp, "indefinite")
        .await;
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/patients/{me}/withdraw"),
            Some(&patient.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let withdrawn: WithdrawResponse = body.json_as();
    assert_eq!(
        (withdrawn.status, withdrawn.consents_ended),
        (PatientStatus::Withdrawn, 1)
    );
    let (status, body) = app.read_record(&doctor, &me, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("patient_withdrawn"))
    );
    let feed: ConsentEventsResponse = app.get_as("/v1/hcp/consent-events", &doctor.token).await;
    assert_eq!(events(&feed), vec!["granted", "revoked"]);
    let (status, _) = app.get_auth("/v1/me", &patient.access_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the account is closed");
    let (status, body) = app.sign_in(&mut key).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("account_withdrawn"))
    );
    let kept = app
        .state
        .db
        .run(move |c| {
            Ok(ehealth_api::store::records::records_of(
                c,
                &me,
                &["diagnosis".to_owned()],
            )?)
        })
        .await
        .unwrap_or_default();
    assert_eq!(kept.len(), 1, "records are retained");
}

on_both_backends!(
    a_parent_consents_for_a_child_and_reads_the_childs_access_log_until_the_16th_birthday
);
async fn a_parent_consents_for_a_child_and_reads_the_childs_access_log_until_the_16th_birthday(
    app: TestApp,
) {
    app.clock.set_rfc3339("2026-11-22T15:50:00Z");
    let hcp = app
        .create_hcp("Paediatric Clinic", "private", "southern")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (parent, _) = verified_adult(&app).await;
    let (kid, _) = app
        .add_child(
            &parent.access_token,
            &ehealth_tests::family::child("2010-11-23"),
        )
        .await;
    // The child's identity is not verified yet: no consent can be given.
    let (status, body) = app
        .grant(&parent.access_token, &kid, &hcp, "indefinite")
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("patient_not_verified"))
    );
    app.verify(&kid).await;
    let (status, body) = app
        .grant(&parent.access_token, &kid, &hcp, "indefinite")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = app.read_record(&doctor, &kid, None).await;
    assert_eq!(status, StatusCode::OK);
    let log: AccessLogResponse = app
        .get_as(
            &format!("/v1/patients/{kid}/access-log"),
            &parent.access_token,
        )
        .await;
    assert_eq!(outcomes(&log), vec!["allowed"]);
    // The record access notice goes to the child's record, for the family's devices.
    assert_eq!(
        app.notices_for(&kid)
            .await
            .iter()
            .filter(|(k, _)| k == "record_accessed")
            .count(),
        1
    );

    // From 00:00 on the 16th birthday the parent can no longer act for the child.
    app.clock.set_rfc3339("2026-11-22T16:00:00Z");
    for path in [
        format!("/v1/patients/{kid}/consents"),
        format!("/v1/patients/{kid}/access-log"),
    ] {
        let (status, body) = app.get_auth(&path, &parent.access_token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("sdm_authority_ended")),
            "{path}"
        );
    }
    // The consent the parent gave carries on for the young person.
    let (status, _) = app.read_record(&doctor, &kid, None).await;
    assert_eq!(status, StatusCode::OK);
}
