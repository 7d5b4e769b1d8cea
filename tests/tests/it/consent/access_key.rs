//! Access keys: consent given at the counter with the identity document and an 8-digit key,
//! locked after wrong tries and destroyed after too many.

use ehealth_contracts::{AccessKeyResponse, ConsentMethod, ConsentResponse, ListConsentsResponse};
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The patient makes a new access key in the app (the previous one dies).
async fn new_access_key(app: &TestApp, patient_id: &str, token: &str) -> String {
    let made: AccessKeyResponse = app
        .call_as(
            StatusCode::CREATED,
            Method::POST,
            &format!("/v1/patients/{patient_id}/access-key"),
            Some(token),
            None,
        )
        .await;
    made.access_key
}

on_both_backends!(access_keys_give_consent_at_the_counter_and_lock_after_five_wrong_tries);
async fn access_keys_give_consent_at_the_counter_and_lock_after_five_wrong_tries(app: TestApp) {
    let hcp = app
        .create_hcp("Counter Clinic", "private", "yuen_long")
        .await;
    let clerk = app.staff(&hcp, "nurse", &[]).await;
    let person = Person::adult();
    let (patient, mut key) = app.register(&person).await;
    app.verify(&patient.patient_id).await;
    let me = patient.patient_id.clone();
    let first = new_access_key(&app, &me, &patient.access_token).await;
    let second = new_access_key(&app, &me, &patient.access_token).await;
    assert_eq!(second.len(), 8);
    let give = |k: String| {
        app.call(Method::POST, "/v1/hcp/consents/by-access-key", Some(&clerk.token),
            Some(json!({"identity_document": {"type": "hkid", "number": person.hkid}, "access_key": k})))
    };
    // Two random keys collide once in 10^8 runs; then the old key is not "wrong".
    assert_ne!(first, second);
    let (status, body) = give(first.clone()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("access_key_invalid")),
        "the old key died"
    );
    let wrong = if second == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let mut last = Value::Null;
    // The old key was the first wrong try; three more, and the fifth locks.
    for _ in 0..3 {
        last = give(wrong.to_owned()).await.1;
    }
    assert_eq!(last["code"], "access_key_invalid");
    let (status, body) = give(wrong.to_owned()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("access_key_locked"))
    );
    let (_, body) = give(second.clone()).await;
    assert_eq!(
        body["code"], "access_key_locked",
        "even the right key waits"
    );

    app.clock.advance(chrono::Duration::minutes(16));
    let refreshed = app.sign_in_patient(&mut key).await;
    let mut clerk = clerk;
    clerk.sign_in_again(&app).await;
    let (status, consent) = app.call(Method::POST, "/v1/hcp/consents/by-access-key", Some(&clerk.token),
        Some(json!({"identity_document": {"type": "hkid", "number": person.hkid}, "access_key": second}))).await;
    assert_eq!(status, StatusCode::CREATED, "{consent}");
    let consent: ConsentResponse = consent.json_as();
    assert_eq!(
        (consent.method, consent.hcp_id.as_str()),
        (ConsentMethod::AccessKey, hcp.as_str())
    );
    let list: ListConsentsResponse = app
        .get_as(
            &format!("/v1/patients/{me}/consents"),
            &refreshed.access_token,
        )
        .await;
    let methods: Vec<ConsentMethod> = list.consents.iter().map(|c| c.method).collect();
    assert_eq!(methods, vec![ConsentMethod::AccessKey]);
}

async fn try_key(app: &TestApp, hkid: &str, token: &str, key: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        "/v1/hcp/consents/by-access-key",
        Some(token),
        Some(json!({"identity_document": {"type": "hkid", "number": hkid}, "access_key": key})),
    )
    .await
}

on_both_backends!(twenty_wrong_access_keys_destroy_the_key_and_a_new_one_works);
async fn twenty_wrong_access_keys_destroy_the_key_and_a_new_one_works(app: TestApp) {
    let hcp = app
        .create_hcp("Guessing Clinic", "private", "yuen_long")
        .await;
    let mut clerk = app.staff(&hcp, "nurse", &[]).await;
    let person = Person::adult();
    let (patient, mut key) = app.register(&person).await;
    app.verify(&patient.patient_id).await;
    let me = patient.patient_id.clone();
    let right = new_access_key(&app, &me, &patient.access_token).await;
    let wrong = if right == "00000000" {
        "11111111"
    } else {
        "00000000"
    }
    .to_owned();
    // Four rounds of five wrong tries, each ending in a 15-minute lock; a lock lets even the
    // right key wait, and the twentieth wrong try destroys the key.
    for round in 1..=4 {
        for attempt in 1..=5 {
            let (status, body) = try_key(&app, &person.hkid, &clerk.token, &wrong).await;
            let expected = if attempt == 5 {
                "access_key_locked"
            } else {
                "access_key_invalid"
            };
            assert_eq!(
                (status, body["code"].as_str()),
                (StatusCode::FORBIDDEN, Some(expected)),
                "round {round}, try {attempt}"
            );
        }
        app.clock.advance(chrono::Duration::minutes(16));
        clerk.sign_in_again(&app).await;
    }
    let (status, body) = try_key(&app, &person.hkid, &clerk.token, &right).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("access_key_invalid")),
        "the key is gone"
    );

    // The patient makes a new key in the app; it works at once.
    let token = app.sign_in_patient(&mut key).await.access_token;
    let fresh = new_access_key(&app, &me, &token).await;
    let (status, consent) = try_key(&app, &person.hkid, &clerk.token, &fresh).await;
    assert_eq!(status, StatusCode::CREATED, "{consent}");
    assert_eq!(
        consent.json_as::<ConsentResponse>().method,
        ConsentMethod::AccessKey
    );
}
