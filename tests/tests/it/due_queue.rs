//! The reminder due-queue in Redis: several instances fire each occurrence once, and a Redis
//! that is flushed or killed mid-run loses nothing once it is back (the database is the truth).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ehealth_api::jobs::reminders as job;
use ehealth_api::push;
use ehealth_contracts::{ReminderResponse, TokenResponse};
use ehealth_tests::family::verified_adult;
use ehealth_tests::fcm::FakeFcm;
use ehealth_tests::{Backend, Env, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ALL: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.timestamp_millis())
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
}

async fn create(app: &TestApp, me: &TokenResponse, body: Value) -> ReminderResponse {
    app.call_as(
        StatusCode::CREATED,
        Method::POST,
        &format!("/v1/patients/{}/reminders", me.patient_id),
        Some(&me.access_token),
        Some(body),
    )
    .await
}

async fn reminders_due(app: &TestApp, patient: &str) -> usize {
    app.notices_for(patient)
        .await
        .iter()
        .filter(|(k, _)| k == "reminder_due")
        .count()
}

/// Deletes every key of this test's prefix: what a FLUSHALL does to it, without touching the
/// keys of tests running beside it on the same Redis.
async fn flush_prefix(url: &str, prefix: &str) {
    let client = redis::Client::open(url).unwrap_or_else(|e| panic!("{e}"));
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap_or_default();
    assert!(!keys.is_empty(), "the queue lives in Redis");
    let _: () = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn three_instances_on_one_postgresql_and_one_redis_send_one_message_per_occurrence() {
    let fake = FakeFcm::start().await;
    let env = Env::fresh(Backend::Postgres)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_redis()
        .set("FCM_SERVICE_ACCOUNT", &fake.key_file.display().to_string())
        .set("FCM_BASE_URL", &fake.base_url);
    let app = TestApp::spawn_env(env).await;
    assert!(app.state.due_queue.is_redis());
    // 07:00 in Hong Kong.
    app.clock.set_rfc3339("2026-11-21T23:00:00Z");
    let (me, _) = verified_adult(&app).await;
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/v1/me/devices/{}/push-token", me.device_id),
            Some(&me.access_token),
            Some(json!({"token": "phone", "platform": "android", "locale": "en"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut ids = Vec::new();
    for i in 0..40 {
        let kind = ["bp", "glucose", "custom"][i % 3];
        let r = create(
            &app,
            &me,
            json!({"kind": kind, "text": "Take the tablets", "times": ["08:00"], "days": ALL}),
        )
        .await;
        ids.push(r.reminder_id);
    }
    let (b, c) = (app.sibling().await, app.sibling().await);
    let sinks: Vec<_> = [&app, &b, &c]
        .iter()
        .map(|a| push::sink_for(&a.state.config).unwrap_or_else(|e| panic!("{e:#}")))
        .collect();
    // The sync pokes of the 40 writes go first.
    push::deliver_due(&app.state, sinks[0].as_ref())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let before = fake.delivered_count();

    app.clock.set_rfc3339("2026-11-22T00:00:05Z");
    let (r1, r2, r3) = tokio::join!(job::run(&app.state), job::run(&b.state), job::run(&c.state));
    let fired: usize = [r1, r2, r3]
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")).fired)
        .sum();
    assert_eq!(fired, 40);
    // Each instance delivers; every occurrence reaches the phone once.
    let (d1, d2, d3) = tokio::join!(
        push::deliver_due(&app.state, sinks[0].as_ref()),
        push::deliver_due(&b.state, sinks[1].as_ref()),
        push::deliver_due(&c.state, sinks[2].as_ref())
    );
    assert!(d1.is_ok() && d2.is_ok() && d3.is_ok());
    let due = fake.reminder_ids_since(before);
    let mut unique = due.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        (due.len(), unique.len()),
        (40, 40),
        "one message per occurrence"
    );
    // Each is queued at tomorrow's 08:00 in Hong Kong, in Redis and in the database.
    let tomorrow = ms("2026-11-23T00:00:00Z");
    for id in &ids {
        assert_eq!(app.reminder_next_due(id).await, Some(tomorrow));
    }
    assert_eq!(app.state.due_queue.len().await.ok(), Some(40));
    let again = job::run(&c.state).await.map(|r| r.fired).ok();
    assert_eq!(again, Some(0), "nothing more to fire today");
}

#[tokio::test]
async fn a_redis_flushed_mid_run_loses_no_reminder() {
    let env = Env::fresh(Backend::Postgres)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_redis();
    let app = TestApp::spawn_env(env).await;
    app.clock.set_rfc3339("2026-11-21T23:00:00Z");
    let (me, _) = verified_adult(&app).await;
    for _ in 0..12 {
        create(
            &app,
            &me,
            json!({"kind": "custom", "text": "Walk", "times": ["08:00"], "days": ALL}),
        )
        .await;
    }
    let other = app.sibling().await;
    // A worker's first pass builds the queue (nothing is due at 07:00).
    assert_eq!(
        job::run(&app.state).await.ok(),
        Some(job::Report::default())
    );
    app.clock.set_rfc3339("2026-11-22T00:00:05Z");
    // One instance claims five and dies before firing them; then Redis is flushed.
    let now = ms("2026-11-22T00:00:05Z");
    let claimed = app.state.due_queue.claim(now, now + 60_000, 5).await;
    assert!(matches!(claimed, Ok(ehealth_api::queue::Claim::Items(ref v)) if v.len() == 5));
    let env = &app.env;
    flush_prefix(
        env.redis_url.as_deref().unwrap_or_default(),
        &env.redis_prefix,
    )
    .await;
    // The other instance finds the queue gone, rebuilds it from the database, fires all 12.
    let r = job::run(&other.state)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.fired, 12);
    assert_eq!(reminders_due(&app, &me.patient_id).await, 12);
    assert_eq!(
        other.state.due_queue.len().await.ok(),
        Some(12),
        "all queued for tomorrow"
    );
    // The dead claimer's lease runs out: nothing fires twice.
    app.clock.set_rfc3339("2026-11-22T00:02:00Z");
    let again = job::run(&app.state).await.map(|r| r.fired).ok();
    assert_eq!(again, Some(0));
    assert_eq!(reminders_due(&app, &me.patient_id).await, 12);
}

/// A Redis of this test's own (the shared one serves the other tests), killed and restarted.
struct OwnRedis {
    port: u16,
    child: Child,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server (scripts/test.sh installs it): {e}"));
        OwnRedis { port, child }
    }

    async fn wait_ready(&self) {
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on {} did not start", self.port);
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_redis_killed_mid_run_loses_no_reminder_once_it_is_back() {
    let port = free_port();
    let mut redis = OwnRedis::start(port);
    redis.wait_ready().await;
    let mut env = Env::fresh(Backend::Postgres).unwrap_or_else(|e| panic!("{e}"));
    env.redis_url = Some(format!("redis://127.0.0.1:{port}"));
    let app = TestApp::spawn_env(env).await;
    app.clock.set_rfc3339("2026-11-21T23:00:00Z");
    let (me, _) = verified_adult(&app).await;
    for _ in 0..6 {
        create(
            &app,
            &me,
            json!({"kind": "custom", "text": "Walk", "times": ["08:00"], "days": ALL}),
        )
        .await;
    }
    redis.kill();
    // While Redis is down a reminder is still saved (the database is the truth)...
    create(
        &app,
        &me,
        json!({"kind": "custom", "text": "Stretch", "times": ["08:00"], "days": ALL}),
    )
    .await;
    app.clock.set_rfc3339("2026-11-22T00:00:05Z");
    // ...and the pass fails rather than guessing.
    assert!(job::run(&app.state).await.is_err());
    assert_eq!(reminders_due(&app, &me.patient_id).await, 0);

    // Redis comes back empty (no persistence): the queue is rebuilt and all seven fire, once.
    let redis = OwnRedis::start(port);
    redis.wait_ready().await;
    let mut fired = None;
    for _ in 0..50 {
        if let Ok(r) = job::run(&app.state).await {
            fired = Some(r.fired);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(fired, Some(7));
    assert_eq!(reminders_due(&app, &me.patient_id).await, 7);
    assert_eq!(job::run(&app.state).await.map(|r| r.fired).ok(), Some(0));
}

#[tokio::test]
async fn a_london_reminder_keeps_eight_oclock_local_across_the_end_of_summer_time() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Saturday 24 October 2026, 06:00 UTC = 07:00 BST; summer time ends at 02:00 BST on the 25th.
    app.clock.set_rfc3339("2026-10-24T06:00:00Z");
    let (me, _) = verified_adult(&app).await;
    let r = create(
        &app,
        &me,
        json!({"kind": "bp", "times": ["08:00"], "days": ALL, "time_zone": "Europe/London"}),
    )
    .await;
    let id = r.reminder_id;
    assert_eq!(
        app.reminder_next_due(&id).await,
        Some(ms("2026-10-24T07:00:00Z")),
        "08:00 BST"
    );
    app.clock.set_rfc3339("2026-10-24T07:00:01Z");
    assert_eq!(job::run(&app.state).await.map(|r| r.fired).ok(), Some(1));
    assert_eq!(
        app.reminder_next_due(&id).await,
        Some(ms("2026-10-25T08:00:00Z")),
        "08:00 GMT"
    );
    // At 07:00 UTC on the 25th (07:00 GMT) it is not yet due; at 08:00 UTC it is.
    app.clock.set_rfc3339("2026-10-25T07:00:01Z");
    assert_eq!(job::run(&app.state).await.map(|r| r.fired).ok(), Some(0));
    app.clock.set_rfc3339("2026-10-25T08:00:01Z");
    assert_eq!(job::run(&app.state).await.map(|r| r.fired).ok(), Some(1));
    assert_eq!(
        app.reminder_next_due(&id).await,
        Some(ms("2026-10-26T08:00:00Z"))
    );
}
