//! A patient's devices and passkeys: removing a device, adding a passkey for a new phone.

use ehealth_contracts::{CreatePasskeyResponse, ListDevicesResponse, MeResponse};
use ehealth_tests::{JsonAs, Person, TestApp, TestPasskey, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(removing_a_device_ends_its_sessions_and_only_the_owner_can);
async fn removing_a_device_ends_its_sessions_and_only_the_owner_can(app: TestApp) {
    let (home, mut passkey) = app.register(&Person::adult()).await;
    let second = app.sign_in_patient(&mut passkey).await;
    let (second_device, second_access) = (second.device_id, second.access_token);

    let (stranger, _) = app.register(&Person::adult()).await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/me/devices/{second_device}"),
            Some(&stranger.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_auth("/v1/me", &second_access).await.0,
        StatusCode::OK
    );

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/me/devices/{second_device}"),
            Some(&home.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_auth("/v1/me", &second_access).await.0,
        StatusCode::UNAUTHORIZED
    );
    let devices: ListDevicesResponse = app.get_as("/v1/me/devices", &home.access_token).await;
    let ids: Vec<&str> = devices
        .devices
        .iter()
        .map(|d| d.device_id.as_str())
        .collect();
    assert_eq!(ids, vec![home.device_id.as_str()]);
}

on_both_backends!(a_signed_in_patient_adds_a_passkey_for_a_new_phone);
async fn a_signed_in_patient_adds_a_passkey_for_a_new_phone(app: TestApp) {
    let (tokens, _) = app.register(&Person::adult()).await;
    let (status, started) = app
        .call(
            Method::POST,
            "/v1/me/passkeys",
            Some(&tokens.access_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let started: CreatePasskeyResponse = started.json_as();
    let excluded = started
        .creation_options
        .public_key
        .exclude_credentials
        .as_ref()
        .map(Vec::len);
    assert_eq!(excluded, Some(1), "the existing passkey is excluded");

    let mut new_phone = TestPasskey::new();
    let credential = new_phone.create(started.creation_options);
    let path = format!("/v1/me/passkeys/{}/complete", started.registration_id);

    // Someone else cannot finish it.
    let (other, _) = app.register(&Person::adult()).await;
    let (status, _) = app
        .call(
            Method::POST,
            &path,
            Some(&other.access_token),
            Some(json!({"credential": credential})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, added) = app
        .call(
            Method::POST,
            &path,
            Some(&tokens.access_token),
            Some(json!({"credential": credential})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let session = app.sign_in_patient(&mut new_phone).await;
    assert_eq!(session.patient_id, tokens.patient_id);
    let me: MeResponse = app.get_as("/v1/me", &tokens.access_token).await;
    assert_eq!(me.passkeys.len(), 2);
}
