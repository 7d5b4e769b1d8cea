//! Self-registration with a passkey, on SQLite and PostgreSQL.

use chrono::Duration;
use ehealth_contracts::{MeResponse, PatientStatus, Problem};
use ehealth_tests::{JsonAs, Person, TestApp, TestPasskey, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(an_adult_registers_with_a_passkey_and_is_signed_in);
async fn an_adult_registers_with_a_passkey_and_is_signed_in(app: TestApp) {
    let person = Person::adult();
    let (tokens, _passkey) = app.register(&person).await;
    assert!(tokens.access_token.starts_with("at_") && tokens.refresh_token.starts_with("rt_"));
    assert_eq!(tokens.access_expires_in, 900);

    let (status, body) = app.get_auth("/v1/me", &tokens.access_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let me: MeResponse = body.json_as();
    assert_eq!(me.patient_id, tokens.patient_id);
    assert_eq!(me.status, PatientStatus::Unverified);
    let masked = format!("{}***(*)", &person.hkid[..4]);
    assert_eq!(me.identity_document.number_masked, masked);
    assert_eq!(me.phone, "+85291234567");
    assert_eq!(me.chinese_name.as_deref(), Some("陳大文"));
    assert_eq!(me.devices[0].device_id, tokens.device_id);
    assert!(me.devices[0].current);
    assert_eq!(me.passkeys.len(), 1);
    // Anywhere in the raw body.
    assert!(
        !body.to_string().contains(&person.hkid[1..7]),
        "identity number leaked: {body}"
    );
}

on_both_backends!(creation_options_ask_for_a_discoverable_passkey_with_user_verification);
async fn creation_options_ask_for_a_discoverable_passkey_with_user_verification(app: TestApp) {
    let (status, body) = app
        .post("/v1/registrations", Person::adult().registration_body())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let pk = &body["creation_options"]["publicKey"];
    assert_eq!(pk["rp"]["id"], ehealth_tests::RP_ID);
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
    // Binary fields travel as unpadded base64url.
    let challenge = pk["challenge"].as_str().unwrap_or_default();
    assert!(
        challenge.len() >= 43 && !challenge.contains(['=', '+', '/']),
        "{challenge}"
    );
    assert_eq!(pk["user"]["id"].as_str().map(str::len), Some(22));
}

on_both_backends!(a_child_cannot_register_themselves);
async fn a_child_cannot_register_themselves(app: TestApp) {
    let (status, body) = app
        .post(
            "/v1/registrations",
            Person::born("2015-01-01").registration_body(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "requires_substitute_decision_maker");
}

on_both_backends!(the_sixteenth_birthday_begins_at_midnight_hong_kong_time);
async fn the_sixteenth_birthday_begins_at_midnight_hong_kong_time(app: TestApp) {
    // Born 23 November 2010: 16 at 00:00 HKT on 23 November 2026 = 16:00 UTC on the 22nd.
    let person = Person::born("2010-11-23");
    app.clock.set_rfc3339("2026-11-22T15:59:59Z");
    let (status, body) = app
        .post("/v1/registrations", person.registration_body())
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("requires_substitute_decision_maker")
        )
    );

    app.clock.set_rfc3339("2026-11-22T16:00:00Z");
    let (status, body) = app
        .post("/v1/registrations", person.registration_body())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

on_both_backends!(every_invalid_field_is_listed);
async fn every_invalid_field_is_listed(app: TestApp) {
    let mut body = Person::adult().registration_body();
    body["identity_document"]["number"] = json!("A123456(4)");
    body["english_name"]["surname"] = json!("");
    body["chinese_name"] = json!("Tai Man");
    body["date_of_birth"] = json!("2999-01-01");
    body["phone"] = json!("1234");
    body["email"] = json!("not-an-email");
    let (status, problem) = app.post("/v1/registrations", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Problem = problem.json_as();
    assert_eq!(problem.code, "validation_failed");
    let mut fields: Vec<(String, String)> = problem
        .errors
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect();
    fields.sort();
    let expected = [
        ("chinese_name", "invalid_format"),
        ("date_of_birth", "in_future"),
        ("email", "invalid_format"),
        ("english_name.surname", "required"),
        ("identity_document.number", "invalid_check_digit"),
        ("phone", "invalid_format"),
    ];
    assert_eq!(fields, expected.map(|(f, c)| (f.to_owned(), c.to_owned())));
}

on_both_backends!(a_missing_or_mistyped_field_is_named);
async fn a_missing_or_mistyped_field_is_named(app: TestApp) {
    let mut body = Person::adult().registration_body();
    body["english_name"]
        .as_object_mut()
        .map(|o| o.remove("given_names"));
    let (status, problem) = app.post("/v1/registrations", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Problem = problem.json_as();
    assert_eq!(
        (
            problem.errors[0].field.as_str(),
            problem.errors[0].code.as_str()
        ),
        ("english_name.given_names", "required")
    );

    let mut body = Person::adult().registration_body();
    body["sex"] = json!("Q");
    let (status, problem) = app.post("/v1/registrations", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.json_as::<Problem>().errors[0].field, "sex");
}

on_both_backends!(an_identity_document_registers_only_once);
async fn an_identity_document_registers_only_once(app: TestApp) {
    let person = Person::adult();
    app.register(&person).await;

    let (status, body) = app
        .post("/v1/registrations", person.registration_body())
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "already_registered");
    assert!(
        body.get("patient_id").is_none() && !body.to_string().contains("CHAN"),
        "{body}"
    );

    // A birth certificate carries the same number as the identity card.
    let birth_cert = Person {
        doc_type: "hk_birth_cert",
        hkid: person.hkid.to_lowercase().replace(['(', ')'], ""),
        ..person
    };
    let (status, body) = app
        .post("/v1/registrations", birth_cert.registration_body())
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_registered"))
    );
}

on_both_backends!(two_registrations_racing_for_one_identity_create_one_patient);
async fn two_registrations_racing_for_one_identity_create_one_patient(app: TestApp) {
    let person = Person::adult();
    let first = app.start_registration(&person).await;
    let second = app.start_registration(&person).await;
    let mut a = TestPasskey::new();
    let mut b = TestPasskey::new();
    let device = json!({"name": "p", "platform": "web"});
    let (s1, _) = app
        .post(
            &format!("/v1/registrations/{}/complete", first.registration_id),
            json!({"credential": a.create(first.creation_options), "device": device}),
        )
        .await;
    let (s2, body) = app
        .post(
            &format!("/v1/registrations/{}/complete", second.registration_id),
            json!({"credential": b.create(second.creation_options), "device": device}),
        )
        .await;
    assert_eq!(s1, StatusCode::CREATED);
    assert_eq!(
        (s2, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_registered"))
    );
}

on_both_backends!(a_registration_completes_only_once);
async fn a_registration_completes_only_once(app: TestApp) {
    let started = app.start_registration(&Person::adult()).await;
    let mut passkey = TestPasskey::new();
    let credential = passkey.create(started.creation_options);
    let path = format!("/v1/registrations/{}/complete", started.registration_id);
    let body = json!({"credential": credential, "device": {"name": "p", "platform": "android"}});
    assert_eq!(app.post(&path, body.clone()).await.0, StatusCode::CREATED);
    let (status, problem) = app.post(&path, body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("registration_already_completed"))
    );
}

on_both_backends!(a_registration_expires_after_ten_minutes);
async fn a_registration_expires_after_ten_minutes(app: TestApp) {
    let started = app.start_registration(&Person::adult()).await;
    let mut passkey = TestPasskey::new();
    let credential = passkey.create(started.creation_options);
    app.clock.advance(Duration::minutes(10));
    let (status, problem) = app
        .post(
            &format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "p", "platform": "android"}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::GONE, Some("registration_expired"))
    );
}

on_both_backends!(a_passkey_made_on_another_origin_is_refused);
async fn a_passkey_made_on_another_origin_is_refused(app: TestApp) {
    let started = app.start_registration(&Person::adult()).await;
    let mut passkey = TestPasskey::new().with_origin("https://phish.ehealth.test");
    let credential = passkey.create(started.creation_options);
    let (status, problem) = app
        .post(
            &format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "p", "platform": "android"}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("origin_mismatch"))
    );
}

on_both_backends!(an_unknown_registration_is_not_found);
async fn an_unknown_registration_is_not_found(app: TestApp) {
    let (status, problem) = app
        .post(
            "/v1/registrations/00000000-0000-0000-0000-000000000000/complete",
            json!({"credential": {"id": "x", "rawId": "eA", "type": "public-key",
                "response": {"attestationObject": "eA", "clientDataJSON": "eA"}},
                "device": {"name": "p", "platform": "android"}}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

on_both_backends!(the_identity_number_is_stored_only_hashed_and_encrypted);
async fn the_identity_number_is_stored_only_hashed_and_encrypted(app: TestApp) {
    let person = Person::adult();
    let (tokens, _) = app.register(&person).await;
    let normalised: String = person
        .hkid
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let state = app.state.clone();
    let patient_id = tokens.patient_id.clone();
    let row = state
        .db
        .run(move |c| Ok(ehealth_api::store::patients::find(c, &patient_id)?))
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("patient row"));
    assert!(!row.id_hash.contains(&normalised));
    assert!(!String::from_utf8_lossy(&row.id_cipher).contains(&normalised));
    assert_eq!(state.secrets.decrypt(&row.id_cipher).ok(), Some(normalised));
}

on_both_backends!(registration_is_rate_limited_per_identity_document);
async fn registration_is_rate_limited_per_identity_document(app: TestApp) {
    // This test's server allows 10,000 per address; restart one with a tight identity limit.
    let backend = app.env.backend;
    drop(app);
    let env = ehealth_tests::Env::fresh(backend)
        .unwrap_or_else(|e| panic!("{e}"))
        .set("EHEALTH_RATE_LIMIT_PER_IDENTITY", "2");
    let app = TestApp::spawn_env(env).await;
    let person = Person::adult();
    for _ in 0..2 {
        assert_eq!(
            app.post("/v1/registrations", person.registration_body())
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let res = app
        .client
        .post(app.url("/v1/registrations"))
        .json(&person.registration_body())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
    // Another person is not affected.
    assert_eq!(
        app.post("/v1/registrations", Person::adult().registration_body())
            .await
            .0,
        StatusCode::CREATED
    );
}

on_both_backends!(registration_errors_speak_traditional_chinese_on_request);
async fn registration_errors_speak_traditional_chinese_on_request(app: TestApp) {
    let res = app
        .client
        .request(Method::POST, app.url("/v1/registrations"))
        .header("Accept-Language", "zh-HK,zh;q=0.9,en;q=0.5")
        .json(&Person::born("2015-01-01").registration_body())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    assert_eq!(body["code"], "requires_substitute_decision_maker");
    assert_eq!(body["title"], "須由代決人登記");
}

on_both_backends!(abandoned_registrations_are_deleted_an_hour_after_they_expire);
async fn abandoned_registrations_are_deleted_an_hour_after_they_expire(app: TestApp) {
    let abandoned = app.start_registration(&Person::adult()).await;
    let mut passkey = TestPasskey::new();
    let credential = passkey.create(abandoned.creation_options);
    let path = format!("/v1/registrations/{}/complete", abandoned.registration_id);
    let body = json!({"credential": credential, "device": {"name": "p", "platform": "android"}});

    app.clock
        .advance(Duration::minutes(10) + Duration::minutes(59));
    app.start_registration(&Person::adult()).await;
    assert_eq!(
        app.post(&path, body.clone()).await.0,
        StatusCode::GONE,
        "kept for an hour past expiry"
    );

    app.clock.advance(Duration::minutes(2));
    app.start_registration(&Person::adult()).await;
    assert_eq!(
        app.post(&path, body).await.0,
        StatusCode::NOT_FOUND,
        "then deleted"
    );
}

on_both_backends!(a_completed_registration_keeps_no_copy_of_the_profile);
async fn a_completed_registration_keeps_no_copy_of_the_profile(app: TestApp) {
    let started = app.start_registration(&Person::adult()).await;
    let mut passkey = TestPasskey::new();
    let credential = passkey.create(started.creation_options);
    let (status, _) = app
        .post(
            &format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "p", "platform": "android"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = started.registration_id.clone();
    let row = app
        .state
        .db
        .run(move |c| Ok(ehealth_api::store::registrations::find(c, &id)?))
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("registration row"));
    assert!(row.completed_at.is_some());
    assert_eq!(row.profile, None);
}
