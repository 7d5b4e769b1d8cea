//! Firing reminders from the due-queue ([`crate::queue`]): every instance runs a worker that
//! claims due reminders in batches, fires them in one database transaction per batch, and
//! queues each at its next occurrence in its own zone.
//!
//! Firing is a conditional update of `reminders.next_due_at` (from the occurrence being fired
//! to the next), so of several instances, or of a claimer and one that took the item over
//! after its lease, exactly one fires each occurrence; the `reminder_due` notice is written to
//! the outbox in the same transaction, addressed to the patient's scope (their own and their
//! SDMs' devices). A reminder whose measurement was already logged in the window before it
//! (two hours) is skipped (the "smart skip").

use std::time::Duration;

use chrono::DateTime;
use serde_json::Value;

use crate::domain::notices;
use crate::domain::reminder;
use crate::domain::schedule::Schedule;
use crate::error::{ApiError, ApiResult};
use crate::queue::{Claim, Claimed, unavailable as queue_unavailable};
use crate::state::AppState;
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn, reminders::ReminderRow};

/// A measurement logged this long before a reminder makes it unnecessary (our choice).
pub const SKIP_WINDOW_MS: i64 = 2 * 3600 * 1000;
/// How long a claimed item stays with its claimer before another instance may take it.
pub const LEASE: Duration = Duration::from_secs(60);
/// Reminders claimed and fired together (one transaction).
pub const BATCH: usize = 500;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub fired: usize,
    pub skipped: usize,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Rebuilds the due-queue from the database (the source of truth).
pub async fn reconcile(state: &AppState) -> ApiResult<usize> {
    let due = state
        .db
        .run(|c| Ok(store::reminders::due_times(c)?))
        .await?;
    state
        .due_queue
        .reconcile(&due)
        .await
        .map_err(queue_unavailable)?;
    Ok(due.len())
}

/// One pass: claims and fires everything due now, batch by batch.
pub async fn run(state: &AppState) -> ApiResult<Report> {
    let mut report = Report::default();
    let mut reconciled = false;
    loop {
        let now = state.now_ms();
        let claim = state
            .due_queue
            .claim(now, now + ms(LEASE), BATCH)
            .await
            .map_err(queue_unavailable)?;
        let items = match claim {
            Claim::NeedsReconcile if !reconciled => {
                let n = reconcile(state).await?;
                tracing::info!(reminders = n, "due-queue rebuilt from the database");
                reconciled = true;
                continue;
            }
            Claim::NeedsReconcile => return Err(ApiError::unavailable()),
            Claim::Items(items) if items.is_empty() => return Ok(report),
            Claim::Items(items) => items,
        };
        let r = fire_batch(state, items, now).await?;
        report.fired += r.fired;
        report.skipped += r.skipped;
    }
}

/// Fires a claimed batch in one transaction, then settles the items in the queue.
async fn fire_batch(state: &AppState, items: Vec<Claimed>, now: i64) -> ApiResult<Report> {
    let ids: Vec<String> = items.iter().map(|c| c.id.clone()).collect();
    let (report, next) = state
        .db
        .transaction(move |c| {
            let rows = store::reminders::find_many(c, &ids)?;
            let mut report = Report::default();
            let mut next = std::collections::HashMap::new();
            for row in rows {
                let id = row.id.clone();
                let (fired, at) = fire(c, row, now)?;
                match fired {
                    Some(true) => report.fired += 1,
                    Some(false) => report.skipped += 1,
                    None => {}
                }
                next.insert(id, at);
            }
            Ok((report, next))
        })
        .await?;
    let settle: Vec<(Claimed, Option<i64>)> = items
        .into_iter()
        .map(|c| {
            let at = next.get(&c.id).copied().flatten();
            (c, at)
        })
        .collect();
    if let Err(e) = state.due_queue.settle(&settle).await {
        // Fired and recorded already; the leases run out and the next claim finds them done.
        tracing::warn!(error = %e, "could not settle fired reminders in the due-queue");
    }
    Ok(report)
}

pub async fn run_logged(state: &AppState) -> bool {
    match run(state).await {
        Ok(r) if r.fired + r.skipped > 0 => {
            tracing::info!(fired = r.fired, skipped = r.skipped, "reminders");
            true
        }
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "reminder pass failed; retrying");
            false
        }
    }
}

/// Runs until the process ends: a pass every second.
pub async fn run_worker(state: actix_web::web::Data<AppState>) {
    loop {
        run_logged(&state).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Whether a measurement of the reminder's kind was logged in the window before `due`.
fn already_measured(c: &mut DbConn, row: &ReminderRow, due: i64) -> ApiResult<bool> {
    let from = due - SKIP_WINDOW_MS;
    Ok(match row.kind.as_deref() {
        Some("bp") => {
            !store::bp_readings::values_in_range(c, &row.scope, from, due + 1)?.is_empty()
        }
        Some("glucose") => {
            !store::glucose_readings::values_in_range(c, &row.scope, from, due + 1)?.is_empty()
        }
        _ => false,
    })
}

/// Fires `row` if it is due: `(None, next)` when it is not due (or another instance fired this
/// occurrence), else whether it was sent (not skipped); `next` is when it is due next.
fn fire(c: &mut DbConn, row: ReminderRow, now: i64) -> ApiResult<(Option<bool>, Option<i64>)> {
    let live = row.hlc.is_some() && row.enabled == Some(true);
    let due = match row.next_due_at {
        Some(due) if live && due <= now => due,
        other => return Ok((None, other.filter(|_| live))),
    };
    let next = match schedule_of(&row)? {
        Some(s) => {
            let after = DateTime::from_timestamp_millis(now.max(due))
                .ok_or_else(|| ApiError::internal("a reminder's due time is out of range"))?;
            s.next_after(after).map(|t| t.timestamp_millis())
        }
        None => None,
    };
    if !store::reminders::advance(c, &row.id, due, next)? {
        // Moved meanwhile (fired elsewhere, or edited): queue it where it is now.
        let at = store::reminders::due_times_of(c, std::slice::from_ref(&row.id))?
            .first()
            .and_then(|(_, at)| *at);
        return Ok((None, at));
    }
    if already_measured(c, &row, due)? {
        return Ok((Some(false), next));
    }
    store::outbox::enqueue(
        c,
        &OutboxRow::notice(
            &row.scope,
            notices::reminder_due(
                &row.scope,
                &row.id,
                row.kind.as_deref(),
                &crate::clock::rfc3339_ms(due),
            ),
            now,
        )?
        .for_scope(&row.scope),
    )?;
    Ok((Some(true), next))
}

/// The schedule a reminder row describes, read from its columns as its synced fields hold
/// them (`domain::reminder`); a list column that does not hold JSON is an error.
fn schedule_of(row: &ReminderRow) -> ApiResult<Option<Schedule>> {
    let (Some(times), Some(days), Some(zone)) = (&row.times, &row.days, &row.time_zone) else {
        return Ok(None);
    };
    let list = |s: &str| serde_json::from_str::<Value>(s).map_err(ApiError::internal);
    Ok(reminder::described(
        &list(times)?,
        &list(days)?,
        &Value::String(zone.clone()),
    ))
}
