//! Trust earned, on the consent side: a lookup by identity document is an access-log entry, a
//! refused read is told to a patient who asked, a purpose must say something, and the patient
//! (or an SDM) changes whether they are told.

use ehealth_contracts::{AccessLogResponse, PreferencesResponse};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::outcomes;

on_both_backends!(a_lookup_is_logged_and_a_refused_read_is_told);
async fn a_lookup_is_logged_and_a_refused_read_is_told(app: TestApp) {
    let hcp = app.create_hcp("Counter Clinic", "private", "eastern").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let patient = ehealth_tests::Person::adult();
    let (me, _) = app.register(&patient).await;
    app.verify(&me.patient_id).await;
    let (status, found) = app
        .call(
            Method::POST,
            "/v1/hcp/patient-lookups",
            Some(&doctor.token),
            Some(json!({"identity_document": {"type": "hkid", "number": patient.hkid}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["patient_id"], me.patient_id.as_str());
    // No consent: the read is refused, logged, and told (the patient asked to hear of reads).
    let (status, _) = app.read_record(&doctor, &me.patient_id, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let log: AccessLogResponse = app
        .get_as(
            &format!("/v1/patients/{}/access-log", me.patient_id),
            &me.access_token,
        )
        .await;
    assert_eq!(outcomes(&log), vec!["refused", "lookup"]);
    assert_eq!(log.entries[1].hcp_id, hcp);
    let told: Vec<_> = app
        .notices_for(&me.patient_id)
        .await
        .into_iter()
        .filter(|(k, _)| k == "record_accessed")
        .collect();
    assert_eq!(told.len(), 2, "{told:?}");
    // A purpose of a zero-width space says nothing.
    app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite")
        .await;
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/hcp/patients/{}/record-reads", me.patient_id),
            Some(&doctor.token),
            Some(json!({"purpose": "\u{200b}", "under_care": true})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("purpose_required"))
    );
}

on_both_backends!(the_patient_or_an_sdm_changes_whether_reads_are_told);
async fn the_patient_or_an_sdm_changes_whether_reads_are_told(app: TestApp) {
    let (parent, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let (kid, _) = app
        .add_child(&parent.access_token, &child("2015-09-09"))
        .await;
    let path = format!("/v1/patients/{kid}/preferences");
    let patch = |token: &str, body: serde_json::Value| {
        let (app, path, token) = (&app, path.clone(), token.to_owned());
        async move {
            app.call(Method::PATCH, &path, Some(&token), Some(body))
                .await
        }
    };
    let (status, body) = patch(
        &parent.access_token,
        json!({"notify_on_access": false, "preferred_language": "zh-HK"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let prefs: PreferencesResponse = body.json_as();
    assert!(!prefs.notify_on_access);
    assert_eq!(prefs.preferred_language.as_str(), "zh-HK");
    // Only what is given changes.
    let (_, body) = patch(&parent.access_token, json!({"notify_on_access": true})).await;
    let prefs: PreferencesResponse = body.json_as();
    assert!(prefs.notify_on_access);
    assert_eq!(prefs.preferred_language.as_str(), "zh-HK");
    let (status, _) = patch(&stranger.access_token, json!({"notify_on_access": false})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = patch(&parent.access_token, json!({"preferred_language": "fr"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

// A read waiting behind another transaction on the patient (a revocation, say) is stamped
// with the time it ran, after the wait, never the time it arrived: the log's order is the order
// things happened. Deterministic: the test holds the patient's row while the clock moves on.
on_both_backends!(a_read_is_stamped_when_it_runs_not_when_it_arrived);
async fn a_read_is_stamped_when_it_runs_not_when_it_arrived(app: TestApp) {
    app.clock.set_rfc3339("2026-11-30T04:00:00Z");
    let hcp = app.create_hcp("Waiting Clinic", "public", "eastern").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (me, _) = verified_adult(&app).await;
    let patient = me.patient_id.clone();
    // Another transaction holds the patient's row for a while.
    let (held_tx, held_rx) = tokio::sync::oneshot::channel::<()>();
    let db = app.state.db.clone();
    let who = patient.clone();
    let holder = tokio::spawn(async move {
        db.transaction(move |c| {
            ehealth_api::store::patients::lock(c, &who)?;
            let _ = held_tx.send(());
            std::thread::sleep(std::time::Duration::from_millis(600));
            Ok(())
        })
        .await
    });
    let _ = held_rx.await;
    let read = {
        let (app, doctor, patient) = (&app, &doctor, patient.clone());
        async move { app.read_record(doctor, &patient, None).await }
    };
    let later = async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        app.clock.advance(chrono::Duration::minutes(10));
    };
    let ((status, _), ()) = tokio::join!(read, later);
    assert_eq!(status, StatusCode::OK);
    holder
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let log: AccessLogResponse = app
        .get_as(
            &format!("/v1/patients/{patient}/access-log"),
            &me.access_token,
        )
        .await;
    assert_eq!(log.entries[0].at, "2026-11-30T04:10:00.000Z");
}
