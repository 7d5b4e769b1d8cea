//! Simulated devices: the reference sync client (`ehealth_sync::ClientEngine`) driven against
//! the real server over HTTP.

use ehealth_contracts::{Fields, PullResponse, PushRequest, PushResponse, TokenResponse};
use ehealth_sync::ClientEngine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{JsonAs, Person, TestApp, TestPasskey};

pub struct Device {
    pub engine: ClientEngine,
    pub token: String,
    pub patient_id: String,
}

/// A patient with `n` signed-in devices (the first from registration, the rest by sign-in).
pub async fn patient_with_devices(app: &TestApp, n: usize) -> (String, Vec<Device>, TestPasskey) {
    let (tokens, mut passkey) = app.register(&Person::adult()).await;
    let mut devices = vec![Device::signed_in(&tokens)];
    for _ in 1..n {
        devices.push(Device::signed_in(&app.sign_in_patient(&mut passkey).await));
    }
    (tokens.patient_id, devices, passkey)
}

/// A valid blood-pressure reading.
pub fn bp(systolic: i64, diastolic: i64) -> Fields {
    fields(
        json!({"systolic": systolic, "diastolic": diastolic, "measured_at": "2026-11-20T08:00:00+08:00"}),
    )
}

pub fn fields(v: Value) -> Fields {
    serde_json::from_value(v).unwrap_or_default()
}

/// Milliseconds for HLC stamps: the test clock's time.
pub fn now_ms(app: &TestApp) -> u64 {
    use ehealth_api::Clock;
    u64::try_from(app.clock.now_ms()).unwrap_or(0)
}

impl Device {
    /// The device a registration or a sign-in named, with an empty offline store.
    pub fn signed_in(t: &TokenResponse) -> Self {
        Device {
            engine: ClientEngine::new(t.device_id.clone()),
            token: t.access_token.clone(),
            patient_id: t.patient_id.clone(),
        }
    }

    /// Signs in again on this same device (e.g. after its tokens expired).
    pub async fn sign_in_again(&mut self, app: &TestApp, passkey: &mut TestPasskey) {
        let (challenge_id, options) = app.challenge().await;
        let credential = passkey.assert(options);
        let (status, body) = app
            .post(
                "/v1/sessions",
                json!({"challenge_id": challenge_id, "credential": credential,
                    "device": {"device_id": self.engine.device_id, "name": "phone", "platform": "android"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let tokens: TokenResponse = body.json_as();
        assert_eq!(tokens.device_id, self.engine.device_id);
        self.token = tokens.access_token;
    }

    pub async fn send_push(&self, app: &TestApp, req: &PushRequest) -> (StatusCode, Value) {
        app.call(
            Method::POST,
            "/v1/sync/push",
            Some(&self.token),
            Some(serde_json::to_value(req).unwrap_or_default()),
        )
        .await
    }

    /// Sends the pending mutations as one push from a separate task (for concurrency tests);
    /// the task yields the HTTP status. The engine does not take the response.
    pub fn push_in_background(
        &self,
        app: &TestApp,
    ) -> tokio::task::JoinHandle<reqwest::Result<StatusCode>> {
        let req = self
            .engine
            .push_request(100)
            .unwrap_or_else(|| panic!("nothing pending"));
        let (client, url, token) = (
            app.client.clone(),
            app.url("/v1/sync/push"),
            self.token.clone(),
        );
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&req)
                .send()
                .await
                .map(|r| r.status())
        })
    }

    /// Pushes one batch of pending mutations and takes the response.
    pub async fn push(&mut self, app: &TestApp, max: usize) -> Option<PushResponse> {
        let req = self.engine.push_request(max)?;
        let (status, body) = self.send_push(app, &req).await;
        assert_eq!(status, StatusCode::OK, "push: {body}");
        let res: PushResponse =
            serde_json::from_value(body).unwrap_or_else(|e| panic!("push response: {e}"));
        self.engine.on_push_response(&res, now_ms(app));
        Some(res)
    }

    /// Pushes until nothing is pending.
    pub async fn push_all(&mut self, app: &TestApp) -> Vec<PushResponse> {
        let mut out = Vec::new();
        while let Some(res) = self.push(app, 100).await {
            out.push(res);
        }
        out
    }

    pub async fn pull_page(&mut self, app: &TestApp, limit: i64) -> (StatusCode, Value) {
        let req = self.engine.pull_request(limit);
        app.call(
            Method::POST,
            "/v1/sync/pull",
            Some(&self.token),
            Some(serde_json::to_value(&req).unwrap_or_default()),
        )
        .await
    }

    /// Pulls, applies and saves pages until the server has no more; returns the pages.
    pub async fn pull_all(&mut self, app: &TestApp, limit: i64) -> Vec<PullResponse> {
        let mut pages = Vec::new();
        loop {
            let (status, body) = self.pull_page(app, limit).await;
            assert_eq!(status, StatusCode::OK, "pull: {body}");
            let page: PullResponse =
                serde_json::from_value(body).unwrap_or_else(|e| panic!("pull response: {e}"));
            self.engine.apply_page(&page, now_ms(app));
            self.engine.save_cursor();
            let more = page.has_more;
            pages.push(page);
            if !more {
                return pages;
            }
            assert!(
                pages.len() < 10_000,
                "the pull never ends (repeated resets?)"
            );
        }
    }
}
