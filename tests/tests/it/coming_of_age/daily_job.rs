//! The daily job: notices before the birthday and ends links on it, once across instances;
//! job runs are claimed once, released on failure, taken over when stale, and pruned.

use ehealth_api::jobs::coming_of_age;
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{Backend, Env, TestApp, on_both_backends};

use super::kinds;

on_both_backends!(the_daily_job_notices_and_ends_links_once_across_instances);
async fn the_daily_job_notices_and_ends_links_once_across_instances(app: TestApp) {
    // 00:00 in Hong Kong on 23 November: the child turns 16 thirty days later.
    app.clock.set_rfc3339("2026-11-22T16:00:00Z");
    let (parent, _) = verified_adult(&app).await;
    let (_, link) = app
        .add_child(&parent.access_token, &child("2010-12-23"))
        .await;
    let (younger, _) = app
        .add_child(&parent.access_token, &child("2012-01-01"))
        .await;
    let other = app.sibling().await;

    let runs = |a: &TestApp, b: &TestApp| {
        let (sa, sb) = (a.state.clone(), b.state.clone());
        async move {
            let (x, y) = tokio::join!(coming_of_age::run(&sa), coming_of_age::run(&sb));
            let reports: Vec<coming_of_age::Report> = [x, y]
                .into_iter()
                .filter_map(|r| r.unwrap_or_else(|e| panic!("job: {e}")))
                .collect();
            assert_eq!(reports.len(), 1, "exactly one instance runs the day's job");
            reports[0]
        }
    };
    let report = runs(&app, &other).await;
    assert_eq!((report.notices, report.ended), (1, 0));
    let notices = app.notices_for(&parent.patient_id).await;
    let coming = kinds(&notices, "coming_of_age");
    assert_eq!(coming.len(), 1);
    assert_eq!(coming[0]["notice_days_before"], "30");
    assert_eq!(coming[0]["authority_ends_on"], "2026-12-23");
    assert_ne!(coming[0]["patient_id"], younger.as_str());
    // The same day again: nobody runs it.
    assert!(
        coming_of_age::run(&other.state)
            .await
            .ok()
            .flatten()
            .is_none()
    );

    app.clock.set_rfc3339("2026-12-21T16:00:00Z");
    let report = runs(&app, &other).await;
    assert_eq!((report.notices, report.ended), (1, 0));
    app.clock.set_rfc3339("2026-12-22T16:00:00Z");
    let report = runs(&app, &other).await;
    assert_eq!((report.notices, report.ended), (1, 1));

    let notices = app.notices_for(&parent.patient_id).await;
    let days: Vec<i64> = kinds(&notices, "coming_of_age")
        .iter()
        .filter_map(|p| p["notice_days_before"].as_str()?.parse().ok())
        .collect();
    assert_eq!(days, vec![30, 1]);
    let ended = kinds(&notices, "sdm_authority_ended");
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["link_id"], link.as_str());
    let l = link.clone();
    let stored = app
        .state
        .db
        .run(move |c| Ok(ehealth_api::store::family::find(c, &l)?))
        .await
        .ok()
        .flatten();
    assert_eq!(stored.as_ref().map(|s| s.status.as_str()), Some("ended"));
    assert_eq!(
        stored.and_then(|s| s.ended_reason),
        Some("came_of_age".to_owned())
    );
    let runs_done = app
        .state
        .db
        .run(|c| Ok(ehealth_api::store::jobs::runs(c, coming_of_age::JOB)?))
        .await
        .unwrap_or_default();
    let keys: Vec<&str> = runs_done
        .iter()
        .map(|(k, _, f)| {
            assert!(f.is_some());
            k.as_str()
        })
        .collect();
    assert_eq!(keys, vec!["2026-11-23", "2026-12-22", "2026-12-23"]);
}

on_both_backends!(job_runs_are_forgotten_after_thirty_days_and_the_day_still_runs_once);
async fn job_runs_are_forgotten_after_thirty_days_and_the_day_still_runs_once(app: TestApp) {
    let keys = |app: &TestApp| {
        let state = app.state.clone();
        async move {
            let runs = state
                .db
                .run(|c| Ok(ehealth_api::store::jobs::runs(c, coming_of_age::JOB)?))
                .await
                .unwrap_or_default();
            runs.into_iter().map(|(k, _, _)| k).collect::<Vec<_>>()
        }
    };
    let run = |app: &TestApp| {
        let state = app.state.clone();
        async move {
            coming_of_age::run(&state)
                .await
                .unwrap_or_else(|e| panic!("job: {e}"))
                .is_some()
        }
    };
    app.clock.set_rfc3339("2026-11-22T16:00:00Z");
    assert!(run(&app).await);
    app.clock.set_rfc3339("2026-12-22T15:00:00Z");
    assert!(run(&app).await);
    // 29 days 23 hours after the first run: both are kept.
    assert_eq!(
        ehealth_api::jobs::prune_runs(&app.state).await.ok(),
        Some(0)
    );
    app.clock.set_rfc3339("2026-12-22T16:00:01Z");
    assert!(run(&app).await);
    // Just over thirty days after the first run it is forgotten; the recent ones stay, so today's job
    // still runs only once.
    assert_eq!(
        ehealth_api::jobs::prune_runs(&app.state).await.ok(),
        Some(1)
    );
    assert_eq!(keys(&app).await, vec!["2026-12-22", "2026-12-23"]);
    assert!(!run(&app).await, "the day's job ran twice after pruning");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_with_the_scheduler_on_catches_up_the_days_run_at_start() {
    let env = Env::fresh(Backend::Sqlite)
        .unwrap_or_else(|e| panic!("{e}"))
        .set("EHEALTH_SCHEDULER", "on");
    let app = TestApp::spawn_env(env).await;
    let today = {
        use ehealth_api::Clock;
        app.clock.today_hk().to_string()
    };
    for _ in 0..100 {
        let runs = app
            .state
            .db
            .run(|c| Ok(ehealth_api::store::jobs::runs(c, coming_of_age::JOB)?))
            .await
            .unwrap_or_default();
        if runs.iter().any(|(k, _, f)| *k == today && f.is_some()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the scheduler did not run today's coming-of-age job");
}

on_both_backends!(a_run_is_claimed_once_released_on_failure_and_taken_over_when_stale);
async fn a_run_is_claimed_once_released_on_failure_and_taken_over_when_stale(app: TestApp) {
    use ehealth_api::store::jobs::{claim_run, finish_run, release_run};
    let outcome = app
        .state
        .db
        .run(|c| {
            let mut seen = Vec::new();
            seen.push(claim_run(c, "j", "2026-11-23", "a", 1_000, 0)?);
            seen.push(claim_run(c, "j", "2026-11-23", "b", 1_001, 0)?);
            // Only the holder can give a run back.
            release_run(c, "j", "2026-11-23", "b")?;
            seen.push(claim_run(c, "j", "2026-11-23", "b", 1_001, 0)?);
            // The work failed: released, and the next trigger takes it.
            release_run(c, "j", "2026-11-23", "a")?;
            seen.push(claim_run(c, "j", "2026-11-23", "b", 1_002, 0)?);
            // Its instance died: once stale, another takes it over.
            seen.push(claim_run(c, "j", "2026-11-23", "c", 5_000, 1_003)?);
            // The dead instance coming back cannot finish what it no longer holds: the run
            // is still open, so it can be taken over again.
            finish_run(c, "j", "2026-11-23", "b", 5_001)?;
            seen.push(claim_run(c, "j", "2026-11-23", "d", 9_000_000, 9_000_000)?);
            // Finished by its holder, it is never run again; the next day is a new run.
            finish_run(c, "j", "2026-11-23", "d", 9_000_001)?;
            release_run(c, "j", "2026-11-23", "d")?;
            seen.push(claim_run(
                c,
                "j",
                "2026-11-23",
                "e",
                99_000_000,
                99_000_000,
            )?);
            seen.push(claim_run(c, "j", "2026-11-24", "e", 9_000_000, 0)?);
            Ok(seen)
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        outcome,
        vec![true, false, false, true, true, true, false, true]
    );
}
