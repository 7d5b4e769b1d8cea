//! Push: device tokens, and the outbox worker delivering every notice at least once to the
//! right devices, in their language, with nothing personal on the lock screen.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ehealth_api::push::{self, LogSink, Message, Outcome, Sink};
use ehealth_api::state::AppState;
use ehealth_contracts::TokenResponse;
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{TestApp, on_both_backends};
use futures_util::future::BoxFuture;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn put_token(app: &TestApp, t: &TokenResponse, token: &str, locale: &str) -> StatusCode {
    app.call(
        Method::PUT,
        &format!("/v1/me/devices/{}/push-token", t.device_id),
        Some(&t.access_token),
        Some(json!({"token": token, "platform": "android", "locale": locale})),
    )
    .await
    .0
}

async fn sent(app: &TestApp, device: &str) -> Vec<ehealth_api::store::push::Sent> {
    let d = device.to_owned();
    app.state
        .db
        .run(move |c| Ok(ehealth_api::store::push::sent_to(c, &d)?))
        .await
        .unwrap_or_default()
}

on_both_backends! {
    async fn devices_register_push_tokens_of_their_own(app) {
        let (me, _) = verified_adult(&app).await;
        let (other, _) = verified_adult(&app).await;
        assert_eq!(put_token(&app, &me, "tok-1", "zh-HK").await, StatusCode::OK);
        let (status, _) = app.call(Method::PUT, &format!("/v1/me/devices/{}/push-token", other.device_id),
            Some(&me.access_token), Some(json!({"token": "tok-2", "platform": "ios"}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        for bad in ["", "has space"] {
            let (status, _) = app.call(Method::PUT, &format!("/v1/me/devices/{}/push-token", me.device_id),
                Some(&me.access_token), Some(json!({"token": bad, "platform": "ios"}))).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        }
        // A token moves with the app installation: registered on another device, it leaves the first.
        assert_eq!(put_token(&app, &other, "tok-1", "en").await, StatusCode::OK);
        let d = me.device_id.clone();
        let mine = app.state.db.run(move |c| Ok(ehealth_api::store::push::token_of(c, &d)?)).await.ok().flatten();
        assert!(mine.is_none());
    }
}

on_both_backends! {
    async fn a_record_access_reaches_the_parents_phone_in_chinese_with_nothing_personal(app) {
        let hcp = app.create_hcp("Harbour Clinic", "private", "wan_chai").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let (parent, _) = verified_adult(&app).await;
        let kid = child("2017-05-05");
        let (kid_id, _) = app.add_child(&parent.access_token, &kid).await;
        app.verify(&kid_id).await;
        app.grant(&parent.access_token, &kid_id, &hcp, "indefinite").await;
        assert_eq!(put_token(&app, &parent, "parent-phone", "zh-HK").await, StatusCode::OK);
        app.deposit(&doctor, &kid_id, "lab_result").await;
        let (status, _) = app.read_record(&doctor, &kid_id, None).await;
        assert_eq!(status, StatusCode::OK);

        let done = push::deliver_due(&app.state, &LogSink).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(done > 0);
        let got = sent(&app, &parent.device_id).await;
        let accessed: Vec<_> = got.iter().filter(|s| s.kind == "record_accessed").collect();
        assert_eq!(accessed.len(), 1, "{got:?}");
        let a = accessed[0];
        assert_eq!(a.title, "醫健通紀錄被查閱");
        let data: serde_json::Value = serde_json::from_str(&a.data).unwrap_or_default();
        assert_eq!(data["notification_id"], a.notification_id.as_str());
        assert_eq!(data["patient_id"], kid_id.as_str());
        // Lock screens are public: no name, identity number, provider or value in the text.
        let text = format!("{} {}", a.title, a.body);
        for secret in ["陳小明", "SIU MING", &kid.hkid[..4], "Harbour", "lab_result"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        // Delivered once: another pass sends nothing new.
        push::deliver_due(&app.state, &LogSink).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sent(&app, &parent.device_id).await.len(), got.len());
    }
}

on_both_backends! {
    async fn sync_pokes_collapse_and_skip_the_device_that_pushed(app) {
        let (phone_a, mut key) = verified_adult(&app).await;
        let (status, b) = app.sign_in(&mut key).await;
        assert_eq!(status, StatusCode::CREATED);
        let phone_b: TokenResponse = serde_json::from_value(b).unwrap_or_else(|e| panic!("{e}"));
        put_token(&app, &phone_a, "phone-a", "en").await;
        put_token(&app, &phone_b, "phone-b", "en").await;
        let mut device = ehealth_tests::devices::Device {
            engine: ehealth_sync::ClientEngine::new(phone_a.device_id.clone()),
            token: phone_a.access_token.clone(),
            patient_id: phone_a.patient_id.clone(),
        };
        device.engine.upsert("bp_readings", &uuid::Uuid::now_v7().to_string(), &phone_a.patient_id,
            ehealth_tests::devices::bp(120, 80), ehealth_tests::devices::now_ms(&app));
        device.push_all(&app).await;
        push::deliver_due(&app.state, &LogSink).await.unwrap_or_else(|e| panic!("{e}"));
        let to_b = sent(&app, &phone_b.device_id).await;
        assert_eq!(to_b.len(), 1);
        assert_eq!((to_b[0].kind.as_str(), to_b[0].title.as_str()), ("sync_poke", ""), "silent");
        assert_eq!(to_b[0].collapse_key, Some(format!("sync:{}", phone_a.patient_id)));
        assert!(sent(&app, &phone_a.device_id).await.is_empty(), "not back to the pusher");
    }
}

/// A sink that fails the first `fail` sends of each notification with `outcome`, then succeeds
/// through the log sink.
struct Flaky {
    outcome: Outcome,
    fail: usize,
    seen: Mutex<std::collections::HashMap<String, usize>>,
    calls: AtomicUsize,
}

impl Sink for Flaky {
    fn send<'a>(&'a self, state: &'a AppState, msg: &'a Message) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let n = {
                let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                let n = seen.entry(msg.notification_id.clone()).or_default();
                *n += 1;
                *n
            };
            if n <= self.fail {
                return self.outcome;
            }
            LogSink.send(state, msg).await
        })
    }
}

on_both_backends! {
    async fn failed_sends_are_retried_after_backoff_and_dead_tokens_are_removed(app) {
        let (me, _) = verified_adult(&app).await;
        put_token(&app, &me, "flaky", "en").await;
        let hcp = app.create_hcp("Clinic", "private", "wan_chai").await;
        app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite").await;
        let flaky = Flaky { outcome: Outcome::Retry(Duration::from_secs(30)), fail: 1, seen: Mutex::default(), calls: AtomicUsize::new(0) };
        // A grant queues three rows: the HCP's notice (no staff devices yet: done at once), a
        // sync poke for the new consent row and the family's notice, both failing once.
        assert_eq!(push::deliver_due(&app.state, &flaky).await.ok(), Some(1));
        assert!(sent(&app, &me.device_id).await.is_empty());
        // Not before Retry-After...
        app.clock.advance(chrono::Duration::seconds(10));
        push::deliver_due(&app.state, &flaky).await.ok();
        assert!(sent(&app, &me.device_id).await.is_empty());
        // ...and then both go through, once.
        app.clock.advance(chrono::Duration::seconds(60));
        push::deliver_due(&app.state, &flaky).await.ok();
        let kinds: Vec<String> = sent(&app, &me.device_id).await.into_iter().map(|s| s.kind).collect();
        assert_eq!(kinds.len(), 2);
        assert!(kinds.contains(&"consent_granted".to_owned()) && kinds.contains(&"sync_poke".to_owned()));

        // FCM says the token is dead: it is forgotten at once and the notice is done.
        let gone = Flaky { outcome: Outcome::Unregistered, fail: usize::MAX, seen: Mutex::default(), calls: AtomicUsize::new(0) };
        let (_, c) = app.grant(&me.access_token, &me.patient_id, &app.create_hcp("Other", "private", "wan_chai").await, "indefinite").await;
        assert!(c["consent_id"].is_string());
        assert!(push::deliver_due(&app.state, &gone).await.ok().is_some_and(|n| n > 0));
        let d = me.device_id.clone();
        let token = app.state.db.run(move |c| Ok(ehealth_api::store::push::token_of(c, &d)?)).await.ok().flatten();
        assert!(token.is_none());
    }
}

on_both_backends! {
    async fn two_workers_deliver_each_notice_once_and_a_dead_workers_rows_after_the_lease(app) {
        let (me, _) = verified_adult(&app).await;
        put_token(&app, &me, "once", "en").await;
        for i in 0..6 {
            let hcp = app.create_hcp(&format!("Clinic {i}"), "private", "wan_chai").await;
            app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite").await;
        }
        let other = app.sibling().await;
        let counting = Flaky { outcome: Outcome::Sent, fail: 0, seen: Mutex::default(), calls: AtomicUsize::new(0) };
        let (a, b) = tokio::join!(push::deliver_due(&app.state, &counting), push::deliver_due(&other.state, &counting));
        assert_eq!(a.unwrap_or(0) + b.unwrap_or(0), 18, "3 rows per grant, each finished once");
        assert_eq!(counting.calls.load(Ordering::SeqCst), 12, "the notice and the poke of each grant, sent once each");

        // A worker that claimed a row and died: nobody sends it until the lease runs out.
        let hcp = app.create_hcp("Late Clinic", "private", "wan_chai").await;
        app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite").await;
        let now = ehealth_api::Clock::now_ms(app.clock.as_ref());
        let claimed = app.state.db.run(move |c| Ok(ehealth_api::store::sync::claim_outbox(c, now, now + 60_000, 100)?)).await.unwrap_or_default();
        assert!(!claimed.is_empty());
        let before = sent(&app, &me.device_id).await.len();
        push::deliver_due(&app.state, &LogSink).await.ok();
        assert_eq!(sent(&app, &me.device_id).await.len(), before);
        app.clock.advance(chrono::Duration::seconds(61));
        push::deliver_due(&app.state, &LogSink).await.ok();
        assert_eq!(sent(&app, &me.device_id).await.len(), before + 2, "the late notice and poke");
    }
}

on_both_backends! {
    async fn one_device_gets_at_most_240_messages_a_minute_and_the_rest_follow(app) {
        let (me, _) = verified_adult(&app).await;
        put_token(&app, &me, "busy", "en").await;
        let now = ehealth_api::Clock::now_ms(app.clock.as_ref());
        let patient = me.patient_id.clone();
        app.state.db.run(move |c| {
            for i in 0..250 {
                ehealth_api::store::sync::enqueue(c, &ehealth_api::store::sync::OutboxRow::notice(
                    "consent_granted", &patient, json!({"i": i}), now + i))?;
            }
            Ok(())
        }).await.unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..4 {
            push::deliver_due(&app.state, &LogSink).await.unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(sent(&app, &me.device_id).await.len(), 240);
        app.clock.advance(chrono::Duration::seconds(61));
        push::deliver_due(&app.state, &LogSink).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sent(&app, &me.device_id).await.len(), 250, "the rest follow in the next minute");
    }
}

mod fcm_v1 {
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
        let (status, b) = app.sign_in(key).await;
        assert_eq!(status, StatusCode::CREATED);
        serde_json::from_value(b).unwrap_or_else(|e| panic!("{e}"))
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
            .run(move |c| Ok(ehealth_api::store::push::token_of(c, &d)?))
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
}

on_both_backends! {
    async fn staff_apps_get_their_hcps_consent_events_until_the_staff_member_is_deactivated(app) {
        let hcp = app.create_hcp("Harbour Clinic", "private", "wan_chai").await;
        let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
        let admin = app.staff(&hcp, "medical_practitioner", &["user_admin"]).await;
        let other_hcp = app.create_hcp("Other Clinic", "private", "wan_chai").await;
        let stranger = app.staff(&other_hcp, "medical_practitioner", &[]).await;
        let (me, _) = verified_adult(&app).await;
        let put = |token: &str, body: serde_json::Value| {
            let token = token.to_owned();
            let app = &app;
            async move { app.call(Method::PUT, "/v1/staff/me/push-token", Some(&token), Some(body)).await }
        };
        let (status, body) = put(&doctor.token, json!({"token": "doctor-phone", "platform": "ios", "locale": "zh-HK"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let session = body["session_id"].as_str().unwrap_or_default().to_owned();
        let (status, body) = put(&stranger.token, json!({"token": "stranger-phone", "platform": "android"})).await;
        assert_eq!(status, StatusCode::OK);
        let stranger_session = body["session_id"].as_str().unwrap_or_default().to_owned();
        // Patients' sessions cannot register staff tokens; tokens are checked.
        let (status, _) = put(&me.access_token, json!({"token": "x", "platform": "ios"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = put(&doctor.token, json!({"token": "has space", "platform": "ios"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let (_, consent) = app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite").await;
        let id = consent["consent_id"].as_str().unwrap_or_default().to_owned();
        push::deliver_due(&app.state, &LogSink).await.unwrap_or_else(|e| panic!("{e}"));
        let got = sent(&app, &format!("staff:{session}")).await;
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].kind.as_str(), got[0].title.as_str()), ("hcp_consent_event", "互通同意有變"));
        let data: serde_json::Value = serde_json::from_str(&got[0].data).unwrap_or_default();
        assert_eq!((data["event"].as_str(), data["hcp_id"].as_str()), (Some("granted"), Some(hcp.as_str())));
        assert!(data.get("patient_id").is_none(), "the feed, not the push, says who");
        assert!(sent(&app, &format!("staff:{stranger_session}")).await.is_empty(), "another HCP's staff");

        // Deactivated: the doctor's app hears nothing more; the administrator's does.
        let (_, body) = put(&admin.token, json!({"token": "admin-phone", "platform": "android", "locale": "en"})).await;
        let admin_session = body["session_id"].as_str().unwrap_or_default().to_owned();
        let (status, _) = app.call(Method::POST, &format!("/v1/hcp/staff/{}/deactivate", doctor.staff_id),
            Some(&admin.token), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app.call(Method::DELETE, &format!("/v1/patients/{}/consents/{id}", me.patient_id),
            Some(&me.access_token), None).await;
        assert_eq!(status, StatusCode::OK);
        push::deliver_due(&app.state, &LogSink).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sent(&app, &format!("staff:{session}")).await.len(), 1);
        let to_admin = sent(&app, &format!("staff:{admin_session}")).await;
        assert_eq!(to_admin.len(), 1);
        assert!(to_admin[0].data.contains("revoked"), "{:?}", to_admin[0]);
    }
}

#[tokio::test]
async fn every_push_data_payload_is_a_push_data_of_the_contract() {
    let app = TestApp::spawn(ehealth_tests::Backend::Sqlite).await;
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (status, body) = app
        .call(
            Method::PUT,
            "/v1/staff/me/push-token",
            Some(&doctor.token),
            Some(json!({"token": "doctor-phone", "platform": "android"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let staff_device = format!("staff:{}", body["session_id"].as_str().unwrap_or_default());
    let (parent, mut key) = verified_adult(&app).await;
    let (status, b) = app.sign_in(&mut key).await;
    assert_eq!(status, StatusCode::CREATED);
    let tablet: TokenResponse = serde_json::from_value(b).unwrap_or_else(|e| panic!("{e}"));
    put_token(&app, &parent, "parent-phone", "en").await;
    put_token(&app, &tablet, "parent-tablet", "zh-HK").await;
    let (kid, _) = app
        .add_child(&parent.access_token, &child("2017-05-05"))
        .await;
    app.verify(&kid).await;
    app.grant(&parent.access_token, &kid, &hcp, "indefinite")
        .await;
    app.deposit(&doctor, &kid, "lab_result").await;
    let (status, _) = app.read_record(&doctor, &kid, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, r) = app.call(Method::POST, &format!("/v1/patients/{kid}/reminders"), Some(&parent.access_token),
        Some(json!({"kind": "glucose", "times": ["08:00"], "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let due = r["next_due_at"].as_str().unwrap_or_default().to_owned();
    app.clock.set_rfc3339(&due);
    app.clock.advance(chrono::Duration::seconds(1));
    ehealth_api::jobs::reminders::run(&app.state)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    while push::deliver_due(&app.state, &LogSink)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        > 0
    {}

    let mut kinds = std::collections::BTreeSet::new();
    for device in [
        parent.device_id.clone(),
        tablet.device_id.clone(),
        staff_device,
    ] {
        for s in sent(&app, &device).await {
            let data: ehealth_contracts::PushData = serde_json::from_str(&s.data)
                .unwrap_or_else(|e| panic!("{} is not a PushData: {e}: {}", s.kind, s.data));
            assert_eq!(data.notification_id, s.notification_id);
            // Every field the server sends is one the contract names.
            let sent_fields: serde_json::Value = serde_json::from_str(&s.data).unwrap_or_default();
            assert_eq!(
                serde_json::to_value(&data).ok(),
                Some(sent_fields),
                "{}",
                s.kind
            );
            kinds.insert(data.push_type.as_str());
        }
    }
    for expected in [
        "consent_granted",
        "consent_event",
        "record_accessed",
        "reminder_due",
        "sync_poke",
    ] {
        assert!(kinds.contains(expected), "{expected} not seen in {kinds:?}");
    }
}
