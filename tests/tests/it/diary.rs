//! Diary reads: ranges in Hong Kong time, paging and per-period summaries.

use ehealth_contracts::{BpDiaryResponse, GlucoseDiaryResponse, Problem, Stat};
use ehealth_tests::devices::{fields, now_ms, patient_with_devices};
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

fn reading(systolic: i64, diastolic: i64, at: &str) -> ehealth_contracts::Fields {
    fields(json!({"systolic": systolic, "diastolic": diastolic, "pulse": 70, "measured_at": at}))
}

fn systolics(page: &BpDiaryResponse) -> Vec<i32> {
    page.readings.iter().map(|r| r.systolic).collect()
}

on_both_backends!(readings_are_listed_newest_first_with_daily_summaries_in_hong_kong_time);
async fn readings_are_listed_newest_first_with_daily_summaries_in_hong_kong_time(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    let readings = [
        (120, 80, "2026-11-20T07:30:00+08:00"),
        (130, 90, "2026-11-20T21:00:00+08:00"),
        // 23:30 UTC on the 20th is 07:30 on the 21st in Hong Kong.
        (140, 85, "2026-11-20T23:30:00Z"),
        (150, 95, "2026-10-01T08:00:00+08:00"),
    ];
    for (s, di, at) in readings {
        d[0].engine.upsert(
            "bp_readings",
            &uuid::Uuid::now_v7().to_string(),
            &patient_id,
            reading(s, di, at),
            now_ms(&app),
        );
    }
    let deleted = uuid::Uuid::now_v7().to_string();
    d[0].engine.upsert(
        "bp_readings",
        &deleted,
        &patient_id,
        reading(200, 100, "2026-11-20T12:00:00+08:00"),
        now_ms(&app),
    );
    d[0].engine
        .delete("bp_readings", &deleted, now_ms(&app))
        .unwrap_or_else(|e| panic!("{e}"));
    d[0].push_all(&app).await;

    let path = format!("/v1/patients/{patient_id}/diary/bp?from=2026-11-01&to=2026-11-30&limit=2");
    let page: BpDiaryResponse = app.get_as(&path, &d[0].token).await;
    assert_eq!(systolics(&page), vec![140, 130]);
    let summary = &page.summary;
    assert_eq!(summary.len(), 2);
    assert_eq!(summary[0].period_start, "2026-11-20");
    assert_eq!(summary[0].count, 2);
    assert_eq!(
        summary[0].systolic,
        Stat {
            mean: 125.0,
            min: 120.0,
            max: 130.0
        }
    );
    assert_eq!(summary[1].period_start, "2026-11-21");

    let next = page.next_cursor.unwrap_or_default();
    let page2: BpDiaryResponse = app
        .get_as(&format!("{path}&cursor={next}"), &d[0].token)
        .await;
    assert_eq!(systolics(&page2), vec![120]);
    assert!(page2.next_cursor.is_none());

    let monthly: BpDiaryResponse = app
        .get_as(
            &format!(
                "/v1/patients/{patient_id}/diary/bp?from=2026-09-01&to=2026-11-30&period=month"
            ),
            &d[0].token,
        )
        .await;
    let months: Vec<&str> = monthly
        .summary
        .iter()
        .map(|s| s.period_start.as_str())
        .collect();
    assert_eq!(months, vec!["2026-10-01", "2026-11-01"]);
}

on_both_backends!(glucose_readings_are_summarised_in_mmol_per_litre);
async fn glucose_readings_are_summarised_in_mmol_per_litre(app: TestApp) {
    let (patient_id, mut d, _) = patient_with_devices(&app, 1).await;
    for (v, unit) in [(5.0, "mmol/L"), (126.0, "mg/dL")] {
        d[0].engine.upsert("glucose_readings", &uuid::Uuid::now_v7().to_string(), &patient_id,
            fields(json!({"value": v, "unit": unit, "meal_context": "fasting", "measured_at": "2026-11-20T07:00:00+08:00"})), now_ms(&app));
    }
    d[0].push_all(&app).await;
    let diary: GlucoseDiaryResponse = app
        .get_as(
            &format!("/v1/patients/{patient_id}/diary/glucose?from=2026-11-20&to=2026-11-20"),
            &d[0].token,
        )
        .await;
    assert_eq!(
        diary.summary[0].mmol_l,
        Stat {
            mean: 6.0,
            min: 5.0,
            max: 7.0
        }
    );
    assert_eq!(diary.readings.len(), 2);
}

on_both_backends!(another_patients_diary_is_not_found);
async fn another_patients_diary_is_not_found(app: TestApp) {
    let (patient_id, _, _) = patient_with_devices(&app, 1).await;
    let (_, stranger, _) = patient_with_devices(&app, 1).await;
    for kind in ["bp", "glucose"] {
        let (status, problem) = app
            .get_auth(
                &format!("/v1/patients/{patient_id}/diary/{kind}"),
                &stranger[0].token,
            )
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
    }
}

on_both_backends!(bad_diary_queries_are_named);
async fn bad_diary_queries_are_named(app: TestApp) {
    let (patient_id, d, _) = patient_with_devices(&app, 1).await;
    let base = format!("/v1/patients/{patient_id}/diary/bp");
    let (status, problem) = app
        .get_auth(
            &format!("{base}?from=yesterday&limit=0&period=year"),
            &d[0].token,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Problem = problem.json_as();
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["from", "limit", "period"]);
    let (status, problem) = app
        .get_auth(
            &format!("{base}?from=2026-11-10&to=2026-11-01"),
            &d[0].token,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_range"))
    );
    let (status, problem) = app
        .get_auth(&format!("{base}?cursor=%%%"), &d[0].token)
        .await;
    assert!(status == StatusCode::BAD_REQUEST, "{problem}");
}
