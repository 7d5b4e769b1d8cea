//! An SDM's authority for a child ends at 00:00 Hong Kong time on the 16th birthday, decided
//! from the clock on every request (29 February births included).

use ehealth_contracts::{ListDependantsResponse, MutationStatus, SdmLinkStatus};
use ehealth_tests::devices::{Device, bp, now_ms};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{Backend, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};

on_both_backends!(authority_ends_at_midnight_hong_kong_time_on_the_sixteenth_birthday);
async fn authority_ends_at_midnight_hong_kong_time_on_the_sixteenth_birthday(app: TestApp) {
    // 23:50 in Hong Kong on 22 November; the child turns 16 on 23 November.
    app.clock.set_rfc3339("2026-11-22T15:50:00Z");
    let (parent, _) = verified_adult(&app).await;
    let (kid, _) = app
        .add_child(&parent.access_token, &child("2010-11-23"))
        .await;
    let mut phone = Device::signed_in(&parent);
    phone.pull_all(&app, 100).await;
    phone.engine.upsert(
        "bp_readings",
        &uuid::Uuid::now_v7().to_string(),
        &kid,
        bp(118, 76),
        now_ms(&app),
    );
    assert_eq!(
        phone.push_all(&app).await[0].results[0].status,
        MutationStatus::Applied
    );
    let diary = format!("/v1/patients/{kid}/diary/bp");

    app.clock.set_rfc3339("2026-11-22T15:59:59Z");
    let (status, body) = app.get_auth(&diary, &parent.access_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: ListDependantsResponse = app.get_as("/v1/dependants", &parent.access_token).await;
    assert!(list.dependants[0].authority);
    assert_eq!(
        list.dependants[0].authority_ends_on.as_deref(),
        Some("2026-11-23")
    );

    // 16:00 UTC is 00:00 on the birthday in Hong Kong: no job has run, yet authority is gone.
    app.clock.set_rfc3339("2026-11-22T16:00:00Z");
    for path in [diary.clone(), format!("/v1/patients/{kid}")] {
        let (status, body) = app.get_auth(&path, &parent.access_token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("sdm_authority_ended")),
            "{path}"
        );
    }
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/patients/{kid}/claim-code"),
            Some(&parent.access_token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("sdm_authority_ended"))
    );
    let list: ListDependantsResponse = app.get_as("/v1/dependants", &parent.access_token).await;
    let entry = &list.dependants[0];
    assert_eq!(
        (entry.link_status, entry.ended_reason.as_deref()),
        (SdmLinkStatus::Ended, Some("came_of_age"))
    );
    assert!(!entry.authority);

    let pages = phone.pull_all(&app, 100).await;
    let removed: Vec<(String, String)> = pages[0]
        .scopes
        .removed
        .iter()
        .map(|r| (r.scope.clone(), r.reason.clone()))
        .collect();
    assert_eq!(removed, vec![(kid.clone(), "came_of_age".to_owned())]);
    phone.engine.upsert(
        "bp_readings",
        &uuid::Uuid::now_v7().to_string(),
        &kid,
        bp(119, 77),
        now_ms(&app),
    );
    assert_eq!(
        phone.push_all(&app).await[0].results[0].status,
        MutationStatus::Forbidden
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_29_february_birth_comes_of_age_on_1_march_in_a_common_year() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // 2100 is not a leap year: someone born on 29 February 2084 turns 16 on 1 March 2100.
    app.clock.set_rfc3339("2100-02-28T15:50:00Z");
    let (parent, _) = verified_adult(&app).await;
    let (kid, _) = app
        .add_child(&parent.access_token, &child("2084-02-29"))
        .await;
    let (leap, _) = app
        .add_child(&parent.access_token, &child("2092-02-29"))
        .await;
    let list: ListDependantsResponse = app.get_as("/v1/dependants", &parent.access_token).await;
    let ends: Vec<(&str, &str)> = list
        .dependants
        .iter()
        .filter_map(|d| Some((d.patient_id.as_str(), d.authority_ends_on.as_deref()?)))
        .collect();
    assert!(ends.contains(&(kid.as_str(), "2100-03-01")), "{ends:?}");
    // A leap-year anniversary is the day itself (2108 is a leap year).
    assert!(ends.contains(&(leap.as_str(), "2108-02-29")), "{ends:?}");

    let path = format!("/v1/patients/{kid}");
    app.clock.set_rfc3339("2100-02-28T15:59:59Z");
    let (status, _) = app.get_auth(&path, &parent.access_token).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.set_rfc3339("2100-02-28T16:00:00Z");
    let (status, body) = app.get_auth(&path, &parent.access_token).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("sdm_authority_ended"))
    );
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{leap}"), &parent.access_token)
        .await;
    assert_eq!(status, StatusCode::OK);
}
