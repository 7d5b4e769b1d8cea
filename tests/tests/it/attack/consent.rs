//! Attacks on smart-card reads, signed access-log checkpoints and repeated consent requests.

use ehealth_contracts::{
    AccessLogResponse, ConsentRequestResponse, HcpSystemCredentials, SystemTokenResponse,
};
use ehealth_tests::devices::now_ms;
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::post_as;

async fn system_token(app: &TestApp, hcp: &str) -> String {
    let (status, creds) = app
        .officer(
            Method::POST,
            &format!("/v1/officer/hcps/{hcp}/systems"),
            Some(json!({"name": "Reader"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{creds}");
    let HcpSystemCredentials {
        client_id,
        client_secret,
    } = creds.json_as();
    let (status, body) = app
        .post(
            "/v1/hcp/system-tokens",
            json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body.json_as::<SystemTokenResponse>().access_token
}

// Smart card reads: other systems' ids, staff tokens, concurrent reports.
on_both_backends!(attack_trust_smart_card_reads);
async fn attack_trust_smart_card_reads(app: TestApp) {
    let hcp_a = app.create_hcp("Card A", "private", "tuen_mun").await;
    let hcp_b = app.create_hcp("Card B", "private", "eastern").await;
    let sys_a = system_token(&app, &hcp_a).await;
    let sys_a2 = system_token(&app, &hcp_a).await;
    let sys_b = system_token(&app, &hcp_b).await;
    let doctor = app.staff(&hcp_a, "medical_practitioner", &[]).await;
    let person = Person::adult();
    let (patient, _) = app.register(&person).await;
    app.verify(&patient.patient_id).await;
    let now = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(
        i64::try_from(now_ms(&app)).unwrap_or(0),
    )
    .unwrap_or_default()
    .to_rfc3339();
    let card = |read: &str| {
        json!({"card_read_id": read,
        "identity_document": {"type": "hkid", "number": person.hkid}, "card_read_at": now})
    };
    // Staff and patient tokens may not start reads.
    for token in [&doctor.token, &patient.access_token] {
        let (status, body) = post_as(&app, "/v1/hcp/card-reads", token).await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
            "card read by non-system: {status} {body}"
        );
    }
    let start = |token: String| {
        let app = &app;
        async move {
            let (status, body) = post_as(app, "/v1/hcp/card-reads", &token).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body["card_read_id"].as_str().unwrap_or_default().to_owned()
        }
    };
    let read_a = start(sys_a.clone()).await;
    // Another HCP's system, and another system of the same HCP, cannot use it.
    for (who, token) in [("other hcp", &sys_b), ("sibling system", &sys_a2)] {
        let (status, body) = app
            .call(
                Method::POST,
                "/v1/hcp/consents/by-smart-card",
                Some(token),
                Some(card(&read_a)),
            )
            .await;
        assert!(
            status.is_client_error(),
            "{who} used another's read: {status} {body}"
        );
    }
    // Two reports of the same read at once: exactly one succeeds.
    let path = "/v1/hcp/consents/by-smart-card";
    let (r1, r2) = tokio::join!(
        app.call(Method::POST, path, Some(&sys_a), Some(card(&read_a))),
        app.call(Method::POST, path, Some(&sys_a), Some(card(&read_a)))
    );
    let ok = [r1.0, r2.0].iter().filter(|s| s.is_success()).count();
    assert_eq!(ok, 1, "concurrent reports: {r1:?} {r2:?}");
    assert!(
        !r1.0.is_server_error() && !r2.0.is_server_error(),
        "{r1:?} {r2:?}"
    );
    // A made-up id, and one with odd characters.
    for fake in ["00000000-0000-0000-0000-000000000000", "x\u{0}", ""] {
        let (status, body) = app
            .call(Method::POST, path, Some(&sys_a), Some(card(fake)))
            .await;
        assert!(status.is_client_error(), "fake {fake:?}: {status} {body}");
    }
    // Reads from several systems in a race with many parallel reports: one consent each.
    let read2 = start(sys_a.clone()).await;
    let calls: Vec<_> = (0..6)
        .map(|_| app.call(Method::POST, path, Some(&sys_a), Some(card(&read2))))
        .collect();
    let results = futures_join_all(calls).await;
    let ok = results.iter().filter(|(s, _)| s.is_success()).count();
    assert!(ok <= 1, "{results:?}");
}

async fn futures_join_all<F: std::future::Future<Output = (StatusCode, Value)>>(
    calls: Vec<F>,
) -> Vec<(StatusCode, Value)> {
    let mut set = Vec::new();
    // Poll them together by pinning them in a join of joins (no extra crate).
    let mut calls = calls.into_iter();
    while let (Some(a), b) = (calls.next(), calls.next()) {
        match b {
            Some(b) => {
                let (x, y) = tokio::join!(a, b);
                set.push(x);
                set.push(y);
            }
            None => set.push(a.await),
        }
    }
    set
}

// A checkpoint signed for one patient proves nothing for another.
on_both_backends!(attack_trust_checkpoint_is_per_patient);
async fn attack_trust_checkpoint_is_per_patient(app: TestApp) {
    let hcp = app.create_hcp("Log Clinic", "private", "eastern").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (a, _) = verified_adult(&app).await;
    let (b, _) = verified_adult(&app).await;
    for p in [&a, &b] {
        app.grant(&p.access_token, &p.patient_id, &hcp, "one_off")
            .await;
        app.read_record(&doctor, &p.patient_id, None).await;
    }
    let log_a: AccessLogResponse = app
        .get_as(
            &format!("/v1/patients/{}/access-log", a.patient_id),
            &a.access_token,
        )
        .await;
    let log_b: AccessLogResponse = app
        .get_as(
            &format!("/v1/patients/{}/access-log", b.patient_id),
            &b.access_token,
        )
        .await;
    let (Some(ca), Some(cb)) = (log_a.checkpoint, log_b.checkpoint) else {
        panic!("no checkpoints: the reads were not logged");
    };
    let verify_b = format!("/v1/patients/{}/access-log/verify", b.patient_id);
    for (what, q) in [
        (
            "a's checkpoint on b",
            format!("seq={}&hash={}&signature={}", ca.seq, ca.hash, ca.signature),
        ),
        (
            "b's hash with a's signature",
            format!("seq={}&hash={}&signature={}", cb.seq, cb.hash, ca.signature),
        ),
        (
            "truncated signature",
            format!(
                "seq={}&hash={}&signature={}",
                cb.seq,
                cb.hash,
                &cb.signature[..10]
            ),
        ),
    ] {
        let (status, body) = app
            .get_auth(&format!("{verify_b}?{q}"), &b.access_token)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
    }
    let (status, body) = app
        .get_auth(
            &format!(
                "{verify_b}?seq={}&hash={}&signature={}",
                cb.seq, cb.hash, cb.signature
            ),
            &b.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A's checkpoint may not be checked by B against A's log either.
    let (status, _) = app
        .get_auth(
            &format!(
                "/v1/patients/{}/access-log/verify?seq={}&hash={}&signature={}",
                a.patient_id, ca.seq, ca.hash, ca.signature
            ),
            &b.access_token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// Repeated and concurrent consent requests: one request, one notice.
on_both_backends!(attack_trust_consent_request_repeats);
async fn attack_trust_consent_request_repeats(app: TestApp) {
    let hcp = app.create_hcp("Asking", "private", "eastern").await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (p, _) = verified_adult(&app).await;
    let ask = || {
        app.call(
            Method::POST,
            "/v1/hcp/consent-requests",
            Some(&doctor.token),
            Some(json!({"patient_id": p.patient_id})),
        )
    };
    let (r1, r2) = tokio::join!(ask(), ask());
    assert!(
        !r1.0.is_server_error() && !r2.0.is_server_error(),
        "{r1:?} {r2:?}"
    );
    let (r3s, r3) = ask().await;
    assert_eq!(r3s, StatusCode::OK, "{r3}");
    let id = r3.json_as::<ConsentRequestResponse>().request_id;
    for r in [&r1, &r2] {
        if r.0.is_success() {
            assert_eq!(
                r.1["request_id"],
                id.as_str(),
                "two open requests: {r1:?} {r2:?}"
            );
        }
    }
    let asked = app
        .notices_for(&p.patient_id)
        .await
        .into_iter()
        .filter(|(k, _)| k == "consent_requested")
        .count();
    assert_eq!(asked, 1, "notices");
    // Another HCP's staff does not get this request back.
    let hcp2 = app.create_hcp("Other", "private", "eastern").await;
    let doc2 = app.staff(&hcp2, "medical_practitioner", &[]).await;
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/hcp/consent-requests",
            Some(&doc2.token),
            Some(json!({"patient_id": p.patient_id})),
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert_ne!(body["request_id"], id.as_str());
}
