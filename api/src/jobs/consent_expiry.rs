//! Daily from 00:00 Hong Kong time: one-year consents past their last day are marked expired
//! (the HCP's feed hears `expired`, the patient is told), and reminders go out 30 and 7 days
//! before the last day. Reads never wait for this: validity is decided from the clock.

use chrono::{Days, NaiveDate};
use ehealth_contracts::ConsentEventType;

use crate::domain::notices;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::consent_events::{publish, record};
use crate::store::consents;
use crate::store::outbox::OutboxRow;
use crate::store::{self, DbConn};

pub const JOB: &str = "consent_expiry";
pub const REMINDERS: [i64; 2] = [30, 7];

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub expired: usize,
    pub reminders: usize,
}

pub async fn run(state: &AppState) -> ApiResult<Option<Report>> {
    let today = state.clock.today_hk();
    super::run_claimed(state, JOB, today.to_string(), |now| async move {
        // One short transaction per consent, locking rows in the order every request does
        // (patient, HCP feed, sync counter): the job never holds locks across patients.
        let horizon = today.checked_add_days(Days::new(30)).unwrap_or(today);
        let until = horizon.format("%Y-%m-%d").to_string();
        let due = state
            .db
            .run(move |c| Ok(consents::one_year_active_until(c, &until)?))
            .await?;
        let mut report = Report::default();
        let mut failed = None;
        for consent in due {
            let id = consent.id.clone();
            match state
                .db
                .transaction(move |c| work(c, &id, today, now))
                .await
            {
                Ok(one) => {
                    report.expired += one.expired;
                    report.reminders += one.reminders;
                }
                // One bad consent must not hold up the others; the run is retried later.
                Err(e) => {
                    tracing::warn!(consent_id = %consent.id, error = %e, "consent-expiry step failed");
                    failed = Some(e);
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(report),
        }
    })
    .await
}

pub async fn run_logged(state: &AppState) {
    match run(state).await {
        Ok(Some(r)) => tracing::info!(
            expired = r.expired,
            reminders = r.reminders,
            "consent-expiry run"
        ),
        Ok(None) => tracing::debug!("consent-expiry run already done by another instance"),
        Err(e) => tracing::warn!(error = %e, "consent-expiry run failed; retried within the hour"),
    }
}

fn work(c: &mut DbConn, consent_id: &str, today: NaiveDate, now: i64) -> ApiResult<Report> {
    let mut report = Report::default();
    // As it is now (a renewal may have moved its last day since the list was read).
    let Some(consent) = consents::find(c, consent_id)?.filter(|k| k.status == consents::ACTIVE)
    else {
        return Ok(report);
    };
    let Some(until) = consent
        .valid_until
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    else {
        return Ok(report);
    };
    let days_left = (until - today).num_days();
    if days_left < 0 {
        store::patients::lock(c, &consent.patient_id)?;
        if consents::end(c, &consent.id, "expired", JOB, now)? {
            record(c, &consent, ConsentEventType::Expired, now)?;
            publish(c, &consent.id, &consent.patient_id, now)?;
            report.expired += 1;
            let notice = OutboxRow::notice(
                &consent.patient_id,
                notices::consent_expired(&consent.patient_id, &consent.id, &consent.hcp_id),
                now,
            )?
            .for_scope(&consent.patient_id)
            .once(format!("{JOB}:{}:expired", consent.id));
            store::outbox::enqueue_once(c, &notice)?;
        }
        return Ok(report);
    }
    for before in REMINDERS.into_iter().filter(|b| days_left <= *b) {
        let notice = OutboxRow::notice(
            &consent.patient_id,
            notices::consent_expiring(
                &consent.patient_id,
                &consent.id,
                &consent.hcp_id,
                consent.valid_until.as_deref(),
                before,
            ),
            now,
        )?
        .for_scope(&consent.patient_id)
        // Keyed by the last day too: after a renewal the reminders come again.
        .once(format!("{JOB}:{}:{}:{before}", consent.id, until));
        report.reminders += usize::from(store::outbox::enqueue_once(c, &notice)?);
    }
    Ok(report)
}
