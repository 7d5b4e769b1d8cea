//! Random text into every kind of free-text field, on both backends: any Unicode (NUL and the
//! other controls, direction overrides, lone surrogates escaped in the JSON, 10,000 characters)
//! gets a 2xx or a 4xx, never a 5xx, and a device whose push held such a note goes on syncing.

use ehealth_contracts::MutationStatus;
use ehealth_tests::devices::{Device, bp, fields, now_ms};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{Backend, Person, TestApp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::json;

/// A piece of text as a JSON string literal, possibly holding a lone surrogate escape (which
/// no Rust string can, so it is written into the JSON text itself).
#[derive(Debug, Clone)]
struct Text {
    chars: Vec<char>,
    lone_surrogate: bool,
    long: bool,
}

impl Text {
    fn literal(&self) -> String {
        let mut s: String = self.chars.iter().collect();
        if self.long {
            s = s.repeat(10_000 / s.chars().count().max(1) + 1);
        }
        let mut lit = serde_json::to_string(&s).unwrap_or_else(|_| "\"\"".to_owned());
        if self.lone_surrogate {
            lit.insert_str(1, "\\ud800");
        }
        lit
    }
}

fn special() -> impl Strategy<Value = char> {
    prop_oneof![
        Just('\u{0}'),
        Just('\u{7}'),
        Just('\n'),
        Just('\u{85}'),
        Just('\u{202E}'),
        Just('\u{2066}'),
        Just('\u{200B}'),
        Just('\u{FEFF}'),
        Just('陳'),
        Just('é'),
        Just('\u{200D}'),
        Just('\u{1F468}'),
    ]
}

fn text() -> impl Strategy<Value = Text> {
    (
        prop::collection::vec(prop_oneof![any::<char>(), special()], 0..24),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(chars, lone_surrogate, long)| Text {
            chars,
            lone_surrogate,
            long,
        })
}

/// POSTs `body` (JSON text) and returns the status.
async fn post_raw(app: &TestApp, path: &str, token: Option<&str>, body: String) -> StatusCode {
    let mut req = app
        .client
        .post(app.url(path))
        .header("Content-Type", "application/json")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
        .status()
}

fn cases() -> u32 {
    std::env::var("EHEALTH_TEXT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

fn property(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = rt.block_on(TestApp::spawn(backend));
    let (me, _hcp, doctor) = rt.block_on(async {
        let (me, _) = verified_adult(&app).await;
        let hcp = app.create_hcp("Text Clinic", "public", "eastern").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        (me, hcp, doctor)
    });
    let phone = tokio::sync::Mutex::new(Device::signed_in(&me));
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 50,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(text(), 0usize..6), |(t, which)| {
        rt.block_on(async {
            let lit = t.literal();
            let p = &me.patient_id;
            let (path, token, body) = match which {
                0 => {
                    let person = Person::adult();
                    let body = person.registration_body().to_string().replacen(
                        "\"CHAN\"",
                        &lit,
                        1,
                    );
                    ("/v1/registrations".to_owned(), None, body)
                }
                1 => (
                    format!("/v1/patients/{p}/reminders"),
                    Some(me.access_token.clone()),
                    format!(
                        r#"{{"kind": "custom", "text": {lit}, "times": ["08:00"], "days": ["mon"], "time_zone": "Asia/Hong_Kong", "enabled": true}}"#
                    ),
                ),
                2 => (
                    format!("/v1/hcp/patients/{p}/record-reads"),
                    Some(doctor.token.clone()),
                    format!(r#"{{"purpose": {lit}, "under_care": true}}"#),
                ),
                3 => (
                    format!("/v1/hcp/patients/{p}/records"),
                    Some(doctor.token.clone()),
                    format!(
                        r#"{{"category": "lab_result", "code": {lit}, "display": {lit}, "recorded_at": "2026-11-20T10:00:00+08:00"}}"#
                    ),
                ),
                4 => (
                    "/v1/dependants".to_owned(),
                    Some(me.access_token.clone()),
                    format!(
                        r#"{{"identity_document": {{"type": "hk_birth_cert", "number": "A123456(3)"}}, "english_name": {{"surname": {lit}, "given_names": "X"}}, "date_of_birth": "2019-01-01", "sex": "F", "relationship": "parent"}}"#
                    ),
                ),
                _ => {
                    // A sync push with the text as a note, then a clean push: the device goes on.
                    let mut phone = phone.lock().await;
                    let id = uuid::Uuid::now_v7().to_string();
                    let mut set = bp(120, 80);
                    set.extend(fields(json!({"note": "PLACEHOLDER"})));
                    phone
                        .engine
                        .upsert("bp_readings", &id, p, set, now_ms(&app));
                    let request = phone
                        .engine
                        .push_request(500)
                        .unwrap_or_else(|| panic!("a pending mutation"));
                    let text = serde_json::to_string(&request)
                        .unwrap_or_default()
                        .replacen("\"PLACEHOLDER\"", &lit, 1);
                    let status = post_raw(&app, "/v1/sync/push", Some(&me.access_token), text).await;
                    assert!(status.is_success(), "push with a random note: {status}");
                    phone.push_all(&app).await;
                    let clean = uuid::Uuid::now_v7().to_string();
                    phone
                        .engine
                        .upsert("bp_readings", &clean, p, bp(118, 78), now_ms(&app));
                    let after = phone.push_all(&app).await;
                    let last = after.last().and_then(|r| r.results.last()).map(|r| r.status);
                    assert_eq!(last, Some(MutationStatus::Applied), "the next push is applied");
                    return;
                }
            };
            let status = post_raw(&app, &path, token.as_deref(), body).await;
            assert!(
                !status.is_server_error(),
                "{path} answered {status} for {lit:.200}"
            );
        });
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn random_text_never_breaks_an_operation_or_a_device_on_sqlite() {
    property(Backend::Sqlite);
}

#[test]
fn random_text_never_breaks_an_operation_or_a_device_on_postgres() {
    property(Backend::Postgres);
}
