//! Consented reads: the four conditions, profession by category, sector by consent state, and
//! revocation winning against reads in flight.

use ehealth_contracts::ConsentResponse;
use ehealth_tests::family::verified_adult;
use ehealth_tests::{Backend, JsonAs, Person, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::categories;

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
                assert_eq!(categories(&body.json_as()), vec![category]);
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
        let mut got = categories(&body.json_as());
        got.sort();
        let mut want: Vec<&str> = all
            .iter()
            .filter(|c| expected(profession, c))
            .copied()
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
                    let id = c.json_as::<ConsentResponse>().consent_id;
                    app.call(
                        Method::DELETE,
                        &format!("/v1/patients/{me}/consents/{id}"),
                        Some(t),
                        None,
                    )
                    .await;
                }
                "expired" => {
                    // A legacy one-year consent given a year and two days ago.
                    app.clock.set_rfc3339("2025-11-20T04:00:00Z");
                    let (fresh, _) = verified_adult(&app).await;
                    let report = app
                        .legacy_consent(&fresh.patient_id, &hcp, "2025-11-20", "2026-11-20")
                        .await;
                    assert_eq!(report.imported, 1, "{report:?}");
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
    let id = consent.json_as::<ConsentResponse>().consent_id;
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
                    ehealth_api::store::access_log::log_of(c, &me)?,
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
