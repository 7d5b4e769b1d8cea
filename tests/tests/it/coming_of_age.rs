//! Coming of age: an SDM's authority for a child ends at 00:00 Hong Kong time on the 16th
//! birthday (decided from the clock on every request), the daily job notices and tidies once
//! across instances, and the young person claims the account with everything in it.

use ehealth_api::jobs::coming_of_age;
use ehealth_contracts::{MutationStatus, TokenResponse};
use ehealth_sync::ClientEngine;
use ehealth_tests::devices::{Device, bp, now_ms};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{Backend, Env, TestApp, TestPasskey, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn device(t: &TokenResponse) -> Device {
    Device {
        engine: ClientEngine::new(t.device_id.clone()),
        token: t.access_token.clone(),
        patient_id: t.patient_id.clone(),
    }
}

fn kinds(notices: &[(String, Value)], kind: &str) -> Vec<Value> {
    notices
        .iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, p)| p.clone())
        .collect()
}

on_both_backends! {
    async fn authority_ends_at_midnight_hong_kong_time_on_the_sixteenth_birthday(app) {
        // 23:50 in Hong Kong on 22 November; the child turns 16 on 23 November.
        app.clock.set_rfc3339("2026-11-22T15:50:00Z");
        let (parent, _) = verified_adult(&app).await;
        let (kid, _) = app.add_child(&parent.access_token, &child("2010-11-23")).await;
        let mut phone = device(&parent);
        phone.pull_all(&app, 100).await;
        phone.engine.upsert("bp_readings", &uuid::Uuid::now_v7().to_string(), &kid, bp(118, 76), now_ms(&app));
        assert_eq!(phone.push_all(&app).await[0].results[0].status, MutationStatus::Applied);
        let diary = format!("/v1/patients/{kid}/diary/bp");

        app.clock.set_rfc3339("2026-11-22T15:59:59Z");
        let (status, body) = app.get_auth(&diary, &parent.access_token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, list) = app.get_auth("/v1/dependants", &parent.access_token).await;
        assert_eq!(list["dependants"][0]["authority"], true);
        assert_eq!(list["dependants"][0]["authority_ends_on"], "2026-11-23");

        // 16:00 UTC is 00:00 on the birthday in Hong Kong: no job has run, yet authority is gone.
        app.clock.set_rfc3339("2026-11-22T16:00:00Z");
        for path in [diary.clone(), format!("/v1/patients/{kid}")] {
            let (status, body) = app.get_auth(&path, &parent.access_token).await;
            assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("sdm_authority_ended")), "{path}");
        }
        let (status, body) = app.call(Method::POST, &format!("/v1/patients/{kid}/claim-code"), Some(&parent.access_token), None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("sdm_authority_ended")));
        let (_, list) = app.get_auth("/v1/dependants", &parent.access_token).await;
        let entry = &list["dependants"][0];
        assert_eq!((entry["link_status"].as_str(), entry["ended_reason"].as_str()), (Some("ended"), Some("came_of_age")));
        assert_eq!(entry["authority"], false);

        let pages = phone.pull_all(&app, 100).await;
        let removed: Vec<(String, String)> = pages[0].scopes.removed.iter().map(|r| (r.scope.clone(), r.reason.clone())).collect();
        assert_eq!(removed, vec![(kid.clone(), "came_of_age".to_owned())]);
        phone.engine.upsert("bp_readings", &uuid::Uuid::now_v7().to_string(), &kid, bp(119, 77), now_ms(&app));
        assert_eq!(phone.push_all(&app).await[0].results[0].status, MutationStatus::Forbidden);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_29_february_birth_comes_of_age_on_1_march_in_a_common_year() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // 2100 is not a leap year: someone born on 29 February 2084 turns 16 on 1 March 2100.
    app.clock.set_rfc3339("2100-02-28T15:50:00Z");
    let (parent, _) = verified_adult(&app).await;
    let (kid, _) = app
        .add_child(&parent.access_token, &child("2084-02-29"))
        .await;
    let (leap, _) = app
        .add_child(&parent.access_token, &child("2092-02-29"))
        .await;
    let (_, list) = app.get_auth("/v1/dependants", &parent.access_token).await;
    let ends: Vec<(&str, &str)> = list["dependants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| Some((d["patient_id"].as_str()?, d["authority_ends_on"].as_str()?)))
        .collect();
    assert!(ends.contains(&(kid.as_str(), "2100-03-01")), "{ends:?}");
    // A leap-year anniversary is the day itself (2108 is a leap year).
    assert!(ends.contains(&(leap.as_str(), "2108-02-29")), "{ends:?}");

    let path = format!("/v1/patients/{kid}");
    app.clock.set_rfc3339("2100-02-28T15:59:59Z");
    let (status, _) = app.get_auth(&path, &parent.access_token).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.set_rfc3339("2100-02-28T16:00:00Z");
    let (status, body) = app.get_auth(&path, &parent.access_token).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("sdm_authority_ended"))
    );
    let (status, _) = app
        .get_auth(&format!("/v1/patients/{leap}"), &parent.access_token)
        .await;
    assert_eq!(status, StatusCode::OK);
}

on_both_backends! {
    async fn the_daily_job_notices_and_ends_links_once_across_instances(app) {
        // 00:00 in Hong Kong on 23 November: the child turns 16 thirty days later.
        app.clock.set_rfc3339("2026-11-22T16:00:00Z");
        let (parent, _) = verified_adult(&app).await;
        let (_, link) = app.add_child(&parent.access_token, &child("2010-12-23")).await;
        let (younger, _) = app.add_child(&parent.access_token, &child("2012-01-01")).await;
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
        assert_eq!(coming[0]["notice_days_before"], 30);
        assert_eq!(coming[0]["authority_ends_on"], "2026-12-23");
        assert_ne!(coming[0]["patient_id"], younger.as_str());
        // The same day again: nobody runs it.
        assert!(coming_of_age::run(&other.state).await.ok().flatten().is_none());

        app.clock.set_rfc3339("2026-12-21T16:00:00Z");
        let report = runs(&app, &other).await;
        assert_eq!((report.notices, report.ended), (1, 0));
        app.clock.set_rfc3339("2026-12-22T16:00:00Z");
        let report = runs(&app, &other).await;
        assert_eq!((report.notices, report.ended), (1, 1));

        let notices = app.notices_for(&parent.patient_id).await;
        let days: Vec<i64> = kinds(&notices, "coming_of_age").iter().filter_map(|p| p["notice_days_before"].as_i64()).collect();
        assert_eq!(days, vec![30, 1]);
        let ended = kinds(&notices, "sdm_authority_ended");
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0]["link_id"], link.as_str());
        let l = link.clone();
        let stored = app.state.db.run(move |c| Ok(ehealth_api::store::family::find(c, &l)?)).await.ok().flatten();
        assert_eq!(stored.as_ref().map(|s| s.status.as_str()), Some("ended"));
        assert_eq!(stored.and_then(|s| s.ended_reason), Some("came_of_age".to_owned()));
        let runs_done = app.state.db.run(|c| Ok(ehealth_api::store::jobs::runs(c, coming_of_age::JOB)?)).await.unwrap_or_default();
        let keys: Vec<&str> = runs_done.iter().map(|(k, _, f)| { assert!(f.is_some()); k.as_str() }).collect();
        assert_eq!(keys, vec!["2026-11-23", "2026-12-22", "2026-12-23"]);
    }
}

on_both_backends! {
    async fn job_runs_are_forgotten_after_thirty_days_and_the_day_still_runs_once(app) {
        let keys = |app: &TestApp| {
            let state = app.state.clone();
            async move {
                let runs = state.db.run(|c| Ok(ehealth_api::store::jobs::runs(c, coming_of_age::JOB)?)).await.unwrap_or_default();
                runs.into_iter().map(|(k, _, _)| k).collect::<Vec<_>>()
            }
        };
        let run = |app: &TestApp| {
            let state = app.state.clone();
            async move { coming_of_age::run(&state).await.unwrap_or_else(|e| panic!("job: {e}")).is_some() }
        };
        app.clock.set_rfc3339("2026-11-22T16:00:00Z");
        assert!(run(&app).await);
        app.clock.set_rfc3339("2026-12-22T15:00:00Z");
        assert!(run(&app).await);
        // 29 days 23 hours after the first run: both are kept.
        assert_eq!(ehealth_api::jobs::prune_runs(&app.state).await.ok(), Some(0));
        app.clock.set_rfc3339("2026-12-22T16:00:01Z");
        assert!(run(&app).await);
        // Just over thirty days after the first run it is forgotten; the recent ones stay, so today's job
        // still runs only once.
        assert_eq!(ehealth_api::jobs::prune_runs(&app.state).await.ok(), Some(1));
        assert_eq!(keys(&app).await, vec!["2026-12-22", "2026-12-23"]);
        assert!(!run(&app).await, "the day's job ran twice after pruning");
    }
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

async fn claim(app: &TestApp, hkid: &str, dob: &str, code: &str) -> (StatusCode, Value) {
    app.post(
        "/v1/registrations/claim",
        json!({"identity_document": {"type": "hk_birth_cert", "number": hkid},
            "date_of_birth": dob, "claim_code": code}),
    )
    .await
}

/// Finishes a claim with a new passkey; returns the tokens.
async fn finish_claim(app: &TestApp, started: &Value) -> TokenResponse {
    let mut passkey = TestPasskey::new();
    let credential = passkey.create(
        serde_json::from_value(started["creation_options"].clone())
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let (status, body) = app
        .post(
            &format!(
                "/v1/registrations/{}/complete",
                started["registration_id"].as_str().unwrap_or_default()
            ),
            json!({"credential": credential, "device": {"name": "My phone", "platform": "ios"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "complete claim: {body}");
    serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"))
}

on_both_backends! {
    async fn the_young_person_claims_the_account_with_its_diary(app) {
        app.clock.set_rfc3339("2026-10-20T04:00:00Z");
        let (parent, mut parent_key) = verified_adult(&app).await;
        let kid = child("2010-12-02");
        let (kid_id, _) = app.add_child(&parent.access_token, &kid).await;
        let (status, _) = app.verify(&kid_id).await;
        assert_eq!(status, StatusCode::OK);
        let code_path = format!("/v1/patients/{kid_id}/claim-code");
        let (status, body) = app.call(Method::POST, &code_path, Some(&parent.access_token), None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("claim_code_not_available")));
        let mut phone = device(&parent);
        phone.pull_all(&app, 100).await;
        let reading = uuid::Uuid::now_v7().to_string();
        phone.engine.upsert("bp_readings", &reading, &kid_id, bp(112, 72), now_ms(&app));
        phone.push_all(&app).await;

        // Ten days before the birthday the parent asks for a code; a second replaces the first.
        app.clock.set_rfc3339("2026-11-22T04:00:00Z");
        let (status, body) = app.sign_in(&mut parent_key).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let token = body["access_token"].as_str().unwrap_or_default().to_owned();
        let (status, first) = app.call(Method::POST, &code_path, Some(&token), None).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let (_, second) = app.call(Method::POST, &code_path, Some(&token), None).await;
        let first = first["claim_code"].as_str().unwrap_or_default().to_owned();
        let second = second["claim_code"].as_str().unwrap_or_default().to_owned();
        assert_eq!(second.len(), 14);
        let (status, body) = claim(&app, &kid.hkid, &kid.date_of_birth, &second).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("claim_too_early")));

        // From 00:00 on the birthday in Hong Kong.
        app.clock.set_rfc3339("2026-12-01T16:00:00Z");
        for (dob, code) in [(kid.date_of_birth.as_str(), first.as_str()), ("2010-12-03", second.as_str()), (kid.date_of_birth.as_str(), "AAAA-BBBB-CCCC")] {
            let (status, body) = claim(&app, &kid.hkid, dob, code).await;
            assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("claim_invalid")), "{dob} {code}");
        }
        let typed = second.replace('-', "").to_lowercase();
        let (status, started) = claim(&app, &kid.hkid, &kid.date_of_birth, &typed).await;
        assert_eq!(status, StatusCode::CREATED, "{started}");
        let own = finish_claim(&app, &started).await;
        assert_eq!(own.patient_id, kid_id);

        // The diary the parent kept is the young person's now.
        let mut own_phone = device(&own);
        own_phone.pull_all(&app, 100).await;
        assert!(own_phone.engine.row("bp_readings", &reading).is_some_and(|r| r.state.fields.get("systolic") == Some(&json!(112))));
        let (status, me) = app.get_auth(&format!("/v1/patients/{kid_id}"), &own.access_token).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!((me["acting_as"].as_str(), me["has_own_account"].as_bool()), (Some("self"), Some(true)));
        assert_eq!(me["sdms"], json!([]));
        // The SDM knew everything the claim asked for: the young person's identity is checked
        // again before anyone may read the record.
        assert_eq!(me["status"], "unverified");

        let (status, _) = claim(&app, &kid.hkid, &kid.date_of_birth, &second).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = app.officer(Method::POST, &format!("/v1/officer/patients/{kid_id}/claim-code"), None).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("already_claimed")));
        assert!(!kinds(&app.notices_for(&parent.patient_id).await, "account_claimed").is_empty());
        let (status, body) = app.sign_in(&mut parent_key).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let token = body["access_token"].as_str().unwrap_or_default();
        let (status, _) = app.get_auth(&format!("/v1/patients/{kid_id}"), token).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registration_office_issues_claim_codes_from_the_birthday_on() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.clock.set_rfc3339("2026-11-22T04:00:00Z");
    let (parent, _) = verified_adult(&app).await;
    let kid = child("2010-11-30");
    let (kid_id, _) = app.add_child(&parent.access_token, &kid).await;
    app.verify(&kid_id).await;
    let path = format!("/v1/officer/patients/{kid_id}/claim-code");
    let (status, body) = app.officer(Method::POST, &path, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("claim_code_not_available"))
    );
    let (status, _) = app
        .officer(
            Method::POST,
            &format!("/v1/officer/patients/{}/claim-code", uuid::Uuid::now_v7()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    app.clock.set_rfc3339("2027-03-01T04:00:00Z");
    let (status, body) = app.officer(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let code = body["claim_code"].as_str().unwrap_or_default();
    let (status, started) = claim(&app, &kid.hkid, &kid.date_of_birth, code).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let own = finish_claim(&app, &started).await;
    assert_eq!(own.patient_id, kid_id);
    let (status, me) = app.get_auth("/v1/me", &own.access_token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["date_of_birth"], "2010-11-30");
    // The office checked identity when it handed over the code: still verified.
    assert_eq!(me["status"], "verified");
}

on_both_backends! {
    async fn a_run_is_claimed_once_released_on_failure_and_taken_over_when_stale(app) {
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
                seen.push(claim_run(c, "j", "2026-11-23", "e", 99_000_000, 99_000_000)?);
                seen.push(claim_run(c, "j", "2026-11-24", "e", 9_000_000, 0)?);
                Ok(seen)
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(outcome, vec![true, false, false, true, true, true, false, true]);
    }
}
