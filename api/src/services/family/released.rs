//! Identity squatting: a record that SDMs registered for someone, whose links all still wait
//! for a decision, never blocks that person's own registration. Nobody ever had authority over
//! such a record, so nothing was written for it: the person's registration takes the identity,
//! the waiting links end (`person_registered`) and their holders are told.

use crate::domain::authority::PERSON_REGISTERED;
use crate::domain::notices;
use crate::error::ApiResult;
use crate::store::outbox::OutboxRow;
use crate::store::patients::Patient;
use crate::store::{self, DbConn, family};

/// The record holding `id_hash` if the person's own registration may take it over: nobody
/// holds it as an account, it has links, and every one of them is still pending.
pub(crate) fn held_only_by_pending(c: &mut DbConn, id_hash: &str) -> ApiResult<Option<Patient>> {
    let Some(p) = store::patients::find_by_id_hash(c, id_hash)? else {
        return Ok(None);
    };
    if store::passkeys::has_any(c, &p.id)? {
        return Ok(None);
    }
    let links = family::of_patient(c, &p.id)?;
    if links.is_empty() || !links.iter().all(family::Link::is_pending) {
        return Ok(None);
    }
    Ok(Some(p))
}

/// Ends the record's waiting links, tells their holders, and releases its identity.
pub(crate) fn release(c: &mut DbConn, p: &Patient, now: i64) -> ApiResult<()> {
    for link in family::of_patient(c, &p.id)? {
        if family::end(c, &link.id, PERSON_REGISTERED, &p.id, now)? {
            let payload = notices::sdm_link_ended(&link.patient_id, &link.id, PERSON_REGISTERED);
            store::outbox::enqueue(c, &OutboxRow::notice(&link.sdm_patient_id, payload, now)?)?;
        }
    }
    store::patients::release_identity(c, &p.id, now)?;
    Ok(())
}
