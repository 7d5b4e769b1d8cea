//! Property tests of the sync guarantees (SYNC.md): simulated devices (the reference client)
//! against the real server, with lost requests, lost responses, duplicates, stale replays and
//! crashes between applying a page and saving its cursor.
//!
//! After every random schedule the devices go quiet (push everything, pull to the end) and the
//! test checks convergence, no lost or duplicated write, no resurrection without a restore, and
//! that replaying an old batch changes nothing. `EHEALTH_SYNC_CASES` sets schedules per backend
//! (default 120, so 240 in CI across SQLite and PostgreSQL).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use ehealth_contracts::{Fields, PullResponse, PushRequest, PushResponse};
use ehealth_sync::ClientEngine;
use ehealth_tests::devices::{Device, bp, fields, now_ms, patient_with_devices};
use ehealth_tests::{Backend, TestApp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::json;

const DEVICES: usize = 3;

#[derive(Debug, Clone, Copy)]
enum PushFault {
    None,
    /// The request never reached the server.
    LoseRequest,
    /// The server committed, the answer was lost.
    LoseResponse,
    /// The request arrived twice.
    Duplicate,
    /// An old request arrived again, late.
    ReplayPrevious,
}

#[derive(Debug, Clone)]
enum Op {
    Create {
        dev: usize,
        glucose: bool,
        invalid: bool,
        v: i64,
    },
    Edit {
        dev: usize,
        row: usize,
        v: i64,
    },
    Delete {
        dev: usize,
        row: usize,
    },
    Restore {
        dev: usize,
        row: usize,
        v: i64,
    },
    Push {
        dev: usize,
        max: usize,
        fault: PushFault,
    },
    Pull {
        dev: usize,
        limit: i64,
        crash: bool,
    },
    Tick {
        ms: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let dev = 0..DEVICES;
    prop_oneof![
        3 => (dev.clone(), any::<bool>(), prop::bool::weighted(0.1), 0i64..50)
            .prop_map(|(dev, glucose, invalid, v)| Op::Create { dev, glucose, invalid, v }),
        3 => (dev.clone(), 0usize..8, 0i64..50).prop_map(|(dev, row, v)| Op::Edit { dev, row, v }),
        1 => (dev.clone(), 0usize..8).prop_map(|(dev, row)| Op::Delete { dev, row }),
        1 => (dev.clone(), 0usize..8, 0i64..50).prop_map(|(dev, row, v)| Op::Restore { dev, row, v }),
        3 => (dev.clone(), 1usize..4, prop_oneof![
                3 => Just(PushFault::None),
                1 => Just(PushFault::LoseRequest),
                1 => Just(PushFault::LoseResponse),
                1 => Just(PushFault::Duplicate),
                1 => Just(PushFault::ReplayPrevious),
            ]).prop_map(|(dev, max, fault)| Op::Push { dev, max, fault }),
        3 => (dev, 1i64..4, prop::bool::weighted(0.25)).prop_map(|(dev, limit, crash)| Op::Pull { dev, limit, crash }),
        1 => (0i64..3000).prop_map(|ms| Op::Tick { ms }),
    ]
}

fn full(glucose: bool, v: i64) -> (&'static str, Fields) {
    if glucose {
        let set = fields(
            json!({"mmol_l": 4.0 + (v as f64) / 10.0, "meal_context": "random", "measured_at": "2026-11-20T08:00:00+08:00"}),
        );
        ("glucose_readings", set)
    } else {
        ("bp_readings", bp(100 + v, 60 + v / 2))
    }
}

fn partial(table: &str, v: i64) -> Fields {
    if table == "glucose_readings" {
        fields(json!({"mmol_l": 5.0 + (v as f64) / 10.0}))
    } else if v % 2 == 0 {
        fields(json!({"pulse": 60 + v}))
    } else {
        fields(json!({"note": format!("note {v}")}))
    }
}

struct World {
    patient_id: String,
    devices: Vec<Device>,
    rows: Vec<(String, &'static str)>,
    /// Highest causal length any device issued per row id.
    max_cl: BTreeMap<String, i64>,
    last_request: Vec<Option<PushRequest>>,
}

async fn send(app: &TestApp, d: &Device, req: &PushRequest) -> Option<PushResponse> {
    let (status, body) = d.send_push(app, req).await;
    assert_eq!(status, StatusCode::OK, "push: {body}");
    serde_json::from_value(body).ok()
}

async fn run(app: &TestApp, schedule: Vec<Op>) {
    let (patient_id, devices, _) = patient_with_devices(app, DEVICES).await;
    let mut w = World {
        patient_id,
        devices,
        rows: Vec::new(),
        max_cl: BTreeMap::new(),
        last_request: vec![None; DEVICES],
    };
    for op in schedule {
        step(app, &mut w, op).await;
    }
    quiesce(app, &mut w).await;
    check(app, &mut w).await;
}

async fn step(app: &TestApp, w: &mut World, op: Op) {
    let t = now_ms(app);
    match op {
        Op::Create {
            dev,
            glucose,
            invalid,
            v,
        } => {
            let id = uuid::Uuid::now_v7().to_string();
            let (table, mut set) = full(glucose, v);
            // Only blood pressure gets an invalid variant (systolic 900): rejected, seq consumed.
            let rejected = invalid && !glucose;
            if rejected {
                set.insert("systolic".into(), json!(900));
            }
            let m = w.devices[dev]
                .engine
                .upsert(table, &id, &w.patient_id, set, t);
            if !rejected {
                w.max_cl.insert(id.clone(), m.cl);
                w.rows.push((id, table));
            }
        }
        Op::Edit { dev, row, v } | Op::Restore { dev, row, v } if !w.rows.is_empty() => {
            let (id, table) = w.rows[row % w.rows.len()].clone();
            let Some(local) = w.devices[dev].engine.row(table, &id) else {
                return;
            };
            let restoring = matches!(op, Op::Restore { .. });
            if local.state.is_live() == restoring {
                return;
            }
            let set = if restoring {
                full(table == "glucose_readings", v).1
            } else {
                partial(table, v)
            };
            let m = w.devices[dev]
                .engine
                .upsert(table, &id, &w.patient_id, set, t);
            let e = w.max_cl.entry(id).or_insert(m.cl);
            *e = (*e).max(m.cl);
        }
        Op::Delete { dev, row } if !w.rows.is_empty() => {
            let (id, table) = w.rows[row % w.rows.len()].clone();
            if let Ok(m) = w.devices[dev].engine.delete(table, &id, t) {
                let e = w.max_cl.entry(id).or_insert(m.cl);
                *e = (*e).max(m.cl);
            }
        }
        Op::Push { dev, max, fault } => {
            let d = &w.devices[dev];
            let req = match fault {
                PushFault::ReplayPrevious => w.last_request[dev].clone(),
                _ => d.engine.push_request(max),
            };
            let Some(req) = req else { return };
            let res = match fault {
                PushFault::LoseRequest => None,
                PushFault::LoseResponse => {
                    send(app, d, &req).await;
                    None
                }
                PushFault::Duplicate => {
                    send(app, d, &req).await;
                    send(app, d, &req).await
                }
                PushFault::None | PushFault::ReplayPrevious => send(app, d, &req).await,
            };
            if let Some(res) = res {
                w.devices[dev].engine.on_push_response(&res, t);
            }
            if !matches!(fault, PushFault::ReplayPrevious) {
                w.last_request[dev] = Some(req);
            }
        }
        Op::Pull { dev, limit, crash } => {
            let d = &mut w.devices[dev];
            let (status, body) = d.pull_page(app, limit).await;
            assert_eq!(status, StatusCode::OK, "pull: {body}");
            let page: PullResponse = serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"));
            d.engine.apply_page(&page, t);
            if crash {
                d.engine.crash();
            } else {
                d.engine.save_cursor();
            }
        }
        Op::Tick { ms } => app.clock.advance(Duration::milliseconds(ms)),
        _ => {}
    }
}

async fn quiesce(app: &TestApp, w: &mut World) {
    for d in w.devices.iter_mut() {
        d.push_all(app).await;
    }
    for d in w.devices.iter_mut() {
        d.pull_all(app, 5).await;
    }
}

type Snapshot = BTreeMap<(String, String), (i64, Fields, i64)>;

fn snapshot(e: &ClientEngine) -> Snapshot {
    e.confirmed()
        .iter()
        .map(|(k, r)| {
            (
                k.clone(),
                (r.state.cl, r.state.fields.clone(), r.state.version),
            )
        })
        .collect()
}

async fn check(app: &TestApp, w: &mut World) {
    // The server's truth, as a brand-new install of device 0 sees it.
    let mut fresh = Device {
        engine: ClientEngine::new(w.devices[0].engine.device_id.clone()),
        token: w.devices[0].token.clone(),
        patient_id: w.patient_id.clone(),
    };
    fresh.pull_all(app, 1000).await;
    let truth = snapshot(&fresh.engine);

    for (i, d) in w.devices.iter().enumerate() {
        assert!(
            d.engine.pending().is_empty(),
            "device {i} still has pending mutations"
        );
        assert_eq!(snapshot(&d.engine), truth, "device {i} did not converge");
    }
    // Every valid row created exists, with the highest causal length issued for it: an
    // acknowledged write is never lost and a deleted row never comes back without a restore.
    let ids: BTreeSet<&String> = truth.keys().map(|(_, id)| id).collect();
    assert_eq!(ids.len(), truth.len(), "duplicate rows");
    for (id, table) in &w.rows {
        let row = truth.get(&(table.to_string(), id.clone()));
        let expected = w.max_cl.get(id).copied();
        assert_eq!(row.map(|r| r.0), expected, "row {id}: causal length");
    }
    assert_eq!(
        truth.len(),
        w.rows.len(),
        "rows that should not exist (rejected writes applied?)"
    );

    // Re-sending an old batch changes nothing.
    if let Some(old) = w.last_request.iter().flatten().next().cloned() {
        let d = w
            .devices
            .iter()
            .find(|d| d.engine.device_id == old.device_id)
            .unwrap_or(&w.devices[0]);
        send(app, d, &old).await;
        let before = fresh.engine.pull_request(1000).cursor;
        let pages = fresh.pull_all(app, 1000).await;
        assert!(
            pages.iter().all(|p| p.changes.is_empty()),
            "a replayed batch produced changes (cursor {before:?})"
        );
    }
}

fn cases() -> u32 {
    std::env::var("EHEALTH_SYNC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120)
}

fn property(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = rt.block_on(TestApp::spawn(backend));
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(op(), 5..40), |schedule| {
        rt.block_on(run(&app, schedule));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn devices_converge_without_loss_duplication_or_resurrection_on_sqlite() {
    property(Backend::Sqlite);
}

#[test]
fn devices_converge_without_loss_duplication_or_resurrection_on_postgres() {
    property(Backend::Postgres);
}
