//! Reminders ("buddies"): a synced table edited on any of the family's devices, with the next
//! occurrence kept in the reminder's zone.

use ehealth_contracts::{ListRemindersResponse, MutationStatus, ReminderResponse};
use ehealth_tests::devices::{fields, now_ms, patient_with_devices};
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use serde_json::json;

const ALL: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

on_both_backends!(a_reminder_syncs_between_devices_and_is_due_at_eight_hong_kong_time);
async fn a_reminder_syncs_between_devices_and_is_due_at_eight_hong_kong_time(app: TestApp) {
    // 11:00 in Hong Kong on Sunday 22 November 2026.
    app.clock.set_rfc3339("2026-11-22T03:00:00Z");
    let (patient, mut d, _) = patient_with_devices(&app, 2).await;
    let id = uuid::Uuid::now_v7().to_string();
    d[0].engine.upsert("reminders", &id, &patient, fields(json!({
        "kind": "bp", "times": ["08:00"], "days": ALL, "time_zone": "Asia/Hong_Kong", "enabled": true
    })), now_ms(&app));
    let res = d[0].push_all(&app).await;
    assert_eq!(
        res[0].results[0].status,
        MutationStatus::Applied,
        "{:?}",
        res[0].results[0]
    );
    // 08:00 on Monday in Hong Kong is 00:00 UTC.
    let monday = chrono::DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
        .map(|t| t.timestamp_millis())
        .ok();
    assert_eq!(app.reminder_next_due(&id).await, monday);

    d[1].pull_all(&app, 100).await;
    let row = d[1]
        .engine
        .row("reminders", &id)
        .unwrap_or_else(|| panic!("not synced"));
    assert_eq!(row.state.fields.get("times"), Some(&json!(["08:00"])));
    // Switched off on the second phone: no longer due.
    d[1].engine.upsert(
        "reminders",
        &id,
        &patient,
        fields(json!({"enabled": false})),
        now_ms(&app),
    );
    d[1].push_all(&app).await;
    assert_eq!(app.reminder_next_due(&id).await, None);
}

on_both_backends!(invalid_reminders_are_refused_per_mutation);
async fn invalid_reminders_are_refused_per_mutation(app: TestApp) {
    let (patient, mut d, _) = patient_with_devices(&app, 1).await;
    let cases = [
        json!({"kind": "custom", "times": ["08:00"], "days": ["mon"], "time_zone": "Asia/Hong_Kong", "enabled": true}),
        json!({"kind": "bp", "times": ["8am"], "days": ["mon"], "time_zone": "Asia/Hong_Kong", "enabled": true}),
        json!({"kind": "bp", "times": ["08:00"], "days": ["funday"], "time_zone": "Asia/Hong_Kong", "enabled": true}),
        json!({"kind": "bp", "times": ["08:00"], "days": ["mon"], "time_zone": "Mars/Base", "enabled": true}),
        json!({"kind": "walk", "times": ["08:00"], "days": ["mon"], "time_zone": "Asia/Hong_Kong", "enabled": true}),
    ];
    for case in cases {
        d[0].engine.upsert(
            "reminders",
            &uuid::Uuid::now_v7().to_string(),
            &patient,
            fields(case.clone()),
            now_ms(&app),
        );
        let res = d[0].push_all(&app).await;
        assert_eq!(res[0].results[0].status, MutationStatus::Rejected, "{case}");
    }
}

on_both_backends!(reminders_over_rest_meet_the_same_rows_the_phones_sync);
async fn reminders_over_rest_meet_the_same_rows_the_phones_sync(app: TestApp) {
    use reqwest::{Method, StatusCode};
    app.clock.set_rfc3339("2026-11-22T03:00:00Z");
    let (patient, mut d, _) = patient_with_devices(&app, 1).await;
    let path = format!("/v1/patients/{patient}/reminders");
    let (status, body) = app
        .call(
            Method::POST,
            &path,
            Some(&d[0].token),
            Some(json!({"kind": "glucose", "times": ["21:30", "07:00"], "days": ["mon", "thu"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: ReminderResponse = body.json_as();
    assert_eq!(created.time_zone, "Asia/Hong_Kong");
    // Monday 07:00 in Hong Kong.
    assert_eq!(
        created.next_due_at.as_deref(),
        Some("2026-11-22T23:00:00.000Z")
    );
    let id = created.reminder_id;
    let (status, body) = app
        .call(
            Method::POST,
            &path,
            Some(&d[0].token),
            Some(json!({"kind": "custom", "times": ["07:00"], "days": ["mon"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The phone sees it, and its edit shows over REST.
    d[0].pull_all(&app, 100).await;
    assert!(d[0].engine.row("reminders", &id).is_some());
    d[0].engine.upsert(
        "reminders",
        &id,
        &patient,
        fields(json!({"times": ["08:00"]})),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    let list: ListRemindersResponse = app.get_as(&path, &d[0].token).await;
    assert_eq!(list.reminders[0].times, vec!["08:00"]);

    let item = format!("{path}/{id}");
    let (status, body) = app
        .call(
            Method::PATCH,
            &item,
            Some(&d[0].token),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let switched_off: ReminderResponse = body.json_as();
    assert!(!switched_off.enabled);
    assert_eq!(switched_off.next_due_at, None);
    let (status, _) = app
        .call(Method::DELETE, &item, Some(&d[0].token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(Method::DELETE, &item, Some(&d[0].token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    d[0].pull_all(&app, 100).await;
    assert!(
        d[0].engine
            .row("reminders", &id)
            .is_none_or(|r| !r.state.is_live())
    );
    // Someone else's patient: nothing, not even through their own path with our id.
    let (other, o, _) = patient_with_devices(&app, 1).await;
    let (status, _) = app.get_auth(&path, &o[0].token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, mine) = app
        .call(
            Method::POST,
            &path,
            Some(&d[0].token),
            Some(json!({"kind": "bp", "times": ["09:00"], "days": ["sun"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mine = mine.json_as::<ReminderResponse>().reminder_id;
    let theirs = format!("/v1/patients/{other}/reminders/{mine}");
    let (status, _) = app
        .call(
            Method::PATCH,
            &theirs,
            Some(&o[0].token),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(Method::DELETE, &theirs, Some(&o[0].token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let list: ListRemindersResponse = app.get_as(&path, &d[0].token).await;
    assert!(list.reminders[0].enabled, "untouched");
    // PATCH never creates.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("{path}/{}", uuid::Uuid::now_v7()),
            Some(&d[0].token),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn notices(app: &ehealth_tests::TestApp, patient: &str, kind: &str) -> usize {
    app.notices_for(patient)
        .await
        .iter()
        .filter(|(k, _)| k == kind)
        .count()
}

on_both_backends!(a_due_reminder_fires_once_across_instances_and_is_skipped_after_a_measurement);
async fn a_due_reminder_fires_once_across_instances_and_is_skipped_after_a_measurement(
    app: TestApp,
) {
    use ehealth_api::jobs::reminders as job;
    use reqwest::Method;
    // 07:00 in Hong Kong on Sunday 22 November 2026.
    app.clock.set_rfc3339("2026-11-21T23:00:00Z");
    let (patient, mut d, mut key) = patient_with_devices(&app, 1).await;
    let path = format!("/v1/patients/{patient}/reminders");
    let (_, bp) = app
        .call(
            Method::POST,
            &path,
            Some(&d[0].token),
            Some(json!({"kind": "bp", "times": ["08:00"], "days": ALL})),
        )
        .await;
    let id = bp.json_as::<ReminderResponse>().reminder_id;
    let other = app.sibling().await;

    // Not yet at 07:59:59; at 08:00:30 exactly one of two instances fires it.
    app.clock.set_rfc3339("2026-11-21T23:59:59Z");
    assert_eq!(
        job::run(&app.state).await.ok(),
        Some(job::Report::default())
    );
    app.clock.set_rfc3339("2026-11-22T00:00:30Z");
    let (a, b) = tokio::join!(job::run(&app.state), job::run(&other.state));
    let fired = a.map(|r| r.fired).unwrap_or(0) + b.map(|r| r.fired).unwrap_or(0);
    assert_eq!(fired, 1);
    assert_eq!(notices(&app, &patient, "reminder_due").await, 1);
    assert_eq!(
        job::run(&app.state).await.map(|r| r.fired).ok(),
        Some(0),
        "once per occurrence"
    );
    let tomorrow = chrono::DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
        .map(|t| t.timestamp_millis())
        .ok();
    assert_eq!(app.reminder_next_due(&id).await, tomorrow);

    // A reading logged at 07:30 the next day makes the 08:00 reminder unnecessary.
    d[0].sign_in_again(&app, &mut key).await;
    d[0].engine.upsert(
        "bp_readings",
        &uuid::Uuid::now_v7().to_string(),
        &patient,
        fields(
            json!({"systolic": 120, "diastolic": 80, "measured_at": "2026-11-23T07:30:00+08:00"}),
        ),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    app.clock.set_rfc3339("2026-11-23T00:00:10Z");
    assert_eq!(
        job::run(&app.state).await.ok(),
        Some(job::Report {
            fired: 0,
            skipped: 1
        })
    );
    assert_eq!(notices(&app, &patient, "reminder_due").await, 1);
}
