//! One-year consents (the earlier regime, brought over by import): no new ones, the last Hong
//! Kong day, renewal into an indefinite consent, and the daily job that reminds before and
//! expires after.

use ehealth_contracts::{
    ConsentEventsResponse, ConsentResponse, ConsentStatus, ConsentType, ListConsentsResponse,
};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};

use super::events;

on_both_backends!(legacy_one_year_consents_expire_and_become_indefinite_when_renewed);
async fn legacy_one_year_consents_expire_and_become_indefinite_when_renewed(app: TestApp) {
    app.clock.set_rfc3339("2026-11-22T04:00:00Z");
    let hcp = app
        .create_hcp("Old Regime Clinic", "private", "central_and_western")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (patient, mut key) = verified_adult(&app).await;
    let me = patient.patient_id.clone();
    // New one-year consents are no longer given; a deployment imports its old ones.
    let (status, body) = app
        .grant(&patient.access_token, &me, &hcp, "one_year")
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("one_year_consent_discontinued")
        )
    );
    let report = app
        .legacy_consent(&me, &hcp, "2026-11-22", "2027-11-22")
        .await;
    assert_eq!((report.imported, report.already_present), (1, 0));
    let again = app
        .legacy_consent(&me, &hcp, "2026-11-22", "2027-11-22")
        .await;
    assert_eq!(
        (again.imported, again.already_present),
        (0, 1),
        "idempotent"
    );
    let list: ListConsentsResponse = app
        .get_as(
            &format!("/v1/patients/{me}/consents"),
            &patient.access_token,
        )
        .await;
    let consent = list.consents[0].clone();
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
    // An expired legacy consent cannot be imported again as if it were valid.
    let late = app
        .legacy_consent(&me, &hcp, "2026-11-22", "2027-11-22")
        .await;
    assert_eq!(late.refused.len(), 1, "{late:?}");

    // A legacy consent still valid becomes indefinite when renewed, or when consent is given
    // again; the HCP's feed says `renewed` either way.
    let renewing = app.create_hcp("Renewing Clinic", "private", "north").await;
    let regranting = app
        .create_hcp("Regranting Clinic", "private", "north")
        .await;
    for h in [&renewing, &regranting] {
        let r = app.legacy_consent(&me, h, "2027-06-01", "2028-06-01").await;
        assert_eq!(r.imported, 1, "{r:?}");
    }
    let list: ListConsentsResponse = app
        .get_as(&format!("/v1/patients/{me}/consents"), &token)
        .await;
    let legacy = |h: &str| {
        list.consents
            .iter()
            .find(|c| c.hcp_id == h)
            .map(|c| c.consent_id.clone())
            .unwrap_or_default()
    };
    let renewed: ConsentResponse = app
        .call_as(
            StatusCode::OK,
            Method::POST,
            &format!("/v1/patients/{me}/consents/{}/renew", legacy(&renewing)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (renewed.consent_type, renewed.valid_until.as_deref()),
        (ConsentType::Indefinite, None)
    );
    let (status, regranted) = app.grant(&token, &me, &regranting, "indefinite").await;
    assert!(status.is_success(), "{regranted}");
    let regranted: ConsentResponse = regranted.json_as();
    assert_eq!(
        (regranted.consent_id, regranted.consent_type),
        (legacy(&regranting), ConsentType::Indefinite)
    );
    let staff = app.staff(&renewing, "medical_practitioner", &[]).await;
    let feed: ConsentEventsResponse = app.get_as("/v1/hcp/consent-events", &staff.token).await;
    assert_eq!(events(&feed), vec!["granted", "renewed"]);
    doctor.sign_in_again(&app).await;
    let feed: ConsentEventsResponse = app.get_as("/v1/hcp/consent-events", &doctor.token).await;
    // Its expiry reaches the feed with the daily job (the next story).
    assert_eq!(events(&feed), vec!["granted"]);
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
    let report = app
        .legacy_consent(&me, &hcp, "2026-11-22", "2027-11-22")
        .await;
    assert_eq!(report.imported, 1, "{report:?}");
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
