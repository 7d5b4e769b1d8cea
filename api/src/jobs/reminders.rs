//! Every minute: reminders whose occurrence has come are fired (a `reminder_due` notice to the
//! patient's scope, so their own and their SDMs' devices get it) and moved to their next
//! occurrence in their zone, in one transaction per reminder. The conditional move is the claim:
//! of several instances exactly one fires each occurrence. A reminder whose measurement was
//! already logged in the window before it (two hours) is skipped (the "smart skip").

use chrono::DateTime;
use serde_json::json;

use crate::error::ApiResult;
use crate::services::sync::reminders::{Reminders, schedule};
use crate::state::AppState;
use crate::store::sync::OutboxRow;
use crate::store::{self, DbConn, reminders::ReminderRow};

/// A measurement logged this long before a reminder makes it unnecessary (our choice).
pub const SKIP_WINDOW_MS: i64 = 2 * 3600 * 1000;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub fired: usize,
    pub skipped: usize,
}

pub async fn run(state: &AppState) -> ApiResult<Report> {
    let now = state.now_ms();
    let due = state
        .db
        .run(move |c| Ok(store::reminders::due(c, now, 500)?))
        .await?;
    let mut report = Report::default();
    for row in due {
        let outcome = state.db.transaction(move |c| fire(c, row, now)).await?;
        match outcome {
            Some(true) => report.fired += 1,
            Some(false) => report.skipped += 1,
            None => {}
        }
    }
    Ok(report)
}

pub async fn run_logged(state: &AppState) {
    match run(state).await {
        Ok(r) if r.fired + r.skipped > 0 => {
            tracing::info!(fired = r.fired, skipped = r.skipped, "reminders")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "reminder pass failed; retried next minute"),
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

/// `None` when another instance took this occurrence; else whether it was sent (not skipped).
fn fire(c: &mut DbConn, row: ReminderRow, now: i64) -> ApiResult<Option<bool>> {
    let Some(due) = row.next_due_at else {
        return Ok(None);
    };
    let stored = Reminders.stored_row(row.clone())?;
    let next = schedule(&stored.state.fields)
        .and_then(|s| {
            s.next_after(DateTime::from_timestamp_millis(now.max(due)).unwrap_or_default())
        })
        .map(|t| t.timestamp_millis());
    if !store::reminders::advance(c, &row.id, due, next)? {
        return Ok(None);
    }
    if already_measured(c, &row, due)? {
        return Ok(Some(false));
    }
    store::sync::enqueue(
        c,
        &OutboxRow::notice(
            "reminder_due",
            &row.scope,
            json!({"type": "reminder_due", "patient_id": row.scope, "reminder_id": row.id,
                "kind": row.kind, "due_at": crate::clock::rfc3339_ms(due)}),
            now,
        )
        .for_scope(&row.scope),
    )?;
    Ok(Some(true))
}
