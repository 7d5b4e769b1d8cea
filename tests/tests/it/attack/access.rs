//! Attacks on who may list SDM actions and change preferences.

use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(attack_trust_sdm_actions_only_for_authority);
async fn attack_trust_sdm_actions_only_for_authority(app: TestApp) {
    let (mother, _) = verified_adult(&app).await;
    let (father, _) = verified_adult(&app).await;
    let (asker, _) = verified_adult(&app).await;
    let (other, _) = verified_adult(&app).await;
    let kid = child("2015-07-07");
    let (child_id, _) = app.add_child(&mother.access_token, &kid).await;
    app.verify(&child_id).await;
    let father_link = app
        .join_approved(&father.access_token, &kid, "parent", &mother.access_token)
        .await;
    let (_, body) = app
        .add_dependant(&asker.access_token, &kid, "family_member", false)
        .await;
    assert_eq!(body["link_status"], "pending_approval", "{body}");
    let path = format!("/v1/patients/{child_id}/sdm-actions");
    let (status, _) = app.get_auth(&path, &father.access_token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/v1/sdm-links/{father_link}"),
            Some(&father.access_token),
            None,
        )
        .await;
    assert!(status.is_success(), "{body}");
    for (who, token) in [
        ("ended sdm", &father.access_token),
        ("pending asker", &asker.access_token),
        ("other patient", &other.access_token),
    ] {
        let (status, body) = app.get_auth(&path, token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {body}");
    }
    let (status, _) = app
        .get_auth(
            &format!("/v1/patients/{}/sdm-actions", mother.patient_id),
            &other.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .get_auth(
            &format!("/v1/patients/{}/sdm-actions", other.patient_id),
            &other.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "own list: {body}");
}

// Preferences: other people's ids, bad values, NUL.
on_both_backends!(attack_trust_preferences);
async fn attack_trust_preferences(app: TestApp) {
    let (me, _) = verified_adult(&app).await;
    let (other, _) = verified_adult(&app).await;
    let mine = format!("/v1/patients/{}/preferences", me.patient_id);
    let theirs = format!("/v1/patients/{}/preferences", other.patient_id);
    let (status, body) = app
        .call(
            Method::PATCH,
            &theirs,
            Some(&me.access_token),
            Some(json!({"notify_on_access": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app
        .call(
            Method::PATCH,
            &theirs,
            None,
            Some(json!({"notify_on_access": false})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    for bad in [
        json!({"preferred_language": "xx"}),
        json!({"preferred_language": "en\u{0}"}),
        json!({"preferred_language": "zh-HK\u{202E}"}),
        json!({"notify_on_access": "yes"}),
        json!({"notify_on_access": null, "preferred_language": 5}),
        json!([1, 2]),
        json!("notify"),
    ] {
        let (status, body) = app
            .call(
                Method::PATCH,
                &mine,
                Some(&me.access_token),
                Some(bad.clone()),
            )
            .await;
        assert!(
            status.is_client_error() && status != StatusCode::NOT_FOUND,
            "{bad}: {status} {body}"
        );
    }
    let (status, body) = app
        .call(
            Method::PATCH,
            &mine,
            Some(&me.access_token),
            Some(json!({"preferred_language": "en\u{0}"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_characters"))
    );
    // Still the patient's preferences after all the bad attempts.
    let (status, body) = app
        .call(
            Method::PATCH,
            &mine,
            Some(&me.access_token),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
