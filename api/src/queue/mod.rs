//! The reminder due-queue: which reminder is due when, so that instances find due work
//! without scanning the table, and so that each item is worked on by one instance at a time.
//!
//! With `REDIS_URL` it is a sorted set (`{prefix}due:reminders`) scored by due time (epoch ms).
//! A Lua script claims due items atomically by moving their score to the end of a lease; the
//! claimer settles each item afterwards (next occurrence, or removal) only if the item still
//! carries its lease, so an edit made meanwhile wins. An item whose worker died is due again
//! when its lease runs out. Without Redis an in-process queue does the same job.
//!
//! The queue is only an index: the database's `reminders.next_due_at` is the source of truth,
//! and firing an occurrence is a conditional update there, so a queue that is lost, flushed,
//! stale or double-claimed can delay a reminder but never lose or repeat one. It is rebuilt
//! ("reconciled") from the database at start, periodically, after Redis errors, and at once
//! when the claim script finds the marker key gone (a flushed or restarted Redis).

mod requeue;

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use redis::aio::ConnectionManager;

pub use requeue::unavailable;

/// Claims up to ARGV[3] items due at ARGV[1], moving them to ARGV[2] (the lease's end).
/// Returns nil when the marker is missing: the set must be rebuilt from the database first.
pub const CLAIM_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
";

/// Settles claimed items (ARGV: id, lease, next or '' for none, repeated): each moves to its
/// next due time, or leaves, only if it still carries the lease it was claimed with.
const SETTLE_SCRIPT: &str = r"
local n = 0
for i = 1, #ARGV, 3 do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s and tonumber(s) == tonumber(ARGV[i + 1]) then
    if ARGV[i + 2] == '' then redis.call('ZREM', KEYS[1], ARGV[i])
    else redis.call('ZADD', KEYS[1], ARGV[i + 2], ARGV[i]) end
    n = n + 1
  end
end
return n
";

/// Items per Redis command when writing many.
const CHUNK: usize = 1000;

/// A claimed item: its id and the lease it carries (needed to settle it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: String,
    pub lease: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    Items(Vec<Claimed>),
    /// The queue does not hold the database's view (new, flushed or after an error).
    NeedsReconcile,
}

pub enum DueQueue {
    Local(Mutex<Local>),
    Redis {
        conn: ConnectionManager,
        key: String,
        marker: String,
        claim: redis::Script,
        settle: redis::Script,
        /// Set after a Redis error: writes may have been missed, so rebuild.
        dirty: AtomicBool,
    },
}

#[derive(Default)]
pub struct Local {
    order: BTreeSet<(i64, String)>,
    score: HashMap<String, i64>,
    reconciled: bool,
}

impl Local {
    fn set(&mut self, id: &str, at: Option<i64>) {
        if let Some(old) = self.score.remove(id) {
            self.order.remove(&(old, id.to_owned()));
        }
        if let Some(at) = at {
            self.score.insert(id.to_owned(), at);
            self.order.insert((at, id.to_owned()));
        }
    }
}

impl DueQueue {
    pub fn local() -> Self {
        Self::Local(Mutex::new(Local::default()))
    }

    pub fn redis(conn: ConnectionManager, prefix: &str) -> Self {
        Self::Redis {
            conn,
            key: format!("{prefix}due:reminders"),
            marker: format!("{prefix}due:reminders:reconciled"),
            claim: redis::Script::new(CLAIM_SCRIPT),
            settle: redis::Script::new(SETTLE_SCRIPT),
            dirty: AtomicBool::new(false),
        }
    }

    pub fn is_redis(&self) -> bool {
        matches!(self, Self::Redis { .. })
    }

    fn local_state(m: &Mutex<Local>) -> std::sync::MutexGuard<'_, Local> {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn failed(&self, e: redis::RedisError) -> anyhow::Error {
        if let Self::Redis { dirty, .. } = self {
            dirty.store(true, Ordering::SeqCst);
        }
        anyhow::anyhow!("due-queue (Redis): {e}")
    }

    /// Records each item's due time (`None`: not due at all, remove it).
    pub async fn put(&self, items: &[(String, Option<i64>)]) -> anyhow::Result<()> {
        match self {
            Self::Local(m) => {
                let mut q = Self::local_state(m);
                for (id, at) in items {
                    q.set(id, *at);
                }
                Ok(())
            }
            Self::Redis { conn, key, .. } => {
                let mut conn = conn.clone();
                for chunk in items.chunks(CHUNK) {
                    let mut pipe = redis::pipe();
                    for (id, at) in chunk {
                        match at {
                            Some(at) => pipe.zadd(key, id, *at).ignore(),
                            None => pipe.zrem(key, id).ignore(),
                        };
                    }
                    pipe.query_async::<()>(&mut conn)
                        .await
                        .map_err(|e| self.failed(e))?;
                }
                Ok(())
            }
        }
    }

    /// Claims up to `limit` items due at `now`, leasing them until `lease_until`.
    pub async fn claim(&self, now: i64, lease_until: i64, limit: usize) -> anyhow::Result<Claim> {
        match self {
            Self::Local(m) => {
                let mut q = Self::local_state(m);
                if !q.reconciled {
                    return Ok(Claim::NeedsReconcile);
                }
                let due: Vec<String> = q
                    .order
                    .iter()
                    .take_while(|(at, _)| *at <= now)
                    .take(limit)
                    .map(|(_, id)| id.clone())
                    .collect();
                for id in &due {
                    q.set(id, Some(lease_until));
                }
                Ok(Claim::Items(
                    due.into_iter()
                        .map(|id| Claimed {
                            id,
                            lease: lease_until,
                        })
                        .collect(),
                ))
            }
            Self::Redis {
                conn,
                key,
                marker,
                claim,
                dirty,
                ..
            } => {
                if dirty.load(Ordering::SeqCst) {
                    return Ok(Claim::NeedsReconcile);
                }
                let mut conn = conn.clone();
                let ids: Option<Vec<String>> = claim
                    .key(key)
                    .key(marker)
                    .arg(now)
                    .arg(lease_until)
                    .arg(limit)
                    .invoke_async(&mut conn)
                    .await
                    .map_err(|e| self.failed(e))?;
                Ok(match ids {
                    None => Claim::NeedsReconcile,
                    Some(ids) => Claim::Items(
                        ids.into_iter()
                            .map(|id| Claimed {
                                id,
                                lease: lease_until,
                            })
                            .collect(),
                    ),
                })
            }
        }
    }

    /// Settles claimed items: each moves to its next due time (or leaves) if it still carries
    /// its lease. Returns how many did.
    pub async fn settle(&self, items: &[(Claimed, Option<i64>)]) -> anyhow::Result<usize> {
        match self {
            Self::Local(m) => {
                let mut q = Self::local_state(m);
                let mut n = 0;
                for (c, next) in items {
                    if q.score.get(&c.id) == Some(&c.lease) {
                        q.set(&c.id, *next);
                        n += 1;
                    }
                }
                Ok(n)
            }
            Self::Redis {
                conn, key, settle, ..
            } => {
                let mut conn = conn.clone();
                let mut n = 0;
                for chunk in items.chunks(CHUNK) {
                    let mut call = settle.key(key);
                    for (c, next) in chunk {
                        call.arg(&c.id)
                            .arg(c.lease)
                            .arg(next.map(|t| t.to_string()).unwrap_or_default());
                    }
                    n += call
                        .invoke_async::<usize>(&mut conn)
                        .await
                        .map_err(|e| self.failed(e))?;
                }
                Ok(n)
            }
        }
    }

    /// Brings the queue in line with the database's due times: missing items are added and
    /// items queued later than the database says are moved earlier (a later one is corrected
    /// when claimed). Then marks the queue as reconciled.
    pub async fn reconcile(&self, due: &[(String, i64)]) -> anyhow::Result<()> {
        match self {
            Self::Local(m) => {
                let mut q = Self::local_state(m);
                for (id, at) in due {
                    if q.score.get(id).is_none_or(|cur| cur > at) {
                        q.set(id, Some(*at));
                    }
                }
                q.reconciled = true;
                Ok(())
            }
            Self::Redis {
                conn,
                key,
                marker,
                dirty,
                ..
            } => {
                let mut conn = conn.clone();
                // Cleared first: an error while rebuilding sets it again.
                dirty.store(false, Ordering::SeqCst);
                for chunk in due.chunks(CHUNK) {
                    let mut cmd = redis::cmd("ZADD");
                    cmd.arg(key).arg("LT");
                    for (id, at) in chunk {
                        cmd.arg(*at).arg(id);
                    }
                    cmd.query_async::<()>(&mut conn)
                        .await
                        .map_err(|e| self.failed(e))?;
                }
                redis::cmd("SET")
                    .arg(marker)
                    .arg("1")
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(|e| self.failed(e))?;
                Ok(())
            }
        }
    }

    /// Items queued (for checks and the benchmark).
    pub async fn len(&self) -> anyhow::Result<usize> {
        match self {
            Self::Local(m) => Ok(Self::local_state(m).score.len()),
            Self::Redis { conn, key, .. } => {
                let mut conn = conn.clone();
                redis::cmd("ZCARD")
                    .arg(key)
                    .query_async::<usize>(&mut conn)
                    .await
                    .map_err(|e| self.failed(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(c: Claim) -> Vec<String> {
        match c {
            Claim::Items(v) => v.into_iter().map(|c| c.id).collect(),
            Claim::NeedsReconcile => vec!["<reconcile>".into()],
        }
    }

    #[tokio::test]
    async fn the_local_queue_claims_due_items_once_per_lease_and_settles_only_its_own()
    -> anyhow::Result<()> {
        let q = DueQueue::local();
        assert_eq!(q.claim(0, 10, 10).await?, Claim::NeedsReconcile);
        q.reconcile(&[("a".into(), 100), ("b".into(), 200)]).await?;
        assert!(ids(q.claim(99, 160, 10).await?).is_empty());
        let first = q.claim(100, 160, 10).await?;
        assert_eq!(
            ids(q.claim(150, 210, 10).await?),
            Vec::<String>::new(),
            "a is leased"
        );
        // The lease runs out: a is due again (b too, by now).
        assert_eq!(ids(q.claim(205, 265, 10).await?), vec!["a", "b"]);
        // The first claimer's settle no longer applies: the item carries another lease.
        let Claim::Items(first) = first else {
            anyhow::bail!("expected items");
        };
        assert_eq!(q.settle(&[(first[0].clone(), Some(1000))]).await?, 0);
        // An edit meanwhile wins over the claimer's settle.
        q.put(&[("b".into(), Some(5000))]).await?;
        let stale = Claimed {
            id: "b".into(),
            lease: 265,
        };
        assert_eq!(q.settle(&[(stale, Some(900))]).await?, 0);
        let a = Claimed {
            id: "a".into(),
            lease: 265,
        };
        assert_eq!(q.settle(&[(a, None)]).await?, 1);
        assert_eq!(q.len().await?, 1);
        // Reconciling moves an item earlier, never later.
        q.reconcile(&[("b".into(), 300), ("c".into(), 400)]).await?;
        q.reconcile(&[("b".into(), 9000)]).await?;
        assert_eq!(ids(q.claim(10_000, 10_060, 10).await?), vec!["b", "c"]);
        Ok(())
    }
}
