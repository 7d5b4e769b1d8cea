//! Conflicts: the merge rule over HTTP, and the family seeing and resolving lost values.

use chrono::Duration;
use ehealth_contracts::{ListConflictsResponse, MutationStatus, SyncConflict};
use ehealth_tests::devices::{bp, fields, now_ms, patient_with_devices};
use ehealth_tests::{TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::new_id;

on_both_backends!(a_delete_beats_a_concurrent_edit_and_the_lost_edit_is_kept);
async fn a_delete_beats_a_concurrent_edit_and_the_lost_edit_is_kept(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    let id = new_id();
    d[0].engine
        .upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
    d[0].push_all(&app).await;
    d[1].pull_all(&app, 100).await;

    // Offline at the same time: one deletes, the other edits (later by the clock).
    d[0].engine
        .delete("bp_readings", &id, now_ms(&app))
        .unwrap_or_else(|e| panic!("{e}"));
    app.clock.advance(Duration::seconds(5));
    d[1].engine.upsert(
        "bp_readings",
        &id,
        &patient_id,
        fields(json!({"systolic": 135})),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    let res = d[1].push_all(&app).await;
    let r = &res[0].results[0];
    assert_eq!(r.status, MutationStatus::Merged);
    assert_eq!(r.conflicts[0].losing_value, json!(135));

    for dev in d.iter_mut() {
        dev.pull_all(&app, 100).await;
        assert!(
            dev.engine
                .row("bp_readings", &id)
                .is_some_and(|r| !r.state.is_live()),
            "deleted everywhere"
        );
    }
    let row_id = id.clone();
    let conflicts = app
        .state
        .db
        .run(move |c| {
            Ok(ehealth_tests::stored::conflicts_for_row(
                c,
                "bp_readings",
                &row_id,
            )?)
        })
        .await
        .unwrap_or_default();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].losing_value, "135");

    // An explicit restore brings it back.
    let restored = d[1]
        .engine
        .upsert("bp_readings", &id, &patient_id, bp(118, 76), now_ms(&app));
    assert_eq!(restored.cl, 3);
    d[1].push_all(&app).await;
    d[0].pull_all(&app, 100).await;
    assert!(
        d[0].engine
            .row("bp_readings", &restored.id)
            .is_some_and(|r| r.state.is_live())
    );
}

on_both_backends!(concurrent_edits_of_different_fields_both_survive);
async fn concurrent_edits_of_different_fields_both_survive(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    let id = new_id();
    d[0].engine
        .upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
    d[0].push_all(&app).await;
    d[1].pull_all(&app, 100).await;
    d[0].engine.upsert(
        "bp_readings",
        &id,
        &patient_id,
        fields(json!({"note": "after coffee"})),
        now_ms(&app),
    );
    d[1].engine.upsert(
        "bp_readings",
        &id,
        &patient_id,
        fields(json!({"pulse": 72})),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    d[1].push_all(&app).await;
    for dev in d.iter_mut() {
        dev.pull_all(&app, 100).await;
        let row = dev
            .engine
            .row("bp_readings", &id)
            .unwrap_or_else(|| panic!("row"));
        assert_eq!(row.state.fields.get("note"), Some(&json!("after coffee")));
        assert_eq!(row.state.fields.get("pulse"), Some(&json!(72)));
    }
}

on_both_backends!(the_family_sees_lost_values_and_marks_them_resolved);
async fn the_family_sees_lost_values_and_marks_them_resolved(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    let (_, stranger, _) = patient_with_devices(&app, 1).await;
    let id = new_id();
    d[0].engine
        .upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
    d[0].push_all(&app).await;
    d[1].pull_all(&app, 100).await;
    d[0].engine
        .delete("bp_readings", &id, now_ms(&app))
        .unwrap_or_else(|e| panic!("{e}"));
    d[1].engine.upsert(
        "bp_readings",
        &id,
        &patient_id,
        fields(json!({"note": "dizzy"})),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    d[1].push_all(&app).await;

    let path = format!("/v1/patients/{patient_id}/sync/conflicts");
    let list: ListConflictsResponse = app.get_as(&path, &d[0].token).await;
    assert_eq!(list.conflicts.len(), 1);
    let conflict = &list.conflicts[0];
    assert_eq!(
        (conflict.field.as_str(), conflict.losing_value.as_str()),
        ("note", Some("dizzy"))
    );
    assert_eq!(conflict.row_id, id);

    let (status, _) = app.get_auth(&path, &stranger[0].token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let resolve = format!("{path}/{}/resolve", conflict.conflict_id);
    let (status, _) = app
        .call(Method::POST, &resolve, Some(&stranger[0].token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let resolved: SyncConflict = app
        .call_as(
            StatusCode::OK,
            Method::POST,
            &resolve,
            Some(&d[1].token),
            None,
        )
        .await;
    assert!(resolved.resolved_at.is_some());

    let open: ListConflictsResponse = app.get_as(&path, &d[0].token).await;
    assert!(open.conflicts.is_empty());
    let all: ListConflictsResponse = app
        .get_as(&format!("{path}?include_resolved=true"), &d[0].token)
        .await;
    assert_eq!(all.conflicts.len(), 1);
}
