//! Pushing mutations: applied once, numbered without gaps, refused one by one or as a whole
//! envelope.

use ehealth_contracts::{
    Mutation, MutationOp, MutationStatus, Problem, PushRequest, PushResponse, SupportedRange,
};
use ehealth_tests::devices::{bp, fields, now_ms, patient_with_devices};
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::new_id;

on_both_backends!(a_reading_logged_offline_on_one_phone_reaches_the_other);
async fn a_reading_logged_offline_on_one_phone_reaches_the_other(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    let id = new_id();
    d[0].engine
        .upsert("bp_readings", &id, &patient_id, bp(128, 84), now_ms(&app));
    let res = d[0]
        .push(&app, 100)
        .await
        .unwrap_or_else(|| panic!("nothing to push"));
    assert_eq!(res.results[0].status, MutationStatus::Applied);
    assert_eq!(res.last_seq, 1);

    let pages = d[1].pull_all(&app, 100).await;
    assert_eq!(pages[0].scopes.added.len(), 1);
    assert_eq!(pages[0].scopes.added[0].scope, patient_id);
    assert_eq!(pages[0].scopes.added[0].patient_id, patient_id);
    let row = d[1]
        .engine
        .row("bp_readings", &id)
        .unwrap_or_else(|| panic!("row missing"));
    assert_eq!(row.state.fields.get("systolic"), Some(&json!(128)));
    assert!(row.state.is_live());
}

on_both_backends!(a_batch_pushed_twice_has_the_effect_of_once);
async fn a_batch_pushed_twice_has_the_effect_of_once(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    for i in 0..3 {
        d[0].engine.upsert(
            "bp_readings",
            &new_id(),
            &patient_id,
            bp(120 + i, 80),
            now_ms(&app),
        );
    }
    let req = d[0]
        .engine
        .push_request(100)
        .unwrap_or_else(|| panic!("nothing pending"));
    let (s1, first) = d[0].send_push(&app, &req).await;
    let (s2, second) = d[0].send_push(&app, &req).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        first["results"], second["results"],
        "a re-sent mutation returns its stored result"
    );
    let pages = d[0].pull_all(&app, 100).await;
    assert_eq!(pages.iter().map(|p| p.changes.len()).sum::<usize>(), 3);
    assert_eq!(
        pages[0]
            .changes
            .iter()
            .map(|c| c.version)
            .collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

on_both_backends!(a_gap_in_the_sequence_is_refused_with_the_expected_seq);
async fn a_gap_in_the_sequence_is_refused_with_the_expected_seq(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    for _ in 0..3 {
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
        .push_request(100)
        .unwrap_or_else(|| panic!("nothing pending"));
    req.mutations.remove(0);
    let (status, problem) = d[0].send_push(&app, &req).await;
    let problem: Problem = problem.json_as();
    assert_eq!(
        (status, problem.code.as_str(), problem.expected_seq),
        (StatusCode::CONFLICT, "seq_gap", Some(1))
    );
    // Nothing of the batch was applied.
    assert!(
        d[0].pull_all(&app, 100)
            .await
            .iter()
            .all(|p| p.changes.is_empty())
    );
}

on_both_backends!(the_client_recovers_from_a_seq_gap_and_converges_without_loss_or_duplicates);
/// The answer to a device's first batch is lost, and its outbox then loses the next batch and
/// sends the one after: the server refuses it with a real 409 `seq_gap`. The reference client
/// drops what the server says it already consumed, pushes again from `expected_seq`, and both of
/// the patient's devices end with every reading exactly once.
async fn the_client_recovers_from_a_seq_gap_and_converges_without_loss_or_duplicates(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 2).await;
    let ids: Vec<String> = (0..5).map(|_| new_id()).collect();
    for (systolic, id) in (120..).zip(&ids) {
        d[0].engine.upsert(
            "bp_readings",
            id,
            &patient_id,
            bp(systolic, 80),
            now_ms(&app),
        );
    }
    // Seqs 1 and 2 reach the server; the answer never reaches the device.
    let first = d[0]
        .engine
        .push_request(2)
        .unwrap_or_else(|| panic!("nothing pending"));
    let (status, body) = d[0].send_push(&app, &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The batch holding seq 3 is lost on the device; 4 and 5 go out.
    let mut skipping = d[0]
        .engine
        .push_request(100)
        .unwrap_or_else(|| panic!("nothing pending"));
    skipping.mutations.retain(|m| m.seq > 3);
    let (status, body) = d[0].send_push(&app, &skipping).await;
    let problem: Problem = body.json_as();
    assert_eq!(
        (status, problem.code.as_str(), problem.expected_seq),
        (StatusCode::CONFLICT, "seq_gap", Some(3))
    );

    // 1 and 2 were consumed: they leave the queue; 3, 4 and 5 go again, in order.
    d[0].engine
        .on_seq_gap(problem.expected_seq.unwrap_or_default());
    let waiting: Vec<i64> = d[0].engine.pending().iter().map(|m| m.seq).collect();
    assert_eq!(waiting, vec![3, 4, 5]);
    let answers = d[0].push_all(&app).await;
    let results: Vec<(i64, MutationStatus)> = answers
        .iter()
        .flat_map(|a| &a.results)
        .map(|r| (r.seq, r.status))
        .collect();
    assert_eq!(
        results,
        vec![
            (3, MutationStatus::Applied),
            (4, MutationStatus::Applied),
            (5, MutationStatus::Applied)
        ]
    );
    assert_eq!(answers.last().map(|a| a.last_seq), Some(5));
    assert!(d[0].engine.pending().is_empty());

    // The server holds the five readings once each: every mutation changed its row once.
    let pages = d[1].pull_all(&app, 100).await;
    let mut changed: Vec<(String, i64)> = pages
        .iter()
        .flat_map(|p| &p.changes)
        .map(|c| (c.id.clone(), c.version))
        .collect();
    changed.sort();
    let mut expected: Vec<String> = ids.clone();
    expected.sort();
    assert_eq!(
        changed.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        expected
    );
    let mut versions: Vec<i64> = changed.iter().map(|(_, v)| *v).collect();
    versions.sort_unstable();
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    // Both devices converge on the server's rows, the recovering one included.
    d[0].pull_all(&app, 100).await;
    assert_eq!(d[0].engine.confirmed(), d[1].engine.confirmed());
    for (systolic, id) in (120..).zip(&ids) {
        let row = d[0]
            .engine
            .row("bp_readings", id)
            .unwrap_or_else(|| panic!("{id} lost"));
        assert_eq!(row.state.fields.get("systolic"), Some(&json!(systolic)));
    }
}

on_both_backends!(bad_mutations_are_refused_one_by_one_and_consume_their_seq);
async fn bad_mutations_are_refused_one_by_one_and_consume_their_seq(app: TestApp) {
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
    let res = d[0]
        .push(&app, 100)
        .await
        .unwrap_or_else(|| panic!("nothing pending"));
    let got: Vec<(MutationStatus, Option<&str>)> = res
        .results
        .iter()
        .map(|r| (r.status, r.code.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (MutationStatus::Rejected, Some("invalid_reading")),
            (MutationStatus::Rejected, Some("invalid_reading")),
            (MutationStatus::Rejected, Some("invalid_reading")),
            (MutationStatus::Rejected, Some("unknown_table")),
            (MutationStatus::Forbidden, Some("forbidden")),
            (MutationStatus::Applied, None),
        ]
    );
    assert!(
        res.results[0]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("systolic: out_of_range"))
    );
    assert_eq!(res.last_seq, 6);
    assert!(d[0].engine.pending().is_empty(), "the queue never wedges");
    let pages = d[0].pull_all(&app, 100).await;
    assert_eq!(pages.iter().map(|p| p.changes.len()).sum::<usize>(), 1);
}

on_both_backends!(mutations_with_a_malformed_id_cl_or_clock_are_rejected);
async fn mutations_with_a_malformed_id_cl_or_clock_are_rejected(app: TestApp) {
    let (patient_id, d, _) = patient_with_devices(&app, 1).await;
    let device = d[0].engine.device_id.clone();
    let m = |seq: i64, id: &str, op: MutationOp, cl: i64, hlc: String| Mutation {
        seq,
        op,
        table: "bp_readings".into(),
        id: id.into(),
        scope: patient_id.clone(),
        cl,
        hlc,
        set: Some(bp(120, 80)),
        base_version: None,
    };
    let req = PushRequest {
        protocol: 1,
        device_id: device.clone(),
        schema_version: 1,
        mutations: vec![
            m(
                1,
                "not-a-uuid",
                MutationOp::Upsert,
                1,
                format!("1:0:{device}"),
            ),
            m(2, &new_id(), MutationOp::Upsert, 2, format!("1:0:{device}")),
            m(3, &new_id(), MutationOp::Upsert, 1, "yesterday".into()),
            m(
                4,
                &new_id(),
                MutationOp::Upsert,
                1,
                "1:0:someone-else".into(),
            ),
        ],
    };
    let (status, body) = d[0].send_push(&app, &req).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<Option<String>> = body
        .json_as::<PushResponse>()
        .results
        .into_iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(codes, vec![Some("invalid_mutation".to_owned()); 4]);
}

on_both_backends!(envelopes_are_checked_before_anything_applies);
async fn envelopes_are_checked_before_anything_applies(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    let (_, other, _) = patient_with_devices(&app, 1).await;
    d[0].engine.upsert(
        "bp_readings",
        &new_id(),
        &patient_id,
        bp(120, 80),
        now_ms(&app),
    );
    let good = d[0]
        .engine
        .push_request(10)
        .unwrap_or_else(|| panic!("pending"));

    let mut old = good.clone();
    old.protocol = 2;
    let (status, problem) = d[0].send_push(&app, &old).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UPGRADE_REQUIRED, Some("unsupported_protocol"))
    );
    assert_eq!(
        problem.json_as::<Problem>().supported,
        Some(SupportedRange { min: 1, max: 1 })
    );

    let mut foreign = good.clone();
    foreign.device_id = other[0].engine.device_id.clone();
    let (status, problem) = d[0].send_push(&app, &foreign).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("unknown_device"))
    );

    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/sync/push",
            Some(&d[0].token),
            Some(json!({"protocol": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    let mut big = good.clone();
    let template = big.mutations[0].clone();
    big.mutations = (1..=501)
        .map(|seq| Mutation {
            seq,
            ..template.clone()
        })
        .collect();
    let (status, problem) = d[0].send_push(&app, &big).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("batch_too_large"))
    );

    let mut huge = good.clone();
    huge.mutations[0].set = Some(fields(json!({"note": "x".repeat(1_100_000)})));
    let (status, problem) = d[0].send_push(&app, &huge).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );

    assert!(
        d[0].push(&app, 10)
            .await
            .is_some_and(|r| r.results[0].status == MutationStatus::Applied)
    );
}
