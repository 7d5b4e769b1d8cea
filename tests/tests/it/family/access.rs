//! Nobody reaches a patient they may not act for: not by path, not by link, not by sync.

use ehealth_contracts::{ListDependantsResponse, MutationStatus};
use ehealth_tests::devices::{Device, bp, now_ms};
use ehealth_tests::family::{child, pdf, verified_adult};
use ehealth_tests::{TestApp, on_both_backends};
use reqwest::{Method, StatusCode};

on_both_backends!(nobody_reaches_a_patient_they_may_not_act_for);
async fn nobody_reaches_a_patient_they_may_not_act_for(app: TestApp) {
    let (x_parent, _) = verified_adult(&app).await;
    let (y_parent, _) = verified_adult(&app).await;
    let (stranger, _) = verified_adult(&app).await;
    let (x, x_link) = app
        .add_child(&x_parent.access_token, &child("2017-01-01"))
        .await;
    let (y, y_link) = app
        .add_child(&y_parent.access_token, &child("2016-02-02"))
        .await;
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
            let (status, _) = app
                .call(
                    Method::POST,
                    &format!("/v1/patients/{patient}/claim-code"),
                    Some(token),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        let (status, _) = app
            .call(
                Method::DELETE,
                &format!("/v1/sdm-links/{y_link}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app
            .upload_document(token, &y_link, "application/pdf", pdf())
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // The stranger sees no dependants; X's parent sees only X.
    let list: ListDependantsResponse = app.get_as("/v1/dependants", &stranger.access_token).await;
    assert!(list.dependants.is_empty());
    let list: ListDependantsResponse = app.get_as("/v1/dependants", &x_parent.access_token).await;
    let ids: Vec<&str> = list
        .dependants
        .iter()
        .map(|d| d.patient_id.as_str())
        .collect();
    assert_eq!(ids, vec![x.as_str()]);
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/sdm-links/{x_link}"),
            Some(&stranger.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A push into another family's scope is refused per mutation.
    let mut phone = Device::signed_in(&x_parent);
    phone.engine.upsert(
        "bp_readings",
        &uuid::Uuid::now_v7().to_string(),
        &y,
        bp(120, 80),
        now_ms(&app),
    );
    let res = phone.push_all(&app).await;
    assert_eq!(res[0].results[0].status, MutationStatus::Forbidden);
}
