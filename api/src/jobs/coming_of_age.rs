//! Daily from 00:00 Hong Kong time: notices 30 days and 1 day before a child's 16th birthday (to
//! each SDM, and to the child if they have a device), and child links marked ended from the
//! birthday. Authority itself never waits for this job: it is decided from the clock on every
//! request (see `domain::authority::standing`). The same run ends joins nobody approved within
//! 14 days (`expired`) and tells the person who asked.

use chrono::{Days, Months, NaiveDate};

use crate::domain::authority::{CAME_OF_AGE, EXPIRED, JOIN_DECISION_DAYS, authority_ends_on};
use crate::domain::notices;
use crate::domain::person::parse_dob;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::family;
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn};

pub const JOB: &str = "coming_of_age";
/// Days before the birthday of the first and the last notice.
pub const NOTICES: [i64; 2] = [30, 1];

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub notices: usize,
    pub ended: usize,
    /// Joins that expired unapproved.
    pub expired: usize,
}

/// Runs today's occurrence unless another instance has; `None` when it was not this one.
pub async fn run(state: &AppState) -> ApiResult<Option<Report>> {
    let today = state.clock.today_hk();
    super::run_once(state, JOB, today.to_string(), move |c, now| {
        work(c, today, now)
    })
    .await
}

pub async fn run_logged(state: &AppState) {
    match run(state).await {
        Ok(Some(r)) => tracing::info!(
            notices = r.notices,
            ended = r.ended,
            expired = r.expired,
            "coming-of-age run"
        ),
        Ok(None) => tracing::debug!("coming-of-age run already done by another instance"),
        Err(e) => tracing::warn!(error = %e, "coming-of-age run failed; the next run catches up"),
    }
}

fn work(c: &mut DbConn, today: NaiveDate, now: i64) -> ApiResult<Report> {
    let mut report = Report::default();
    expire_joins(c, now, &mut report)?;
    // Everyone whose 16th birthday is within the notice window or past: born on or before
    // (today + 31 days) - 16 years (one spare day; the exact rule is applied below).
    let born_by = today
        .checked_add_days(Days::new(31))
        .and_then(|d| d.checked_sub_months(Months::new(16 * 12)))
        .unwrap_or(today);
    let links = family::open_child_links_born_by(c, &born_by.format("%Y-%m-%d").to_string())?;
    for (link, dob) in links {
        let Some(ends) = authority_ends_on(parse_dob(&dob)?) else {
            continue;
        };
        let days_left = (ends - today).num_days();
        if link.is_pending() {
            // Never approved, and now it never can be: close it quietly.
            if days_left <= 0 {
                family::end(c, &link.id, CAME_OF_AGE, JOB, now)?;
            }
            continue;
        }
        if days_left <= 0 {
            if family::end(c, &link.id, CAME_OF_AGE, JOB, now)? {
                report.ended += 1;
            }
            let notice = OutboxRow::notice(
                &link.sdm_patient_id,
                notices::sdm_authority_ended(&link.patient_id, &link.id, CAME_OF_AGE),
                now,
            )?
            .once(format!("{JOB}:{}:ended", link.id));
            report.notices += usize::from(store::outbox::enqueue_once(c, &notice)?);
            continue;
        }
        for before in NOTICES.into_iter().filter(|b| days_left <= *b) {
            let payload = notices::coming_of_age(
                &link.patient_id,
                &link.id,
                before,
                days_left,
                &ends.format("%Y-%m-%d").to_string(),
            );
            let to_sdm = OutboxRow::notice(&link.sdm_patient_id, payload.clone(), now)?
                .once(format!("{JOB}:{}:{before}", link.id));
            report.notices += usize::from(store::outbox::enqueue_once(c, &to_sdm)?);
            if !store::devices::list_active(c, &link.patient_id)?.is_empty() {
                let to_child = OutboxRow::notice(&link.patient_id, payload, now)?
                    .once(format!("{JOB}:{}:child:{before}", link.patient_id));
                report.notices += usize::from(store::outbox::enqueue_once(c, &to_child)?);
            }
        }
    }
    Ok(report)
}

/// Joins still waiting for a decision after [`JOIN_DECISION_DAYS`] end (`expired`); the person
/// who asked is told once.
fn expire_joins(c: &mut DbConn, now: i64, report: &mut Report) -> ApiResult<()> {
    let cutoff = now - JOIN_DECISION_DAYS * 24 * 60 * 60 * 1000;
    for link in family::approvals_asked_by(c, cutoff)? {
        if !family::end(c, &link.id, EXPIRED, JOB, now)? {
            continue;
        }
        report.expired += 1;
        let notice = OutboxRow::notice(
            &link.sdm_patient_id,
            notices::sdm_link_ended(&link.patient_id, &link.id, EXPIRED),
            now,
        )?
        .once(format!("{JOB}:{}:expired", link.id));
        report.notices += usize::from(store::outbox::enqueue_once(c, &notice)?);
    }
    Ok(())
}
