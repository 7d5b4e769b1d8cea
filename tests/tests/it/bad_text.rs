//! Bad text is refused, never a 500 and never a stuck device: NUL, other control characters
//! and direction overrides in any string of a body, a path or a query are 422/400
//! `invalid_characters` naming the field, and inside a sync push only the mutation that holds
//! one is refused (its seq consumed), so the queue behind it goes on.

use ehealth_contracts::{MutationStatus, Problem};
use ehealth_tests::devices::{bp, fields, now_ms, patient_with_devices};
use ehealth_tests::family::verified_adult;
use ehealth_tests::{JsonAs, Person, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn invalid_at(status: StatusCode, body: &Value) -> (StatusCode, String, String) {
    let p: Problem = body.json_as();
    let field = p
        .errors
        .first()
        .map(|e| e.field.clone())
        .unwrap_or_default();
    (status, p.code.as_str().to_owned(), field)
}

on_both_backends!(control_characters_in_a_body_are_refused_by_name);
async fn control_characters_in_a_body_are_refused_by_name(app: TestApp) {
    // Registration: a NUL in the device name, a direction override in the surname.
    let mut body = Person::adult().registration_body();
    body["english_name"]["surname"] = json!("CHAN\u{202E}");
    let (status, problem) = app.post("/v1/registrations", body).await;
    assert_eq!(
        invalid_at(status, &problem),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_characters".to_owned(),
            "english_name.surname".to_owned()
        )
    );
    let (me, _) = verified_adult(&app).await;
    let reminders = format!("/v1/patients/{}/reminders", me.patient_id);
    for (text, field) in [("Inhaler\u{0}", "text"), ("Inhaler\u{85}", "text")] {
        let (status, problem) = app
            .call(
                Method::POST,
                &reminders,
                Some(&me.access_token),
                Some(
                    json!({"kind": "custom", "text": text, "times": ["08:00"], "days": ["mon"],
                    "time_zone": "Asia/Hong_Kong", "enabled": true}),
                ),
            )
            .await;
        assert_eq!(
            invalid_at(status, &problem),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_characters".to_owned(),
                field.to_owned()
            )
        );
    }
    // A newline is text in a note-like field, not in a name.
    let (status, problem) = app
        .call(
            Method::POST,
            &reminders,
            Some(&me.access_token),
            Some(
                json!({"kind": "custom", "text": "Morning\nwith water", "times": ["08:00"],
                "days": ["mon"], "time_zone": "Asia/Hong_Kong", "enabled": true}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{problem}");
    let (status, problem) = app
        .call(
            Method::POST,
            &reminders,
            Some(&me.access_token),
            Some(
                json!({"kind": "custom", "text": "ok", "times": ["08:00\n"], "days": ["mon"],
                "time_zone": "Asia/Hong_Kong", "enabled": true}),
            ),
        )
        .await;
    assert_eq!(
        invalid_at(status, &problem).2,
        "times[0]".to_owned(),
        "{problem}"
    );
}

on_both_backends!(control_characters_in_a_path_or_query_are_refused_before_storage);
async fn control_characters_in_a_path_or_query_are_refused_before_storage(app: TestApp) {
    let (me, _) = verified_adult(&app).await;
    for (path, field) in [
        (format!("/v1/patients/{}%00", me.patient_id), "path"),
        ("/v1/patients/%E2%80%AE".to_owned(), "path"),
        (
            format!("/v1/patients/{}/diary/bp?from=2026-11-01%00", me.patient_id),
            "query",
        ),
    ] {
        let (status, problem) = app.get_auth(&path, &me.access_token).await;
        assert_eq!(
            invalid_at(status, &problem),
            (
                StatusCode::BAD_REQUEST,
                "invalid_characters".to_owned(),
                field.to_owned()
            ),
            "{path}"
        );
    }
}

on_both_backends!(one_bad_note_refuses_only_its_mutation_and_the_queue_goes_on);
async fn one_bad_note_refuses_only_its_mutation_and_the_queue_goes_on(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    let new_id = || uuid::Uuid::now_v7().to_string();
    let (good, bad) = (new_id(), new_id());
    let mut with_nul = bp(120, 80);
    with_nul.extend(fields(json!({"note": "after\u{0}walk"})));
    d[0].engine
        .upsert("bp_readings", &good, &patient_id, bp(118, 76), now_ms(&app));
    d[0].engine
        .upsert("bp_readings", &bad, &patient_id, with_nul, now_ms(&app));
    let results = d[0].push_all(&app).await;
    let statuses: Vec<(MutationStatus, Option<String>)> = results
        .iter()
        .flat_map(|r| r.results.iter())
        .map(|r| (r.status, r.code.clone()))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (MutationStatus::Applied, None),
            (
                MutationStatus::Rejected,
                Some("invalid_characters".to_owned())
            ),
        ]
    );
    // The device goes on: its next push is applied with the next seq.
    let next = new_id();
    d[0].engine
        .upsert("bp_readings", &next, &patient_id, bp(121, 79), now_ms(&app));
    let results = d[0].push_all(&app).await;
    assert_eq!(results[0].results[0].status, MutationStatus::Applied);
    assert_eq!(results[0].last_seq, 3);
}

on_both_backends!(every_answer_carries_the_hygiene_headers);
async fn every_answer_carries_the_hygiene_headers(app: TestApp) {
    let (me, _) = verified_adult(&app).await;
    for (path, token) in [
        ("/healthz".to_owned(), None),
        ("/v1/me".to_owned(), Some(me.access_token.clone())),
        ("/v1/no-such-route".to_owned(), None),
    ] {
        let mut req = app.client.get(app.url(&path));
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
        // The configured origin is https: browsers are told to stay on https.
        assert!(
            h["strict-transport-security"]
                .to_str()
                .unwrap_or_default()
                .starts_with("max-age="),
            "{path}"
        );
    }
    let res = app
        .client
        .get(app.url("/docs/"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("docs: {e}"));
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
}

on_both_backends!(a_reading_from_the_future_or_before_1900_is_refused);
async fn a_reading_from_the_future_or_before_1900_is_refused(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    let at = |days: i64| {
        let now = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(
            i64::try_from(now_ms(&app)).unwrap_or(0),
        )
        .unwrap_or_default();
        (now + chrono::Duration::days(days)).to_rfc3339()
    };
    for (when, applied) in [
        (at(0), true),
        (at(2), false),
        ("1899-12-31T08:00:00+08:00".to_owned(), false),
    ] {
        let id = uuid::Uuid::now_v7().to_string();
        let reading = fields(json!({"systolic": 120, "diastolic": 80, "measured_at": when}));
        d[0].engine
            .upsert("bp_readings", &id, &patient_id, reading, now_ms(&app));
        let results = d[0].push_all(&app).await;
        let status = results[0].results[0].status;
        assert_eq!(
            status == MutationStatus::Applied,
            applied,
            "{when}: {status:?}"
        );
    }
}
