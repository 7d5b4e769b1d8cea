//! A device of the story: signed in, with its offline store (the reference sync client), and
//! its sync: push what waits, then pull until the server has nothing more.

use ehealth_contracts::{Fields, PullResponse, PushResponse, TokenResponse};
use ehealth_sync::ClientEngine;
use reqwest::Method;

use super::Demo;

/// A signed-in device with its offline store.
pub(super) struct Phone {
    pub(super) name: &'static str,
    pub(super) token: String,
    pub(super) engine: ClientEngine,
}

/// What one sync did: mutations sent up, and changes brought down.
pub(super) struct Synced {
    /// Local edits sent to the server (each answered applied, merged or refused).
    pub(super) pushed: usize,
    /// Row changes downloaded: other devices' edits, and this device's own as the server
    /// stored them.
    pub(super) pulled: usize,
}

pub(super) fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

impl Phone {
    pub(super) fn new(name: &'static str, tokens: &TokenResponse) -> Self {
        Self {
            name,
            token: tokens.access_token.clone(),
            engine: ClientEngine::new(tokens.device_id.clone()),
        }
    }

    /// Logs a reading offline: it waits in the queue until the next sync.
    pub(super) fn log(&mut self, table: &str, patient_id: &str, reading: Fields) {
        let id = uuid::Uuid::now_v7().to_string();
        self.engine
            .upsert(table, &id, patient_id, reading, now_ms());
    }

    /// How many readings the device shows.
    pub(super) fn readings(&self) -> usize {
        self.engine
            .rows()
            .keys()
            .filter(|k| k.0.ends_with("_readings"))
            .count()
    }
}

impl Demo {
    /// Pushes everything waiting on `phone`, then pulls until the server has no more.
    pub(super) async fn sync(&self, phone: &mut Phone) -> anyhow::Result<Synced> {
        let mut pushed = 0;
        while let Some(req) = phone.engine.push_request(100) {
            let res: PushResponse = self
                .expect(
                    200,
                    Method::POST,
                    "/v1/sync/push",
                    Some(&phone.token),
                    Some(serde_json::to_value(&req)?),
                )
                .await?;
            pushed += res.results.len();
            phone.engine.on_push_response(&res, now_ms());
        }
        let mut pulled = 0;
        loop {
            let req = phone.engine.pull_request(500);
            let page: PullResponse = self
                .expect(
                    200,
                    Method::POST,
                    "/v1/sync/pull",
                    Some(&phone.token),
                    Some(serde_json::to_value(&req)?),
                )
                .await?;
            pulled += page.changes.len();
            phone.engine.apply_page(&page, now_ms());
            phone.engine.save_cursor();
            if !page.has_more {
                return Ok(Synced { pushed, pulled });
            }
        }
    }
}
