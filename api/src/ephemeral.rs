//! Short-lived shared state: sign-in challenges and rate-limit counters.
//!
//! With `REDIS_URL` they live in Redis, so a challenge started on one instance finishes on
//! another and limits hold across instances. Without it, challenges live in the database and
//! counters in this process (the embedded single-instance default).
//!
//! Expiry is judged by the application clock (stored with the value), so tests that move time
//! behave the same on both; Redis TTLs only collect garbage.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::store::{self, Db};

pub enum Ephemeral {
    Local {
        db: Db,
        counters: Mutex<HashMap<String, (i64, u32)>>,
    },
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
}

#[derive(Serialize, Deserialize)]
struct StoredChallenge {
    state: String,
    expires_at: i64,
}

/// Increments a fixed-window counter; returns the count and the window's remaining ms.
const HIT_SCRIPT: &str = r"
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return c
";

impl Ephemeral {
    pub fn local(db: Db) -> Self {
        Self::Local {
            db,
            counters: Mutex::new(HashMap::new()),
        }
    }

    pub async fn redis(url: &str, prefix: String) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("REDIS_URL is not a valid Redis URL: {e}"))?;
        // Fail fast while Redis is away (callers answer 503 or rebuild later) and reconnect
        // quietly in the background: a few quick retries, at most a second apart.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1))
            .set_number_of_retries(3)
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to Redis: {e}"))?;
        Ok(Self::Redis { conn, prefix })
    }

    /// The Redis connection, when there is one (shared with the due-queue).
    pub fn redis_connection(&self) -> Option<ConnectionManager> {
        match self {
            Self::Redis { conn, .. } => Some(conn.clone()),
            Self::Local { .. } => None,
        }
    }

    pub fn is_redis(&self) -> bool {
        matches!(self, Self::Redis { .. })
    }

    pub async fn put_challenge(
        &self,
        kind: &'static str,
        id: &str,
        state: String,
        ttl: Duration,
        now_ms: i64,
    ) -> ApiResult<()> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let expires_at = now_ms.saturating_add(ttl_ms);
        match self {
            Self::Local { db, .. } => {
                let id = id.to_owned();
                db.run(move |c| {
                    store::challenges::purge_expired(c, now_ms)?;
                    store::challenges::put(c, &id, kind, &state, expires_at)?;
                    Ok(())
                })
                .await
            }
            Self::Redis { conn, prefix } => {
                let value = serde_json::to_string(&StoredChallenge { state, expires_at })
                    .map_err(ApiError::internal)?;
                let mut conn = conn.clone();
                redis::cmd("SET")
                    .arg(format!("{prefix}challenge:{kind}:{id}"))
                    .arg(value)
                    .arg("PX")
                    .arg(ttl_ms.max(1))
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(redis_unavailable)
            }
        }
    }

    /// Takes a challenge exactly once; `None` if unknown, already taken or expired.
    pub async fn take_challenge(
        &self,
        kind: &'static str,
        id: &str,
        now_ms: i64,
    ) -> ApiResult<Option<String>> {
        match self {
            Self::Local { db, .. } => {
                let id = id.to_owned();
                db.transaction(move |c| Ok(store::challenges::take(c, &id, kind, now_ms)?))
                    .await
            }
            Self::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let raw: Option<String> = redis::cmd("GETDEL")
                    .arg(format!("{prefix}challenge:{kind}:{id}"))
                    .query_async(&mut conn)
                    .await
                    .map_err(redis_unavailable)?;
                Ok(raw
                    .and_then(|r| serde_json::from_str::<StoredChallenge>(&r).ok())
                    .filter(|c| c.expires_at > now_ms)
                    .map(|c| c.state))
            }
        }
    }

    /// Counts one attempt under `key`; `Err(retry_after_seconds)` once `limit` is exceeded in
    /// the current window.
    pub async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
        now_ms: i64,
    ) -> ApiResult<Result<(), u64>> {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(60_000).max(1);
        let index = now_ms.div_euclid(window_ms);
        let retry_after =
            u64::try_from(((index + 1) * window_ms - now_ms + 999) / 1000).unwrap_or(1);
        let count = match self {
            Self::Local { counters, .. } => {
                let mut map = counters
                    .lock()
                    .map_err(|_| ApiError::internal("rate limiter lock"))?;
                if map.len() > 50_000 {
                    map.retain(|_, (w, _)| *w >= index);
                }
                let entry = map.entry(key.to_owned()).or_insert((index, 0));
                if entry.0 != index {
                    *entry = (index, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                entry.1
            }
            Self::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                redis::Script::new(HIT_SCRIPT)
                    .key(format!("{prefix}rl:{key}:{index}"))
                    .arg(window_ms)
                    .invoke_async::<u32>(&mut conn)
                    .await
                    .map_err(redis_unavailable)?
            }
        };
        Ok(if count > limit {
            Err(retry_after)
        } else {
            Ok(())
        })
    }

    pub async fn ping(&self) -> bool {
        match self {
            Self::Local { .. } => true,
            Self::Redis { conn, .. } => {
                let mut conn = conn.clone();
                let cmd = redis::cmd("PING");
                let ping = cmd.query_async::<String>(&mut conn);
                matches!(
                    tokio::time::timeout(Duration::from_secs(2), ping).await,
                    Ok(Ok(_))
                )
            }
        }
    }
}

fn redis_unavailable(e: redis::RedisError) -> ApiError {
    tracing::warn!(error = %e, "redis unavailable");
    ApiError::unavailable()
}
