//! HCP systems (client credentials): smart identity card consent and record deposits.

use ehealth_contracts::{
    ConsentMethod, ConsentResponse, HcpSystemCredentials, RecordReadResponse, SystemTokenResponse,
};
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(hcp_systems_report_smart_cards_and_deposit_with_client_credentials);
async fn hcp_systems_report_smart_cards_and_deposit_with_client_credentials(app: TestApp) {
    let hcp = app.create_hcp("Card Clinic", "private", "tuen_mun").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (status, creds) = app
        .officer(
            Method::POST,
            &format!("/v1/officer/hcps/{hcp}/systems"),
            Some(json!({"name": "Front desk reader"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{creds}");
    let HcpSystemCredentials {
        client_id,
        client_secret: secret,
    } = creds.json_as();
    let stored = app
        .state
        .db
        .run({
            let id = client_id.clone();
            move |c| Ok(ehealth_api::store::hcp_systems::find_system(c, &id)?)
        })
        .await
        .ok()
        .flatten();
    assert!(stored.is_some_and(
        |s| s.secret_hash.starts_with("$argon2id$") && !s.secret_hash.contains(&secret)
    ));

    let token_req = |id: &str, secret: &str| json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret});
    let (status, body) = app
        .post("/v1/hcp/system-tokens", token_req(&client_id, "wrong"))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body) = app
        .post("/v1/hcp/system-tokens", token_req("nobody", &secret))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body) = app
        .post(
            "/v1/hcp/system-tokens",
            json!({"grant_type": "password", "client_id": client_id, "client_secret": secret}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (status, body) = app
        .post("/v1/hcp/system-tokens", token_req(&client_id, &secret))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let system = body.json_as::<SystemTokenResponse>().access_token;

    let person = Person::adult();
    let (patient, _) = app.register(&person).await;
    app.verify(&patient.patient_id).await;
    let card = |read: &str, read_at: String| {
        json!({"card_read_id": read,
        "identity_document": {"type": "hkid", "number": person.hkid}, "card_read_at": read_at})
    };
    // The card is inserted: the system starts a read.
    let start = || async {
        let (status, body) = app
            .call(Method::POST, "/v1/hcp/card-reads", Some(&system), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["expires_in"], 120);
        body["card_read_id"].as_str().unwrap_or_default().to_owned()
    };
    let card_read = start().await;
    let now = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(
        i64::try_from(ehealth_tests::devices::now_ms(&app)).unwrap_or(0),
    )
    .unwrap_or_default();
    // A staff token or a patient token is not a system's.
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/hcp/consents/by-smart-card",
            Some(&doctor.token),
            Some(card(&card_read, now.to_rfc3339())),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/hcp/consents/by-smart-card",
            Some(&system),
            Some(card(
                &card_read,
                (now - chrono::Duration::minutes(10)).to_rfc3339(),
            )),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a stale card read is not consent"
    );
    let (status, consent) = app
        .call(
            Method::POST,
            "/v1/hcp/consents/by-smart-card",
            Some(&system),
            Some(card(&card_read, now.to_rfc3339())),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{consent}");
    // The same report again is a replay: refused, whatever happened since.
    let replay = || {
        app.call(
            Method::POST,
            "/v1/hcp/consents/by-smart-card",
            Some(&system),
            Some(card(&card_read, now.to_rfc3339())),
        )
    };
    let (status, body) = replay().await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("card_read_used"))
    );
    // A read reported more than two minutes after it started has expired.
    let late = start().await;
    app.clock.advance(chrono::Duration::seconds(121));
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/hcp/consents/by-smart-card",
            Some(&system),
            Some(card(
                &late,
                (now + chrono::Duration::seconds(121)).to_rfc3339(),
            )),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("card_read_expired"))
    );
    let consent: ConsentResponse = consent.json_as();
    assert_eq!(
        (consent.method, consent.hcp_id.as_str()),
        (ConsentMethod::SmartCard, hcp.as_str())
    );

    // The system deposits; the doctor reads under the card consent.
    let (status, body) = app.call(Method::POST, &format!("/v1/hcp/patients/{}/records", patient.patient_id), Some(&system),
        Some(json!({"category": "vaccination", "code": "COVID-19", "display": "COVID-19 vaccine", "recorded_at": "2026-11-01T09:00:00+08:00"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .read_record(&doctor, &patient.patient_id, Some(&["vaccination"]))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let read: RecordReadResponse = body.json_as();
    let shown: Vec<&str> = read.records.iter().map(|r| r.display.as_str()).collect();
    assert_eq!(shown, vec!["COVID-19 vaccine"]);
    // A system token is nobody's session.
    let (status, _) = app.get_auth("/v1/hcp/consent-events", &system).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The patient heard about the card consent.
    assert!(
        app.notices_for(&patient.patient_id)
            .await
            .iter()
            .any(|(k, p)| k == "consent_granted" && p["method"] == "smart_card")
    );
    // Revoked by the office: its token dies at once, and it can get no new one.
    let revoke = format!("/v1/officer/hcps/{hcp}/systems/{client_id}/revoke");
    let (status, _) = app.officer(Method::POST, &revoke, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.officer(Method::POST, &revoke, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/hcp/consents/by-smart-card",
            Some(&system),
            Some(card(&card_read, now.to_rfc3339())),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .post("/v1/hcp/system-tokens", token_req(&client_id, &secret))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
