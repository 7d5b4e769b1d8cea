//! Regression tests for sync bugs found in review: repeated resets after a purge, lost updates
//! between concurrent pushes, clamped clocks, order-dependent validation and the seq a gap
//! reports.

use std::sync::mpsc;

use chrono::Duration;
use ehealth_api::services::sync::tables::table;
use ehealth_api::store;
use ehealth_contracts::{Mutation, MutationOp, MutationStatus, Problem, PushRequest, PushResponse};
use ehealth_sync::ClientEngine;
use ehealth_tests::devices::{Device, bp, fields, now_ms, patient_with_devices};
use ehealth_tests::{Backend, JsonAs, TestApp, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

on_both_backends!(after_a_purge_a_scope_resets_once_and_a_new_device_never);
async fn after_a_purge_a_scope_resets_once_and_a_new_device_never(app: TestApp) {
    let (patient_id, mut d, mut passkey) = patient_with_devices(&app, 2).await;
    for _ in 0..5 {
        d[0].engine.upsert(
            "bp_readings",
            &new_id(),
            &patient_id,
            bp(120, 80),
            now_ms(&app),
        );
    }
    let doomed = new_id();
    d[0].engine.upsert(
        "bp_readings",
        &doomed,
        &patient_id,
        bp(120, 80),
        now_ms(&app),
    );
    d[0].push_all(&app).await;
    d[1].pull_all(&app, 100).await;
    d[0].engine
        .delete("bp_readings", &doomed, now_ms(&app))
        .unwrap_or_else(|e| panic!("{e}"));
    d[0].push_all(&app).await;
    app.clock.advance(Duration::days(181));
    assert_eq!(
        ehealth_api::jobs::tombstones::purge(&app.state).await.ok(),
        Some(1)
    );
    d[1].sign_in_again(&app, &mut passkey).await;

    let resets = |pages: &[ehealth_contracts::PullResponse]| {
        pages.iter().map(|p| p.scopes.reset.len()).sum::<usize>()
    };
    let pages = d[1].pull_all(&app, 2).await;
    assert_eq!(resets(&pages), 1, "one reset, then the download completes");
    assert_eq!(d[1].engine.confirmed().len(), 5);
    assert_eq!(
        resets(&d[1].pull_all(&app, 2).await),
        0,
        "no reset on the next pull"
    );

    // A brand-new install pages through the scope without ever being reset.
    let mut fresh = Device {
        engine: ClientEngine::new(d[1].engine.device_id.clone()),
        token: d[1].token.clone(),
        patient_id: patient_id.clone(),
    };
    let pages = fresh.pull_all(&app, 1).await;
    assert_eq!(resets(&pages), 0);
    assert_eq!(fresh.engine.confirmed().len(), 5);
    assert_eq!(resets(&fresh.pull_all(&app, 1).await), 0);
}

on_both_backends!(a_gap_inside_a_batch_names_the_first_missing_seq);
async fn a_gap_inside_a_batch_names_the_first_missing_seq(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    for _ in 0..4 {
        d[0].engine.upsert(
            "bp_readings",
            &new_id(),
            &patient_id,
            bp(120, 80),
            now_ms(&app),
        );
    }
    let mut req = d[0]
        .engine
        .push_request(10)
        .unwrap_or_else(|| panic!("pending"));
    req.mutations.remove(2);
    let (status, problem) = d[0].send_push(&app, &req).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem.json_as::<Problem>().expected_seq, Some(3));
}

on_both_backends!(edits_from_a_clock_far_ahead_keep_their_order);
async fn edits_from_a_clock_far_ahead_keep_their_order(app: TestApp) {
    let (patient_id, d, _) = patient_with_devices(&app, 1).await;
    let device = d[0].engine.device_id.clone();
    let id = new_id();
    let ahead = now_ms(&app) + 3_600_000;
    let m = |seq: i64, cl: i64, set: ehealth_contracts::Fields, ms: u64| Mutation {
        seq,
        op: MutationOp::Upsert,
        table: "bp_readings".into(),
        id: id.clone(),
        scope: patient_id.clone(),
        cl,
        hlc: format!("{ms}:0:{device}"),
        set: Some(set),
        base_version: None,
    };
    let req = PushRequest {
        protocol: 1,
        device_id: device.clone(),
        schema_version: 1,
        mutations: vec![
            m(1, 1, bp(120, 80), ahead),
            m(2, 1, fields(json!({"systolic": 130})), ahead + 1),
            m(3, 1, fields(json!({"systolic": 140})), ahead + 2),
        ],
    };
    let (status, body) = d[0].send_push(&app, &req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let statuses: Vec<MutationStatus> = body
        .json_as::<PushResponse>()
        .results
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![MutationStatus::Applied; 3]);
    let mut fresh = Device {
        engine: ClientEngine::new(device),
        token: d[0].token.clone(),
        patient_id: patient_id.clone(),
    };
    fresh.pull_all(&app, 10).await;
    let row = fresh
        .engine
        .row("bp_readings", &id)
        .unwrap_or_else(|| panic!("row"));
    assert_eq!(
        row.state.fields.get("systolic"),
        Some(&json!(140)),
        "the last edit wins"
    );
    let stamp = row
        .state
        .stamps
        .get("systolic")
        .map(|h| h.physical_ms)
        .unwrap_or(u64::MAX);
    assert!(
        stamp <= now_ms(&app) + 300_000,
        "the stamp was pulled back to the allowed skew"
    );
}

on_both_backends!(concurrent_edits_of_a_pair_converge_whatever_the_order);
async fn concurrent_edits_of_a_pair_converge_whatever_the_order(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    let (first, second) = (new_id(), new_id());
    for id in [&first, &second] {
        d[0].engine
            .upsert("bp_readings", id, &patient_id, bp(120, 80), now_ms(&app));
    }
    d[0].push_all(&app).await;
    d[1].pull_all(&app, 100).await;
    // Each device makes a consistent edit; together they cross (100 over 110).
    for id in [&first, &second] {
        d[0].engine.upsert(
            "bp_readings",
            id,
            &patient_id,
            fields(json!({"diastolic": 110})),
            now_ms(&app),
        );
        d[1].engine.upsert(
            "bp_readings",
            id,
            &patient_id,
            fields(json!({"systolic": 100})),
            now_ms(&app),
        );
    }
    // `first` sees device 0's edit first; `second` device 1's.
    let mut m0 = d[0]
        .engine
        .push_request(10)
        .unwrap_or_else(|| panic!("pending"));
    let mut m1 = d[1]
        .engine
        .push_request(10)
        .unwrap_or_else(|| panic!("pending"));
    let (a0, b0) = (m0.mutations.remove(0), m0.mutations.remove(0));
    let (a1, b1) = (m1.mutations.remove(0), m1.mutations.remove(0));
    for (dev, muts) in [(0, vec![a0]), (1, vec![a1, b1]), (0, vec![b0])] {
        let req = PushRequest {
            mutations: muts,
            ..(if dev == 0 { m0.clone() } else { m1.clone() })
        };
        let (status, body) = d[dev].send_push(&app, &req).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body.json_as::<PushResponse>()
                .results
                .iter()
                .all(|r| r.status == MutationStatus::Applied),
            "{body}"
        );
    }
    let mut fresh = Device {
        engine: ClientEngine::new(d[0].engine.device_id.clone()),
        token: d[0].token.clone(),
        patient_id: patient_id.clone(),
    };
    fresh.pull_all(&app, 10).await;
    for id in [&first, &second] {
        let row = fresh
            .engine
            .row("bp_readings", id)
            .unwrap_or_else(|| panic!("row"));
        assert_eq!(
            (
                row.state.fields.get("systolic"),
                row.state.fields.get("diastolic")
            ),
            (Some(&json!(100)), Some(&json!(110)))
        );
    }
}

/// PostgreSQL, deterministic: a push that is still writing a row holds the scope, so a
/// concurrent push to the same row reads the committed result instead of overwriting it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_concurrent_push_does_not_overwrite_an_edit_it_did_not_see() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    let id = new_id();
    d[0].engine
        .upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
    d[0].push_all(&app).await;

    // Writer A: locks the scope, edits the pulse, and holds its transaction open.
    let (edited_tx, edited_rx) = mpsc::channel::<()>();
    let (commit_tx, commit_rx) = mpsc::channel::<()>();
    let (pool, scope, row_id, device) = (
        app.state.db.pool().clone(),
        patient_id.clone(),
        id.clone(),
        d[0].engine.device_id.clone(),
    );
    let writer = std::thread::spawn(move || {
        use diesel::Connection;
        let mut conn = pool.get().unwrap_or_else(|e| panic!("{e}"));
        conn.transaction::<_, ehealth_api::error::ApiError, _>(|c| {
            store::sync_scopes::lock_scope(c, &scope)?;
            let t = table("bp_readings").unwrap_or_else(|| panic!("table"));
            let mut row = t
                .load_many(c, std::slice::from_ref(&row_id))?
                .pop()
                .unwrap_or_else(|| panic!("row"));
            row.state.fields.insert("pulse".into(), json!(72));
            row.state
                .stamps
                .insert("pulse".into(), ehealth_sync::Hlc::new(1, 0, device.clone()));
            row.state.version = store::sync_scopes::next_version(c, &scope)?;
            t.save_many(c, &[row], &device, 0)?;
            edited_tx.send(()).ok();
            commit_rx.recv().ok();
            Ok(())
        })
        .unwrap_or_else(|e| panic!("writer: {e}"));
    });
    edited_rx.recv().unwrap_or_else(|e| panic!("{e}"));

    // Writer B: a push editing the note of the same row.
    d[1].pull_all(&app, 10).await;
    d[1].engine.upsert(
        "bp_readings",
        &id,
        &patient_id,
        fields(json!({"note": "after a walk"})),
        now_ms(&app),
    );
    let b = d[1].push_in_background(&app);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!b.is_finished(), "the second push waits for the scope");
    commit_tx.send(()).ok();
    writer.join().unwrap_or_else(|_| panic!("writer thread"));
    let status = b
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, StatusCode::OK);

    let mut fresh = Device {
        engine: ClientEngine::new(d[0].engine.device_id.clone()),
        token: d[0].token.clone(),
        patient_id: patient_id.clone(),
    };
    fresh.pull_all(&app, 10).await;
    let row = fresh
        .engine
        .row("bp_readings", &id)
        .unwrap_or_else(|| panic!("row"));
    assert_eq!(
        row.state.fields.get("pulse"),
        Some(&json!(72)),
        "A's edit survived"
    );
    assert_eq!(
        row.state.fields.get("note"),
        Some(&json!("after a walk")),
        "B's edit applied"
    );
    let _ = MutationStatus::Applied;
}
