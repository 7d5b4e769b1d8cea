//! Username-less passkey sign-in: challenges, the devices it names, and everything it refuses.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use ehealth_contracts::{MeResponse, TokenResponse};
use ehealth_tests::{JsonAs, Person, TestApp, TestPasskey, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(a_registered_person_signs_in_with_their_passkey_alone);
async fn a_registered_person_signs_in_with_their_passkey_alone(app: TestApp) {
    let (registered, mut passkey) = app.register(&Person::adult()).await;
    let signed_in = app.sign_in_patient(&mut passkey).await;
    assert_eq!(signed_in.patient_id, registered.patient_id);
    assert_ne!(
        signed_in.device_id, registered.device_id,
        "a new device was named"
    );
    let me: MeResponse = app.get_as("/v1/me", &signed_in.access_token).await;
    assert_eq!(me.devices.len(), 2);
    assert!(me.passkeys[0].last_used_at.is_some());
}

on_both_backends!(signing_in_again_on_a_known_device_reuses_it);
async fn signing_in_again_on_a_known_device_reuses_it(app: TestApp) {
    let (registered, mut passkey) = app.register(&Person::adult()).await;
    let (challenge_id, options) = app.challenge().await;
    let credential = passkey.assert(options);
    let (status, body) = app
        .post(
            "/v1/sessions",
            json!({"challenge_id": challenge_id, "credential": credential,
        "device": {"device_id": registered.device_id, "name": "Renamed", "platform": "android"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        body.json_as::<TokenResponse>().device_id,
        registered.device_id
    );
}

on_both_backends!(a_challenge_can_be_answered_only_once);
async fn a_challenge_can_be_answered_only_once(app: TestApp) {
    let (_, mut passkey) = app.register(&Person::adult()).await;
    let (challenge_id, options) = app.challenge().await;
    let credential = passkey.assert(options);
    let body = json!({"challenge_id": challenge_id, "credential": credential, "device": {"name": "p", "platform": "ios"}});
    assert_eq!(
        app.post("/v1/sessions", body.clone()).await.0,
        StatusCode::CREATED
    );
    let (status, problem) = app.post("/v1/sessions", body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("challenge_invalid"))
    );
}

on_both_backends!(an_expired_challenge_is_refused);
async fn an_expired_challenge_is_refused(app: TestApp) {
    let (_, mut passkey) = app.register(&Person::adult()).await;
    let (challenge_id, options) = app.challenge().await;
    let credential = passkey.assert(options);
    app.clock.advance(Duration::minutes(5));
    let (status, problem) = app
        .post(
            "/v1/sessions",
            json!({"challenge_id": challenge_id, "credential": credential,
        "device": {"name": "p", "platform": "ios"}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("challenge_invalid"))
    );
}

on_both_backends!(a_passkey_that_was_never_registered_is_refused);
async fn a_passkey_that_was_never_registered_is_refused(app: TestApp) {
    // A passkey created for a registration that was never completed.
    let started = app.start_registration(&Person::adult()).await;
    let mut stray = TestPasskey::new();
    stray.create(started.creation_options);
    let (status, problem) = app.sign_in(&mut stray).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unknown_credential"))
    );
}

on_both_backends!(a_signature_counter_that_goes_backwards_is_refused);
async fn a_signature_counter_that_goes_backwards_is_refused(app: TestApp) {
    let (_, mut passkey) = app.register(&Person::adult()).await;
    // An assertion signed first (counter n) but delivered after a later one (counter n+1),
    // as a cloned authenticator would produce.
    let (early_id, early_options) = app.challenge().await;
    let early = passkey.assert(early_options);
    let (status, _) = app.sign_in(&mut passkey).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, problem) = app
        .post(
            "/v1/sessions",
            json!({"challenge_id": early_id, "credential": early,
        "device": {"name": "p", "platform": "ios"}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("counter_regression"))
    );
}

on_both_backends!(an_assertion_for_another_origin_or_relying_party_is_refused);
async fn an_assertion_for_another_origin_or_relying_party_is_refused(app: TestApp) {
    let (_, mut passkey) = app.register(&Person::adult()).await;

    passkey.origin =
        url::Url::parse("https://phish.ehealth.test").unwrap_or_else(|e| panic!("{e}"));
    let (status, problem) = app.sign_in(&mut passkey).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("origin_mismatch"))
    );

    passkey.origin = url::Url::parse(ehealth_tests::ORIGIN).unwrap_or_else(|e| panic!("{e}"));
    let (challenge_id, options) = app.challenge().await;
    let credential = passkey.assert_with_rp(options, Some("app.ehealth.test"));
    let (status, problem) = app
        .post(
            "/v1/sessions",
            json!({"challenge_id": challenge_id, "credential": credential,
        "device": {"name": "p", "platform": "ios"}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("rp_id_mismatch"))
    );
}

on_both_backends!(sign_in_is_rate_limited_per_address);
async fn sign_in_is_rate_limited_per_address(app: TestApp) {
    let backend = app.env.backend;
    drop(app);
    let env = ehealth_tests::Env::fresh(backend)
        .unwrap_or_else(|e| panic!("{e}"))
        .set("EHEALTH_RATE_LIMIT_PER_ADDRESS", "3");
    let app = ehealth_tests::TestApp::spawn_env(env).await;
    for _ in 0..3 {
        assert_eq!(
            app.post("/v1/sessions/challenge", json!({})).await.0,
            StatusCode::CREATED
        );
    }
    let (status, problem) = app.post("/v1/sessions/challenge", json!({})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        app.post("/v1/sessions/challenge", json!({})).await.0,
        StatusCode::CREATED
    );
}

on_both_backends!(an_android_app_signs_in_with_its_apk_key_hash_origin);
async fn an_android_app_signs_in_with_its_apk_key_hash_origin(app: TestApp) {
    // The harness allows android:apk-key-hash:dGVzdC1hcGsta2V5LWhhc2g as an extra origin.
    let started = app.start_registration(&Person::adult()).await;
    let mut phone = TestPasskey::new().with_origin("android:apk-key-hash:dGVzdC1hcGsta2V5LWhhc2g");
    let credential = phone.create(started.creation_options);
    let (status, body) = app
        .post(
            &format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "Pixel", "platform": "android"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app.sign_in(&mut phone).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Another app's signing key is refused.
    let mut impostor = TestPasskey::new().with_origin("android:apk-key-hash:b3RoZXItYXBw");
    let started = app.start_registration(&Person::adult()).await;
    let credential = impostor.create(started.creation_options);
    let (status, body) = app
        .post(
            &format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "Pixel", "platform": "android"}}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("origin_mismatch"))
    );
}

on_both_backends!(a_challenge_may_be_asked_for_with_an_empty_body);
async fn a_challenge_may_be_asked_for_with_an_empty_body(app: TestApp) {
    let res = app
        .client
        .post(app.url("/v1/sessions/challenge"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .client
        .post(app.url("/v1/sessions/challenge"))
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

on_both_backends!(an_assertion_made_in_a_frame_of_another_site_is_refused);
async fn an_assertion_made_in_a_frame_of_another_site_is_refused(app: TestApp) {
    let (_, mut passkey) = app.register(&ehealth_tests::Person::adult()).await;
    let (challenge_id, options) = app.challenge().await;
    let mut credential = serde_json::to_value(passkey.assert(options)).unwrap_or_default();
    // What a browser reports when the ceremony ran inside another site's iframe.
    let data = credential["response"]["clientDataJSON"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let raw = URL_SAFE_NO_PAD.decode(data).unwrap_or_default();
    let mut client: serde_json::Value = serde_json::from_slice(&raw).unwrap_or_default();
    client["crossOrigin"] = serde_json::json!(true);
    credential["response"]["clientDataJSON"] =
        serde_json::json!(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&client).unwrap_or_default()));
    let (status, body) = app
        .post(
            "/v1/sessions",
            serde_json::json!({"challenge_id": challenge_id, "credential": credential,
                "device": {"name": "Phone", "platform": "ios"}}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("origin_mismatch"))
    );
}
