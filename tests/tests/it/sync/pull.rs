//! Pulling changes: cursors, pages, stored units, resets and the sync poke for other devices.

use chrono::Duration;
use ehealth_tests::devices::{bp, fields, now_ms, patient_with_devices};
use ehealth_tests::{TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::new_id;

on_both_backends!(an_altered_or_foreign_cursor_is_refused);
async fn an_altered_or_foreign_cursor_is_refused(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    let (_, mut other, _) = patient_with_devices(&app, 1).await;
    d[0].engine.upsert(
        "bp_readings",
        &new_id(),
        &patient_id,
        bp(120, 80),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    let cursor = d[0]
        .pull_all(&app, 10)
        .await
        .pop()
        .map(|p| p.cursor)
        .unwrap_or_default();
    other[0].pull_all(&app, 10).await;

    let pull = |cursor: String, device: String| json!({"protocol": 1, "device_id": device, "schema_version": 1, "cursor": cursor});
    let mut altered = cursor.clone();
    altered.insert(5, 'x');
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/sync/pull",
            Some(&d[0].token),
            Some(pull(altered, d[0].engine.device_id.clone())),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_cursor"))
    );
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/sync/pull",
            Some(&other[0].token),
            Some(pull(cursor, other[0].engine.device_id.clone())),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_cursor"))
    );
}

on_both_backends!(pages_deliver_every_change_once_at_any_page_size);
async fn pages_deliver_every_change_once_at_any_page_size(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    for i in 0..25 {
        let table = if i % 3 == 0 {
            "glucose_readings"
        } else {
            "bp_readings"
        };
        let set = if table == "bp_readings" {
            bp(100 + i, 70)
        } else {
            fields(
                json!({"mmol_l": 5.5, "meal_context": "fasting", "measured_at": "2026-11-20T08:00:00+08:00"}),
            )
        };
        d[0].engine
            .upsert(table, &new_id(), &patient_id, set, now_ms(&app));
    }
    d[0].push_all(&app).await;
    let pages = d[1].pull_all(&app, 7).await;
    assert_eq!(pages.len(), 4);
    let versions: Vec<i64> = pages
        .iter()
        .flat_map(|p| p.changes.iter().map(|c| c.version))
        .collect();
    assert_eq!(versions, (1..=25).collect::<Vec<_>>());
    assert!(pages[..3].iter().all(|p| p.has_more) && !pages[3].has_more);
}

on_both_backends!(blood_sugar_in_mg_per_decilitre_is_stored_in_mmol_per_litre);
async fn blood_sugar_in_mg_per_decilitre_is_stored_in_mmol_per_litre(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    let id = new_id();
    d[0].engine.upsert("glucose_readings", &id, &patient_id,
        fields(json!({"value": 126, "unit": "mg/dL", "meal_context": "fasting", "measured_at": "2026-11-20T08:00:00+08:00"})), now_ms(&app));
    d[0].push_all(&app).await;
    let mut fresh = ehealth_tests::devices::Device {
        engine: ehealth_sync::ClientEngine::new(d[0].engine.device_id.clone()),
        token: d[0].token.clone(),
        patient_id: patient_id.clone(),
    };
    fresh.pull_all(&app, 10).await;
    let row = fresh
        .engine
        .row("glucose_readings", &id)
        .unwrap_or_else(|| panic!("row"));
    assert_eq!(row.state.fields.get("mmol_l"), Some(&json!(7.0)));
    assert!(!row.state.fields.contains_key("value"));
}

on_both_backends!(a_new_epoch_resets_the_scope_and_keeps_pending_mutations);
async fn a_new_epoch_resets_the_scope_and_keeps_pending_mutations(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    d[0].engine.upsert(
        "bp_readings",
        &new_id(),
        &patient_id,
        bp(120, 80),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    d[0].pull_all(&app, 10).await;
    let pending_id = new_id();
    d[0].engine.upsert(
        "bp_readings",
        &pending_id,
        &patient_id,
        bp(121, 81),
        now_ms(&app),
    );

    app.state
        .db
        .run(|c| {
            Ok(ehealth_api::store::sync_scopes::reset_epoch(
                c,
                "restored-from-backup",
            )?)
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pages = d[0].pull_all(&app, 10).await;
    assert_eq!(pages[0].scopes.reset.len(), 1);
    assert_eq!(pages[0].scopes.reset[0].reason, "epoch_changed");
    assert_eq!(
        pages[0].changes.len(),
        1,
        "the scope is sent again from the start"
    );
    assert_eq!(
        d[0].engine.pending().len(),
        1,
        "pending mutations survive a reset"
    );
    d[0].push_all(&app).await;
    d[0].pull_all(&app, 10).await;
    assert!(
        d[0].engine
            .row("bp_readings", &pending_id)
            .is_some_and(|r| r.state.version > 0)
    );
}

on_both_backends!(a_cursor_older_than_the_tombstone_horizon_resets_the_scope);
async fn a_cursor_older_than_the_tombstone_horizon_resets_the_scope(app: TestApp) {
    let (patient_id, mut d, mut passkey) = patient_with_devices(&app, 2).await;
    let id = new_id();
    d[0].engine
        .upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
    d[0].push_all(&app).await;
    d[1].pull_all(&app, 10).await;
    d[0].engine
        .delete("bp_readings", &id, now_ms(&app))
        .unwrap_or_else(|e| panic!("{e}"));
    d[0].push_all(&app).await;

    app.clock.advance(Duration::days(181));
    let purged = ehealth_api::jobs::tombstones::purge(&app.state)
        .await
        .unwrap_or(0);
    assert_eq!(purged, 1);
    d[1].sign_in_again(&app, &mut passkey).await;
    let pages = d[1].pull_all(&app, 10).await;
    assert_eq!(
        pages[0].scopes.reset.first().map(|r| r.reason.as_str()),
        Some("cursor_expired")
    );
    assert!(
        d[1].engine.row("bp_readings", &id).is_none(),
        "the deleted row is gone, not resurrected"
    );
}

on_both_backends!(a_push_that_changes_a_scope_queues_a_sync_poke_for_other_devices);
async fn a_push_that_changes_a_scope_queues_a_sync_poke_for_other_devices(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    d[0].engine.upsert(
        "bp_readings",
        &new_id(),
        &patient_id,
        bp(120, 80),
        now_ms(&app),
    );
    d[0].engine.upsert(
        "bp_readings",
        &new_id(),
        &patient_id,
        bp(900, 80),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    d[0].engine.upsert(
        "bp_readings",
        &new_id(),
        &patient_id,
        bp(901, 80),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    let scope = patient_id.clone();
    let pokes = app
        .state
        .db
        .run(move |c| Ok(ehealth_tests::stored::outbox_for_scope(c, &scope)?))
        .await
        .unwrap_or_default();
    assert_eq!(pokes.len(), 1, "one poke per push that changed something");
    assert_eq!(pokes[0].kind, "sync_poke");
    assert_eq!(
        pokes[0].exclude_device_id.as_deref(),
        Some(d[0].engine.device_id.as_str())
    );
    assert!(
        !pokes[0].payload.contains("120"),
        "a poke carries no health data"
    );
}
