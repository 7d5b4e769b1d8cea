//! The access log: every read attempt logged (notified or not), append-only, and a hash chain
//! that finds tampering.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ehealth_contracts::{
    AccessLogResponse, CreateRegistrationResponse, LogKeyResponse, TokenResponse,
};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{Backend, JsonAs, Person, TestApp, TestPasskey, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

use super::outcomes;

/// Runs raw SQL against the test's database (to play an attacker with database access).
async fn sql(app: &TestApp, statement: &str) -> Result<usize, String> {
    use diesel::RunQueryDsl;
    let s = statement.to_owned();
    app.state
        .db
        .run(move |c| Ok(diesel::sql_query(s).execute(c)))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

on_both_backends!(the_access_log_is_append_only_and_verify_finds_tampering);
async fn the_access_log_is_append_only_and_verify_finds_tampering(app: TestApp) {
    let hcp = app.create_hcp("Public Hospital", "public", "sha_tin").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (patient, _) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    for _ in 0..3 {
        let (status, _) = app.read_record(&doctor, &me, None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let verify = format!("/v1/patients/{me}/access-log/verify");
    let (_, verdict) = app.get_auth(&verify, &patient.access_token).await;
    assert_eq!(verdict, json!({"intact": true, "entries": 3, "cut": false}));

    // The application's own connection cannot change or remove an entry.
    let update = format!(
        "UPDATE access_log SET purpose = 'nothing to see' WHERE patient_id = '{me}' AND seq = 2"
    );
    let delete = format!("DELETE FROM access_log WHERE patient_id = '{me}' AND seq = 2");
    assert!(sql(&app, &update).await.is_err(), "updates are refused");
    assert!(sql(&app, &delete).await.is_err(), "deletes are refused");

    // Someone who gets past that (an administrator dropping the guard) is found out.
    let (off, on) = match app.env.backend {
        Backend::Sqlite => ("DROP TRIGGER access_log_no_update", None),
        Backend::Postgres => (
            "ALTER TABLE access_log DISABLE TRIGGER access_log_no_change",
            Some("ALTER TABLE access_log ENABLE TRIGGER access_log_no_change"),
        ),
    };
    sql(&app, off).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sql(&app, &update).await, Ok(1));
    let (_, verdict) = app.get_auth(&verify, &patient.access_token).await;
    assert_eq!(
        verdict,
        json!({"intact": false, "entries": 3, "first_broken_seq": 2, "cut": false})
    );
    if let Some(on) = on {
        sql(&app, on).await.unwrap_or_else(|e| panic!("{e}"));
    }

    // A deleted entry is found too (the chain has a gap).
    let (patient2, _) = verified_adult(&app).await;
    let them = patient2.patient_id.clone();
    for _ in 0..3 {
        app.read_record(&doctor, &them, None).await;
    }
    let (off, on) = match app.env.backend {
        Backend::Sqlite => ("DROP TRIGGER access_log_no_delete", None),
        Backend::Postgres => (
            "ALTER TABLE access_log DISABLE TRIGGER access_log_no_change",
            Some("ALTER TABLE access_log ENABLE TRIGGER access_log_no_change"),
        ),
    };
    sql(&app, off).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        sql(
            &app,
            &format!("DELETE FROM access_log WHERE patient_id = '{them}' AND seq = 2")
        )
        .await,
        Ok(1)
    );
    if let Some(on) = on {
        sql(&app, on).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let (_, verdict) = app
        .get_auth(
            &format!("/v1/patients/{them}/access-log/verify"),
            &patient2.access_token,
        )
        .await;
    assert_eq!(
        verdict,
        json!({"intact": false, "entries": 2, "first_broken_seq": 2, "cut": false})
    );

    // A truncated tail leaves a consistent chain; the device's checkpoint finds it.
    let (patient3, _) = verified_adult(&app).await;
    let p3 = patient3.patient_id.clone();
    for _ in 0..3 {
        app.read_record(&doctor, &p3, None).await;
    }
    let log: AccessLogResponse = app
        .get_as(
            &format!("/v1/patients/{p3}/access-log"),
            &patient3.access_token,
        )
        .await;
    let last_hash = log.entries[0].hash.clone();
    // The newest entry comes as a checkpoint signed with the log key, which anyone can check
    // with the published public key (here with ring, not our code).
    let kept = log
        .checkpoint
        .clone()
        .unwrap_or_else(|| panic!("a log with entries has a checkpoint"));
    assert_eq!((kept.seq, kept.hash.as_str()), (3, last_hash.as_str()));
    let key: LogKeyResponse = app.get_as("/.well-known/ehealth-log-key", "").await;
    assert_eq!(
        (key.alg.as_str(), key.key_id.as_str()),
        ("Ed25519", kept.key_id.as_str())
    );
    let public = URL_SAFE_NO_PAD.decode(&key.public_key).unwrap_or_default();
    let signed = format!("ehealth-access-log-checkpoint/v1\n{p3}\n3\n{last_hash}");
    let signature = URL_SAFE_NO_PAD.decode(&kept.signature).unwrap_or_default();
    assert!(
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &public)
            .verify(signed.as_bytes(), &signature)
            .is_ok()
    );
    sql(&app, off).await.ok();
    assert_eq!(
        sql(
            &app,
            &format!("DELETE FROM access_log WHERE patient_id = '{p3}' AND seq = 3")
        )
        .await,
        Ok(1)
    );
    if let Some(on) = on {
        sql(&app, on).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let path = format!("/v1/patients/{p3}/access-log/verify");
    let (_, plain) = app.get_auth(&path, &patient3.access_token).await;
    assert_eq!(
        plain,
        json!({"intact": true, "entries": 2, "cut": false}),
        "without a checkpoint a cut tail is invisible"
    );
    let (_, checked) = app
        .get_auth(
            &format!("{path}?seq=3&hash={last_hash}"),
            &patient3.access_token,
        )
        .await;
    assert_eq!(
        checked,
        json!({"intact": false, "entries": 2, "first_broken_seq": 3, "cut": true})
    );
    let (status, signed_check) = app
        .get_auth(
            &format!("{path}?seq=3&hash={last_hash}&signature={}", kept.signature),
            &patient3.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{signed_check}");
    assert_eq!(signed_check["cut"], true);
    // A checkpoint the server never signed is refused: it proves nothing.
    let (status, _) = app
        .get_auth(
            &format!("{path}?seq=2&hash={last_hash}&signature={}", kept.signature),
            &patient3.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .get_auth(&format!("{path}?seq=3"), &patient3.access_token)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(a_patient_who_opted_out_is_not_notified_but_every_read_is_still_logged);
async fn a_patient_who_opted_out_is_not_notified_but_every_read_is_still_logged(app: TestApp) {
    let mut body = Person::adult().registration_body();
    body["notify_on_access"] = json!(false);
    let (status, started) = app.post("/v1/registrations", body).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let started: CreateRegistrationResponse = started.json_as();
    let mut key = TestPasskey::new();
    let credential = key.create(started.creation_options);
    let (status, tokens) = app
        .post(
            &format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "phone", "platform": "ios"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tokens}");
    let TokenResponse {
        patient_id: me,
        access_token: token,
        ..
    } = tokens.json_as();
    app.verify(&me).await;
    let hcp = app.create_hcp("Quiet Clinic", "public", "islands").await;
    let doctor = app.staff(&hcp, "nurse", &[]).await;
    let (status, _) = app.read_record(&doctor, &me, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        app.notices_for(&me)
            .await
            .iter()
            .all(|(k, _)| k != "record_accessed")
    );
    let log: AccessLogResponse = app
        .get_as(&format!("/v1/patients/{me}/access-log"), &token)
        .await;
    assert_eq!(outcomes(&log), vec!["allowed"]);
}
