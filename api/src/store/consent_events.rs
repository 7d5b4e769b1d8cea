//! Writing down a consent change where others see it, in the caller's transaction: the HCP's
//! gap-free event feed (with a notice for its staff) and the patient's sync scope (with a "sync
//! now" for the family's devices). Shared by the consent services and the consent-expiry job.

use crate::domain::notices;
use diesel::prelude::*;
use ehealth_contracts::ConsentEventType;

use super::DbConn;
use super::consents::{self, Consent};
use super::outbox::OutboxRow;
use super::schema::consent_events;

/// Appends an event to the HCP's feed and queues a notice for its staff (same transaction).
pub fn record(
    c: &mut DbConn,
    consent: &Consent,
    event: ConsentEventType,
    now: i64,
) -> QueryResult<()> {
    let seq = super::hcps::take_feed_seq(c, &consent.hcp_id)?;
    super::consent_events::insert_event(
        c,
        &Event {
            hcp_id: consent.hcp_id.clone(),
            seq,
            consent_id: consent.id.clone(),
            patient_id: consent.patient_id.clone(),
            event: event.as_str().to_owned(),
            at: now,
        },
    )?;
    let mut notice = OutboxRow::notice(
        &format!("hcp:{}", consent.hcp_id),
        notices::consent_event(&consent.hcp_id, seq, event.as_str()),
        now,
    )?;
    notice.patient_id = None;
    notice.scope = Some(format!("hcp:{}", consent.hcp_id));
    super::outbox::enqueue(c, &notice)
}

/// Gives a changed consent the next version of the patient's sync scope (consents sync down to
/// the patient's and SDMs' devices) and pokes those devices.
pub fn publish(c: &mut DbConn, consent_id: &str, patient_id: &str, now: i64) -> QueryResult<()> {
    let version = super::sync_scopes::take_versions(c, patient_id, 1)?;
    consents::set_consent_version(c, consent_id, version)?;
    super::outbox::enqueue(c, &OutboxRow::poke(patient_id, "server", now)?)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = consent_events)]
pub struct Event {
    pub hcp_id: String,
    pub seq: i64,
    pub consent_id: String,
    pub patient_id: String,
    pub event: String,
    pub at: i64,
}

pub fn insert_event(conn: &mut DbConn, e: &Event) -> QueryResult<()> {
    diesel::insert_into(consent_events::table)
        .values(e)
        .execute(conn)
        .map(drop)
}

pub fn events_after(
    conn: &mut DbConn,
    hcp_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    consent_events::table
        .filter(consent_events::hcp_id.eq(hcp_id))
        .filter(consent_events::seq.gt(after))
        .order(consent_events::seq.asc())
        .limit(limit)
        .load(conn)
}
