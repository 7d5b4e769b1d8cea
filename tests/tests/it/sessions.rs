//! Username-less passkey sign-in, token rotation, sign-out, devices and extra passkeys.

use chrono::Duration;
use ehealth_tests::{Person, TestPasskey, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends! {
    async fn a_registered_person_signs_in_with_their_passkey_alone(app) {
        let (registered, mut passkey) = app.register(&Person::adult()).await;
        let (status, body) = app.sign_in(&mut passkey).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["patient_id"], registered.patient_id.as_str());
        assert_ne!(body["device_id"], registered.device_id.as_str(), "a new device was named");
        let token = body["access_token"].as_str().unwrap_or_default();
        let (status, me) = app.get_auth("/v1/me", token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["devices"].as_array().map(Vec::len), Some(2));
        assert!(me["passkeys"][0]["last_used_at"].is_string());
    }
}

on_both_backends! {
    async fn signing_in_again_on_a_known_device_reuses_it(app) {
        let (registered, mut passkey) = app.register(&Person::adult()).await;
        let (challenge_id, options) = app.challenge().await;
        let credential = passkey.assert(options);
        let (status, body) = app.post("/v1/sessions", json!({"challenge_id": challenge_id, "credential": credential,
            "device": {"device_id": registered.device_id, "name": "Renamed", "platform": "android"}})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["device_id"], registered.device_id.as_str());
    }
}

on_both_backends! {
    async fn a_challenge_can_be_answered_only_once(app) {
        let (_, mut passkey) = app.register(&Person::adult()).await;
        let (challenge_id, options) = app.challenge().await;
        let credential = passkey.assert(options);
        let body = json!({"challenge_id": challenge_id, "credential": credential, "device": {"name": "p", "platform": "ios"}});
        assert_eq!(app.post("/v1/sessions", body.clone()).await.0, StatusCode::CREATED);
        let (status, problem) = app.post("/v1/sessions", body).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("challenge_invalid")));
    }
}

on_both_backends! {
    async fn an_expired_challenge_is_refused(app) {
        let (_, mut passkey) = app.register(&Person::adult()).await;
        let (challenge_id, options) = app.challenge().await;
        let credential = passkey.assert(options);
        app.clock.advance(Duration::minutes(5));
        let (status, problem) = app.post("/v1/sessions", json!({"challenge_id": challenge_id, "credential": credential,
            "device": {"name": "p", "platform": "ios"}})).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("challenge_invalid")));
    }
}

on_both_backends! {
    async fn a_passkey_that_was_never_registered_is_refused(app) {
        // A passkey created for a registration that was never completed.
        let started = app.start_registration(&Person::adult()).await;
        let mut stray = TestPasskey::new();
        stray.create(started.creation_options);
        let (status, problem) = app.sign_in(&mut stray).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unknown_credential")));
    }
}

on_both_backends! {
    async fn a_signature_counter_that_goes_backwards_is_refused(app) {
        let (_, mut passkey) = app.register(&Person::adult()).await;
        // An assertion signed first (counter n) but delivered after a later one (counter n+1),
        // as a cloned authenticator would produce.
        let (early_id, early_options) = app.challenge().await;
        let early = passkey.assert(early_options);
        let (status, _) = app.sign_in(&mut passkey).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, problem) = app.post("/v1/sessions", json!({"challenge_id": early_id, "credential": early,
            "device": {"name": "p", "platform": "ios"}})).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("counter_regression")));
    }
}

on_both_backends! {
    async fn an_assertion_for_another_origin_or_relying_party_is_refused(app) {
        let (_, mut passkey) = app.register(&Person::adult()).await;

        passkey.origin = url::Url::parse("https://phish.ehealth.test").unwrap_or_else(|e| panic!("{e}"));
        let (status, problem) = app.sign_in(&mut passkey).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("origin_mismatch")));

        passkey.origin = url::Url::parse(ehealth_tests::ORIGIN).unwrap_or_else(|e| panic!("{e}"));
        let (challenge_id, options) = app.challenge().await;
        let credential = passkey.assert_with_rp(options, Some("app.ehealth.test"));
        let (status, problem) = app.post("/v1/sessions", json!({"challenge_id": challenge_id, "credential": credential,
            "device": {"name": "p", "platform": "ios"}})).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("rp_id_mismatch")));
    }
}

on_both_backends! {
    async fn refresh_rotates_the_pair_and_a_reused_refresh_token_ends_the_session(app) {
        let (first, _) = app.register(&Person::adult()).await;
        let (status, second) = app.post("/v1/sessions/refresh", json!({"refresh_token": first.refresh_token})).await;
        assert_eq!(status, StatusCode::OK, "{second}");
        let second_access = second["access_token"].as_str().unwrap_or_default().to_owned();
        assert_ne!(second_access, first.access_token);
        assert_eq!(app.get_auth("/v1/me", &first.access_token).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get_auth("/v1/me", &second_access).await.0, StatusCode::OK);

        // The old refresh token comes back (stolen?): the whole session ends.
        let (status, problem) = app.post("/v1/sessions/refresh", json!({"refresh_token": first.refresh_token})).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("refresh_token_reused")));
        assert_eq!(app.get_auth("/v1/me", &second_access).await.0, StatusCode::UNAUTHORIZED);
        let (status, _) = app.post("/v1/sessions/refresh", json!({"refresh_token": second["refresh_token"]})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn an_access_token_lasts_fifteen_minutes_and_a_refresh_token_thirty_days(app) {
        let (tokens, _) = app.register(&Person::adult()).await;
        app.clock.advance(Duration::minutes(15) - Duration::seconds(1));
        assert_eq!(app.get_auth("/v1/me", &tokens.access_token).await.0, StatusCode::OK);
        app.clock.advance(Duration::seconds(1));
        let (status, problem) = app.get_auth("/v1/me", &tokens.access_token).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
        let (status, refreshed) = app.post("/v1/sessions/refresh", json!({"refresh_token": tokens.refresh_token})).await;
        assert_eq!(status, StatusCode::OK);
        app.clock.advance(Duration::days(30));
        let (status, _) = app.post("/v1/sessions/refresh", json!({"refresh_token": refreshed["refresh_token"]})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn signing_out_ends_the_session_at_once(app) {
        let (tokens, _) = app.register(&Person::adult()).await;
        let (status, _) = app.call(Method::DELETE, "/v1/sessions/current", Some(&tokens.access_token), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(app.get_auth("/v1/me", &tokens.access_token).await.0, StatusCode::UNAUTHORIZED);
        let (status, _) = app.post("/v1/sessions/refresh", json!({"refresh_token": tokens.refresh_token})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn requests_without_a_valid_token_are_refused(app) {
        let (status, problem) = app.call(Method::GET, "/v1/me", None, None).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
        let (status, problem) = app.get_auth("/v1/me", "at_forged").await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
        // A refresh token is not an access token.
        let (tokens, _) = app.register(&Person::adult()).await;
        assert_eq!(app.get_auth("/v1/me", &tokens.refresh_token).await.0, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn removing_a_device_ends_its_sessions_and_only_the_owner_can(app) {
        let (home, mut passkey) = app.register(&Person::adult()).await;
        let (_, second) = app.sign_in(&mut passkey).await;
        let second_device = second["device_id"].as_str().unwrap_or_default().to_owned();
        let second_access = second["access_token"].as_str().unwrap_or_default().to_owned();

        let (stranger, _) = app.register(&Person::adult()).await;
        let (status, _) = app.call(Method::DELETE, &format!("/v1/me/devices/{second_device}"), Some(&stranger.access_token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(app.get_auth("/v1/me", &second_access).await.0, StatusCode::OK);

        let (status, _) = app.call(Method::DELETE, &format!("/v1/me/devices/{second_device}"), Some(&home.access_token), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(app.get_auth("/v1/me", &second_access).await.0, StatusCode::UNAUTHORIZED);
        let (_, devices) = app.get_auth("/v1/me/devices", &home.access_token).await;
        let ids: Vec<&str> = devices["devices"].as_array().into_iter().flatten().filter_map(|d| d["device_id"].as_str()).collect();
        assert_eq!(ids, vec![home.device_id.as_str()]);
    }
}

on_both_backends! {
    async fn a_signed_in_patient_adds_a_passkey_for_a_new_phone(app) {
        let (tokens, _) = app.register(&Person::adult()).await;
        let (status, started) = app.call(Method::POST, "/v1/me/passkeys", Some(&tokens.access_token), None).await;
        assert_eq!(status, StatusCode::CREATED, "{started}");
        let excluded = started["creation_options"]["publicKey"]["excludeCredentials"].as_array().map(Vec::len);
        assert_eq!(excluded, Some(1), "the existing passkey is excluded");

        let mut new_phone = TestPasskey::new();
        let options = serde_json::from_value(started["creation_options"].clone()).unwrap_or_else(|e| panic!("{e}"));
        let credential = new_phone.create(options);
        let path = format!("/v1/me/passkeys/{}/complete", started["registration_id"].as_str().unwrap_or_default());

        // Someone else cannot finish it.
        let (other, _) = app.register(&Person::adult()).await;
        let (status, _) = app.call(Method::POST, &path, Some(&other.access_token), Some(json!({"credential": credential}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, added) = app.call(Method::POST, &path, Some(&tokens.access_token), Some(json!({"credential": credential}))).await;
        assert_eq!(status, StatusCode::CREATED, "{added}");
        let (status, session) = app.sign_in(&mut new_phone).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(session["patient_id"], tokens.patient_id.as_str());
        let (_, me) = app.get_auth("/v1/me", &tokens.access_token).await;
        assert_eq!(me["passkeys"].as_array().map(Vec::len), Some(2));
    }
}

on_both_backends! {
    async fn sign_in_is_rate_limited_per_address(app) {
        let backend = app.env.backend;
        drop(app);
        let env = ehealth_tests::Env::fresh(backend).unwrap_or_else(|e| panic!("{e}")).set("EHEALTH_RATE_LIMIT_PER_ADDRESS", "3");
        let app = ehealth_tests::TestApp::spawn_env(env).await;
        for _ in 0..3 {
            assert_eq!(app.post("/v1/sessions/challenge", json!({})).await.0, StatusCode::CREATED);
        }
        let (status, problem) = app.post("/v1/sessions/challenge", json!({})).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
        app.clock.advance(Duration::minutes(1));
        assert_eq!(app.post("/v1/sessions/challenge", json!({})).await.0, StatusCode::CREATED);
    }
}

on_both_backends! {
    async fn an_android_app_signs_in_with_its_apk_key_hash_origin(app) {
        // The harness allows android:apk-key-hash:dGVzdC1hcGsta2V5LWhhc2g as an extra origin.
        let started = app.start_registration(&Person::adult()).await;
        let mut phone = TestPasskey::new().with_origin("android:apk-key-hash:dGVzdC1hcGsta2V5LWhhc2g");
        let credential = phone.create(started.creation_options);
        let (status, body) = app.post(&format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "Pixel", "platform": "android"}})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = app.sign_in(&mut phone).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // Another app's signing key is refused.
        let mut impostor = TestPasskey::new().with_origin("android:apk-key-hash:b3RoZXItYXBw");
        let started = app.start_registration(&Person::adult()).await;
        let credential = impostor.create(started.creation_options);
        let (status, body) = app.post(&format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "Pixel", "platform": "android"}})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("origin_mismatch")));
    }
}

on_both_backends! {
    async fn a_challenge_may_be_asked_for_with_an_empty_body(app) {
        let res = app.client.post(app.url("/v1/sessions/challenge")).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), StatusCode::CREATED);
        let res = app.client.post(app.url("/v1/sessions/challenge")).header("content-type", "text/plain").body("hi")
            .send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
