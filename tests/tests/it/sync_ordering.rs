//! Cursor completeness with out-of-order commits (PostgreSQL, deterministic): a writer holds its
//! transaction open after taking a version while a later writer tries to commit; a puller must
//! never see the later change without the earlier one.

use std::sync::mpsc;

use ehealth_api::services::sync::tables::{StoredRow, table};
use ehealth_api::store;
use ehealth_sync::{Hlc, RowState};
use ehealth_tests::devices::{bp, now_ms, patient_with_devices};
use ehealth_tests::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_puller_never_skips_a_change_committed_out_of_order() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let (patient_id, mut d, _) = patient_with_devices(&app, 3).await;

    // Writer A: takes a version inside a transaction and holds it open.
    let (taken_tx, taken_rx) = mpsc::channel::<i64>();
    let (commit_tx, commit_rx) = mpsc::channel::<()>();
    let pool = app.state.db.pool().clone();
    let scope = patient_id.clone();
    let writer_device = d[0].engine.device_id.clone();
    let slow_id = uuid::Uuid::now_v7().to_string();
    let row_id = slow_id.clone();
    let writer = std::thread::spawn(move || {
        use diesel::Connection;
        let mut conn = pool.get().unwrap_or_else(|e| panic!("{e}"));
        conn.transaction::<_, ehealth_api::error::ApiError, _>(|c| {
            let version = store::sync_scopes::next_version(c, &scope)?;
            let fields = bp(121, 81);
            let stamp = Hlc::new(1, 0, writer_device.clone());
            let state = RowState {
                cl: 1,
                stamps: fields.keys().map(|k| (k.clone(), stamp.clone())).collect(),
                fields,
                version,
            };
            let t = table("bp_readings").unwrap_or_else(|| panic!("table"));
            t.save_many(
                c,
                &[StoredRow {
                    id: row_id,
                    scope: scope.clone(),
                    state,
                }],
                &writer_device,
                0,
            )?;
            taken_tx.send(version).ok();
            commit_rx.recv().ok();
            Ok(())
        })
        .unwrap_or_else(|e| panic!("writer A: {e}"));
    });
    let a_version = taken_rx.recv().unwrap_or_else(|e| panic!("{e}"));

    // Writer B: a later push into the same scope, over HTTP, concurrently.
    let fast_id = uuid::Uuid::now_v7().to_string();
    d[1].engine.upsert(
        "bp_readings",
        &fast_id,
        &patient_id,
        bp(130, 85),
        now_ms(&app),
    );
    let b = d[1].push_in_background(&app);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // The puller runs while A is open and B is waiting: it sees neither, and its cursor does
    // not move past A's version.
    let pages = d[2].pull_all(&app, 100).await;
    let seen: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.changes.iter().map(|c| c.id.as_str()))
        .collect();
    assert!(
        seen.is_empty(),
        "saw {seen:?} before the first writer committed"
    );
    assert!(
        !b.is_finished(),
        "the later writer must wait for the earlier version to commit"
    );

    commit_tx.send(()).ok();
    writer.join().unwrap_or_else(|_| panic!("writer thread"));
    let status = b
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, reqwest::StatusCode::OK);

    let pages = d[2].pull_all(&app, 100).await;
    let seen: Vec<(String, i64)> = pages
        .iter()
        .flat_map(|p| p.changes.iter().map(|c| (c.id.clone(), c.version)))
        .collect();
    assert_eq!(seen, vec![(slow_id, a_version), (fast_id, a_version + 1)]);
}
