//! The state every handler shares.

use std::sync::Arc;

use webauthn_rs::prelude::Webauthn;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::Secrets;
use crate::ephemeral::Ephemeral;
use crate::store::Db;
use crate::store::sessions::Lifetimes;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub secrets: Secrets,
    pub webauthn: Arc<Webauthn>,
    pub ephemeral: Ephemeral,
}

impl AppState {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn token_lifetimes(&self) -> Lifetimes {
        let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4);
        Lifetimes {
            access_ms: ms(self.config.access_token_ttl),
            refresh_ms: ms(self.config.refresh_token_ttl),
        }
    }
}
