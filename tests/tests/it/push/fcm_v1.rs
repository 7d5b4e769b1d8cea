//! The FCM HTTP v1 sink against the local stand-in for Google's token endpoint and FCM.

use ehealth_api::push;
use ehealth_contracts::TokenResponse;
use ehealth_tests::family::verified_adult;
use ehealth_tests::fcm::{FakeFcm, Reply};
use ehealth_tests::{Backend, Env, TestApp};
use reqwest::StatusCode;

use super::put_token;

async fn app_with(fake: &FakeFcm) -> TestApp {
    let env = Env::fresh(Backend::Sqlite)
        .unwrap_or_else(|e| panic!("{e}"))
        .set("FCM_SERVICE_ACCOUNT", &fake.key_file.display().to_string())
        .set("FCM_BASE_URL", &fake.base_url);
    TestApp::spawn_env(env).await
}

async fn second_device(app: &TestApp, key: &mut ehealth_tests::TestPasskey) -> TokenResponse {
    app.sign_in_patient(key).await
}

/// The app's sink, made once per app as the server does (its access-token cache lives
/// across passes).
fn sink_of(app: &TestApp) -> std::sync::Arc<dyn push::Sink> {
    push::sink_for(&app.state.config).unwrap_or_else(|e| panic!("{e:#}"))
}

async fn pass(app: &TestApp, sink: &std::sync::Arc<dyn push::Sink>) -> usize {
    push::deliver_due(&app.state, sink.as_ref())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn token_of(app: &TestApp, device: &str) -> Option<ehealth_api::store::push::PushToken> {
    let d = device.to_owned();
    app.state
        .db
        .run(move |c| Ok(ehealth_tests::stored::token_of(c, &d)?))
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn notices_arrive_through_fcm_with_one_oauth_token_and_dead_tokens_are_forgotten() {
    let fake = FakeFcm::start().await;
    let app = app_with(&fake).await;
    let sink = sink_of(&app);
    let (phone_a, mut key) = verified_adult(&app).await;
    let phone_b = second_device(&app, &mut key).await;
    assert_eq!(
        put_token(&app, &phone_a, "phone-a", "zh-HK").await,
        StatusCode::OK
    );
    assert_eq!(
        put_token(&app, &phone_b, "phone-b", "en").await,
        StatusCode::OK
    );
    fake.unregister("phone-b");
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    app.grant(
        &phone_a.access_token,
        &phone_a.patient_id,
        &hcp,
        "indefinite",
    )
    .await;

    assert!(pass(&app, &sink).await > 0);
    let got = fake.delivered_to("phone-a");
    assert_eq!(got.len(), 2, "the family notice and the sync poke: {got:?}");
    let notice = got.iter().find(|m| m["data"]["type"] == "consent_granted");
    let notice = notice.unwrap_or_else(|| panic!("no consent notice in {got:?}"));
    assert_eq!(notice["notification"]["title"], "已給予互通同意");
    assert!(
        notice["data"]["notification_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(
        !notice.to_string().contains("Harbour"),
        "no provider name on the lock screen"
    );
    let poke = got.iter().find(|m| m["data"]["type"] == "sync_poke");
    let poke = poke.unwrap_or_else(|| panic!("no poke in {got:?}"));
    assert!(poke.get("notification").is_none(), "silent");
    assert_eq!(
        poke["android"]["collapse_key"],
        format!("sync:{}", phone_a.patient_id)
    );
    // FCM said phone-b is gone: its token is forgotten at once, the other stays.
    assert!(token_of(&app, &phone_b.device_id).await.is_none());
    assert!(token_of(&app, &phone_a.device_id).await.is_some());
    // One OAuth grant (cached), correctly signed; no send without it.
    assert_eq!(fake.token_requests(), (1, 0));
    assert_eq!(fake.send_attempts().1, 0);
    // Delivered: another pass sends nothing.
    pass(&app, &sink).await;
    assert_eq!(fake.delivered_count(), 2);
    assert_eq!(fake.token_requests(), (1, 0));
}

#[tokio::test]
async fn quota_answers_wait_for_retry_after_and_unavailability_backs_off() {
    let fake = FakeFcm::start().await;
    let app = app_with(&fake).await;
    let sink = sink_of(&app);
    let (me, _) = verified_adult(&app).await;
    put_token(&app, &me, "busy", "en").await;
    fake.script("busy", &[Reply::TooMany(30), Reply::TooMany(30)]);
    let hcp = app.create_hcp("Clinic", "private", "wan_chai").await;
    app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite")
        .await;
    pass(&app, &sink).await;
    assert_eq!(fake.delivered_count(), 0);
    app.clock.advance(chrono::Duration::seconds(29));
    pass(&app, &sink).await;
    assert_eq!(fake.delivered_count(), 0, "not before Retry-After");
    app.clock.advance(chrono::Duration::seconds(2));
    pass(&app, &sink).await;
    assert_eq!(fake.delivered_count(), 2);

    // 503: retried with backoff (a second or so), not at once and not lost.
    fake.script("busy", &[Reply::Unavailable]);
    let other = app.create_hcp("Other Clinic", "private", "wan_chai").await;
    app.grant(&me.access_token, &me.patient_id, &other, "indefinite")
        .await;
    pass(&app, &sink).await;
    let after_first = fake.delivered_count();
    assert_eq!(after_first, 3, "the poke went; the notice met the 503");
    pass(&app, &sink).await;
    assert_eq!(fake.delivered_count(), after_first, "not retried at once");
    app.clock.advance(chrono::Duration::seconds(3));
    pass(&app, &sink).await;
    assert_eq!(fake.delivered_count(), 4);
    assert_eq!(
        fake.token_requests(),
        (1, 0),
        "the token is reused throughout"
    );
    assert!(
        token_of(&app, &me.device_id).await.is_some(),
        "429 and 503 keep the token"
    );
}

#[tokio::test]
async fn a_retry_goes_only_to_the_devices_that_did_not_get_the_notice() {
    let fake = FakeFcm::start().await;
    let app = app_with(&fake).await;
    let sink = sink_of(&app);
    let (phone, mut key) = verified_adult(&app).await;
    let tablet = second_device(&app, &mut key).await;
    put_token(&app, &phone, "phone", "en").await;
    put_token(&app, &tablet, "tablet", "en").await;
    // The family notice (and the sync poke the consent makes) reach the phone; FCM is
    // unavailable for the tablet on this pass.
    fake.script("tablet", &[Reply::Unavailable, Reply::Unavailable]);
    let hcp = app.create_hcp("Clinic", "private", "wan_chai").await;
    app.grant(&phone.access_token, &phone.patient_id, &hcp, "indefinite")
        .await;
    pass(&app, &sink).await;
    let notices = |token: &str| {
        fake.delivered_to(token)
            .into_iter()
            .filter(|m| m["data"]["type"] == "consent_granted")
            .count()
    };
    assert_eq!((notices("phone"), notices("tablet")), (1, 0));
    app.clock.advance(chrono::Duration::seconds(3));
    pass(&app, &sink).await;
    assert_eq!(
        (notices("phone"), notices("tablet")),
        (1, 1),
        "the retry reaches the tablet and not the phone again"
    );
    // Done: nothing more for either.
    app.clock.advance(chrono::Duration::seconds(60));
    pass(&app, &sink).await;
    assert_eq!((notices("phone"), notices("tablet")), (1, 1));
}

#[tokio::test]
async fn a_token_near_its_expiry_is_fetched_again() {
    // Tokens that expire within gcp_auth's margin are refreshed before each use.
    let fake = FakeFcm::start_with_expiry(10).await;
    let app = app_with(&fake).await;
    let sink = sink_of(&app);
    let (me, _) = verified_adult(&app).await;
    put_token(&app, &me, "phone", "en").await;
    let hcp = app.create_hcp("Clinic", "private", "wan_chai").await;
    app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite")
        .await;
    pass(&app, &sink).await;
    assert_eq!(fake.delivered_count(), 2);
    assert_eq!(fake.token_requests(), (2, 0));
}

#[tokio::test]
async fn the_token_endpoint_refuses_an_assertion_that_is_not_signed_by_the_key() {
    use base64::Engine;
    let fake = FakeFcm::start().await;
    let app = app_with(&fake).await;
    let sink = sink_of(&app);
    // A real assertion from our sink, then the same with its claims altered.
    let (me, _) = verified_adult(&app).await;
    put_token(&app, &me, "phone", "en").await;
    let hcp = app.create_hcp("Clinic", "private", "wan_chai").await;
    app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite")
        .await;
    pass(&app, &sink).await;
    assert_eq!(fake.token_requests(), (1, 0));
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let now = chrono::Utc::now().timestamp();
    let claims = b64.encode(
        serde_json::json!({"iss": ehealth_tests::fcm::CLIENT_EMAIL,
        "aud": format!("{}/token", fake.base_url), "iat": now, "exp": now + 3000,
        "scope": ehealth_api::push::fcm::SCOPE})
        .to_string(),
    );
    let forged = format!("{header}.{claims}.{}", b64.encode([7u8; 256]));
    let r = reqwest::Client::new()
        .post(format!("{}/token", fake.base_url))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &forged),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(fake.token_requests(), (2, 1));
}
