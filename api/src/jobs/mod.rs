//! Scheduled jobs. tokio-cron-scheduler fires them in every instance; each occurrence is
//! claimed with a row in `job_runs` (job, occurrence key), so exactly one instance does the
//! work. The claim lives in the database, the source of truth, rather than in Redis: a flushed
//! Redis cannot make a job run twice, and the embedded default needs nothing else. A run whose
//! instance died unfinished may be taken over once it is [`STALE_AFTER`] old. Job bodies are
//! idempotent as well (notices carry an outbox `dedupe_key`).

pub mod coming_of_age;
pub mod consent_expiry;
pub mod hcp_registration;
pub mod reminders;
pub mod tombstones;

use std::time::Duration;

use actix_web::web;
use chrono_tz::Asia::Hong_Kong;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::{self, DbConn};

pub const STALE_AFTER: Duration = Duration::from_secs(30 * 60);

/// How long a claimed run is remembered. Occurrence keys are days or minutes, so a run this
/// old can never be claimed again; the five-minute queue rebuild alone adds 288 runs a day.
pub const RUNS_KEPT: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Every hour on the hour, Hong Kong time (seconds, minutes, hours, day, month, weekday): the
/// daily jobs (coming of age, consent expiry) do the day's work at 00:00 and retry after.
pub const COMING_OF_AGE_SCHEDULE: &str = "0 0 * * * *";

/// Claims occurrence `run_key` of `job` for this instance (or takes over a stale one).
async fn claim(state: &AppState, job: &'static str, run_key: &str, now: i64) -> ApiResult<bool> {
    let stale_before = now - i64::try_from(STALE_AFTER.as_millis()).unwrap_or(0);
    let (instance, key) = (state.instance_id.clone(), run_key.to_owned());
    state
        .db
        .transaction(move |c| {
            Ok(store::jobs::claim_run(
                c,
                job,
                &key,
                &instance,
                now,
                stale_before,
            )?)
        })
        .await
}

/// Runs `body` in one transaction if this instance wins occurrence `run_key` of `job`;
/// `None` when another instance has it (or had it and finished).
pub async fn run_once<T, F>(
    state: &AppState,
    job: &'static str,
    run_key: String,
    body: F,
) -> ApiResult<Option<T>>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, i64) -> ApiResult<T> + Send + 'static,
{
    let now = state.now_ms();
    if !claim(state, job, &run_key, now).await? {
        return Ok(None);
    }
    let key = run_key.clone();
    let me = state.instance_id.clone();
    let out = state
        .db
        .transaction(move |c| {
            let out = body(c, now)?;
            store::jobs::finish_run(c, job, &key, &me, now)?;
            Ok(out)
        })
        .await;
    match out {
        Ok(out) => Ok(Some(out)),
        Err(e) => {
            // Give the occurrence back so the next trigger (any instance) retries it.
            let me = state.instance_id.clone();
            let release = state
                .db
                .transaction(move |c| Ok(store::jobs::release_run(c, job, &run_key, &me)?))
                .await;
            if let Err(r) = release {
                tracing::warn!(error = %r, job, "could not release a failed run; it is retried once stale");
            }
            Err(e)
        }
    }
}

/// Like [`run_once`], for work done in many short transactions (`body` gets the claim's
/// instant): the occurrence is claimed first and marked finished only if `body` succeeds.
pub async fn run_claimed<T, F, Fut>(
    state: &AppState,
    job: &'static str,
    run_key: String,
    body: F,
) -> ApiResult<Option<T>>
where
    F: FnOnce(i64) -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    let now = state.now_ms();
    if !claim(state, job, &run_key, now).await? {
        return Ok(None);
    }
    match body(now).await {
        Ok(out) => {
            let (key, me) = (run_key.clone(), state.instance_id.clone());
            state
                .db
                .transaction(move |c| Ok(store::jobs::finish_run(c, job, &key, &me, now)?))
                .await?;
            Ok(Some(out))
        }
        Err(e) => {
            let me = state.instance_id.clone();
            let _ = state
                .db
                .transaction(move |c| Ok(store::jobs::release_run(c, job, &run_key, &me)?))
                .await;
            Err(e)
        }
    }
}

/// Registers the jobs and starts the scheduler; also catches up today's daily run in case
/// every instance was down at midnight.
pub async fn start(state: web::Data<AppState>) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let s = state.clone();
    // 00:00 Hong Kong time does the day's work; the hourly firings after it find the day done
    // (one insert attempt), or retry it if the midnight run failed or its instance died.
    scheduler
        .add(Job::new_async_tz(
            COMING_OF_AGE_SCHEDULE,
            Hong_Kong,
            move |_, _| {
                let s = s.clone();
                Box::pin(async move { coming_of_age::run_logged(&s).await })
            },
        )?)
        .await?;
    let s = state.clone();
    scheduler
        .add(Job::new_async_tz(
            COMING_OF_AGE_SCHEDULE,
            Hong_Kong,
            move |_, _| {
                let s = s.clone();
                Box::pin(async move { consent_expiry::run_logged(&s).await })
            },
        )?)
        .await?;
    let s = state.clone();
    scheduler
        .add(Job::new_async_tz(
            COMING_OF_AGE_SCHEDULE,
            Hong_Kong,
            move |_, _| {
                let s = s.clone();
                Box::pin(async move { hcp_registration::run_logged(&s).await })
            },
        )?)
        .await?;
    let s = state.clone();
    scheduler
        .add(Job::new_async(RECONCILE_SCHEDULE, move |_, _| {
            let s = s.clone();
            Box::pin(async move { reconcile_logged(&s).await })
        })?)
        .await?;
    let s = state.clone();
    scheduler
        .add(Job::new_async("0 17 * * * *", move |_, _| {
            let s = s.clone();
            Box::pin(async move {
                tombstones::purge_logged(&s).await;
                prune_runs_logged(&s).await;
            })
        })?)
        .await?;
    scheduler.start().await?;
    tokio::spawn(async move {
        coming_of_age::run_logged(&state).await;
        consent_expiry::run_logged(&state).await;
        hcp_registration::run_logged(&state).await;
    });
    Ok(scheduler)
}

/// Every five minutes the due-queue is rebuilt from the database, so whatever Redis lost (a
/// flush, a restart, a write it missed) comes back. A shared Redis queue is rebuilt by one
/// instance per occurrence; an in-process queue by its own instance.
pub const RECONCILE_SCHEDULE: &str = "30 */5 * * * *";

async fn reconcile_logged(state: &AppState) {
    let result = if state.due_queue.is_redis() {
        let key = (state.now_ms() / 60_000).to_string();
        run_claimed(state, "reminder_reconcile", key, |_| {
            reminders::reconcile(state)
        })
        .await
        .map(|n| n.unwrap_or(0))
    } else {
        reminders::reconcile(state).await
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "due-queue rebuild failed; retried in five minutes or at the next claim");
    }
}

/// Removes the job runs older than [`RUNS_KEPT`]; idempotent, so every instance may do it.
pub async fn prune_runs(state: &AppState) -> ApiResult<usize> {
    let before = state.now_ms() - i64::try_from(RUNS_KEPT.as_millis()).unwrap_or(i64::MAX);
    state
        .db
        .transaction(move |c| Ok(store::jobs::prune_runs(c, before)?))
        .await
}

/// Hourly, with the tombstone purge.
async fn prune_runs_logged(state: &AppState) {
    match prune_runs(state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(pruned = n, "forgot job runs past their keeping time"),
        Err(e) => tracing::warn!(error = %e, "job-run pruning failed; will retry"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    use super::*;

    #[tokio::test]
    async fn the_coming_of_age_job_fires_on_the_hour_in_hong_kong_time() -> anyhow::Result<()> {
        let scheduler = JobScheduler::new().await?;
        let id = scheduler
            .add(Job::new_async_tz(
                COMING_OF_AGE_SCHEDULE,
                Hong_Kong,
                |_, _| Box::pin(async {}),
            )?)
            .await?;
        let mut scheduler = scheduler;
        let next = scheduler
            .next_tick_for_job(id)
            .await?
            .map(|t| t.with_timezone(&Hong_Kong));
        let now = chrono::Utc::now();
        assert!(
            next.is_some_and(|t| t.minute() == 0
                && t.second() == 0
                && t > now
                && t <= now + chrono::Duration::hours(1)),
            "{next:?}"
        );
        scheduler.shutdown().await?;
        Ok(())
    }
}
