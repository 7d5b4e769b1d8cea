//! Providers and staff, sharing consent, consented reads and the access log.

use ehealth_tests::family::verified_adult;
use ehealth_tests::{Backend, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn codes(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e[key].as_str().map(str::to_owned))
        .collect()
}

on_both_backends! {
    async fn staff_enrol_sign_in_and_are_never_taken_for_patients(app) {
        let hcp = app.create_hcp("Harbour Clinic", "private", "wan_chai").await;
        let admin = app.staff(&hcp, "medical_practitioner", &["user_admin"]).await;
        let (patient, _) = verified_adult(&app).await;

        // The administrator creates a nurse, who enrols a passkey with the one-time code.
        let (status, body) = app.call(Method::POST, "/v1/hcp/staff", Some(&admin.token),
            Some(json!({"english_name": "CHAN MEI", "profession": "nurse", "registration_number": "N555"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let code = body["enrolment_code"].as_str().unwrap_or_default().to_owned();
        let mut nurse = app.enrol(&code).await;
        assert_eq!(nurse.hcp_id, hcp);
        let (status, _) = app.post("/v1/staff/enrolments", json!({"enrolment_code": code})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a code works once");

        // A non-administrator cannot create staff.
        let (status, body) = app.call(Method::POST, "/v1/hcp/staff", Some(&nurse.token),
            Some(json!({"english_name": "X", "profession": "nurse", "registration_number": "N1"}))).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("user_admin_required")));

        // Staff sign in with the same session endpoints, and come back as staff.
        let (status, body) = app.sign_in(&mut nurse.passkey).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!((body["principal"].as_str(), body["hcp_id"].as_str()), (Some("staff"), Some(hcp.as_str())));
        let (status, body) = app.post("/v1/sessions/refresh", json!({"refresh_token": nurse.refresh})).await;
        assert_eq!((status, body["principal"].as_str()), (StatusCode::OK, Some("staff")));
        let nurse_token = body["access_token"].as_str().unwrap_or_default().to_owned();

        // Neither kind of principal passes for the other.
        let (status, _) = app.get_auth("/v1/me", &nurse_token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app.get_auth(&format!("/v1/patients/{}/consents", patient.patient_id), &nurse_token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app.get_auth("/v1/hcp/consent-events", &patient.access_token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Deactivation ends the nurse's sessions and sign-ins.
        let (status, list) = app.get_auth("/v1/hcp/staff", &admin.token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(codes(&list, "status"), vec!["active", "active"]);
        let (status, body) = app.call(Method::POST, &format!("/v1/hcp/staff/{}/deactivate", nurse.staff_id), Some(&admin.token), None).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("deactivated")));
        let (status, _) = app.get_auth("/v1/hcp/consent-events", &nurse_token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body) = app.sign_in(&mut nurse.passkey).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("staff_deactivated")));
        // An administrator of another HCP cannot touch this HCP's staff.
        let other = app.create_hcp("Other Clinic", "private", "sha_tin").await;
        let other_admin = app.staff(&other, "dentist", &["user_admin"]).await;
        let (status, _) = app.call(Method::POST, &format!("/v1/hcp/staff/{}/deactivate", admin.staff_id), Some(&other_admin.token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

on_both_backends! {
    async fn a_revoked_consent_stops_the_very_next_read_and_every_read_is_logged(app) {
        let hcp = app.create_hcp("Harbour Clinic", "private", "wan_chai").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let (patient, _) = verified_adult(&app).await;
        let me = patient.patient_id.clone();
        app.deposit(&doctor, &me, "lab_result").await;
        app.deposit(&doctor, &me, "radiology").await;

        let (status, body) = app.read_record(&doctor, &me, None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("no_sharing_consent")));
        let (status, consent) = app.grant(&patient.access_token, &me, &hcp, "indefinite").await;
        assert_eq!(status, StatusCode::CREATED, "{consent}");
        assert_eq!((consent["status"].as_str(), consent["method"].as_str()), (Some("active"), Some("app")));
        let (status, body) = app.read_record(&doctor, &me, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["records"].as_array().map(Vec::len), Some(2));

        let consent_id = consent["consent_id"].as_str().unwrap_or_default();
        let (status, revoked) = app.call(Method::DELETE, &format!("/v1/patients/{me}/consents/{consent_id}"), Some(&patient.access_token), None).await;
        assert_eq!((status, revoked["status"].as_str()), (StatusCode::OK, Some("revoked")));
        let (status, body) = app.read_record(&doctor, &me, None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("no_sharing_consent")));

        // The patient sees every attempt, newest first, and the chain holds.
        let (status, log) = app.get_auth(&format!("/v1/patients/{me}/access-log"), &patient.access_token).await;
        assert_eq!(status, StatusCode::OK, "{log}");
        assert_eq!(codes(&log["entries"], "outcome"), vec!["refused", "allowed", "refused"]);
        assert_eq!(log["entries"][1]["hcp_name"], "Harbour Clinic");
        assert_eq!(log["entries"][1]["profession"], "medical_practitioner");
        assert_eq!(log["entries"][1]["purpose"], "Follow-up consultation");
        assert_eq!(log["entries"][0]["reason"], "no_sharing_consent");
        let (_, verdict) = app.get_auth(&format!("/v1/patients/{me}/access-log/verify"), &patient.access_token).await;
        assert_eq!(verdict, json!({"intact": true, "entries": 3}));
        let notices = app.notices_for(&me).await;
        assert_eq!(notices.iter().filter(|(k, _)| k == "record_accessed").count(), 1);

        // The HCP's feed: granted then revoked, gap-free and resumable.
        let (status, feed) = app.get_auth("/v1/hcp/consent-events", &doctor.token).await;
        assert_eq!(status, StatusCode::OK, "{feed}");
        assert_eq!(codes(&feed["events"], "event"), vec!["granted", "revoked"]);
        assert_eq!(feed["events"][1]["seq"], 2);
        let (_, rest) = app.get_auth(&format!("/v1/hcp/consent-events?cursor={}", feed["cursor"].as_str().unwrap_or_default()), &doctor.token).await;
        assert_eq!(rest["events"], json!([]));
        let (_, page) = app.get_auth("/v1/hcp/consent-events?limit=1", &doctor.token).await;
        assert_eq!((page["has_more"].as_bool(), page["cursor"].as_str()), (Some(true), Some("1")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_matrix_follows_the_four_conditions() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let private = app
        .create_hcp("Private Clinic", "private", "kwun_tong")
        .await;
    let public = app.create_hcp("Public Hospital", "public", "sha_tin").await;
    let (patient, _) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    let depositor = app.staff(&public, "medical_practitioner", &[]).await;
    let all = [
        "allergy_adr",
        "vaccination",
        "medication",
        "lab_result",
        "radiology",
        "diagnosis",
        "encounter",
        "chinese_medicine",
        "patient_reported",
    ];
    for c in all {
        app.deposit(&depositor, &me, c).await;
    }
    let (status, _) = app
        .grant(&patient.access_token, &me, &private, "indefinite")
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let expected = |profession: &str, category: &str| -> bool {
        let everything = ["medical_practitioner", "dentist", "nurse", "midwife"];
        match (profession, category) {
            (_, "patient_reported") => false,
            (p, _) if everything.contains(&p) => true,
            ("chinese_medicine_practitioner", c) => c != "radiology",
            ("pharmacist", c) => {
                ["allergy_adr", "medication", "vaccination", "lab_result"].contains(&c)
            }
            ("medical_laboratory_technologist", "lab_result") => true,
            ("radiographer", "radiology") => true,
            (_, c) => ["allergy_adr", "diagnosis", "encounter"].contains(&c),
        }
    };
    let professions = [
        "medical_practitioner",
        "dentist",
        "midwife",
        "nurse",
        "pharmacist",
        "medical_laboratory_technologist",
        "occupational_therapist",
        "optometrist",
        "radiographer",
        "physiotherapist",
        "dental_hygienist",
        "chiropractor",
        "chinese_medicine_practitioner",
    ];
    for (i, profession) in professions.iter().enumerate() {
        // Alternate public (deemed consent) and private (sharing consent) providers.
        let hcp = if i % 2 == 0 { &private } else { &public };
        let staff = app.staff(hcp, profession, &[]).await;
        for category in all {
            let (status, body) = app.read_record(&staff, &me, Some(&[category])).await;
            if expected(profession, category) {
                assert_eq!(status, StatusCode::OK, "{profession} {category}: {body}");
                assert_eq!(codes(&body["records"], "category"), vec![category]);
            } else {
                assert_eq!(
                    (status, body["code"].as_str()),
                    (StatusCode::FORBIDDEN, Some("category_not_permitted")),
                    "{profession} {category}"
                );
            }
        }
        // Without categories: exactly what the role allows.
        let (_, body) = app.read_record(&staff, &me, None).await;
        let mut got = codes(&body["records"], "category");
        got.sort();
        let mut want: Vec<String> = all
            .iter()
            .filter(|c| expected(profession, c))
            .map(|c| (*c).to_owned())
            .collect();
        want.sort();
        assert_eq!(got, want, "{profession}");
    }

    // Condition 4: care relationship and purpose.
    let doctor = app.staff(&private, "medical_practitioner", &[]).await;
    let read_path = format!("/v1/hcp/patients/{me}/record-reads");
    let read = |body: Value| app.call(Method::POST, &read_path, Some(&doctor.token), Some(body));
    let (status, body) = read(json!({"purpose": "check", "under_care": false})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("care_relationship_required"))
    );
    let (status, body) = read(json!({"purpose": "  ", "under_care": true})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("purpose_required"))
    );

    // Condition 1: an unverified patient cannot be read even by a public HCP.
    let (unverified, _) = app.register(&Person::adult()).await;
    let public_doctor = app.staff(&public, "medical_practitioner", &[]).await;
    let (status, body) = app
        .read_record(&public_doctor, &unverified.patient_id, None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("patient_not_verified"))
    );
    let (status, body) = app
        .grant(
            &unverified.access_token,
            &unverified.patient_id,
            &private,
            "indefinite",
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("patient_not_verified"))
    );
    let (status, _) = app
        .read_record(&public_doctor, &uuid::Uuid::now_v7().to_string(), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

on_both_backends! {
    async fn one_year_consents_expire_after_their_last_hong_kong_day_and_renew(app) {
        app.clock.set_rfc3339("2026-11-22T04:00:00Z");
        let hcp = app.create_hcp("Old Regime Clinic", "private", "central_and_western").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let (patient, mut key) = verified_adult(&app).await;
        let me = patient.patient_id.clone();
        let (status, consent) = app.grant(&patient.access_token, &me, &hcp, "one_year").await;
        assert_eq!(status, StatusCode::CREATED, "{consent}");
        assert_eq!(consent["valid_until"], "2027-11-22");

        // 23:59:59 on 22 November 2027 in Hong Kong: still valid; a second later: not.
        app.clock.set_rfc3339("2027-11-22T15:59:59Z");
        let (_, fresh) = app.sign_in(&mut key).await;
        let token = fresh["access_token"].as_str().unwrap_or_default().to_owned();
        let mut doctor = doctor;
        let (_, staff) = app.sign_in(&mut doctor.passkey).await;
        doctor.token = staff["access_token"].as_str().unwrap_or_default().to_owned();
        let (status, _) = app.read_record(&doctor, &me, None).await;
        assert_eq!(status, StatusCode::OK);
        app.clock.set_rfc3339("2027-11-22T16:00:00Z");
        let (status, body) = app.read_record(&doctor, &me, None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("no_sharing_consent")));
        let (_, list) = app.get_auth(&format!("/v1/patients/{me}/consents"), &token).await;
        assert_eq!(list["consents"][0]["status"], "expired");
        let id = consent["consent_id"].as_str().unwrap_or_default();
        let (status, body) = app.call(Method::POST, &format!("/v1/patients/{me}/consents/{id}/renew"), Some(&token), None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("consent_not_active")));

        // A new one-year consent replaces it; renewing moves the last day.
        let (status, again) = app.grant(&token, &me, &hcp, "one_year").await;
        assert_eq!((status, again["valid_until"].as_str()), (StatusCode::CREATED, Some("2028-11-23")));
        app.clock.set_rfc3339("2028-06-01T04:00:00Z");
        let (_, fresh) = app.sign_in(&mut key).await;
        let token = fresh["access_token"].as_str().unwrap_or_default().to_owned();
        let id = again["consent_id"].as_str().unwrap_or_default();
        let (status, body) = app.call(Method::POST, &format!("/v1/patients/{me}/consents/{id}/renew"), Some(&token), None).await;
        assert_eq!((status, body["valid_until"].as_str()), (StatusCode::OK, Some("2029-06-01")));
        let (_, staff) = app.sign_in(&mut doctor.passkey).await;
        let (_, feed) = app.get_auth("/v1/hcp/consent-events", staff["access_token"].as_str().unwrap_or_default()).await;
        assert_eq!(codes(&feed["events"], "event"), vec!["granted", "expired", "granted", "renewed"]);
    }
}

on_both_backends! {
    async fn access_keys_give_consent_at_the_counter_and_lock_after_five_wrong_tries(app) {
        let hcp = app.create_hcp("Counter Clinic", "private", "yuen_long").await;
        let clerk = app.staff(&hcp, "nurse", &[]).await;
        let person = Person::adult();
        let (patient, mut key) = app.register(&person).await;
        app.verify(&patient.patient_id).await;
        let me = patient.patient_id.clone();
        let (status, first) = app.call(Method::POST, &format!("/v1/patients/{me}/access-key"), Some(&patient.access_token), None).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let (_, second) = app.call(Method::POST, &format!("/v1/patients/{me}/access-key"), Some(&patient.access_token), None).await;
        let (first, second) = (first["access_key"].as_str().unwrap_or_default().to_owned(), second["access_key"].as_str().unwrap_or_default().to_owned());
        assert_eq!(second.len(), 8);
        let give = |k: String| {
            app.call(Method::POST, "/v1/hcp/consents/by-access-key", Some(&clerk.token),
                Some(json!({"identity_document": {"type": "hkid", "number": person.hkid}, "access_key": k})))
        };
        // Two random keys collide once in 10^8 runs; then the old key is not "wrong".
        assert_ne!(first, second);
        let (status, body) = give(first.clone()).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("access_key_invalid")), "the old key died");
        let wrong = if second == "00000000" { "11111111" } else { "00000000" };
        let mut last = Value::Null;
        // The old key was the first wrong try; three more, and the fifth locks.
        for _ in 0..3 {
            last = give(wrong.to_owned()).await.1;
        }
        assert_eq!(last["code"], "access_key_invalid");
        let (status, body) = give(wrong.to_owned()).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("access_key_locked")));
        let (_, body) = give(second.clone()).await;
        assert_eq!(body["code"], "access_key_locked", "even the right key waits");

        app.clock.advance(chrono::Duration::minutes(16));
        let (_, refreshed) = app.sign_in(&mut key).await;
        let mut clerk = clerk;
        let (_, s) = app.sign_in(&mut clerk.passkey).await;
        clerk.token = s["access_token"].as_str().unwrap_or_default().to_owned();
        let (status, consent) = app.call(Method::POST, "/v1/hcp/consents/by-access-key", Some(&clerk.token),
            Some(json!({"identity_document": {"type": "hkid", "number": person.hkid}, "access_key": second}))).await;
        assert_eq!(status, StatusCode::CREATED, "{consent}");
        assert_eq!((consent["method"].as_str(), consent["hcp_id"].as_str()), (Some("access_key"), Some(hcp.as_str())));
        let (_, list) = app.get_auth(&format!("/v1/patients/{me}/consents"), refreshed["access_token"].as_str().unwrap_or_default()).await;
        assert_eq!(codes(&list["consents"], "method"), vec!["access_key"]);
    }
}

async fn try_key(app: &TestApp, hkid: &str, token: &str, key: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        "/v1/hcp/consents/by-access-key",
        Some(token),
        Some(json!({"identity_document": {"type": "hkid", "number": hkid}, "access_key": key})),
    )
    .await
}

on_both_backends! {
    async fn twenty_wrong_access_keys_destroy_the_key_and_a_new_one_works(app) {
        let hcp = app.create_hcp("Guessing Clinic", "private", "yuen_long").await;
        let mut clerk = app.staff(&hcp, "nurse", &[]).await;
        let person = Person::adult();
        let (patient, mut key) = app.register(&person).await;
        app.verify(&patient.patient_id).await;
        let me = patient.patient_id.clone();
        let (_, made) = app.call(Method::POST, &format!("/v1/patients/{me}/access-key"), Some(&patient.access_token), None).await;
        let right = made["access_key"].as_str().unwrap_or_default().to_owned();
        let wrong = if right == "00000000" { "11111111" } else { "00000000" }.to_owned();
        // Four rounds of five wrong tries, each ending in a 15-minute lock; a lock lets even the
        // right key wait, and the twentieth wrong try destroys the key.
        for round in 1..=4 {
            for attempt in 1..=5 {
                let (status, body) = try_key(&app, &person.hkid, &clerk.token, &wrong).await;
                let expected = if attempt == 5 { "access_key_locked" } else { "access_key_invalid" };
                assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some(expected)), "round {round}, try {attempt}");
            }
            app.clock.advance(chrono::Duration::minutes(16));
            let (_, s) = app.sign_in(&mut clerk.passkey).await;
            clerk.token = s["access_token"].as_str().unwrap_or_default().to_owned();
        }
        let (status, body) = try_key(&app, &person.hkid, &clerk.token, &right).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("access_key_invalid")), "the key is gone");

        // The patient makes a new key in the app; it works at once.
        let (_, refreshed) = app.sign_in(&mut key).await;
        let token = refreshed["access_token"].as_str().unwrap_or_default().to_owned();
        let (status, made) = app.call(Method::POST, &format!("/v1/patients/{me}/access-key"), Some(&token), None).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let fresh = made["access_key"].as_str().unwrap_or_default().to_owned();
        let (status, consent) = try_key(&app, &person.hkid, &clerk.token, &fresh).await;
        assert_eq!((status, consent["method"].as_str()), (StatusCode::CREATED, Some("access_key")), "{consent}");
    }
}

on_both_backends! {
    async fn consents_and_feeds_belong_to_their_patient_and_their_hcp(app) {
        let a = app.create_hcp("Clinic A", "private", "tai_po").await;
        let b = app.create_hcp("Clinic B", "private", "tai_po").await;
        let doctor_a = app.staff(&a, "medical_practitioner", &[]).await;
        let doctor_b = app.staff(&b, "medical_practitioner", &[]).await;
        let (patient, _) = verified_adult(&app).await;
        let (stranger, _) = verified_adult(&app).await;
        let me = patient.patient_id.clone();
        let (_, consent) = app.grant(&patient.access_token, &me, &b, "indefinite").await;
        // B's consent does not let A read, and A's feed does not show it.
        let (status, _) = app.read_record(&doctor_b, &me, None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = app.read_record(&doctor_a, &me, None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("no_sharing_consent")));
        let (_, feed_a) = app.get_auth("/v1/hcp/consent-events", &doctor_a.token).await;
        assert_eq!(feed_a["events"], json!([]));
        // Another patient reaches nothing of this one's.
        let id = consent["consent_id"].as_str().unwrap_or_default();
        for (method, path) in [
            (Method::GET, format!("/v1/patients/{me}/consents")),
            (Method::DELETE, format!("/v1/patients/{me}/consents/{id}")),
            (Method::POST, format!("/v1/patients/{me}/access-key")),
            (Method::GET, format!("/v1/patients/{me}/records")),
            (Method::GET, format!("/v1/patients/{me}/access-log")),
            (Method::GET, format!("/v1/patients/{me}/access-log/verify")),
            (Method::POST, format!("/v1/patients/{me}/withdraw")),
        ] {
            let (status, _) = app.call(method.clone(), &path, Some(&stranger.access_token), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        }
        // Revoking someone else's consent id through one's own path: not found either.
        let other = stranger.patient_id.clone();
        let (status, _) = app.call(Method::DELETE, &format!("/v1/patients/{other}/consents/{id}"), Some(&stranger.access_token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

on_both_backends! {
    async fn withdrawal_ends_every_consent_and_read_and_keeps_the_records(app) {
        let hcp = app.create_hcp("Harbour Clinic", "private", "islands").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let (patient, mut key) = verified_adult(&app).await;
        let me = patient.patient_id.clone();
        app.deposit(&doctor, &me, "diagnosis").await;
        app.grant(&patient.access_token, &me, &hcp, "indefinite").await;
        let (status, body) = app.call(Method::POST, &format!("/v1/patients/{me}/withdraw"), Some(&patient.access_token), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!((body["status"].as_str(), body["consents_ended"].as_i64()), (Some("withdrawn"), Some(1)));
        let (status, body) = app.read_record(&doctor, &me, None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("patient_withdrawn")));
        let (_, feed) = app.get_auth("/v1/hcp/consent-events", &doctor.token).await;
        assert_eq!(codes(&feed["events"], "event"), vec!["granted", "revoked"]);
        let (status, _) = app.get_auth("/v1/me", &patient.access_token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the account is closed");
        let (status, body) = app.sign_in(&mut key).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("account_withdrawn")));
        let kept = app.state.db.run(move |c| Ok(ehealth_api::store::consents::records_of(c, &me, &["diagnosis".to_owned()])?)).await.unwrap_or_default();
        assert_eq!(kept.len(), 1, "records are retained");
    }
}

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

on_both_backends! {
    async fn the_access_log_is_append_only_and_verify_finds_tampering(app) {
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
        assert_eq!(verdict, json!({"intact": true, "entries": 3}));

        // The application's own connection cannot change or remove an entry.
        let update = format!("UPDATE access_log SET purpose = 'nothing to see' WHERE patient_id = '{me}' AND seq = 2");
        let delete = format!("DELETE FROM access_log WHERE patient_id = '{me}' AND seq = 2");
        assert!(sql(&app, &update).await.is_err(), "updates are refused");
        assert!(sql(&app, &delete).await.is_err(), "deletes are refused");

        // Someone who gets past that (an administrator dropping the guard) is found out.
        let (off, on) = match app.env.backend {
            Backend::Sqlite => ("DROP TRIGGER access_log_no_update", None),
            Backend::Postgres => ("ALTER TABLE access_log DISABLE TRIGGER access_log_no_change", Some("ALTER TABLE access_log ENABLE TRIGGER access_log_no_change")),
        };
        sql(&app, off).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sql(&app, &update).await, Ok(1));
        let (_, verdict) = app.get_auth(&verify, &patient.access_token).await;
        assert_eq!(verdict, json!({"intact": false, "entries": 3, "first_broken_seq": 2}));
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
            Backend::Postgres => ("ALTER TABLE access_log DISABLE TRIGGER access_log_no_change", Some("ALTER TABLE access_log ENABLE TRIGGER access_log_no_change")),
        };
        sql(&app, off).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sql(&app, &format!("DELETE FROM access_log WHERE patient_id = '{them}' AND seq = 2")).await, Ok(1));
        if let Some(on) = on {
            sql(&app, on).await.unwrap_or_else(|e| panic!("{e}"));
        }
        let (_, verdict) = app.get_auth(&format!("/v1/patients/{them}/access-log/verify"), &patient2.access_token).await;
        assert_eq!(verdict, json!({"intact": false, "entries": 2, "first_broken_seq": 2}));

        // A truncated tail leaves a consistent chain; the device's checkpoint finds it.
        let (patient3, _) = verified_adult(&app).await;
        let p3 = patient3.patient_id.clone();
        for _ in 0..3 {
            app.read_record(&doctor, &p3, None).await;
        }
        let (_, log) = app.get_auth(&format!("/v1/patients/{p3}/access-log"), &patient3.access_token).await;
        let last_hash = log["entries"][0]["hash"].as_str().unwrap_or_default().to_owned();
        sql(&app, off).await.ok();
        assert_eq!(sql(&app, &format!("DELETE FROM access_log WHERE patient_id = '{p3}' AND seq = 3")).await, Ok(1));
        if let Some(on) = on {
            sql(&app, on).await.unwrap_or_else(|e| panic!("{e}"));
        }
        let path = format!("/v1/patients/{p3}/access-log/verify");
        let (_, plain) = app.get_auth(&path, &patient3.access_token).await;
        assert_eq!(plain, json!({"intact": true, "entries": 2}), "without a checkpoint a cut tail is invisible");
        let (_, checked) = app.get_auth(&format!("{path}?seq=3&hash={last_hash}"), &patient3.access_token).await;
        assert_eq!(checked, json!({"intact": false, "entries": 2, "first_broken_seq": 3}));
        let (status, _) = app.get_auth(&format!("{path}?seq=3"), &patient3.access_token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// No read that starts after the revocation has committed succeeds, however many are in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revocation_wins_against_concurrent_reads() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let hcp = app
        .create_hcp("Busy Clinic", "private", "kowloon_city")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (patient, _) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    let (_, consent) = app
        .grant(&patient.access_token, &me, &hcp, "indefinite")
        .await;
    let url = app.url(&format!("/v1/hcp/patients/{me}/record-reads"));
    let mut readers = Vec::new();
    for _ in 0..6 {
        let (client, url, token) = (app.client.clone(), url.clone(), doctor.token.clone());
        readers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..25 {
                let started = tokio::time::Instant::now();
                let status = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"purpose": "race", "under_care": true}))
                    .send()
                    .await
                    .map(|r| r.status())
                    .unwrap_or(StatusCode::BAD_GATEWAY);
                seen.push((started, status));
            }
            seen
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let id = consent["consent_id"].as_str().unwrap_or_default();
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/patients/{me}/consents/{id}"),
            Some(&patient.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let done = tokio::time::Instant::now();
    let mut before = 0;
    let mut after = 0;
    for r in readers {
        for (started, status) in r.await.unwrap_or_default() {
            if started > done {
                after += 1;
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "a read started after the revocation"
                );
            } else if status == StatusCode::OK {
                before += 1;
            }
        }
    }
    assert!(
        before > 0 && after > 0,
        "the race must have both sides: {before} before, {after} after"
    );
    // Commit order, not arrival order: every allowed read took its place in the patient's sync
    // stream before the revocation did (both are numbered by the same counter under the
    // patient's lock), so no read was allowed after the revocation committed.
    let (log, revoked) = app
        .state
        .db
        .run({
            let (me, id) = (me.clone(), id.to_owned());
            move |c| {
                Ok((
                    ehealth_api::store::consents::log_of(c, &me)?,
                    ehealth_api::store::consents::find(c, &id)?,
                ))
            }
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let revoked_at = revoked.map(|c| c.sync_version).unwrap_or(0);
    assert!(revoked_at > 0);
    for e in &log {
        if e.outcome == "allowed" {
            assert!(
                e.sync_version < revoked_at,
                "read {} allowed after the revocation",
                e.seq
            );
        } else {
            assert!(
                e.sync_version > revoked_at,
                "read {} refused before the revocation",
                e.seq
            );
        }
    }
}

on_both_backends! {
    async fn a_parent_consents_for_a_child_and_reads_the_childs_access_log_until_the_16th_birthday(app) {
        app.clock.set_rfc3339("2026-11-22T15:50:00Z");
        let hcp = app.create_hcp("Paediatric Clinic", "private", "southern").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let (parent, _) = verified_adult(&app).await;
        let (kid, _) = app.add_child(&parent.access_token, &ehealth_tests::family::child("2010-11-23")).await;
        // The child's identity is not verified yet: no consent can be given.
        let (status, body) = app.grant(&parent.access_token, &kid, &hcp, "indefinite").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("patient_not_verified")));
        app.verify(&kid).await;
        let (status, body) = app.grant(&parent.access_token, &kid, &hcp, "indefinite").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, _) = app.read_record(&doctor, &kid, None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, log) = app.get_auth(&format!("/v1/patients/{kid}/access-log"), &parent.access_token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(codes(&log["entries"], "outcome"), vec!["allowed"]);
        // The record access notice goes to the child's record, for the family's devices.
        assert_eq!(app.notices_for(&kid).await.iter().filter(|(k, _)| k == "record_accessed").count(), 1);

        // From 00:00 on the 16th birthday the parent can no longer act for the child.
        app.clock.set_rfc3339("2026-11-22T16:00:00Z");
        for path in [format!("/v1/patients/{kid}/consents"), format!("/v1/patients/{kid}/access-log")] {
            let (status, body) = app.get_auth(&path, &parent.access_token).await;
            assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("sdm_authority_ended")), "{path}");
        }
        // The consent the parent gave carries on for the young person.
        let (status, _) = app.read_record(&doctor, &kid, None).await;
        assert_eq!(status, StatusCode::OK);
    }
}

on_both_backends! {
    async fn consents_records_and_the_access_log_sync_down_and_never_up(app) {
        use ehealth_contracts::MutationStatus;
        let hcp = app.create_hcp("Harbour Clinic", "private", "wan_chai").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let (patient, _) = verified_adult(&app).await;
        let me = patient.patient_id.clone();
        let mut phone = ehealth_tests::devices::Device {
            engine: ehealth_sync::ClientEngine::new(patient.device_id.clone()),
            token: patient.access_token.clone(),
            patient_id: me.clone(),
        };
        phone.pull_all(&app, 100).await;
        let record = app.deposit(&doctor, &me, "lab_result").await;
        let (_, consent) = app.grant(&patient.access_token, &me, &hcp, "indefinite").await;
        app.read_record(&doctor, &me, None).await;
        phone.pull_all(&app, 100).await;
        let field = |table: &str, id: &str, f: &str| {
            phone.engine.row(table, id).and_then(|r| r.state.fields.get(f).cloned()).unwrap_or(Value::Null)
        };
        let consent_id = consent["consent_id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(field("records", record["record_id"].as_str().unwrap_or_default(), "category"), "lab_result");
        assert_eq!(field("consents", &consent_id, "status"), "active");
        let logged: Vec<_> = phone.engine.rows().into_iter().filter(|((t, _), _)| t == "access_log").collect();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].1.state.fields.get("outcome"), Some(&json!("allowed")));

        // A revocation reaches the device on its next pull.
        app.call(Method::DELETE, &format!("/v1/patients/{me}/consents/{consent_id}"), Some(&patient.access_token), None).await;
        phone.pull_all(&app, 100).await;
        let field = |table: &str, id: &str, f: &str| {
            phone.engine.row(table, id).and_then(|r| r.state.fields.get(f).cloned()).unwrap_or(Value::Null)
        };
        assert_eq!(field("consents", &consent_id, "status"), "revoked");

        // Nothing syncs up into them.
        for table in ["records", "consents", "access_log"] {
            phone.engine.upsert(table, &uuid::Uuid::now_v7().to_string(), &me,
                ehealth_tests::devices::fields(json!({"display": "forged"})), ehealth_tests::devices::now_ms(&app));
            let res = phone.push_all(&app).await;
            let r = &res[0].results[0];
            assert_eq!((r.status, r.code.as_deref()), (MutationStatus::Rejected, Some("read_only_table")), "{table}");
        }
    }
}

on_both_backends! {
    async fn the_daily_job_reminds_before_and_expires_one_year_consents_once(app) {
        use ehealth_api::jobs::consent_expiry;
        app.clock.set_rfc3339("2026-11-22T04:00:00Z");
        let hcp = app.create_hcp("Old Regime Clinic", "private", "north").await;
        let (patient, _) = verified_adult(&app).await;
        let me = patient.patient_id.clone();
        let (_, consent) = app.grant(&patient.access_token, &me, &hcp, "one_year").await;
        assert_eq!(consent["valid_until"], "2027-11-22");
        let other = app.sibling().await;
        let runs = |at: &'static str| {
            let (a, b) = (app.state.clone(), other.state.clone());
            app.clock.set_rfc3339(at);
            async move {
                let (x, y) = tokio::join!(consent_expiry::run(&a), consent_expiry::run(&b));
                let done: Vec<consent_expiry::Report> = [x, y].into_iter().filter_map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect();
                assert_eq!(done.len(), 1, "one instance runs the day");
                done[0]
            }
        };
        // 00:00 Hong Kong time 30 days, then 7 days, before the last day; then the day after it.
        assert_eq!(runs("2027-10-22T16:00:00Z").await, consent_expiry::Report { expired: 0, reminders: 1 });
        assert_eq!(runs("2027-11-14T16:00:00Z").await, consent_expiry::Report { expired: 0, reminders: 1 });
        assert_eq!(runs("2027-11-21T16:00:00Z").await, consent_expiry::Report { expired: 0, reminders: 0 });
        assert_eq!(runs("2027-11-22T16:00:00Z").await, consent_expiry::Report { expired: 1, reminders: 0 });
        let notices = app.notices_for(&me).await;
        let days: Vec<i64> = notices.iter().filter(|(k, _)| k == "consent_expiring").filter_map(|(_, p)| p["notice_days_before"].as_i64()).collect();
        assert_eq!(days, vec![30, 7]);
        assert_eq!(notices.iter().filter(|(k, _)| k == "consent_expired").count(), 1);
        let feed = app.state.db.run({ let h = hcp.clone(); move |c| Ok(ehealth_api::store::consents::events_after(c, &h, 0, 10)?) }).await.unwrap_or_default();
        let kinds: Vec<&str> = feed.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(kinds, vec!["granted", "expired"]);
    }
}

on_both_backends! {
    async fn hcp_systems_report_smart_cards_and_deposit_with_client_credentials(app) {
        let hcp = app.create_hcp("Card Clinic", "private", "tuen_mun").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let (status, creds) = app.officer(Method::POST, &format!("/v1/officer/hcps/{hcp}/systems"), Some(json!({"name": "Front desk reader"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{creds}");
        let client_id = creds["client_id"].as_str().unwrap_or_default().to_owned();
        let secret = creds["client_secret"].as_str().unwrap_or_default().to_owned();
        let stored = app.state.db.run({ let id = client_id.clone(); move |c| Ok(ehealth_api::store::hcps::find_system(c, &id)?) }).await.ok().flatten();
        assert!(stored.is_some_and(|s| s.secret_hash.starts_with("$argon2id$") && !s.secret_hash.contains(&secret)));

        let token_req = |id: &str, secret: &str| json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret});
        let (status, body) = app.post("/v1/hcp/system-tokens", token_req(&client_id, "wrong")).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
        let (status, body) = app.post("/v1/hcp/system-tokens", token_req("nobody", &secret)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
        let (status, body) = app.post("/v1/hcp/system-tokens", json!({"grant_type": "password", "client_id": client_id, "client_secret": secret})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")));
        let (status, body) = app.post("/v1/hcp/system-tokens", token_req(&client_id, &secret)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let system = body["access_token"].as_str().unwrap_or_default().to_owned();

        let person = Person::adult();
        let (patient, _) = app.register(&person).await;
        app.verify(&patient.patient_id).await;
        let card = |read_at: String| json!({"identity_document": {"type": "hkid", "number": person.hkid}, "card_read_at": read_at});
        let now = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(i64::try_from(ehealth_tests::devices::now_ms(&app)).unwrap_or(0)).unwrap_or_default();
        // A staff token or a patient token is not a system's.
        let (status, _) = app.call(Method::POST, "/v1/hcp/consents/by-smart-card", Some(&doctor.token), Some(card(now.to_rfc3339()))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app.call(Method::POST, "/v1/hcp/consents/by-smart-card", Some(&system), Some(card((now - chrono::Duration::minutes(10)).to_rfc3339()))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a stale card read is not consent");
        let (status, consent) = app.call(Method::POST, "/v1/hcp/consents/by-smart-card", Some(&system), Some(card(now.to_rfc3339()))).await;
        assert_eq!(status, StatusCode::CREATED, "{consent}");
        assert_eq!((consent["method"].as_str(), consent["hcp_id"].as_str()), (Some("smart_card"), Some(hcp.as_str())));

        // The system deposits; the doctor reads under the card consent.
        let (status, body) = app.call(Method::POST, &format!("/v1/hcp/patients/{}/records", patient.patient_id), Some(&system),
            Some(json!({"category": "vaccination", "code": "COVID-19", "display": "COVID-19 vaccine", "recorded_at": "2026-11-01T09:00:00+08:00"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = app.read_record(&doctor, &patient.patient_id, Some(&["vaccination"])).await;
        assert_eq!((status, codes(&body["records"], "display")), (StatusCode::OK, vec!["COVID-19 vaccine".to_owned()]));
        // A system token is nobody's session.
        let (status, _) = app.get_auth("/v1/hcp/consent-events", &system).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // The patient heard about the card consent.
        assert!(app.notices_for(&patient.patient_id).await.iter().any(|(k, p)| k == "consent_granted" && p["method"] == "smart_card"));
        // Revoked by the office: its token dies at once, and it can get no new one.
        let revoke = format!("/v1/officer/hcps/{hcp}/systems/{client_id}/revoke");
        let (status, _) = app.officer(Method::POST, &revoke, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.officer(Method::POST, &revoke, None).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = app.call(Method::POST, "/v1/hcp/consents/by-smart-card", Some(&system), Some(card(now.to_rfc3339()))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = app.post("/v1/hcp/system-tokens", token_req(&client_id, &secret)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn an_hcp_asks_for_consent_and_a_parent_approves_for_the_child(app) {
        let hcp = app.create_hcp("Asking Clinic", "private", "eastern").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let (parent, _) = verified_adult(&app).await;
        let (kid, _) = app.add_child(&parent.access_token, &ehealth_tests::family::child("2018-02-02")).await;
        app.verify(&kid).await;
        let ask = || app.call(Method::POST, "/v1/hcp/consent-requests", Some(&doctor.token), Some(json!({"patient_id": kid})));
        let (status, first) = ask().await;
        assert_eq!((status, first["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{first}");
        let (_, second) = ask().await;
        // The parent hears about it.
        assert!(app.notices_for(&parent.patient_id).await.iter().any(|(k, p)| k == "consent_requested" && p["request_id"] == first["request_id"]));
        let (status, list) = app.get_auth(&format!("/v1/patients/{kid}/consent-requests"), &parent.access_token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(codes(&list["requests"], "status"), vec!["pending", "pending"]);

        let decide = |id: &Value, what: &str| {
            let path = format!("/v1/patients/{kid}/consent-requests/{}/{what}", id.as_str().unwrap_or_default());
            let (app, token) = (&app, parent.access_token.clone());
            async move { app.call(Method::POST, &path, Some(&token), None).await }
        };
        let (status, body) = decide(&second["request_id"], "decline").await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("declined")));
        let (status, body) = app.read_record(&doctor, &kid, None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("no_sharing_consent")));
        let (status, body) = decide(&first["request_id"], "approve").await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("approved")), "{body}");
        assert!(body["consent_id"].is_string());
        let (status, _) = decide(&first["request_id"], "approve").await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = app.read_record(&doctor, &kid, None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = ask().await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("consent_already_active")));
        // A stranger can neither see nor decide the child's requests.
        let (stranger, _) = verified_adult(&app).await;
        let (status, _) = app.get_auth(&format!("/v1/patients/{kid}/consent-requests"), &stranger.access_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
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
    let ids = |v: &Value| codes(&v["hcps"], "hcp_id");
    // No sign-in needed.
    let (status, all) = app.call(Method::GET, "/v1/hcps", None, None).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(ids(&all).len(), 3);
    let (_, by_name) = app
        .call(Method::GET, "/v1/hcps?q=HARBOUR", None, None)
        .await;
    assert_eq!(ids(&by_name), vec![harbour.clone()]);
    let (_, by_chinese) = app
        .call(Method::GET, "/v1/hcps?q=%E8%A8%BA%E6%89%80", None, None)
        .await;
    assert_eq!(ids(&by_chinese).len(), 3, "診所 is in every Chinese name");
    let (_, by_district) = app
        .call(Method::GET, "/v1/hcps?district=sha_tin", None, None)
        .await;
    let mut d = ids(&by_district);
    d.sort();
    let mut want = vec![hill.clone(), hospital.clone()];
    want.sort();
    assert_eq!(d, want);
    let (_, by_profession) = app
        .call(Method::GET, "/v1/hcps?profession=dentist", None, None)
        .await;
    assert_eq!(ids(&by_profession), vec![hill.clone()]);
    assert_eq!(by_profession["hcps"][0]["professions"], json!(["dentist"]));
    assert_eq!(
        by_profession["hcps"][0]["locations"][0]["district"],
        "sha_tin"
    );
    // Paged.
    let (_, page) = app.call(Method::GET, "/v1/hcps?limit=2", None, None).await;
    assert_eq!(ids(&page).len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
    let (_, rest) = app
        .call(
            Method::GET,
            &format!("/v1/hcps?limit=2&cursor={cursor}"),
            None,
            None,
        )
        .await;
    assert_eq!(ids(&rest).len(), 1);
    assert!(rest["next_cursor"].is_null());
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

/// Sector x consent state, for one professional: only a public HCP (deemed consent) or a valid
/// consent opens a verified, enrolled record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sector_by_consent_state_decides_the_read() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.clock.set_rfc3339("2026-11-22T04:00:00Z");
    for sector in ["public", "private"] {
        let hcp = app
            .create_hcp(&format!("{sector} clinic"), sector, "wan_chai")
            .await;
        let doctor = app.staff(&hcp, "nurse", &[]).await;
        for state in [
            "none",
            "active",
            "revoked",
            "expired",
            "unverified",
            "withdrawn",
        ] {
            let (patient, _) = if state == "unverified" {
                app.register(&Person::adult()).await
            } else {
                verified_adult(&app).await
            };
            let me = patient.patient_id.clone();
            let t = &patient.access_token;
            match state {
                "active" => {
                    app.grant(t, &me, &hcp, "indefinite").await;
                }
                "revoked" => {
                    let (_, c) = app.grant(t, &me, &hcp, "indefinite").await;
                    let id = c["consent_id"].as_str().unwrap_or_default();
                    app.call(
                        Method::DELETE,
                        &format!("/v1/patients/{me}/consents/{id}"),
                        Some(t),
                        None,
                    )
                    .await;
                }
                "expired" => {
                    // A one-year consent granted a year and two days ago.
                    app.clock.set_rfc3339("2025-11-20T04:00:00Z");
                    let (fresh, _) = verified_adult(&app).await;
                    let (status, _) = app
                        .grant(&fresh.access_token, &fresh.patient_id, &hcp, "one_year")
                        .await;
                    assert_eq!(status, StatusCode::CREATED);
                    app.clock.set_rfc3339("2026-11-22T04:00:00Z");
                    let d = app.staff(&hcp, "nurse", &[]).await;
                    let (status, body) = app.read_record(&d, &fresh.patient_id, None).await;
                    let expect = if sector == "public" {
                        None
                    } else {
                        Some("no_sharing_consent")
                    };
                    assert_eq!(body["code"].as_str(), expect, "{sector} {state}: {status}");
                    continue;
                }
                "withdrawn" => {
                    app.grant(t, &me, &hcp, "indefinite").await;
                    app.call(
                        Method::POST,
                        &format!("/v1/patients/{me}/withdraw"),
                        Some(t),
                        None,
                    )
                    .await;
                }
                _ => {}
            }
            let (status, body) = app.read_record(&doctor, &me, None).await;
            let expect = match (sector, state) {
                (_, "unverified") => Some("patient_not_verified"),
                (_, "withdrawn") => Some("patient_withdrawn"),
                ("public", _) | (_, "active") => None,
                _ => Some("no_sharing_consent"),
            };
            assert_eq!(
                body["code"].as_str(),
                expect,
                "{sector} {state}: {status} {body}"
            );
            assert_eq!(status.is_success(), expect.is_none(), "{sector} {state}");
        }
    }
}

on_both_backends! {
    async fn a_patient_who_opted_out_is_not_notified_but_every_read_is_still_logged(app) {
        let mut body = Person::adult().registration_body();
        body["notify_on_access"] = json!(false);
        let (status, started) = app.post("/v1/registrations", body).await;
        assert_eq!(status, StatusCode::CREATED, "{started}");
        let mut key = ehealth_tests::TestPasskey::new();
        let credential = key.create(serde_json::from_value(started["creation_options"].clone()).unwrap_or_else(|e| panic!("{e}")));
        let (status, tokens) = app.post(&format!("/v1/registrations/{}/complete", started["registration_id"].as_str().unwrap_or_default()),
            json!({"credential": credential, "device": {"name": "phone", "platform": "ios"}})).await;
        assert_eq!(status, StatusCode::CREATED, "{tokens}");
        let me = tokens["patient_id"].as_str().unwrap_or_default().to_owned();
        let token = tokens["access_token"].as_str().unwrap_or_default().to_owned();
        app.verify(&me).await;
        let hcp = app.create_hcp("Quiet Clinic", "public", "islands").await;
        let doctor = app.staff(&hcp, "nurse", &[]).await;
        let (status, _) = app.read_record(&doctor, &me, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(app.notices_for(&me).await.iter().all(|(k, _)| k != "record_accessed"));
        let (_, log) = app.get_auth(&format!("/v1/patients/{me}/access-log"), &token).await;
        assert_eq!(codes(&log["entries"], "outcome"), vec!["allowed"]);
    }
}
