//! The outbox worker: every notice delivered at least once to the right devices, in their
//! language and with nothing personal on the lock screen; retries, leases and the per-device
//! rate.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ehealth_api::push::{self, LogSink, Message, Outcome, Sink};
use ehealth_api::state::AppState;
use ehealth_contracts::{ConsentResponse, PushData, PushType};
use ehealth_tests::family::{child, verified_adult};
use ehealth_tests::{JsonAs, TestApp, on_both_backends};
use futures_util::future::BoxFuture;
use reqwest::StatusCode;

use super::{put_token, sent};

on_both_backends!(a_record_access_reaches_the_parents_phone_in_chinese_with_nothing_personal);
async fn a_record_access_reaches_the_parents_phone_in_chinese_with_nothing_personal(app: TestApp) {
    let hcp = app
        .create_hcp("Harbour Clinic", "private", "wan_chai")
        .await;
    let doctor = app.staff(&hcp, "medical_practitioner", &[]).await;
    let (parent, _) = verified_adult(&app).await;
    let kid = child("2017-05-05");
    let (kid_id, _) = app.add_child(&parent.access_token, &kid).await;
    app.verify(&kid_id).await;
    app.grant(&parent.access_token, &kid_id, &hcp, "indefinite")
        .await;
    assert_eq!(
        put_token(&app, &parent, "parent-phone", "zh-HK").await,
        StatusCode::OK
    );
    app.deposit(&doctor, &kid_id, "lab_result").await;
    let (status, _) = app.read_record(&doctor, &kid_id, None).await;
    assert_eq!(status, StatusCode::OK);

    let done = push::deliver_due(&app.state, &LogSink)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(done > 0);
    let got = sent(&app, &parent.device_id).await;
    let accessed: Vec<_> = got.iter().filter(|s| s.kind == "record_accessed").collect();
    assert_eq!(accessed.len(), 1, "{got:?}");
    let a = accessed[0];
    assert_eq!(a.title, "醫健通紀錄被查閱");
    let data: PushData = serde_json::from_str(&a.data).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(data.notification_id, a.notification_id);
    assert_eq!(data.patient_id.as_deref(), Some(kid_id.as_str()));
    // Lock screens are public: no name, identity number, provider or value in the text.
    let text = format!("{} {}", a.title, a.body);
    for secret in [
        "陳小明",
        "SIU MING",
        &kid.hkid[..4],
        "Harbour",
        "lab_result",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // Delivered once: another pass sends nothing new.
    push::deliver_due(&app.state, &LogSink)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent(&app, &parent.device_id).await.len(), got.len());
}

on_both_backends!(sync_pokes_collapse_and_skip_the_device_that_pushed);
async fn sync_pokes_collapse_and_skip_the_device_that_pushed(app: TestApp) {
    let (phone_a, mut key) = verified_adult(&app).await;
    let phone_b = app.sign_in_patient(&mut key).await;
    put_token(&app, &phone_a, "phone-a", "en").await;
    put_token(&app, &phone_b, "phone-b", "en").await;
    let mut device = ehealth_tests::devices::Device::signed_in(&phone_a);
    device.engine.upsert(
        "bp_readings",
        &uuid::Uuid::now_v7().to_string(),
        &phone_a.patient_id,
        ehealth_tests::devices::bp(120, 80),
        ehealth_tests::devices::now_ms(&app),
    );
    device.push_all(&app).await;
    push::deliver_due(&app.state, &LogSink)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let to_b = sent(&app, &phone_b.device_id).await;
    assert_eq!(to_b.len(), 1);
    assert_eq!(
        (to_b[0].kind.as_str(), to_b[0].title.as_str()),
        ("sync_poke", ""),
        "silent"
    );
    assert_eq!(
        to_b[0].collapse_key,
        Some(format!("sync:{}", phone_a.patient_id))
    );
    assert!(
        sent(&app, &phone_a.device_id).await.is_empty(),
        "not back to the pusher"
    );
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

on_both_backends!(failed_sends_are_retried_after_backoff_and_dead_tokens_are_removed);
async fn failed_sends_are_retried_after_backoff_and_dead_tokens_are_removed(app: TestApp) {
    let (me, _) = verified_adult(&app).await;
    put_token(&app, &me, "flaky", "en").await;
    let hcp = app.create_hcp("Clinic", "private", "wan_chai").await;
    app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite")
        .await;
    let flaky = Flaky {
        outcome: Outcome::Retry(Duration::from_secs(30)),
        fail: 1,
        seen: Mutex::default(),
        calls: AtomicUsize::new(0),
    };
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
    let kinds: Vec<String> = sent(&app, &me.device_id)
        .await
        .into_iter()
        .map(|s| s.kind)
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds.contains(&"consent_granted".to_owned()) && kinds.contains(&"sync_poke".to_owned())
    );

    // FCM says the token is dead: it is forgotten at once and the notice is done.
    let gone = Flaky {
        outcome: Outcome::Unregistered,
        fail: usize::MAX,
        seen: Mutex::default(),
        calls: AtomicUsize::new(0),
    };
    let (_, c) = app
        .grant(
            &me.access_token,
            &me.patient_id,
            &app.create_hcp("Other", "private", "wan_chai").await,
            "indefinite",
        )
        .await;
    assert!(!c.json_as::<ConsentResponse>().consent_id.is_empty());
    assert!(
        push::deliver_due(&app.state, &gone)
            .await
            .ok()
            .is_some_and(|n| n > 0)
    );
    let d = me.device_id.clone();
    let token = app
        .state
        .db
        .run(move |c| Ok(ehealth_tests::stored::token_of(c, &d)?))
        .await
        .ok()
        .flatten();
    assert!(token.is_none());
}

on_both_backends!(two_workers_deliver_each_notice_once_and_a_dead_workers_rows_after_the_lease);
async fn two_workers_deliver_each_notice_once_and_a_dead_workers_rows_after_the_lease(
    app: TestApp,
) {
    let (me, _) = verified_adult(&app).await;
    put_token(&app, &me, "once", "en").await;
    for i in 0..6 {
        let hcp = app
            .create_hcp(&format!("Clinic {i}"), "private", "wan_chai")
            .await;
        app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite")
            .await;
    }
    let other = app.sibling().await;
    let counting = Flaky {
        outcome: Outcome::Sent,
        fail: 0,
        seen: Mutex::default(),
        calls: AtomicUsize::new(0),
    };
    let (a, b) = tokio::join!(
        push::deliver_due(&app.state, &counting),
        push::deliver_due(&other.state, &counting)
    );
    assert_eq!(
        a.unwrap_or(0) + b.unwrap_or(0),
        18,
        "3 rows per grant, each finished once"
    );
    assert_eq!(
        counting.calls.load(Ordering::SeqCst),
        12,
        "the notice and the poke of each grant, sent once each"
    );

    // A worker that claimed a row and died: nobody sends it until the lease runs out.
    let hcp = app.create_hcp("Late Clinic", "private", "wan_chai").await;
    app.grant(&me.access_token, &me.patient_id, &hcp, "indefinite")
        .await;
    let now = ehealth_api::Clock::now_ms(app.clock.as_ref());
    let claimed = app
        .state
        .db
        .run(move |c| {
            Ok(ehealth_api::store::outbox::claim_outbox(
                c,
                now,
                now + 60_000,
                100,
            )?)
        })
        .await
        .unwrap_or_default();
    assert!(!claimed.is_empty());
    let before = sent(&app, &me.device_id).await.len();
    push::deliver_due(&app.state, &LogSink).await.ok();
    assert_eq!(sent(&app, &me.device_id).await.len(), before);
    app.clock.advance(chrono::Duration::seconds(61));
    push::deliver_due(&app.state, &LogSink).await.ok();
    assert_eq!(
        sent(&app, &me.device_id).await.len(),
        before + 2,
        "the late notice and poke"
    );
}

on_both_backends!(one_device_gets_at_most_240_messages_a_minute_and_the_rest_follow);
async fn one_device_gets_at_most_240_messages_a_minute_and_the_rest_follow(app: TestApp) {
    let (me, _) = verified_adult(&app).await;
    put_token(&app, &me, "busy", "en").await;
    let now = ehealth_api::Clock::now_ms(app.clock.as_ref());
    let patient = me.patient_id.clone();
    app.state
        .db
        .run(move |c| {
            for i in 0..250 {
                ehealth_api::store::outbox::enqueue(
                    c,
                    &ehealth_api::store::outbox::OutboxRow::notice(
                        &patient,
                        PushData {
                            consent_id: Some(i.to_string()),
                            ..PushData::new(PushType::ConsentGranted)
                        },
                        now + i,
                    )?,
                )?;
            }
            Ok(())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..4 {
        push::deliver_due(&app.state, &LogSink)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(sent(&app, &me.device_id).await.len(), 240);
    app.clock.advance(chrono::Duration::seconds(61));
    push::deliver_due(&app.state, &LogSink)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        sent(&app, &me.device_id).await.len(),
        250,
        "the rest follow in the next minute"
    );
}
