//! The state every handler shares.

use std::sync::{Arc, Mutex};

use ehealth_sync::Hlc;
use webauthn_rs::prelude::Webauthn;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Secrets;
use crate::ephemeral::Ephemeral;
use crate::log_key::LogKey;
use crate::queue::DueQueue;
use crate::store::Db;
use crate::store::sessions::Lifetimes;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub secrets: Secrets,
    /// Signs access-log checkpoints (its own key, apart from `secrets`).
    pub log_key: Arc<LogKey>,
    pub webauthn: Arc<Webauthn>,
    pub ephemeral: Ephemeral,
    /// Which reminder is due when (Redis when configured, else in-process).
    pub due_queue: DueQueue,
    /// The server's hybrid logical clock, advanced past every stamp it receives.
    pub hlc: Mutex<Hlc>,
    /// This process, in `job_runs` claims.
    pub instance_id: String,
}

impl AppState {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Advances the server clock past `stamps`.
    pub fn observe_hlcs(&self, stamps: impl Iterator<Item = Hlc>) {
        let now = u64::try_from(self.now_ms()).unwrap_or(0);
        if let Ok(mut h) = self.hlc.lock() {
            for s in stamps {
                *h = h.receive(&s, now, "server");
            }
        }
    }

    /// A fresh server stamp, after everything observed.
    pub fn server_hlc(&self) -> Hlc {
        let now = u64::try_from(self.now_ms()).unwrap_or(0);
        match self.hlc.lock() {
            Ok(mut h) => {
                *h = h.tick(now, "server");
                h.clone()
            }
            Err(_) => Hlc::new(now, 0, "server"),
        }
    }

    pub fn token_lifetimes(&self) -> Lifetimes {
        let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4);
        Lifetimes {
            access_ms: ms(self.config.access_token_ttl),
            refresh_ms: ms(self.config.refresh_token_ttl),
        }
    }
}
