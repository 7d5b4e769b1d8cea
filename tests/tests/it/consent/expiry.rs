//! One-year consents (the earlier regime): the last Hong Kong day, renewal, and the daily job
//! that reminds before and expires after.

use ehealth_contracts::{
    ConsentEventsResponse, ConsentResponse, ConsentStatus, ListConsentsResponse,
};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};

use super::events;

on_both_backends!(one_year_consents_expire_after_their_last_hong_kong_day_and_renew);
async fn one_year_consents_expire_after_their_last_hong_kong_day_and_renew(app: TestApp) {
    app.clock.set_rfc3339("2026-11-22T04:00:00Z");
    let hcp = app
        .create_hcp("Old Regime Clinic", "private", "central_and_western")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (patient, mut key) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    let (status, consent) = app
        .grant(&patient.access_token, &me, &hcp, "one_year")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{consent}");
    let consent: ConsentResponse = consent.json_as();
    assert_eq!(consent.valid_until.as_deref(), Some("2027-11-22"));

    // 23:59:59 on 22 November 2027 in Hong Kong: still valid; a second later: not.
    app.clock.set_rfc3339("2027-11-22T15:59:59Z");
    let token = app.sign_in_patient(&mut key).await.access_token;
    let mut doctor = doctor;
    doctor.sign_in_again(&app).await;
    let (status, _) = app.read_record(&doctor, &me, None).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.set_rfc3339("2027-11-22T16:00:00Z");
    let (status, body) = app.read_record(&doctor, &me, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_sharing_consent"))
    );
    let list: ListConsentsResponse = app
        .get_as(&format!("/v1/patients/{me}/consents"), &token)
        .await;
    assert_eq!(list.consents[0].status, ConsentStatus::Expired);
    let id = consent.consent_id;
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/patients/{me}/consents/{id}/renew"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("consent_not_active"))
    );

    // A new one-year consent replaces it; renewing moves the last day.
    let (status, again) = app.grant(&token, &me, &hcp, "one_year").await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let again: ConsentResponse = again.json_as();
    assert_eq!(again.valid_until.as_deref(), Some("2028-11-23"));
    app.clock.set_rfc3339("2028-06-01T04:00:00Z");
    let token = app.sign_in_patient(&mut key).await.access_token;
    let renewed: ConsentResponse = app
        .call_as(
            StatusCode::OK,
            Method::POST,
            &format!("/v1/patients/{me}/consents/{}/renew", again.consent_id),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(renewed.valid_until.as_deref(), Some("2029-06-01"));
    doctor.sign_in_again(&app).await;
    let feed: ConsentEventsResponse = app.get_as("/v1/hcp/consent-events", &doctor.token).await;
    assert_eq!(
        events(&feed),
        vec!["granted", "expired", "granted", "renewed"]
    );
}

on_both_backends!(the_daily_job_reminds_before_and_expires_one_year_consents_once);
async fn the_daily_job_reminds_before_and_expires_one_year_consents_once(app: TestApp) {
    use ehealth_api::jobs::consent_expiry;
    app.clock.set_rfc3339("2026-11-22T04:00:00Z");
    let hcp = app
        .create_hcp("Old Regime Clinic", "private", "north")
        .await;
    let (patient, _) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    let (_, consent) = app
        .grant(&patient.access_token, &me, &hcp, "one_year")
        .await;
    assert_eq!(
        consent.json_as::<ConsentResponse>().valid_until.as_deref(),
        Some("2027-11-22")
    );
    let other = app.sibling().await;
    let runs = |at: &'static str| {
        let (a, b) = (app.state.clone(), other.state.clone());
        app.clock.set_rfc3339(at);
        async move {
            let (x, y) = tokio::join!(consent_expiry::run(&a), consent_expiry::run(&b));
            let done: Vec<consent_expiry::Report> = [x, y]
                .into_iter()
                .filter_map(|r| r.unwrap_or_else(|e| panic!("{e}")))
                .collect();
            assert_eq!(done.len(), 1, "one instance runs the day");
            done[0]
        }
    };
    // 00:00 Hong Kong time 30 days, then 7 days, before the last day; then the day after it.
    assert_eq!(
        runs("2027-10-22T16:00:00Z").await,
        consent_expiry::Report {
            expired: 0,
            reminders: 1
        }
    );
    assert_eq!(
        runs("2027-11-14T16:00:00Z").await,
        consent_expiry::Report {
            expired: 0,
            reminders: 1
        }
    );
    assert_eq!(
        runs("2027-11-21T16:00:00Z").await,
        consent_expiry::Report {
            expired: 0,
            reminders: 0
        }
    );
    assert_eq!(
        runs("2027-11-22T16:00:00Z").await,
        consent_expiry::Report {
            expired: 1,
            reminders: 0
        }
    );
    let notices = app.notices_for(&me).await;
    let days: Vec<i64> = notices
        .iter()
        .filter(|(k, _)| k == "consent_expiring")
        .filter_map(|(_, p)| p["notice_days_before"].as_str()?.parse().ok())
        .collect();
    assert_eq!(days, vec![30, 7]);
    assert_eq!(
        notices
            .iter()
            .filter(|(k, _)| k == "consent_expired")
            .count(),
        1
    );
    let feed = app
        .state
        .db
        .run({
            let h = hcp.clone();
            move |c| {
                Ok(ehealth_api::store::consent_events::events_after(
                    c, &h, 0, 10,
                )?)
            }
        })
        .await
        .unwrap_or_default();
    let kinds: Vec<&str> = feed.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, vec!["granted", "expired"]);
}
