//! Several instances on one PostgreSQL and one Redis behave as one service.

use chrono::Duration;
use ehealth_contracts::{HealthResponse, TokenResponse};
use ehealth_tests::{Backend, Env, JsonAs, Person, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn pair(env: Env) -> (TestApp, TestApp) {
    let first = TestApp::spawn_env(env).await;
    let second = first.sibling().await;
    (first, second)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_started_on_one_instance_completes_on_another() {
    let env = Env::fresh(Backend::Postgres)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_redis();
    let (a, b) = pair(env).await;
    let (registered, mut passkey) = a.register(&Person::adult()).await;

    let (challenge_id, options) = a.challenge().await;
    // The challenge is in Redis, not in either process.
    let mut redis = redis::Client::open(ehealth_tests::redis_url())
        .and_then(|c| c.get_connection())
        .unwrap_or_else(|e| panic!("redis: {e}"));
    let key = format!(
        "{}challenge:authentication:{challenge_id}",
        a.env.redis_prefix
    );
    let exists: bool = redis::cmd("EXISTS")
        .arg(&key)
        .query(&mut redis)
        .unwrap_or(false);
    assert!(exists, "challenge not found in redis at {key}");

    let credential = passkey.assert(options);
    let (status, body) = b
        .post("/v1/sessions", json!({"challenge_id": challenge_id, "credential": credential, "device": {"name": "p", "platform": "ios"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body.json_as::<TokenResponse>().patient_id,
        registered.patient_id
    );

    // ...and it was consumed for both.
    let (status, _) = a
        .post("/v1/sessions", json!({"challenge_id": challenge_id, "credential": credential, "device": {"name": "p", "platform": "ios"}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let ready: HealthResponse = b
        .call_as(StatusCode::OK, reqwest::Method::GET, "/readyz", None, None)
        .await;
    assert_eq!(ready.checks[1].name, "redis");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_hold_across_instances_with_redis() {
    let env = Env::fresh(Backend::Postgres)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_redis()
        .set("EHEALTH_RATE_LIMIT_PER_ADDRESS", "4");
    let (a, b) = pair(env).await;
    for app in [&a, &b, &a, &b] {
        assert_eq!(
            app.post("/v1/sessions/challenge", json!({})).await.0,
            StatusCode::CREATED
        );
    }
    let (status, problem) = a.post("/v1/sessions/challenge", json!({})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );
    assert_eq!(
        b.post("/v1/sessions/challenge", json!({})).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    a.clock.advance(Duration::minutes(1));
    assert_eq!(
        b.post("/v1/sessions/challenge", json!({})).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_started_on_one_instance_completes_on_another() {
    let env = Env::fresh(Backend::Postgres)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_redis();
    let (a, b) = pair(env).await;
    let started = a.start_registration(&Person::adult()).await;
    let mut passkey = ehealth_tests::TestPasskey::new();
    let credential = passkey.create(started.creation_options);
    let (status, body) = b
        .post(
            &format!("/v1/registrations/{}/complete", started.registration_id),
            json!({"credential": credential, "device": {"name": "p", "platform": "android"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_is_a_clear_start_up_error() {
    // Nothing listens on port 1.
    let env = Env::fresh(Backend::Sqlite).unwrap_or_else(|e| panic!("{e}"));
    let mut config = env.config().unwrap_or_else(|e| panic!("{e}"));
    config.redis_url = Some("redis://127.0.0.1:1".to_owned());
    let result = ehealth_api::Application::build(
        config,
        std::sync::Arc::new(ehealth_tests::ManualClock::default()),
    )
    .await;
    let err = result.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(
        err.contains("connecting to Redis"),
        "start-up with an unreachable Redis must fail clearly: {err}"
    );
}
