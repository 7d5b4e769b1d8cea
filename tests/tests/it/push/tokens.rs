//! Push tokens: each patient device and each staff app registers its own, and a staff
//! member's app hears its HCP's consent events until the staff member is deactivated.

use ehealth_api::push::{self, LogSink};
use ehealth_contracts::{ConsentResponse, PushData, StaffPushTokenResponse};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{put_token, sent};

on_both_backends!(devices_register_push_tokens_of_their_own);
async fn devices_register_push_tokens_of_their_own(app: TestApp) {
    let (me, _) = verified_adult(&app).await;
    let (other, _) = verified_adult(&app).await;
    assert_eq!(put_token(&app, &me, "tok-1", "zh-HK").await, StatusCode::OK);
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/v1/me/devices/{}/push-token", other.device_id),
            Some(&me.access_token),
            Some(json!({"token": "tok-2", "platform": "ios"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for bad in ["", "has space"] {
        let (status, _) = app
            .call(
                Method::PUT,
                &format!("/v1/me/devices/{}/push-token", me.device_id),
                Some(&me.access_token),
                Some(json!({"token": bad, "platform": "ios"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
    // A token moves with the app installation: registered on another device, it leaves the first.
    assert_eq!(put_token(&app, &other, "tok-1", "en").await, StatusCode::OK);
    let d = me.device_id.clone();
    let mine = app
        .state
        .db
        .run(move |c| Ok(ehealth_tests::stored::token_of(c, &d)?))
        .await
        .ok()
        .flatten();
    assert!(mine.is_none());
}

on_both_backends!(staff_apps_get_their_hcps_consent_events_until_the_staff_member_is_deactivated);
async fn staff_apps_get_their_hcps_consent_events_until_the_staff_member_is_deactivated(
    app: TestApp,
) {
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let admin = app
        .staff(&hcp, "medical_practitioner", &["user_admin"])
        .await;
    let other_hcp = app.create_hcp("Other Clinic", "private", "wan_chai").await;
    let stranger = app.staff(&other_hcp, "medical_practitioner", &[]).await;
    let (me, _) = verified_adult(&app).await;
    let put = |token: &str, body: serde_json::Value| {
        let token = token.to_owned();
        let app = &app;
        async move {
            app.call(
                Method::PUT,
                "/v1/staff/me/push-token",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (status, body) = put(
        &doctor.token,
        json!({"token": "doctor-phone", "platform": "ios", "locale": "zh-HK"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = body.json_as::<StaffPushTokenResponse>().session_id;
    let (status, body) = put(
        &stranger.token,
        json!({"token": "stranger-phone", "platform": "android"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let stranger_session = body.json_as::<StaffPushTokenResponse>().session_id;
    // Patients' sessions cannot register staff tokens; tokens are checked.
    let (status, _) = put(&me.access_token, json!({"token": "x", "platform": "ios"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = put(
        &doctor.token,
        json!({"token": "has space", "platform": "ios"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, consent) = app
        .grant(&me.access_token, &me.patient_id, &hcp, "indefinite")
        .await;
    let id = consent.json_as::<ConsentResponse>().consent_id;
    push::deliver_due(&app.state, &LogSink)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let got = sent(&app, &format!("staff:{session}")).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].kind.as_str(), got[0].title.as_str()),
        ("consent_event", "互通同意有變")
    );
    let data: serde_json::Value = serde_json::from_str(&got[0].data).unwrap_or_default();
    let typed: PushData = data.json_as();
    assert_eq!(
        (typed.event.as_deref(), typed.hcp_id.as_deref()),
        (Some("granted"), Some(hcp.as_str()))
    );
    assert!(
        data.get("patient_id").is_none(),
        "the feed, not the push, says who"
    );
    assert!(
        sent(&app, &format!("staff:{stranger_session}"))
            .await
            .is_empty(),
        "another HCP's staff"
    );

    // Deactivated: the doctor's app hears nothing more; the administrator's does.
    let (_, body) = put(
        &admin.token,
        json!({"token": "admin-phone", "platform": "android", "locale": "en"}),
    )
    .await;
    let admin_session = body.json_as::<StaffPushTokenResponse>().session_id;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/hcp/staff/{}/deactivate", doctor.staff_id),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/patients/{}/consents/{id}", me.patient_id),
            Some(&me.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    push::deliver_due(&app.state, &LogSink)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent(&app, &format!("staff:{session}")).await.len(), 1);
    let to_admin = sent(&app, &format!("staff:{admin_session}")).await;
    assert_eq!(to_admin.len(), 1);
    assert!(to_admin[0].data.contains("revoked"), "{:?}", to_admin[0]);
}
