//! Offline sync over HTTP: push, pull, conflicts, resets and every refusal, on both databases.

use chrono::Duration;
use ehealth_contracts::{Mutation, MutationOp, MutationStatus, PushRequest};
use ehealth_tests::devices::{bp, fields, now_ms, patient_with_devices};
use ehealth_tests::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

on_both_backends! {
    async fn a_reading_logged_offline_on_one_phone_reaches_the_other(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
        let id = new_id();
        d[0].engine.upsert("bp_readings", &id, &patient_id, bp(128, 84), now_ms(&app));
        let res = d[0].push(&app, 100).await.unwrap_or_else(|| panic!("nothing to push"));
        assert_eq!(res.results[0].status, MutationStatus::Applied);
        assert_eq!(res.last_seq, 1);

        let pages = d[1].pull_all(&app, 100).await;
        assert_eq!(pages[0].scopes.added.len(), 1);
        assert_eq!(pages[0].scopes.added[0].scope, patient_id);
        assert_eq!(pages[0].scopes.added[0].patient_id, patient_id);
        let row = d[1].engine.row("bp_readings", &id).unwrap_or_else(|| panic!("row missing"));
        assert_eq!(row.state.fields.get("systolic"), Some(&json!(128)));
        assert!(row.state.is_live());
    }
}

on_both_backends! {
    async fn a_batch_pushed_twice_has_the_effect_of_once(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
        for i in 0..3 {
            d[0].engine.upsert("bp_readings", &new_id(), &patient_id, bp(120 + i, 80), now_ms(&app));
        }
        let req = d[0].engine.push_request(100).unwrap_or_else(|| panic!("nothing pending"));
        let (s1, first) = d[0].send_push(&app, &req).await;
        let (s2, second) = d[0].send_push(&app, &req).await;
        assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
        assert_eq!(first["results"], second["results"], "a re-sent mutation returns its stored result");
        let pages = d[0].pull_all(&app, 100).await;
        assert_eq!(pages.iter().map(|p| p.changes.len()).sum::<usize>(), 3);
        assert_eq!(pages[0].changes.iter().map(|c| c.version).collect::<Vec<_>>(), vec![1, 2, 3]);
    }
}

on_both_backends! {
    async fn a_gap_in_the_sequence_is_refused_with_the_expected_seq(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
        for _ in 0..3 {
            d[0].engine.upsert("bp_readings", &new_id(), &patient_id, bp(120, 80), now_ms(&app));
        }
        let mut req = d[0].engine.push_request(100).unwrap_or_else(|| panic!("nothing pending"));
        req.mutations.remove(0);
        let (status, problem) = d[0].send_push(&app, &req).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("seq_gap")));
        assert_eq!(problem["expected_seq"], 1);
        // Nothing of the batch was applied.
        assert!(d[0].pull_all(&app, 100).await.iter().all(|p| p.changes.is_empty()));
    }
}

on_both_backends! {
    async fn bad_mutations_are_refused_one_by_one_and_consume_their_seq(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
        let (stranger, _, _) = patient_with_devices(&app, 1).await;
        let t = now_ms(&app);
        let e = &mut d[0].engine;
        e.upsert("bp_readings", &new_id(), &patient_id, bp(900, 80), t);
        e.upsert("bp_readings", &new_id(), &patient_id, bp(80, 90), t);
        e.upsert("glucose_readings", &new_id(), &patient_id,
            fields(json!({"value": 6, "unit": "g/L", "meal_context": "fasting", "measured_at": "2026-11-20T08:00:00+08:00"})), t);
        e.upsert("medications", &new_id(), &patient_id, bp(120, 80), t);
        e.upsert("bp_readings", &new_id(), &stranger, bp(120, 80), t);
        e.upsert("bp_readings", &new_id(), &patient_id, bp(120, 80), t);
        let res = d[0].push(&app, 100).await.unwrap_or_else(|| panic!("nothing pending"));
        let got: Vec<(MutationStatus, Option<&str>)> = res.results.iter().map(|r| (r.status, r.code.as_deref())).collect();
        assert_eq!(got, vec![
            (MutationStatus::Rejected, Some("invalid_reading")),
            (MutationStatus::Rejected, Some("invalid_reading")),
            (MutationStatus::Rejected, Some("invalid_reading")),
            (MutationStatus::Rejected, Some("unknown_table")),
            (MutationStatus::Forbidden, Some("forbidden")),
            (MutationStatus::Applied, None),
        ]);
        assert!(res.results[0].message.as_deref().is_some_and(|m| m.contains("systolic: out_of_range")));
        assert_eq!(res.last_seq, 6);
        assert!(d[0].engine.pending().is_empty(), "the queue never wedges");
        let pages = d[0].pull_all(&app, 100).await;
        assert_eq!(pages.iter().map(|p| p.changes.len()).sum::<usize>(), 1);
    }
}

on_both_backends! {
    async fn mutations_with_a_malformed_id_cl_or_clock_are_rejected(app) {
        let (patient_id, d, _) = patient_with_devices(&app, 1).await;
        let device = d[0].engine.device_id.clone();
        let m = |seq: i64, id: &str, op: MutationOp, cl: i64, hlc: String| Mutation {
            seq, op, table: "bp_readings".into(), id: id.into(), scope: patient_id.clone(), cl, hlc,
            set: Some(bp(120, 80)), base_version: None,
        };
        let req = PushRequest { protocol: 1, device_id: device.clone(), schema_version: 1, mutations: vec![
            m(1, "not-a-uuid", MutationOp::Upsert, 1, format!("1:0:{device}")),
            m(2, &new_id(), MutationOp::Upsert, 2, format!("1:0:{device}")),
            m(3, &new_id(), MutationOp::Upsert, 1, "yesterday".into()),
            m(4, &new_id(), MutationOp::Upsert, 1, "1:0:someone-else".into()),
        ]};
        let (status, body) = d[0].send_push(&app, &req).await;
        assert_eq!(status, StatusCode::OK);
        let codes: Vec<&str> = body["results"].as_array().into_iter().flatten().filter_map(|r| r["code"].as_str()).collect();
        assert_eq!(codes, vec!["invalid_mutation"; 4]);
    }
}

on_both_backends! {
    async fn envelopes_are_checked_before_anything_applies(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
        let (_, other, _) = patient_with_devices(&app, 1).await;
        d[0].engine.upsert("bp_readings", &new_id(), &patient_id, bp(120, 80), now_ms(&app));
        let good = d[0].engine.push_request(10).unwrap_or_else(|| panic!("pending"));

        let mut old = good.clone();
        old.protocol = 2;
        let (status, problem) = d[0].send_push(&app, &old).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UPGRADE_REQUIRED, Some("unsupported_protocol")));
        assert_eq!(problem["supported"], json!({"min": 1, "max": 1}));

        let mut foreign = good.clone();
        foreign.device_id = other[0].engine.device_id.clone();
        let (status, problem) = d[0].send_push(&app, &foreign).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("unknown_device")));

        let (status, problem) = app.call(Method::POST, "/v1/sync/push", Some(&d[0].token), Some(json!({"protocol": 1}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

        let mut big = good.clone();
        let template = big.mutations[0].clone();
        big.mutations = (1..=501).map(|seq| Mutation { seq, ..template.clone() }).collect();
        let (status, problem) = d[0].send_push(&app, &big).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("batch_too_large")));

        let mut huge = good.clone();
        huge.mutations[0].set = Some(fields(json!({"note": "x".repeat(1_100_000)})));
        let (status, problem) = d[0].send_push(&app, &huge).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));

        assert!(d[0].push(&app, 10).await.is_some_and(|r| r.results[0].status == MutationStatus::Applied));
    }
}

on_both_backends! {
    async fn an_altered_or_foreign_cursor_is_refused(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
        let (_, mut other, _) = patient_with_devices(&app, 1).await;
        d[0].engine.upsert("bp_readings", &new_id(), &patient_id, bp(120, 80), now_ms(&app));
        d[0].push_all(&app).await;
        let cursor = d[0].pull_all(&app, 10).await.pop().map(|p| p.cursor).unwrap_or_default();
        other[0].pull_all(&app, 10).await;

        let pull = |cursor: String, device: String| json!({"protocol": 1, "device_id": device, "schema_version": 1, "cursor": cursor});
        let mut altered = cursor.clone();
        altered.insert(5, 'x');
        let (status, problem) = app.call(Method::POST, "/v1/sync/pull", Some(&d[0].token), Some(pull(altered, d[0].engine.device_id.clone()))).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_cursor")));
        let (status, problem) = app.call(Method::POST, "/v1/sync/pull", Some(&other[0].token), Some(pull(cursor, other[0].engine.device_id.clone()))).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_cursor")));
    }
}

on_both_backends! {
    async fn a_delete_beats_a_concurrent_edit_and_the_lost_edit_is_kept(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
        let id = new_id();
        d[0].engine.upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
        d[0].push_all(&app).await;
        d[1].pull_all(&app, 100).await;

        // Offline at the same time: one deletes, the other edits (later by the clock).
        d[0].engine.delete("bp_readings", &id, now_ms(&app)).unwrap_or_else(|e| panic!("{e}"));
        app.clock.advance(Duration::seconds(5));
        d[1].engine.upsert("bp_readings", &id, &patient_id, fields(json!({"systolic": 135})), now_ms(&app));
        d[0].push_all(&app).await;
        let res = d[1].push_all(&app).await;
        let r = &res[0].results[0];
        assert_eq!(r.status, MutationStatus::Merged);
        assert_eq!(r.conflicts[0].losing_value, json!(135));

        for dev in d.iter_mut() {
            dev.pull_all(&app, 100).await;
            assert!(dev.engine.row("bp_readings", &id).is_some_and(|r| !r.state.is_live()), "deleted everywhere");
        }
        let row_id = id.clone();
        let conflicts = app.state.db.run(move |c| Ok(ehealth_api::store::sync::conflicts_for_row(c, "bp_readings", &row_id)?)).await
            .unwrap_or_default();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].losing_value, "135");

        // An explicit restore brings it back.
        let restored = d[1].engine.upsert("bp_readings", &id, &patient_id, bp(118, 76), now_ms(&app));
        assert_eq!(restored.cl, 3);
        d[1].push_all(&app).await;
        d[0].pull_all(&app, 100).await;
        assert!(d[0].engine.row("bp_readings", &restored.id).is_some_and(|r| r.state.is_live()));
    }
}

on_both_backends! {
    async fn concurrent_edits_of_different_fields_both_survive(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
        let id = new_id();
        d[0].engine.upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
        d[0].push_all(&app).await;
        d[1].pull_all(&app, 100).await;
        d[0].engine.upsert("bp_readings", &id, &patient_id, fields(json!({"note": "after coffee"})), now_ms(&app));
        d[1].engine.upsert("bp_readings", &id, &patient_id, fields(json!({"pulse": 72})), now_ms(&app));
        d[0].push_all(&app).await;
        d[1].push_all(&app).await;
        for dev in d.iter_mut() {
            dev.pull_all(&app, 100).await;
            let row = dev.engine.row("bp_readings", &id).unwrap_or_else(|| panic!("row"));
            assert_eq!(row.state.fields.get("note"), Some(&json!("after coffee")));
            assert_eq!(row.state.fields.get("pulse"), Some(&json!(72)));
        }
    }
}

on_both_backends! {
    async fn pages_deliver_every_change_once_at_any_page_size(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
        for i in 0..25 {
            let table = if i % 3 == 0 { "glucose_readings" } else { "bp_readings" };
            let set = if table == "bp_readings" { bp(100 + i, 70) } else {
                fields(json!({"mmol_l": 5.5, "meal_context": "fasting", "measured_at": "2026-11-20T08:00:00+08:00"}))
            };
            d[0].engine.upsert(table, &new_id(), &patient_id, set, now_ms(&app));
        }
        d[0].push_all(&app).await;
        let pages = d[1].pull_all(&app, 7).await;
        assert_eq!(pages.len(), 4);
        let versions: Vec<i64> = pages.iter().flat_map(|p| p.changes.iter().map(|c| c.version)).collect();
        assert_eq!(versions, (1..=25).collect::<Vec<_>>());
        assert!(pages[..3].iter().all(|p| p.has_more) && !pages[3].has_more);
    }
}

on_both_backends! {
    async fn blood_sugar_in_mg_per_decilitre_is_stored_in_mmol_per_litre(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
        let id = new_id();
        d[0].engine.upsert("glucose_readings", &id, &patient_id,
            fields(json!({"value": 126, "unit": "mg/dL", "meal_context": "fasting", "measured_at": "2026-11-20T08:00:00+08:00"})), now_ms(&app));
        d[0].push_all(&app).await;
        let mut fresh = ehealth_tests::devices::Device { engine: ehealth_sync::ClientEngine::new(d[0].engine.device_id.clone()), token: d[0].token.clone(), patient_id: patient_id.clone() };
        fresh.pull_all(&app, 10).await;
        let row = fresh.engine.row("glucose_readings", &id).unwrap_or_else(|| panic!("row"));
        assert_eq!(row.state.fields.get("mmol_l"), Some(&json!(7.0)));
        assert!(!row.state.fields.contains_key("value"));
    }
}

on_both_backends! {
    async fn a_new_epoch_resets_the_scope_and_keeps_pending_mutations(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
        d[0].engine.upsert("bp_readings", &new_id(), &patient_id, bp(120, 80), now_ms(&app));
        d[0].push_all(&app).await;
        d[0].pull_all(&app, 10).await;
        let pending_id = new_id();
        d[0].engine.upsert("bp_readings", &pending_id, &patient_id, bp(121, 81), now_ms(&app));

        app.state.db.run(|c| Ok(ehealth_api::store::sync::reset_epoch(c, "restored-from-backup")?)).await
            .unwrap_or_else(|e| panic!("{e}"));
        let pages = d[0].pull_all(&app, 10).await;
        assert_eq!(pages[0].scopes.reset.len(), 1);
        assert_eq!(pages[0].scopes.reset[0].reason, "epoch_changed");
        assert_eq!(pages[0].changes.len(), 1, "the scope is sent again from the start");
        assert_eq!(d[0].engine.pending().len(), 1, "pending mutations survive a reset");
        d[0].push_all(&app).await;
        d[0].pull_all(&app, 10).await;
        assert!(d[0].engine.row("bp_readings", &pending_id).is_some_and(|r| r.state.version > 0));
    }
}

on_both_backends! {
    async fn a_cursor_older_than_the_tombstone_horizon_resets_the_scope(app) {
        let (patient_id, mut d, mut passkey) = patient_with_devices(&app, 2).await;
        let id = new_id();
        d[0].engine.upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
        d[0].push_all(&app).await;
        d[1].pull_all(&app, 10).await;
        d[0].engine.delete("bp_readings", &id, now_ms(&app)).unwrap_or_else(|e| panic!("{e}"));
        d[0].push_all(&app).await;

        app.clock.advance(Duration::days(181));
        let purged = ehealth_api::jobs::tombstones::purge(&app.state).await.unwrap_or(0);
        assert_eq!(purged, 1);
        d[1].sign_in_again(&app, &mut passkey).await;
        let pages = d[1].pull_all(&app, 10).await;
        assert_eq!(pages[0].scopes.reset.first().map(|r| r.reason.as_str()), Some("cursor_expired"));
        assert!(d[1].engine.row("bp_readings", &id).is_none(), "the deleted row is gone, not resurrected");
    }
}

on_both_backends! {
    async fn a_push_that_changes_a_scope_queues_a_sync_poke_for_other_devices(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
        d[0].engine.upsert("bp_readings", &new_id(), &patient_id, bp(120, 80), now_ms(&app));
        d[0].engine.upsert("bp_readings", &new_id(), &patient_id, bp(900, 80), now_ms(&app));
        d[0].push_all(&app).await;
        d[0].engine.upsert("bp_readings", &new_id(), &patient_id, bp(901, 80), now_ms(&app));
        d[0].push_all(&app).await;
        let scope = patient_id.clone();
        let pokes = app.state.db.run(move |c| Ok(ehealth_api::store::sync::outbox_for_scope(c, &scope)?)).await.unwrap_or_default();
        assert_eq!(pokes.len(), 1, "one poke per push that changed something");
        assert_eq!(pokes[0].kind, "sync_poke");
        assert_eq!(pokes[0].exclude_device_id.as_deref(), Some(d[0].engine.device_id.as_str()));
        assert!(!pokes[0].payload.contains("120"), "a poke carries no health data");
    }
}

on_both_backends! {
    async fn the_family_sees_lost_values_and_marks_them_resolved(app) {
        let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
        let (_, stranger, _) = patient_with_devices(&app, 1).await;
        let id = new_id();
        d[0].engine.upsert("bp_readings", &id, &patient_id, bp(120, 80), now_ms(&app));
        d[0].push_all(&app).await;
        d[1].pull_all(&app, 100).await;
        d[0].engine.delete("bp_readings", &id, now_ms(&app)).unwrap_or_else(|e| panic!("{e}"));
        d[1].engine.upsert("bp_readings", &id, &patient_id, fields(json!({"note": "dizzy"})), now_ms(&app));
        d[0].push_all(&app).await;
        d[1].push_all(&app).await;

        let path = format!("/v1/patients/{patient_id}/sync/conflicts");
        let (status, list) = app.get_auth(&path, &d[0].token).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["conflicts"].as_array().map(Vec::len), Some(1));
        let conflict = &list["conflicts"][0];
        assert_eq!((conflict["field"].as_str(), conflict["losing_value"].as_str()), (Some("note"), Some("dizzy")));
        assert_eq!(conflict["row_id"], id.as_str());

        let (status, _) = app.get_auth(&path, &stranger[0].token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let resolve = format!("{path}/{}/resolve", conflict["conflict_id"].as_str().unwrap_or_default());
        let (status, _) = app.call(Method::POST, &resolve, Some(&stranger[0].token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, resolved) = app.call(Method::POST, &resolve, Some(&d[1].token), None).await;
        assert_eq!(status, StatusCode::OK, "{resolved}");
        assert!(resolved["resolved_at"].is_string());

        let (_, open) = app.get_auth(&path, &d[0].token).await;
        assert_eq!(open["conflicts"].as_array().map(Vec::len), Some(0));
        let (_, all) = app.get_auth(&format!("{path}?include_resolved=true"), &d[0].token).await;
        assert_eq!(all["conflicts"].as_array().map(Vec::len), Some(1));
    }
}
