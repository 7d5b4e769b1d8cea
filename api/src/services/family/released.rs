//! Identity squatting: a record that SDMs registered for someone as unable to consent
//! (`incapable`), over which nobody ever had authority, never blocks that person's own
//! registration: its links were all pending, or ended or were refused before the office
//! approved them, so nothing was written for it. The person's registration takes the
//! identity, the links still waiting end (`person_registered`) and their holders are told. A
//! child's record (links on the `child` basis) is never taken over this way: a child cannot
//! register themselves, and a stranger with the child's number must not.

use ehealth_contracts::{PatientStatus, SdmBasis};

use crate::domain::authority::PERSON_REGISTERED;
use crate::domain::notices;
use crate::error::ApiResult;
use crate::store::outbox::OutboxRow;
use crate::store::patients::Patient;
use crate::store::{self, DbConn, family};

/// The record holding `id_hash` if the person's own registration may take it over: not
/// verified by the office, nobody holds it as an account, it has links, every one on the
/// `incapable` basis, and none ever granted authority.
pub(crate) fn held_only_by_pending(c: &mut DbConn, id_hash: &str) -> ApiResult<Option<Patient>> {
    let Some(p) = store::patients::find_by_id_hash(c, id_hash)? else {
        return Ok(None);
    };
    if p.status()? != PatientStatus::Unverified || store::passkeys::has_any(c, &p.id)? {
        return Ok(None);
    }
    let links = family::of_patient(c, &p.id)?;
    let never_granted = links
        .iter()
        .all(|l| l.basis == SdmBasis::Incapable.as_str() && l.granted_at.is_none());
    if links.is_empty() || !never_granted {
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
