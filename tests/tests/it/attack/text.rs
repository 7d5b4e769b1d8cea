//! Attacks with bad text: no 500, anywhere, on either backend; one bad mutation never blocks
//! a device.

use ehealth_tests::devices::{fields, now_ms, patient_with_devices};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: &str,
) -> (StatusCode, String) {
    let res = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = res.status();
    (status, res.text().await.unwrap_or_default())
}

// Bad text anywhere: never a 500.
on_both_backends!(attack_trust_bad_text_never_500);
async fn attack_trust_bad_text_never_500(app: TestApp) {
    let (me, _) = verified_adult(&app).await;
    let reminders = format!("/v1/patients/{}/reminders", me.patient_id);
    let base = r#""kind":"custom","times":["08:00"],"days":["mon"],"time_zone":"Asia/Hong_Kong","enabled":true"#;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let long_nul = format!("{}\\u0000", "a".repeat(300_000));
    let cases: Vec<(&str, String, bool)> = vec![
        ("lone high surrogate", format!(r#"{{"text":"a\ud800b",{base}}}"#), true),
        ("lone low surrogate", format!(r#"{{"text":"a\udc00",{base}}}"#), true),
        ("nul in key", format!(r#"{{"te\u0000xt":"a",{base}}}"#), false),
        ("nul in unknown key value", format!(r#"{{"zzz":"\u0000","text":"a",{base}}}"#), false),
        ("bidi in days", r#"{"text":"a","kind":"custom","times":["08:00"],"days":["mon\u202e"],"time_zone":"Asia/Hong_Kong","enabled":true}"#.to_owned(), true),
        ("nul in tz", r#"{"text":"a","kind":"custom","times":["08:00"],"days":["mon"],"time_zone":"Asia/Hong\u0000_Kong","enabled":true}"#.to_owned(), true),
        ("deep nesting", format!(r#"{{"text":{deep},{base}}}"#), false),
        ("long with nul", format!(r#"{{"text":"{long_nul}",{base}}}"#), false),
        ("escaped bidi U+2066", format!(r#"{{"text":"a\u2066b",{base}}}"#), true),
        ("invalid utf8-ish", "{\"text\":\"\\uZZZZ\"}".to_owned(), false),
    ];
    let mut bad = Vec::new();
    for (name, body, expect_invalid) in &cases {
        let (status, text) = raw(&app, Method::POST, &reminders, &me.access_token, body).await;
        if status.is_server_error() || status.is_success() {
            bad.push(format!("{name}: {status} {}", &text[..text.len().min(200)]));
        } else if *expect_invalid && !text.contains("invalid_characters") {
            bad.push(format!(
                "{name}: {status} not invalid_characters: {}",
                &text[..text.len().min(200)]
            ));
        }
    }
    // Raw invalid UTF-8 bytes in the body.
    let res = app
        .client
        .post(app.url(&reminders))
        .bearer_auth(&me.access_token)
        .header("content-type", "application/json")
        .body(b"{\"text\":\"\xff\xfe\"}".to_vec())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    if res.status().is_server_error() {
        bad.push(format!("invalid utf8 bytes: {}", res.status()));
    }
    // Paths and queries.
    for path in [
        format!("/v1/patients/{}%C0%80", me.patient_id),
        format!("/v1/patients/{}%FF", me.patient_id),
        format!("/v1/patients/{}%ED%A0%80", me.patient_id),
        format!("/v1/patients/{}/diary/bp?from=%FF", me.patient_id),
        format!("/v1/patients/{}/diary/bp?from=2026%E2%80%AE", me.patient_id),
        format!("/v1/patients/{}/diary/bp?fr%00om=2026-01-01", me.patient_id),
        format!(
            "/v1/patients/{}/access-log/verify?seq=1&hash=%00&signature=%E2%80%AE",
            me.patient_id
        ),
        format!(
            "/v1/patients/{}/access-log/verify?seq=99999999999999999999&hash=a&signature=b",
            me.patient_id
        ),
        format!(
            "/v1/patients/{}/access-log/verify?seq=-1&hash=a&signature=!!!",
            me.patient_id
        ),
        "/v1/sdm-links/%00/approve".to_owned(),
    ] {
        let method = if path.contains("approve") {
            Method::POST
        } else {
            Method::GET
        };
        let (status, body) = app.call(method, &path, Some(&me.access_token), None).await;
        if status.is_server_error()
            || status.is_success() && path.contains('%') && !path.contains("seq=")
        {
            bad.push(format!("{path}: {status} {body}"));
        }
        if (path.contains("%00") || path.contains("%E2%80%AE"))
            && !(status == StatusCode::BAD_REQUEST && body["code"] == "invalid_characters")
        {
            bad.push(format!(
                "{path}: expected 400 invalid_characters, got {status} {body}"
            ));
        }
    }
    // Device names at sign-in / dependants with control characters.
    let mut person = Person::adult().registration_body();
    person["email"] = json!("a\u{0}@example.com");
    let (status, body) = app.post("/v1/registrations", person).await;
    if status != StatusCode::UNPROCESSABLE_ENTITY || body["code"] != "invalid_characters" {
        bad.push(format!("nul in email: {status} {body}"));
    }
    let mut dep = ehealth_tests::family::dependant_body(&child("2019-01-01"), "parent", false);
    dep["identity_document"]["number"] = json!("A123456(3)\u{202E}");
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/dependants",
            Some(&me.access_token),
            Some(dep),
        )
        .await;
    if status != StatusCode::UNPROCESSABLE_ENTITY || body["code"] != "invalid_characters" {
        bad.push(format!("bidi in document number: {status} {body}"));
    }
    let (status, body) = app
        .post("/v1/sessions/challenge", json!({"x\u{0}": "\u{202E}"}))
        .await;
    if status.is_server_error() {
        bad.push(format!("challenge: {status} {body}"));
    }
    assert!(bad.is_empty(), "bad text answers:\n{}", bad.join("\n"));
}

// A sync push with NUL in a field key and a bidi in a nested value: only that mutation goes.
on_both_backends!(attack_trust_sync_push_bad_keys);
async fn attack_trust_sync_push_bad_keys(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    let id = || uuid::Uuid::now_v7().to_string();
    let reading = |extra: Value| {
        let mut f = fields(json!({"systolic": 120, "diastolic": 80,
            "measured_at": "2026-11-20T08:00:00+08:00"}));
        f.extend(fields(extra));
        f
    };
    let now = now_ms(&app);
    d[0].engine.upsert(
        "bp_readings",
        &id(),
        &patient_id,
        reading(json!({"no\u{0}te": "x"})),
        now,
    );
    d[0].engine.upsert(
        "bp_readings",
        &id(),
        &patient_id,
        reading(json!({"note": "ok\u{202E}"})),
        now,
    );
    d[0].engine.upsert(
        "bp_readings",
        &id(),
        &patient_id,
        reading(json!({"note": "fine"})),
        now,
    );
    let results = d[0].push_all(&app).await;
    let statuses: Vec<String> = results
        .iter()
        .flat_map(|r| r.results.iter())
        .map(|r| format!("{:?}/{}", r.status, r.code.clone().unwrap_or_default()))
        .collect();
    assert_eq!(statuses.len(), 3, "{statuses:?}");
    assert!(statuses[0].starts_with("Rejected"), "{statuses:?}");
    assert!(
        statuses[1].starts_with("Rejected/invalid_characters"),
        "{statuses:?}"
    );
    assert!(statuses[2].starts_with("Applied"), "{statuses:?}");
}
